import { phoneError, type PhoneExchangeError } from '../errors';

/** What `fail` callbacks of wx.request and wx.cloud.callFunction receive. */
export interface TransportFailure {
  errMsg?: string;
  errno?: number;
  errCode?: number;
}

/** wx.cloud.callFunction's "Invoking task timed out": the function ran past its own limit (3 s by default). */
const CLOUD_FUNCTION_TIMED_OUT = -504003;

/**
 * A request that never got an answer: `timeout` when WeChat says so (wx.request says "timeout", wx.cloud
 * "timed out"), otherwise `network`. A timeout may have spent the code; `network` says nothing arrived.
 */
export function transportFailure(failure: TransportFailure, timeout: number): PhoneExchangeError {
  const { errMsg, errno = failure.errCode } = failure;
  return /time(d\s?|\s)?out/i.test(errMsg ?? '') || errno === CLOUD_FUNCTION_TIMED_OUT
    ? timeoutError(timeout, { errMsg, errno })
    : phoneError('network', 'Could not reach the phone endpoint', { errMsg, errno });
}

export function timeoutError(timeout: number, extras: Pick<TransportFailure, 'errMsg' | 'errno'> = {}): PhoneExchangeError {
  return phoneError('timeout', `No answer from the phone endpoint within ${timeout} ms`, extras);
}
