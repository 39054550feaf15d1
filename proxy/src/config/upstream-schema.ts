// The WeChat upstream's options checked (schema.ts holds the rest), and the rule tying `upstream` to its settings.
import * as v from 'valibot';
import { DEFAULTS } from './defaults';
import { ConfigError } from './options';
import { httpUrl, text } from './rules';
import {
  CLOUDBASE_WECHAT_API_BASE,
  DEFAULT_WECHAT_API_BASE,
  type CloudGetPhoneNumber,
  type ResolvedWechatOptions,
  type UpstreamName,
} from './upstream-options';

export const upstreamName = v.optional(v.picklist(['authing', 'wechat'], 'must be authing or wechat'), DEFAULTS.upstream);

export const wechatSchema = v.pipe(
  v.object({
    appId: v.pipe(text, v.regex(/^wx[0-9a-f]{16}$/i, 'must be a mini program appid, e.g. wx0123456789abcdef')),
    appSecret: v.optional(text),
    apiBase: v.optional(httpUrl),
    openApi: v.optional(v.picklist(['token', 'cloudbase'], 'must be token or cloudbase'), 'token'),
    bindOpenId: v.optional(v.boolean('must be true or false'), false),
    getPhoneNumber: v.optional(
      v.custom<CloudGetPhoneNumber>(
        (value) => typeof value === 'function',
        "must be a function: wx-server-sdk's cloud.openapi.phonenumber.getPhoneNumber",
      ),
    ),
  }),
  v.forward(
    v.partialCheck(
      [['appSecret'], ['openApi'], ['getPhoneNumber']],
      (input) => input.appSecret !== undefined || input.openApi === 'cloudbase' || input.getPhoneNumber !== undefined,
      "required: the mini program's AppSecret, for stable_token (or openApi 'cloudbase' on WeChat Cloud Hosting)",
    ),
    ['appSecret'],
  ),
  v.transform((input): ResolvedWechatOptions => ({
    ...input,
    apiBase: (input.apiBase ?? (input.openApi === 'cloudbase' ? CLOUDBASE_WECHAT_API_BASE : DEFAULT_WECHAT_API_BASE)).replace(/\/+$/, ''),
  })),
);

/** The chosen upstream's settings are there. */
export function checkUpstreamSettings(options: { upstream: UpstreamName; authing?: unknown; wechat?: unknown }): void {
  if (options.upstream === 'authing' && options.authing === undefined)
    throw new ConfigError('authing', 'required: the Authing application (or set upstream to wechat)');
  if (options.upstream === 'wechat' && options.wechat === undefined)
    throw new ConfigError('wechat', 'required when upstream is wechat: { appId, appSecret }');
}
