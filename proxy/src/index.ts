// Public API of miniprogram-phone-proxy.
export { BODY_LIMIT_BYTES } from './guards/request-body';
export { startProxy, type RunningProxy } from './runtimes/server';
export { createNodeHandler, type NodeHandler } from './runtimes/node-handler';
export { createFetchHandler, type FetchHandler, type FetchHandlerInfo } from './runtimes/fetch-handler';
export { createCloudFunction, type CloudFunction } from './runtimes/cloud-function';
export { createExpressMiddleware, type ExpressMiddleware, type ExpressRequestLike } from './runtimes/adapters/express';
export { createKoaMiddleware, type KoaMiddleware, type KoaContextLike } from './runtimes/adapters/koa';
export { phoneExchangePlugin, type FastifyInstanceLike, type FastifyRequestLike, type FastifyReplyLike } from './runtimes/adapters/fastify';
export type { OnPhoneHook, OnPhoneContext, OnPhoneResult, OnPhoneRefusal } from './config';
export {
  loadConfigFromEnv,
  resolveOptions,
  ConfigError,
  type ProxyOptions,
  type AuthingOptions,
  type AuthingLang,
  type EnvConfig,
  type ResolvedOptions,
  type AssertionOptions,
  JWKS_PATH,
  type StoreOptions,
  type StoreFailureMode,
  type ListenOptions,
  type UpstreamName,
  type WechatOptions,
  type WechatOpenApi,
  type CloudGetPhoneNumber,
} from './config';
export type { PrivateKeyInput, PublicKeyInput } from './config/assertion-keys';
export type { PhoneAssertionClaims } from './contract/assertion-claims';
export { errors, variants, type ProxyErrorCode, type ProxyErrorDefinition, type FailureBody } from './contract/errors';
export type { PhoneInfo, SuccessBody, ExchangeAnswer } from './contract/types';
export { createPhoneExchange, type PhoneExchange, type ExchangeRequest } from './exchange/phone-exchange';
export type { Caller } from './guards/caller';
export type { ExchangeInput, JsonBody, BodyOutcome } from './guards/request-body';
export { EXCHANGE_PATH } from './exchange/authing-client';
// The Authing sandbox has its own entry point, miniprogram-phone-proxy/sandbox: production code never loads it by accident.
