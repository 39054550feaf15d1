import { createWxRequest } from './wx-request';

/** The appid in the Referer of the unit tests' requests; the proxy under test here does not check it. */
const UNIT_TEST_APPID = 'wx0000000000000000';

/**
 * Makes the simulated `wx.request` really talk HTTP with WeChat's semantics (see wx-request.ts), spied on so tests
 * can read the options each call got. `settled()` waits until every request has called `complete`.
 */
export function installWxRequestOverHttp() {
  const pending: Promise<void>[] = [];
  const overHttp = createWxRequest({ appid: UNIT_TEST_APPID });
  const spy = jest.spyOn(wx, 'request').mockImplementation((options) => {
    let done = () => {};
    pending.push(new Promise<void>((resolve) => (done = resolve)));
    return overHttp({
      ...options,
      complete: (result) => {
        options.complete?.(result);
        done();
      },
    });
  });
  return {
    spy,
    async settled(): Promise<void> {
      await Promise.all(pending);
    },
  };
}

/** A wx.request `success` result with the fields a real one always has (profile/exception details left out). */
export function requestSuccess(
  statusCode: number,
  data: unknown,
  header: Record<string, unknown> = {},
): WechatMiniprogram.RequestSuccessCallbackResult {
  const result = { statusCode, data, header, cookies: [], errMsg: 'request:ok' };
  return result as unknown as WechatMiniprogram.RequestSuccessCallbackResult;
}
