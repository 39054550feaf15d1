import { phoneError } from './errors';
import type { GetPhoneNumberDetail } from './types';

/** errno WeChat sets when the mini program has no quick-verification quota left. */
const NO_QUOTA_ERRNO = 1400001;

/**
 * Takes the one-time code out of a `getphonenumber` event detail, or throws a PhoneExchangeError saying why
 * there is none (`denied`, `no-quota`, `unsupported`, `wechat-failed`). Nothing is sent anywhere.
 */
export function readPhoneCode(detail: GetPhoneNumberDetail | null | undefined): string {
  const { errMsg, errno, code } = detail ?? {};
  const wechat = { errMsg, errno };

  if (errno === NO_QUOTA_ERRNO) {
    throw phoneError('no-quota', 'No phone-number quota left for this mini program', wechat);
  }
  if (errMsg !== undefined && !/:ok$/.test(errMsg)) {
    // Deny is spelled differently per platform and base library; every spelling contains "deny".
    throw /deny/.test(errMsg)
      ? phoneError('denied', 'The user did not allow access to the phone number', wechat)
      : phoneError('wechat-failed', 'WeChat could not provide a phone code', wechat);
  }
  if (typeof code !== 'string' || code === '') {
    // Base libraries before 2.21.2 answer with encryptedData/iv only.
    throw phoneError('unsupported', 'This WeChat version gives no phone code (base library 2.21.2+ needed)', wechat);
  }
  return code;
}
