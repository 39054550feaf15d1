import { phoneError } from '../errors';
import type { ContainerTransport } from '../types';
import type { ExchangeBody, ProxyAnswer } from './answer';
import { withinDeadline } from './deadline';
import { transportFailure } from './failure';
import { jsonHeaders } from './headers';

/** The proxy's route when the transport names none. */
export const DEFAULT_CONTAINER_PATH = '/phone';
/**
 * "callContainer 方法设置的 timeout 超时参数最大值不得大于 15 秒" (WeChat Cloud Hosting call FAQ,
 * https://developers.weixin.qq.com/minigame/dev/wxcloudrun/src/development/call/faq.md). A longer exchange
 * timeout still holds as our own deadline.
 */
const MAX_CONTAINER_TIMEOUT = 15000;
/** Our own deadline is a safety net for a call that never calls back: the platform's timeout answers first. */
const SAFETY_NET_MS = 1000;

/**
 * POSTs `{ code, nonce? }` as JSON to the Cloud Hosting service through WeChat's gateway, which adds the caller's
 * X-WX-APPID / X-WX-OPENID headers (https://developers.weixin.qq.com/miniprogram/dev/wxcloudservice/wxcloudrun/src/development/call/mini.md).
 * Like wx.request, HTTP 4xx/5xx arrive in `success` with `statusCode`; only a missing answer rejects. The page's own
 * headers (e.g. its session token) go along, except the gateway's X-WX-* names.
 */
export function callContainer(
  body: ExchangeBody,
  transport: ContainerTransport,
  timeout: number,
  header: Record<string, string>,
): Promise<ProxyAnswer> {
  const cloud = wx.cloud as WxCloud | undefined;
  if (typeof cloud?.callContainer !== 'function') {
    throw phoneError('misconfigured', 'The container transport needs wx.cloud.callContainer (base library 2.23.0+, call wx.cloud.init() first)');
  }
  return withinDeadline(
    timeout,
    (resolve, reject) =>
      cloud.callContainer({
        ...(transport.env !== undefined && { config: { env: transport.env } }),
        path: transport.path ?? DEFAULT_CONTAINER_PATH,
        method: 'POST',
        header: { ...jsonHeaders(header, true), 'X-WX-SERVICE': transport.service },
        data: body,
        dataType: 'json',
        timeout: Math.min(timeout, MAX_CONTAINER_TIMEOUT),
        success: (res) => resolve({ httpStatus: res.statusCode, body: res.data }),
        fail: (failure) => reject(transportFailure(failure, timeout)),
      }),
    SAFETY_NET_MS,
  );
}
