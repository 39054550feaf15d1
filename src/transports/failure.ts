import { phoneError, type PhoneExchangeError } from '../errors';

/** What `fail` callbacks of wx.request and wx.cloud.callFunction receive. */
export interface TransportFailure {
  errMsg?: string;
  errno?: number;
  errCode?: number;
}

/** A request that never got an answer: `timeout` when WeChat says so, otherwise `network`. */
export function transportFailure(failure: TransportFailure, timeout: number): PhoneExchangeError {
  const { errMsg, errno = failure.errCode } = failure;
  return /timeout/i.test(errMsg ?? '')
    ? timeoutError(timeout, { errMsg, errno })
    : phoneError('network', 'Could not reach the phone endpoint', { errMsg, errno });
}

export function timeoutError(timeout: number, extras: Pick<TransportFailure, 'errMsg' | 'errno'> = {}): PhoneExchangeError {
  return phoneError('timeout', `No answer from the phone endpoint within ${timeout} ms`, extras);
}
