// Mini program callers: wx.request sends a fixed Referer https://servicewechat.com/{appid}/{version}/page-frame.html
// (version: a number, 0 for develop/trial builds, 'devtools' in the IDE). This filters stray callers; it is not
// authentication, since any HTTP client can forge a Referer.
import type { IncomingHttpHeaders } from 'node:http';

const WECHAT_REFERER = /^https:\/\/servicewechat\.com\/([^/]+)\/([^/]+)\/page-frame\.html$/;

export interface CallerPolicy {
  allowedAppIds: readonly string[];
  allowDevtools: boolean;
  /** H5 callers whose Origin is allowed by CORS pass too (a browser cannot forge Origin). */
  corsOrigins: readonly string[];
}

/** Returns a check, or undefined when no allow-list is configured (every caller passes). */
export function createCallerCheck(policy: CallerPolicy): ((headers: IncomingHttpHeaders) => boolean) | undefined {
  if (policy.allowedAppIds.length === 0) return undefined;
  const appIds = new Set(policy.allowedAppIds);
  const origins = new Set(policy.corsOrigins);
  return (headers) => {
    const match = headers.referer === undefined ? null : WECHAT_REFERER.exec(headers.referer);
    if (match) {
      const [, appId, version] = match;
      return appIds.has(appId) && (/^\d+$/.test(version) || (version === 'devtools' && policy.allowDevtools));
    }
    return headers.origin !== undefined && origins.has(headers.origin);
  };
}
