// Public API of miniprogram-phone-proxy.
export { buildApp, BODY_LIMIT_BYTES } from './app';
export { startProxy, type RunningProxy } from './server';
export { createNodeHandler, createFetchHandler, type NodeHandler, type FetchHandler, type FetchHandlerInfo } from './serverless';
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
