// The options of the WeChat upstream (docs/en/deploy/upstream.md); Authing's live in options.ts.

export type UpstreamName = 'authing' | 'wechat';

/**
 * How the WeChat upstream reaches getuserphonenumber: 'token' with an access token from stable_token (appSecret
 * required), or 'cloudbase' through WeChat Cloud Hosting's open API service, which adds the token itself.
 */
export type WechatOpenApi = 'token' | 'cloudbase';

/**
 * wx-server-sdk's `cloud.openapi.phonenumber.getPhoneNumber` (a cloud function passes it; the proxy does not depend on
 * wx-server-sdk). It resolves `{ errCode, errMsg, phoneInfo }` or rejects with an error carrying `errCode`.
 */
export type CloudGetPhoneNumber = (request: { code: string; openid?: string }) => Promise<unknown>;

export interface WechatOptions {
  /** The mini program's appid. */
  appId: string;
  /** Its AppSecret; required with openApi 'token'. Never logged. */
  appSecret?: string;
  /** Default https://api.weixin.qq.com (cloudbase: http://api.weixin.qq.com). Tests and private gateways point it elsewhere. */
  apiBase?: string;
  /** Default 'token'. */
  openApi?: WechatOpenApi;
  /** Send the caller's trusted openid so WeChat checks the code is that user's; default false (reports say it can fail). */
  bindOpenId?: boolean;
  /** Programmatic only: call WeChat through a cloud function's cloud.openapi instead of HTTP. */
  getPhoneNumber?: CloudGetPhoneNumber;
}

export interface ResolvedWechatOptions {
  appId: string;
  appSecret?: string;
  apiBase: string;
  openApi: WechatOpenApi;
  bindOpenId: boolean;
  getPhoneNumber?: CloudGetPhoneNumber;
}

export const DEFAULT_WECHAT_API_BASE = 'https://api.weixin.qq.com';
/** Cloud Hosting's open API service is reached over plain http (WeChat Cloud Hosting docs, 开放接口服务). */
export const CLOUDBASE_WECHAT_API_BASE = 'http://api.weixin.qq.com';
