/** The sandboxes: local stand-ins for Authing's getWechatMiniprogramPhone (and its management token) and for WeChat's stable_token + getuserphonenumber, for dev and tests. */
export type { Sandbox, SandboxFault, SandboxOptions, SandboxPhone, SuccessShape } from './types';
export { EXCHANGE_PATH } from '../exchange/authing-client';
export { startSandbox, DEFAULT_CONNECTION_ID, DEFAULT_CODE_TTL_MS } from './sandbox';
export { WECHAT_ERRMSG } from './envelopes';
export { startWechatSandbox, WECHAT_SANDBOX_APPID, WECHAT_SANDBOX_SECRET } from './wechat-sandbox';
export type { WechatSandbox, WechatSandboxFault, WechatSandboxOptions } from './wechat-sandbox';
