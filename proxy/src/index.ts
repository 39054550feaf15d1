// Public API of miniprogram-phone-proxy.
export { BODY_LIMIT_BYTES } from './request-body';
export { startProxy, type RunningProxy } from './server';
export { createNodeHandler, type NodeHandler } from './node-handler';
export { createFetchHandler, type FetchHandler, type FetchHandlerInfo } from './fetch-handler';
export {
  loadConfigFromEnv,
  resolveOptions,
  ConfigError,
  type ProxyOptions,
  type AuthingOptions,
  type AuthingLang,
  type EnvConfig,
  type ResolvedOptions,
} from './config';
export { errors, type ProxyErrorCode, type ProxyErrorDefinition, type FailureBody } from './errors';
export type { PhoneInfo } from './classify';
export type { SuccessBody } from './exchange-route';
export { EXCHANGE_PATH } from './authing-client';
export { startSandbox, runSandboxCli } from './sandbox';
export type { Sandbox, SandboxFault, SandboxOptions, SandboxPhone, SuccessShape } from './sandbox';
