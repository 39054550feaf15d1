// The upstream the configuration names (docs/en/deploy/upstream.md), with its token store: this process's memory, or
// Redis (shared by the instances) when the store is Redis.
import type { ResolvedOptions } from '../../config';
import type { ProxyMetrics } from '../../observability/metrics';
import { memorySharedValues, type SharedValues } from '../../store/shared-values';
import { AuthingClient } from '../authing-client';
import type { PhoneUpstream } from './types';

export type { PhoneUpstream, UpstreamCaller } from './types';

// The WeChat upstreams load only when configured: an Authing deployment starts without them (cold start, issue 23).
/* eslint-disable @typescript-eslint/no-require-imports */
const cloudOpenApiModule = () => require('./cloud-openapi-upstream') as typeof import('./cloud-openapi-upstream');
const wechatModule = () => require('./wechat-upstream') as typeof import('./wechat-upstream');
/* eslint-enable @typescript-eslint/no-require-imports */

/** This process's tokens when there is no Redis: every exchange of the process shares them. */
let processValues: SharedValues | undefined;

function tokenValues(config: ResolvedOptions): { values: SharedValues; close(): Promise<void> } {
  const { redisUrl, keyPrefix } = config.store;
  if (redisUrl === undefined) return { values: (processValues ??= memorySharedValues()), close: () => Promise.resolve() };
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only with REDIS_URL: node-redis costs ~16 MB resident
  const { redisSharedValues } = require('../../store/redis-shared-values') as typeof import('../../store/redis-shared-values');
  const values = redisSharedValues(redisUrl, keyPrefix);
  return { values, close: () => values.close() };
}

export function createUpstream(config: ResolvedOptions, metrics: ProxyMetrics): PhoneUpstream {
  const { upstreamTimeoutMs: timeoutMs, upstreamMaxConcurrency: maxConcurrency, upstreamLateGraceMs: lateGraceMs } = config;
  const common = { timeoutMs, maxConcurrency, lateGraceMs };
  const onTokenFetch = (force: boolean): void =>
    metrics.upstreamTokenFetches.inc({ upstream: config.upstream, mode: force ? 'force_refresh' : 'normal' });
  const { wechat, authing } = config;
  if (config.upstream === 'wechat' && wechat?.getPhoneNumber) {
    return cloudOpenApiModule().createCloudOpenApiUpstream({ ...common, getPhoneNumber: wechat.getPhoneNumber, bindOpenId: wechat.bindOpenId });
  }
  const needsToken = config.upstream === 'wechat' ? wechat?.openApi === 'token' : authing?.accessKeyId !== undefined;
  const store = needsToken ? tokenValues(config) : undefined;
  const upstream: PhoneUpstream =
    config.upstream === 'wechat'
      ? wechatModule().createWechatUpstream({
          ...common,
          wechat: wechat!,
          tokenValues: store?.values ?? memorySharedValues(),
          onTokenFetch,
          onTokenRetry: () => metrics.upstreamTokenRetries.inc(),
        })
      : new AuthingClient({ ...authing!, ...common, tokenValues: store?.values, onTokenFetch });
  if (!store) return upstream;
  return { call: (code, caller) => upstream.call(code, caller), close: async () => void (await upstream.close(), await store.close()) };
}
