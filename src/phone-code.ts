import { phoneError } from './errors';
import type { GetPhoneNumberDetail } from './types';

/** errno WeChat sets when the mini program has no quick-verification quota left. */
const NO_QUOTA_ERRNO = 1400001;
/**
 * WeChat's privacy guide (https://developers.weixin.qq.com/minigame/dev/guide/open-ability/privacy.html): errno 104
 * "privacy permission is not authorized" (the user has not agreed), 112 "api scope is not declared in the privacy
 * agreement" (the MP's 用户隐私保护指引 does not declare the phone number). WeChat staff advise matching the errMsg
 * (https://developers.weixin.qq.com/community/develop/doc/000eeafb418d88d523505d3556b400); every privacy errMsg
 * (also 1025/1026 "please go to mp to announce your privacy usage") says "privacy".
 */
const PRIVACY_ERRNOS = [104, 112];

/**
 * Takes the one-time code out of a `getphonenumber` event detail, or throws a PhoneExchangeError saying why
 * there is none (`denied`, `no-quota`, `privacy`, `unsupported`, `wechat-failed`). Nothing is sent anywhere.
 */
export function readPhoneCode(detail: GetPhoneNumberDetail | null | undefined): string {
  const { errMsg, errno, code } = detail ?? {};
  const wechat = { errMsg, errno };

  if (errno === NO_QUOTA_ERRNO) {
    throw phoneError('no-quota', 'No phone-number quota left for this mini program', wechat);
  }
  if (errMsg !== undefined && !/:ok$/.test(errMsg)) {
    if ((errno !== undefined && PRIVACY_ERRNOS.includes(errno)) || /privacy/i.test(errMsg)) {
      throw phoneError('privacy', 'The user has not agreed to the privacy policy, or it does not declare the phone number', wechat);
    }
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
