// WeChat's stable access token: POST {apiBase}/cgi-bin/stable_token { grant_type: 'client_credential', appid, secret,
// force_refresh } -> { access_token, expires_in } (WeChat docs, 获取稳定版接口调用凭据; docs/en/deploy/upstream.md,
// "The token story"). Normal mode hands every caller the same valid token, so this proxy never invalidates the token
// another backend (or Authing) holds for the same appid, as cgi-bin/token would; force_refresh rotates it and is
// limited to 20 a day, 30 s apart.
import { scrubLogText } from '../../observability/scrub';
import { isRecord } from '../classify';
import { endpoint, postJson } from './post-json';
import type { FetchedToken, ForceRefreshBound, TokenSource } from './token-cache';

export const STABLE_TOKEN_PATH = '/cgi-bin/stable_token';
export const FORCE_REFRESH_BOUND: ForceRefreshBound = Object.freeze({ perDay: 20, minIntervalMs: 30_000 });

/** stable_token answered without a token: its HTTP status, errcode and errmsg (the secret removed from it). */
export class StableTokenRefused extends Error {
  constructor(
    readonly status: number,
    readonly errcode: number | undefined,
    readonly errmsg: string | undefined,
  ) {
    super(`stable_token refused (HTTP ${status}, errcode ${String(errcode)})`);
    this.name = 'StableTokenRefused';
  }
}

export function stableTokenSource(apiBase: string, appId: string, secret: string, timeoutMs: number): TokenSource {
  const url = endpoint(apiBase, STABLE_TOKEN_PATH);
  return {
    async fetch(force: boolean): Promise<FetchedToken> {
      const { status, body } = await postJson(url, { grant_type: 'client_credential', appid: appId, secret, force_refresh: force }, timeoutMs);
      if (isRecord(body) && typeof body.access_token === 'string' && typeof body.expires_in === 'number') {
        return { token: body.access_token, expiresInS: body.expires_in };
      }
      // e.g. 40125 invalid appsecret, 40013 invalid appid, 45009 daily limit: the errcode says which; the secret is not in it.
      const errcode = isRecord(body) && typeof body.errcode === 'number' ? body.errcode : undefined;
      const errmsg = isRecord(body) && typeof body.errmsg === 'string' ? scrubLogText(body.errmsg, secret) : undefined;
      throw new StableTokenRefused(status, errcode, errmsg);
    },
  };
}
