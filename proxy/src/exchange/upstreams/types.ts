// The one small interface every upstream implements (docs/en/deploy/upstream.md): Authing (app or management mode) or
// WeChat (token, Cloud Hosting's open API service, or a cloud function's cloud.openapi). The exchange core, its single
// flight, store, rate limit, signing and hook sit above it and never know which one answered.
import type { UpstreamCall } from '../upstream-call';

export type { UpstreamCall } from '../upstream-call';

/** Who asked, as far as the exchange knows: the watermark check and WeChat's openid binding use it. */
export interface UpstreamCaller {
  /** The mini program's appid (from the Referer or a trusted gateway). */
  readonly appId?: string;
  /** The user's openid, only when a trusted platform supplied it. */
  readonly openId?: string;
}

export interface PhoneUpstream {
  /** Exchanges a phone code: the answer to give now and the outcome to remember. Never rejects. */
  call(code: string, caller: UpstreamCaller): UpstreamCall;
  /** Refuses calls not yet sent, waits for the others, then closes connections. */
  close(): Promise<void>;
}
