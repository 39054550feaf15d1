// The WeChat upstream: POST {apiBase}/wxa/business/getuserphonenumber { code, openid? } (WeChat docs, 手机号快速验证
// 组件 server side). With openApi 'token' the access token (stable_token, wechat-token.ts) goes in the query; with
// 'cloudbase' Cloud Hosting's open API service adds it, so none is sent. The same HTTP machinery as Authing's
// (http-upstream.ts): admission, the deadline from the socket, "sent" once written, late answers kept.
//
// A token error (40001, 42001, 40014) is retried once with a fresh token. Whether WeChat checks the token before it
// reads (and spends) the code is not documented; the retry is safe either way: if the first call had spent the code,
// the retry is answered 40163 (code used), CODE_REJECTED, the same "tap again" the user would get without it; if not,
// the retry gets the phone. WxJava does the same for every mini program API (BaseWxMaServiceImpl re-executes a call
// after ACCESS_TOKEN_ERROR_CODES), getuserphonenumber included. The retry's outcome is the one remembered for the code.
import type { ResolvedWechatOptions } from '../../config';
import { HttpUpstream, startWithinMs } from './http-upstream';
import { endpoint } from './post-json';
import { TokenCache } from './token-cache';
import { callWithToken } from './token-call';
import type { PhoneUpstream, UpstreamCaller } from './types';
import { classifyWechat, TOKEN_ERRCODES, wechatErrcodeOf } from './wechat-classify';
import { FORCE_REFRESH_BOUND, stableTokenSource } from './wechat-token';
import type { SharedValues } from '../../store/shared-values';
import type { UpstreamCall } from '../upstream-call';

export const PHONE_NUMBER_PATH = '/wxa/business/getuserphonenumber';

export interface WechatUpstreamOptions {
  wechat: ResolvedWechatOptions;
  timeoutMs: number;
  maxConcurrency?: number;
  lateGraceMs?: number;
  /** Where the token is kept: this process's memory, or Redis shared by the instances. */
  tokenValues: SharedValues;
  onTokenFetch?: (force: boolean) => void;
  onTokenRetry?: () => void;
}

export function createWechatUpstream(options: WechatUpstreamOptions): PhoneUpstream {
  const { wechat, timeoutMs } = options;
  const url = endpoint(wechat.apiBase, PHONE_NUMBER_PATH);
  const http = new HttpUpstream({
    url,
    headers: {},
    timeoutMs,
    maxConcurrency: options.maxConcurrency,
    lateGraceMs: options.lateGraceMs,
    classify: classifyWechat,
  });
  const basePath = http.path;
  const bodyFor = (code: string, caller: UpstreamCaller): string =>
    JSON.stringify(wechat.bindOpenId && caller.openId !== undefined ? { code, openid: caller.openId } : { code });

  if (wechat.openApi === 'cloudbase' || wechat.appSecret === undefined) {
    return { call: (code, caller) => http.call(code, { body: bodyFor(code, caller) }), close: () => http.close() };
  }
  const tokens = new TokenCache({
    // One token per account and endpoint: a test sandbox or a private gateway never gets a token WeChat issued.
    key: `wechat-token:${wechat.appId}@${wechat.apiBase}`,
    source: stableTokenSource(wechat.apiBase, wechat.appId, wechat.appSecret, timeoutMs),
    values: options.tokenValues,
    timeoutMs: startWithinMs(timeoutMs),
    forceRefresh: FORCE_REFRESH_BOUND,
    onFetch: options.onTokenFetch,
  });
  const call = (code: string, caller: UpstreamCaller): UpstreamCall => {
    const body = bodyFor(code, caller);
    return callWithToken({
      tokens,
      send: (token) => http.call(code, { body, path: `${basePath}?access_token=${encodeURIComponent(token)}` }),
      rejectsToken: (outcome) => TOKEN_ERRCODES.has(wechatErrcodeOf(outcome) ?? 0),
      retry: true,
      // A token error comes at once; one that took longer is not worth a second wait.
      retryWithinMs: timeoutMs / 4,
      onRetry: options.onTokenRetry,
    });
  };
  return { call, close: () => http.close() };
}
