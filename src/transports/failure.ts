import { phoneError, type PhoneExchangeError } from '../errors';

/** What `fail` callbacks of wx.request, wx.cloud.callFunction and wx.cloud.callContainer receive. */
export interface TransportFailure {
  errMsg?: string;
  errno?: number;
  errCode?: number;
}

/** wx.cloud.callFunction's "Invoking task timed out": the function ran past its own limit (3 s by default). */
const CLOUD_FUNCTION_TIMED_OUT = -504003;
/** wx.cloud.callContainer's "请求超时" (Cloud Hosting call FAQ: https://developers.weixin.qq.com/minigame/dev/wxcloudrun/src/development/call/faq.md). */
const CONTAINER_TIMED_OUT = 102002;

/** How timeouts read: wx.request "timeout", wx.cloud "timed out", callContainer "请求超时" or its code in the text. */
const TIMED_OUT_TEXT = new RegExp(`time(d\\s?|\\s)?out|超时|\\b${CONTAINER_TIMED_OUT}\\b`, 'i');

/**
 * A request that never got an answer: `timeout` when WeChat says so, otherwise `network`. A timeout may have
 * spent the code; `network` says nothing arrived.
 */
export function transportFailure(failure: TransportFailure, timeout: number): PhoneExchangeError {
  const { errMsg, errno = failure.errCode } = failure;
  return TIMED_OUT_TEXT.test(errMsg ?? '') || errno === CLOUD_FUNCTION_TIMED_OUT || errno === CONTAINER_TIMED_OUT
    ? timeoutError(timeout, { errMsg, errno })
    : phoneError('network', 'Could not reach the phone endpoint', { errMsg, errno });
}

export function timeoutError(timeout: number, extras: Pick<TransportFailure, 'errMsg' | 'errno'> = {}): PhoneExchangeError {
  return phoneError('timeout', `No answer from the phone endpoint within ${timeout} ms`, extras);
}
