// Public API of miniprogram-phone-proxy.
export { BODY_LIMIT_BYTES } from './guards/request-body';
export { startProxy, type RunningProxy } from './runtimes/server';
export { createNodeHandler, type NodeHandler } from './runtimes/node-handler';
export { createFetchHandler, type FetchHandler, type FetchHandlerInfo } from './runtimes/fetch-handler';
export {
  loadConfigFromEnv,
  resolveOptions,
  ConfigError,
  type ProxyOptions,
  type AuthingOptions,
  type AuthingLang,
  type EnvConfig,
  type ResolvedOptions,
  type StoreOptions,
  type StoreFailureMode,
} from './config';
export { errors, type ProxyErrorCode, type ProxyErrorDefinition, type FailureBody } from './errors';
export type { PhoneInfo } from './exchange/classify';
export type { SuccessBody } from './exchange/phone-exchange';
export { createPhoneExchange, type PhoneExchange, type ExchangeRequest, type ExchangeAnswer } from './exchange/phone-exchange';
export type { Caller } from './guards/caller';
export type { ExchangeInput, BodyOutcome } from './guards/request-body';
export { EXCHANGE_PATH } from './exchange/authing-client';
export { startSandbox } from './sandbox';
export { runSandboxCli } from './runtimes/sandbox-cli';
export type { Sandbox, SandboxFault, SandboxOptions, SandboxPhone, SuccessShape } from './sandbox';
