// Why a request was refused, in two voices: a fixed `reason` the client may see (the answer's `detail.reason`,
// never a value it sent or a setting) and, for the log only, the fix an operator can apply.
// docs/en/reference/errors.md ("Refusal reasons", both languages) lists them; keep the two in step.
import ipaddr from 'ipaddr.js';
import { errors, type ProxyErrorDefinition, type ProxyFailure } from '../contract/errors';
import type { AllowListRefusal } from './caller';

const ALLOW_LIST_FIXES: Readonly<Record<AllowListRefusal, string>> = {
  'appid-not-allowed': 'the Referer names a mini program appid that ALLOWED_APPIDS does not list: add it there if the mini program is yours',
  devtools: 'devtools Referer: set ALLOW_DEVTOOLS=true for development',
  'origin-not-allowed': 'an H5 page whose Origin CORS_ORIGINS does not list: add its exact origin there if the page is yours',
  'no-referer':
    'no Referer: wx.request always sends https://servicewechat.com/{appid}/..., so this is another client (curl, a server, a console test call); with ALLOWED_APPIDS set only mini programs pass',
  'malformed-referer': "a Referer that is not WeChat's https://servicewechat.com/{appid}/{version}/page-frame.html: not a mini program's wx.request",
  'gateway-identity-missing':
    "TRUST_WECHAT_GATEWAY is on but the request carries no X-WX-APPID from WeChat Cloud Hosting's gateway: call through wx.cloud.callContainer, or set TRUST_WECHAT_GATEWAY=false when the proxy is not behind that gateway",
  'not-mini-program-source':
    "a cloud function invocation whose source (the platform's TCB_SOURCE) is not a mini program's wx.cloud.callFunction: HTTP access, a timer or another function; only mini program calls are served",
  'no-userinfo':
    "the cloud function was invoked without the mini program's identity (userInfo.appId): only wx.cloud.callFunction from a mini program carries it; the cloud console's test button does not",
};

function refusal(definition: ProxyErrorDefinition, reason: string, fix: string): ProxyFailure {
  return Object.freeze({ definition, reason, detail: Object.freeze({ reason, fix }) });
}

const FORBIDDEN_BY_REASON = Object.fromEntries(
  Object.entries(ALLOW_LIST_FIXES).map(([reason, fix]) => [reason, refusal(errors.ORIGIN_FORBIDDEN, reason, fix)]),
) as Readonly<Record<AllowListRefusal, ProxyFailure>>;

/** 403 ORIGIN_FORBIDDEN saying why (answer) and how to fix it (log). */
export function forbidden(reason: AllowListRefusal): ProxyFailure {
  return FORBIDDEN_BY_REASON[reason];
}

/** Why a CORS preflight was refused. */
export type PreflightRefusal = 'origin-not-allowed' | 'no-origin';

export const PREFLIGHT_REFUSED: Readonly<Record<PreflightRefusal, ProxyFailure>> = {
  'origin-not-allowed': refusal(
    errors.ORIGIN_FORBIDDEN,
    'origin-not-allowed',
    'CORS preflight from an origin CORS_ORIGINS does not list: add its exact origin (scheme://host[:port]) there',
  ),
  'no-origin': refusal(errors.ORIGIN_FORBIDDEN, 'no-origin', 'CORS preflight without an Origin header: not a browser, nothing to allow'),
};

/** Address ranges that are never a user's own: one of them as the key means every client shares it. */
const SHARED_RANGES = new Set(['private', 'loopback', 'linkLocal', 'uniqueLocal', 'carrierGradeNat']);

/** Which rate limit refused: per address, per user (openid), or a bucket many callers share (cloud:...). */
export type RateLimitReason = 'rate-limit-per-address' | 'rate-limit-per-user' | 'rate-limit-shared';

/**
 * 429 RATE_LIMITED saying which key counted. The log names a private address (never a user's public one) with the
 * likely fix: behind a load balancer without TRUST_PROXY every user counts as the balancer.
 */
export function rateLimited(rateLimitKey: string, retryAfterSeconds: number, trustProxy: boolean | string | number): ProxyFailure {
  let reason: RateLimitReason = 'rate-limit-per-address';
  let fix = 'one client address sent more than RATE_LIMIT_MAX requests in RATE_LIMIT_WINDOW_MS';
  let address: string | undefined;
  if (rateLimitKey.startsWith('openid:')) {
    reason = 'rate-limit-per-user';
    fix = 'one user (openid) sent more than RATE_LIMIT_MAX requests in RATE_LIMIT_WINDOW_MS';
  } else if (rateLimitKey.startsWith('cloud:')) {
    reason = 'rate-limit-shared';
    fix = 'calls without an openid (console tests, timers, server SDKs) share one bucket: raise RATE_LIMIT_MAX or call from the mini program';
  } else if (ipaddr.isValid(rateLimitKey) && SHARED_RANGES.has(ipaddr.process(rateLimitKey).range())) {
    address = rateLimitKey;
    fix =
      trustProxy === false
        ? `the client address ${rateLimitKey} is private: behind a load balancer or reverse proxy every user shares it; set TRUST_PROXY to that proxy (e.g. TRUST_PROXY=${rateLimitKey}) so each user counts by X-Forwarded-For`
        : `the client address ${rateLimitKey} is private: check that TRUST_PROXY covers every proxy in front (X-Forwarded-For is read only through trusted hops)`;
  }
  return { definition: errors.RATE_LIMITED, retryAfterSeconds, reason, detail: { reason, fix, ...(address !== undefined && { address }) } };
}
