// Who calls a WeChat cloud function, as the platform says. The platform sets a per-invocation context in the
// function's environment; wx-server-sdk's getWXContext() only reads it back (wx-server-sdk 4.0.2 on npm, module
// src/api/utils/api/getWXContext.ts of its bundle): `WX_CONTEXT_KEYS` lists the variables of this invocation
// (`WX_OPENID`, `WX_APPID`, `WX_UNIONID`, ...; the `WX_` prefix is dropped from the names it returns) and
// `TCB_SOURCE` says what triggered it. WeChat documents that context (OPENID, APPID, UNIONID, FROM_*, SOURCE) at
// https://developers.weixin.qq.com/miniprogram/dev/wxcloud/reference-sdk-api/utils/Cloud.getWXContext.html and says
// to read it inside main only ("请不要在 exports.main 外使用 getWXContext"). The event, by contrast, is the caller's own
// data: a `userInfo` in it is believed only where that context is absent (tests, a local run, an old runtime).
import type { Caller } from '../guards/caller';

/**
 * Calls that carry no openid (the console's test button, a timer trigger, a server SDK) share this rate-limit bucket.
 * They carry no appid either, so an ALLOWED_APPIDS list refuses them outright.
 */
export const NO_OPENID_BUCKET = 'cloud:no-openid';

/** The invocation context's fields we read, named as getWXContext() names them. */
export interface WxContext {
  readonly [name: string]: string | undefined;
}

/**
 * SOURCE values (Cloud.getWXContext's table): wx_client is a mini program's call; wx_devtools and wx_localdebug are
 * the developer tool's. A chain such as `wx_client,scf` (a function that called us) and every other trigger
 * (wx_http, wx_trigger, scf, ...) is not a mini program's call.
 */
const MINI_PROGRAM_SOURCE = 'wx_client';
const DEVTOOLS_SOURCES = new Set(['wx_devtools', 'wx_localdebug']);

export type SourceKind = 'mini-program' | 'devtools' | 'other';

export function sourceKind(source: string | undefined): SourceKind {
  if (source === MINI_PROGRAM_SOURCE) return 'mini-program';
  return source !== undefined && DEVTOOLS_SOURCES.has(source) ? 'devtools' : 'other';
}

const nonEmptyString = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * This invocation's context, read as getWXContext() reads it, or undefined when the platform set none
 * (`WX_CONTEXT_KEYS` unset or empty, where getWXContext() returns {}). Read it before the first await of main.
 */
export function readWxContext(env: NodeJS.ProcessEnv): WxContext | undefined {
  const keys = env.WX_CONTEXT_KEYS?.split(',').filter(Boolean) ?? [];
  if (keys.length === 0) return undefined;
  const context: Record<string, string | undefined> = {};
  for (const key of keys) {
    const name = key.startsWith('WX_') && key.length > 3 ? key.slice(3) : key;
    context[name] = nonEmptyString(env[key]);
  }
  if (env.TCB_SOURCE) context.SOURCE = env.TCB_SOURCE;
  return context;
}

/**
 * The caller the context names. Under resource sharing (跨账号调用) OPENID is absent and FROM_OPENID / FROM_APPID /
 * FROM_UNIONID name the calling user and mini program: one identity, never a mix (as with Cloud Hosting's gateway).
 */
export function callerFromContext(context: WxContext, devtools: boolean): Caller {
  const prefix = context.OPENID === undefined && context.FROM_OPENID !== undefined ? 'FROM_' : '';
  const appId = context[`${prefix}APPID`];
  const openId = context[`${prefix}OPENID`];
  const unionId = context[`${prefix}UNIONID`];
  return {
    ...(appId !== undefined && { appId }),
    ...(openId !== undefined && { openId }),
    ...(unionId !== undefined && { unionId }),
    ...(devtools && { devtools }),
    rateLimitKey: openId === undefined ? NO_OPENID_BUCKET : `openid:${openId}`,
  };
}

/**
 * The caller an event's `userInfo` names: WeChat's older guide "获取小程序用户信息" has the platform inject
 * `userInfo` (openId, appId) into the event (https://developers.weixin.qq.com/miniprogram/dev/wxcloud/guide/functions/userinfo.html).
 * No WeChat document says a `userInfo` the client puts in its data is overwritten: only the fallback.
 */
export function callerFromEvent(event: unknown): Caller {
  try {
    const userInfo = typeof event === 'object' && event !== null ? (event as { userInfo?: unknown }).userInfo : undefined;
    const { appId, openId } = (typeof userInfo === 'object' && userInfo !== null ? userInfo : {}) as { appId?: unknown; openId?: unknown };
    const caller = { appId: nonEmptyString(appId), openId: nonEmptyString(openId) };
    const rateLimitKey = caller.openId === undefined ? NO_OPENID_BUCKET : `openid:${caller.openId}`;
    return { ...caller, rateLimitKey, ...(caller.appId === undefined && { unidentified: 'no-userinfo' as const }) };
  } catch {
    // Only an in-process caller can hand over an object whose reading throws (the platform passes parsed JSON).
    return { rateLimitKey: NO_OPENID_BUCKET, unidentified: 'no-userinfo' };
  }
}
