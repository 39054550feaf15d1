// Whether WeChat answers this configuration (UPSTREAM=wechat), proved without spending a user's code
// (docs/en/deploy/server.md, "Before starting: check"):
// - token mode: stable_token hands out a token (the appid, the secret and the IP whitelist are right), then
//   getuserphonenumber refuses the probe code (probe-code.ts) as invalid, 40029: the token works for this appid's phone
//   API. Nothing is stored: the probe keeps the token in memory only, never prints it, and never shares it.
// - cloudbase: getuserphonenumber through Cloud Hosting's open API service, no token; 40029 proves the service adds one
//   for this API. Which mini program that token belongs to cannot be probed: only a real phone's watermark shows it.
// stable_token's errcodes for a wrong setting (WeChat docs: getStableAccessToken, and the global return codes): 40013
// invalid appid, 40125 invalid appsecret, 40164 "invalid ip ..., not in whitelist" (its errmsg names the IP: the format
// is from answers quoted in WeChat's developer community, not a documented contract, so the IP is shown only when found).
import { performance } from 'node:perf_hooks';
import type { ResolvedOptions, ResolvedWechatOptions } from '../config';
import type { UpstreamOutcome } from '../contract/types';
import { HttpUpstream } from '../exchange/upstreams/http-upstream';
import { endpoint } from '../exchange/upstreams/post-json';
import { classifyWechat } from '../exchange/upstreams/wechat-classify';
import { PHONE_NUMBER_PATH } from '../exchange/upstreams/wechat-upstream';
import { StableTokenRefused, stableTokenSource } from '../exchange/upstreams/wechat-token';
import { fail, pass, warn, type CheckLine } from './lines';
import { noAnswer } from './no-answer';
import { PROBE_CODE } from './probe-code';

const TOKEN = 'WeChat token';
const PHONE_API = 'WeChat phone API';
const REACH_FIX = 'that this machine reaches it: DNS, firewall, outbound proxy';
const BASE_FIX = `WECHAT_API_BASE must be https://api.weixin.qq.com (unset it for the default) or a gateway that forwards to it`;

type WechatConfig = ResolvedOptions & { wechat: ResolvedWechatOptions };

export async function probeWechat(config: WechatConfig): Promise<CheckLine[]> {
  const { wechat } = config;
  if (wechat.openApi === 'cloudbase' || wechat.appSecret === undefined) {
    return [
      await probePhoneApi(config, undefined),
      warn(
        'WeChat appid',
        `not checked with WECHAT_OPENAPI=cloudbase: the open API service uses its own mini program's token`,
        `WECHAT_APPID (${wechat.appId}) must be the mini program of this Cloud Hosting environment; a real phone answer whose watermark names another appid is refused`,
      ),
    ];
  }
  const started = performance.now();
  const token = await fetchToken(wechat, config.upstreamTimeoutMs);
  const ms = Math.round(performance.now() - started);
  if (typeof token !== 'string') return [{ ...token, ms }, fail(PHONE_API, 'not checked: no token', 'fix the line above first')];
  return [pass(TOKEN, `stable_token at ${shown(wechat.apiBase)} issued a token for ${wechat.appId}`, ms), await probePhoneApi(config, token)];
}

