// Target 3: miniprogram-phone-proxy with every protection on: validation, Referer allow-list, a rate limit set
// high enough not to trigger, metrics, de-duplication with its default bounds, and info logs serialized by pino
// to stdout (its default destination), which the runner points at a file. With BENCH_REDIS_URL: the Redis store.
// With BENCH_SIGNING: a signed ES256 assertion on every answer, with a key made for this process. With
// BENCH_UPSTREAM=wechat: the WeChat upstream (its sandbox) instead of Authing.
import { generateKeyPairSync } from 'node:crypto';
import { startProxy } from '../../src/index';
import {
  AUTHING_APP_ID,
  DEFAULT_STORE_ENTRIES,
  EXT_IDP_CONNIDENTIFIER,
  MINIPROGRAM_APPID,
  ROUTE_PATH,
  answerLiveHeap,
  serve,
  upstreamUrl,
} from './common';

const signingKey = (): string => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;

/** The WeChat sandbox's secret, its module loaded only then: a deployment never loads the sandbox (the cold start). */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only for the WeChat upstream
const sandboxSecret = (): string => (require('../../src/sandbox/index') as typeof import('../../src/sandbox/index')).WECHAT_SANDBOX_SECRET;

/** Room for every code a throughput run sends within a code's life. */
const BENCH_DEDUPE_ENTRIES = 1_000_000;
/** The memory phase (BENCH_DEFAULT_STORE): the store's default bound, its one client standing for every user. */
const storeEntries = process.env.BENCH_DEFAULT_STORE ? DEFAULT_STORE_ENTRIES : BENCH_DEDUPE_ENTRIES;

async function main(): Promise<void> {
  const proxy = await startProxy({
    host: '127.0.0.1',
    port: 0,
    ...(process.env.BENCH_UPSTREAM === 'wechat'
      ? { upstream: 'wechat' as const, wechat: { appId: MINIPROGRAM_APPID, appSecret: sandboxSecret(), apiBase: upstreamUrl() } }
      : { authing: { appHost: upstreamUrl(), appId: AUTHING_APP_ID, extIdpConnidentifier: EXT_IDP_CONNIDENTIFIER } }),
    routePath: ROUTE_PATH,
    allowedAppIds: [MINIPROGRAM_APPID],
    rateLimit: { max: 1_000_000_000, timeWindowMs: 60_000 },
    // The load generator is one loopback client standing for every user, sending thousands of distinct codes a second:
    // the throughput runs' store holds them all (a full store refuses new codes 503, which would measure refusals, not
    // exchanges); the memory phase's has the default bound and fills it.
    dedupe: { maxEntries: storeEntries, maxEntriesPerClient: storeEntries },
    logger: { level: 'info' },
    assertion: process.env.BENCH_SIGNING ? { privateKey: signingKey(), audience: 'bench-app-backend' } : undefined,
    store: process.env.BENCH_REDIS_URL ? { redisUrl: process.env.BENCH_REDIS_URL, keyPrefix: process.env.BENCH_REDIS_PREFIX } : undefined,
  });
  answerLiveHeap(); // the memory phase: what the de-duplication cache really holds
  serve(proxy.url, () => proxy.close());
}

void main();
