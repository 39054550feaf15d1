// The exchange as a WeChat cloud development (云开发) function: `exports.main = createCloudFunction(options)`.
// The platform calls main(event, context) with the `data` the mini program passed to wx.cloud.callFunction, plus the
// `userInfo` it injects; whatever main resolves with reaches the caller as `result`: our success DTO or error envelope.
import type { FailureBody } from '../errors';
import type { ProxyOptions } from '../config';
import type { Caller } from '../guards/caller';
import type { ProxyMetrics } from '../observability/metrics';
import { createPhoneExchange, type SuccessBody } from '../exchange/phone-exchange';

/** A cloud function entry point; `close()` ends the upstream connections (later calls answer 503). */
export interface CloudFunction {
  (event: unknown, context?: unknown): Promise<SuccessBody | FailureBody>;
  close(): Promise<void>;
  /** This container's counters (a cloud function has no /metrics route): e.g. log `metrics.registry.metrics()`. */
  readonly metrics: ProxyMetrics;
}

/**
 * Calls that carry no openid (the console's test button, a timer trigger, a server SDK) share this rate-limit bucket.
 * They carry no appid either, so an ALLOWED_APPIDS list refuses them outright.
 */
export const NO_OPENID_BUCKET = 'cloud:no-openid';

const nonEmptyString = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * Who is calling, as the platform says. WeChat's guide "获取小程序用户信息": when a mini program calls a cloud
 * function, "云函数的第一个参数 event 会被注入一个 userInfo 对象，其中含有 openId 字段和 appId 字段", and the
 * developer "无需校验 openid 的正确性" (https://developers.weixin.qq.com/miniprogram/dev/wxcloud/guide/functions/userinfo.html,
 * older revision mirrored at https://bookstack.cn/read/wxcloud/24.md; the current revision recommends
 * wx-server-sdk's getWXContext() for the same facts). Every other field of the event is the caller's own data.
 * Not found in any WeChat document: an explicit statement that a `userInfo` the client puts in its data is overwritten.
 */
export function callerFromEvent(event: unknown): Caller {
  const userInfo = typeof event === 'object' && event !== null ? (event as { userInfo?: unknown }).userInfo : undefined;
  const { appId, openId } = (typeof userInfo === 'object' && userInfo !== null ? userInfo : {}) as { appId?: unknown; openId?: unknown };
  const caller = { appId: nonEmptyString(appId), openId: nonEmptyString(openId) };
  return { ...caller, rateLimitKey: caller.openId === undefined ? NO_OPENID_BUCKET : `openid:${caller.openId}`, ...(caller.appId === undefined && { unidentified: 'no-userinfo' as const }) };
}

/**
 * Validates the options (throws ConfigError) and returns the entry point. Call it once at module level: a warm
 * container then reuses one exchange across invocations, so its de-duplication and rate-limit counters last as long
 * as the container (each container keeps its own). HTTP-only options (routePath, requestTimeoutMs, corsOrigins,
 * trustProxy) have no effect here.
 */
export function createCloudFunction(options: ProxyOptions): CloudFunction {
  const core = createPhoneExchange(options);
  const main = async (event: unknown): Promise<SuccessBody | FailureBody> => {
    // The event is already parsed: it is the body. readExchangeInput answers INVALID_REQUEST for anything but an object.
    let caller: Caller;
    try {
      caller = callerFromEvent(event);
    } catch {
      // Only an in-process caller can hand over an object whose reading throws (the platform passes parsed JSON).
      caller = { rateLimitKey: NO_OPENID_BUCKET };
    }
    const answer = await core.exchange({ caller, readBody: () => ({ body: event }) });
    return answer.body;
  };
  return Object.assign(main, { close: () => core.close(), metrics: core.metrics });
}