/** A token from stable_token, or the line saying why none came. */
async function fetchToken(wechat: ResolvedWechatOptions, timeoutMs: number): Promise<string | CheckLine> {
  const base = shown(wechat.apiBase);
  // Normal mode only: force_refresh would void the token every running instance (and any other backend of this appid)
  // holds, and WeChat allows 20 a day; normal mode hands out the token they already share.
  const source = stableTokenSource(wechat.apiBase, wechat.appId, wechat.appSecret!, timeoutMs);
  try {
    return (await source.fetch(false)).token;
  } catch (error) {
    if (!(error instanceof StableTokenRefused)) {
      const why = (error as Error).message.replace(/^token endpoint [^:]*: /, '');
      return fail(TOKEN, `${base}: ${/^no answer/.test(why) ? why : `cannot connect (${why})`}`, `check WECHAT_API_BASE and ${REACH_FIX}`);
    }
    const { errcode, errmsg, status } = error;
    if (errcode === 40013)
      return fail(
        TOKEN,
        `WeChat says WECHAT_APPID ${wechat.appId} is invalid (errcode 40013)`,
        "WECHAT_APPID must be your mini program's AppID (mp.weixin.qq.com: 开发管理 → 开发设置)",
      );
    if (errcode === 40125)
      return fail(
        TOKEN,
        `WeChat says the AppSecret is invalid for ${wechat.appId} (errcode 40125)`,
        'WECHAT_APP_SECRET (or WECHAT_APP_SECRET_FILE) must be the current AppSecret of WECHAT_APPID (开发管理 → 开发设置; resetting it voids the old one)',
      );
    if (errcode === 40164) {
      const ip = /invalid ip (\S+)/.exec(errmsg ?? '')?.[1]?.replace(/,$/, '');
      return fail(
        TOKEN,
        `WeChat refuses this machine's IP address${ip ? ` ${ip}` : ''}: not in the IP whitelist (errcode 40164)`,
        "add this server's outbound IP address to the mini program's IP whitelist (开发管理 → 开发设置 → IP白名单)",
      );
    }
    if (errcode === undefined) return fail(TOKEN, `stable_token at ${base} answered HTTP ${status} without WeChat's JSON`, BASE_FIX);
    return fail(
      TOKEN,
      `stable_token at ${base} refused: errcode ${errcode}${errmsg ? ` (${errmsg})` : ''}`,
      "look the errcode up in WeChat's global return codes; compare WECHAT_APPID and WECHAT_APP_SECRET with 开发管理 → 开发设置",
    );
  }
}

/** getuserphonenumber with the probe code: with the token, or through Cloud Hosting's open API service without one. */
async function probePhoneApi({ wechat, upstreamTimeoutMs }: WechatConfig, token: string | undefined): Promise<CheckLine> {
  const http = new HttpUpstream({
    url: endpoint(wechat.apiBase, PHONE_NUMBER_PATH),
    headers: {},
    timeoutMs: upstreamTimeoutMs,
    classify: classifyWechat,
  });
  const path = token === undefined ? undefined : `${http.path}?access_token=${encodeURIComponent(token)}`;
  const started = performance.now();
  let outcome: UpstreamOutcome;
  try {
    outcome = await http.call(PROBE_CODE, { body: JSON.stringify({ code: PROBE_CODE }), path }).answer;
  } finally {
    await http.close();
  }
  const ms = Math.round(performance.now() - started);
  const base = shown(wechat.apiBase);
  const why = noAnswer(outcome, upstreamTimeoutMs);
  if (why !== undefined) return fail(PHONE_API, `${base}: ${why}`, `check WECHAT_API_BASE and ${REACH_FIX}`, ms);
  if (outcome.ok) return fail(PHONE_API, 'the probe code was answered with a phone number: this is not WeChat answering', BASE_FIX, ms);
  const errcode = outcome.failure.detail?.wechatErrcode;
  const said =
    typeof errcode === 'number'
      ? `getuserphonenumber answered errcode ${errcode}`
      : `getuserphonenumber answered ${outcome.failure.definition.error}`;
  if (errcode === 40029) {
    const how = token === undefined ? "Cloud Hosting's open API service added the token" : `the token works for ${wechat.appId}`;
    return pass(PHONE_API, `${how}; the probe code was refused as invalid (40029), as it should be`, ms);
  }
  if (errcode === 41001 && token === undefined)
    return fail(
      PHONE_API,
      `${said} (access_token missing): ${base} is not Cloud Hosting's open API service`,
      'run check inside the Cloud Hosting service with 开放接口服务 on, or set WECHAT_OPENAPI=token with WECHAT_APP_SECRET',
      ms,
    );
  if (errcode === 45011) return warn(PHONE_API, `${said}: throttled, not judged`, 'run check again in a minute', ms);
  if (token === undefined)
    // What the open API service answers for an API missing from its permissions is not documented (unconfirmed).
    return fail(
      PHONE_API,
      said,
      'in the Cloud Hosting console turn 开放接口服务 on and add /wxa/business/getuserphonenumber to 微信令牌权限配置',
      ms,
    );
  return fail(PHONE_API, said, `a token that stable_token just issued was not accepted: ${BASE_FIX}; compare WECHAT_APPID with the mini program`, ms);
}

/** The API base as printed: its origin and path, never credentials. */
function shown(apiBase: string): string {
  const url = new URL(apiBase);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
