// Who is calling, as each runtime can tell, and the appid allow-list that checks it.
// wx.request sends a fixed Referer https://servicewechat.com/{appid}/{version}/page-frame.html (version: a number, 0 for
// develop/trial builds, 'devtools' in the IDE). That filters stray callers; it is not authentication, since any HTTP
// client can forge a Referer. Platforms that know the user (a cloud function's event, a trusted gateway) say more.
import type { IncomingHttpHeaders } from 'node:http';

/** What a runtime knows about the caller of one exchange. */
export interface Caller {
  /** The mini program's appid: from the Referer (a filter only), or from a trusted platform. */
  readonly appId?: string;
  /** The Referer says the WeChat developer tool. */
  readonly devtools?: boolean;
  /** The user's openid, only when a trusted platform supplied it (never from a header anyone can send). */
  readonly openId?: string;
  /** The user's unionid, when a trusted platform supplied it. */
  readonly unionId?: string;
  /** The H5 page's Origin, for callers allowed by CORS. */
  readonly origin?: string;
  /** The key the rate limit counts under: the openid when trusted, otherwise the client's address. */
  readonly rateLimitKey: string;
  /** Why no appid is known, when none is: said in an allow-list refusal (guards/refusals.ts). */
  readonly unidentified?: UnidentifiedReason;
}

/** Why a caller names no appid: no Referer, one that is not WeChat's, no gateway identity, no platform userInfo. */
export type UnidentifiedReason = 'no-referer' | 'malformed-referer' | 'gateway-identity-missing' | 'no-userinfo';

/** The appid part is bounded (WeChat's are wx + 16 hex; the IDE's tourist mode says touristappid): it may end up in a signed claim. */
const WECHAT_REFERER = /^https:\/\/servicewechat\.com\/([A-Za-z0-9_-]{1,32})\/([^/]+)\/page-frame\.html$/;

/**
 * A caller known by its HTTP headers and address: the identity WeChat's Cloud Hosting gateway injected when
 * `trustWechatGateway` is on and the request came through it, else the Referer's appid, or an H5 Origin.
 */
export function callerFromHeaders(headers: IncomingHttpHeaders, clientAddress: string, trustWechatGateway = false): Caller {
  const gateway = trustWechatGateway ? gatewayCaller(headers, clientAddress) : undefined;
  if (gateway) return gateway;
  const match = headers.referer === undefined ? null : WECHAT_REFERER.exec(headers.referer);
  if (match) {
    const [, appId, version] = match;
    // A version that is neither a number nor 'devtools' is no WeChat Referer: it names no appid.
    if (/^\d+$/.test(version)) return { appId, rateLimitKey: clientAddress };
    if (version === 'devtools') return { appId, devtools: true, rateLimitKey: clientAddress };
  }
  return { origin: headers.origin, rateLimitKey: clientAddress, unidentified: unidentifiedBy(headers, trustWechatGateway) };
}

function unidentifiedBy(headers: IncomingHttpHeaders, trustWechatGateway: boolean): UnidentifiedReason {
  if (trustWechatGateway) return 'gateway-identity-missing';
  return headers.referer === undefined ? 'no-referer' : 'malformed-referer';
}

/**
 * The headers WeChat Cloud Hosting's gateway injects into a callContainer request: X-WX-SOURCE (its presence is
 * how to tell the request came from WeChat), X-WX-APPID, X-WX-OPENID, X-WX-UNIONID; under resource reuse
 * (资源复用) X-WX-OPENID is absent and X-WX-FROM-OPENID / X-WX-FROM-APPID name the calling user and mini program.
 * https://developers.weixin.qq.com/miniprogram/dev/wxcloudservice/wxcloudrun/src/development/weixin/index.md
 * Trusted only when the service's public network access (公网访问) is off: then nobody but the gateway reaches it.
 * A request without X-WX-SOURCE, or with neither appid nor openid, did not come through the gateway: undefined.
 */
function gatewayCaller(headers: IncomingHttpHeaders, clientAddress: string): Caller | undefined {
  if (header(headers, 'x-wx-source') === undefined) return undefined;
  // One identity, never a mix: the direct user's headers, or under resource reuse the FROM ones, together.
  const prefix = header(headers, 'x-wx-openid') === undefined && header(headers, 'x-wx-from-openid') !== undefined ? 'x-wx-from-' : 'x-wx-';
  const appId = header(headers, `${prefix}appid`);
  const openId = header(headers, `${prefix}openid`);
  if (appId === undefined && openId === undefined) return undefined;
  const unionId = header(headers, `${prefix}unionid`);
  return {
    ...(appId !== undefined && { appId }),
    ...(openId !== undefined && { openId }),
    ...(unionId !== undefined && { unionId }),
    ...(appId === undefined && { unidentified: 'gateway-identity-missing' as const }),
    // Per user: every user arrives from the gateway's few addresses, and one user cannot spread over many.
    rateLimitKey: openId === undefined ? clientAddress : `openid:${openId}`,
  };
}

/** One header's trimmed value, or undefined when absent, empty, or sent twice (Node joins repeats with ", "). */
function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' && value.trim() !== '' && !value.includes(',') ? value.trim() : undefined;
}

export interface AllowListPolicy {
  allowedAppIds: readonly string[];
  allowDevtools: boolean;
  /** H5 callers whose Origin is allowed by CORS pass too (a browser cannot forge Origin). */
  corsOrigins: readonly string[];
}

/** Why the allow-list refused a caller (the answer's `detail.reason`; the fix for each is in guards/refusals.ts). */
export type AllowListRefusal = 'appid-not-allowed' | 'devtools' | 'origin-not-allowed' | 'not-mini-program-source' | UnidentifiedReason;

/** Returns a check (undefined: allowed, else why not), or undefined when no allow-list is configured. */
export function createAllowList(policy: AllowListPolicy): ((caller: Caller) => AllowListRefusal | undefined) | undefined {
  if (policy.allowedAppIds.length === 0) return undefined;
  const appIds = new Set(policy.allowedAppIds);
  const origins = new Set(policy.corsOrigins);
  return (caller) => {
    if (caller.appId !== undefined) {
      if (!appIds.has(caller.appId)) return 'appid-not-allowed';
      return caller.devtools && !policy.allowDevtools ? 'devtools' : undefined;
    }
    if (caller.origin !== undefined) return origins.has(caller.origin) ? undefined : 'origin-not-allowed';
    return caller.unidentified ?? 'no-referer';
  };
}
