// The Authing upstream: POST {appHost}/api/v3/get-wechat-miniprogram-phone (HttpUpstream: admission, the deadline from
// the socket, "sent" once written, late answers kept). App mode sends the app or user pool id, as @authing/miniapp does;
// management mode (accessKeyId + accessKeySecret) adds a management token as a bearer token (upstreams/authing-management.ts).
// Both modes call the same path: Authing's SDKs (Node, Go, Java, PHP) define getWechatMiniprogramPhone on this one
// endpoint only; no management-side variant was found (unconfirmed beyond those sources).
import type { UpstreamOutcome } from '../contract/types';
import { classifyResponse } from './classify';
import { AUTHING_HEADERS, type AuthingOptions } from '../config';
import type { UpstreamCall } from './upstream-call';
import { HttpUpstream, startWithinMs } from './upstreams/http-upstream';
import { authingManagementTokens } from './upstreams/authing-management';
import { endpoint } from './upstreams/post-json';
import { TokenCache } from './upstreams/token-cache';
import { callWithToken } from './upstreams/token-call';
import type { PhoneUpstream } from './upstreams/types';
import { memorySharedValues, type SharedValues } from '../store/shared-values';

export type { UpstreamCall } from './upstream-call';
export { startWithinMs };

export const EXCHANGE_PATH = '/api/v3/get-wechat-miniprogram-phone';

export interface AuthingClientOptions extends AuthingOptions {
  /** From the socket to the answer. */
  timeoutMs: number;
  /** Calls at once, and connections in the pool; default 128. */
  maxConcurrency?: number;
  /** How long a call answered 504 goes on for a late answer; default 0 (none). */
  lateGraceMs?: number;
  /** Management mode: where the token is kept (shared by instances on Redis); default this client's memory. */
  tokenValues?: SharedValues;
  /** Each management token fetch, for the metrics. */
  onTokenFetch?: (force: boolean) => void;
}

export class AuthingClient implements PhoneUpstream {
  private readonly http: HttpUpstream;
  private readonly connection: string;
  private readonly tokens: TokenCache | undefined;

  constructor(options: AuthingClientOptions) {
    this.connection = options.extIdpConnidentifier;
    const headers: Record<string, string> = {};
    if (options.appId !== undefined) headers[AUTHING_HEADERS.appId] = options.appId;
    const userPoolId = options.userPoolId ?? options.accessKeyId;
    if (userPoolId !== undefined) headers[AUTHING_HEADERS.userPoolId] = userPoolId;
    if (options.lang !== undefined) headers[AUTHING_HEADERS.lang] = options.lang;
    const { timeoutMs, maxConcurrency, lateGraceMs } = options;
    this.http = new HttpUpstream({
      url: endpoint(options.appHost, EXCHANGE_PATH),
      headers,
      timeoutMs,
      maxConcurrency,
      lateGraceMs,
      classify: classifyResponse,
    });
    if (options.accessKeyId !== undefined && options.accessKeySecret !== undefined) {
      this.tokens = new TokenCache({
        key: `authing-token:${options.accessKeyId}@${options.appHost}`,
        source: authingManagementTokens(options.appHost, options.accessKeyId, options.accessKeySecret, timeoutMs),
        values: options.tokenValues ?? memorySharedValues(),
        timeoutMs: startWithinMs(timeoutMs),
        onFetch: options.onTokenFetch,
      });
    }
  }

  /** Exchanges a phone code: the answer to give now, and the outcome to remember (a late answer, see UpstreamCall). */
  call(code: string): UpstreamCall {
    const body = JSON.stringify({ code, extIdpConnidentifier: this.connection });
    if (!this.tokens) return this.http.call(code, { body });
    return callWithToken({
      tokens: this.tokens,
      send: (token) => this.http.call(code, { body, headers: { authorization: `Bearer ${token}` } }),
      // Authing answers 401 for a management token it no longer accepts.
      rejectsToken: (outcome) => !outcome.ok && outcome.failure.detail?.upstreamStatusCode === 401,
      retry: false,
    });
  }

  /** Exchanges a phone code: the answer to give now. Never rejects: every failure is classified into an outcome. */
  exchange(code: string): Promise<UpstreamOutcome> {
    return this.call(code).answer;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
