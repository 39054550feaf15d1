// One set of rules for every option, checked up front: programmatic options directly, the environment through env.ts.
import * as v from 'valibot';
import type { OnPhoneHook } from './on-phone-hook';
import { readPublicKey, readSigningKey } from './assertion-keys';
import { CODE_LIFE_MS, DEFAULTS, defaultMaxEntriesPerClient } from './defaults';
import { LOG_LEVELS, MAX_ASSERTION_TTL_S, RESERVED_PATHS, type ProxyOptions, type ResolvedAssertionOptions, type ResolvedOptions } from './options';
import { text, authingHost, isLoopbackHost, origin, TRUST_PROXY_MESSAGE, trustedProxies, redisUrl, positiveInt, key } from './rules';
import { checkKnownKeys, configErrorFor } from './problems';
import { AUTHING_HEADERS, headerValue } from './header-values';
import { checkUpstreamSettings, upstreamName, wechatSchema } from './upstream-schema';

const authingSchema = v.pipe(
  v.object({
    appHost: authingHost,
    allowInsecure: v.optional(v.boolean('must be true or false'), DEFAULTS.authing.allowInsecure),
    appId: v.optional(headerValue(AUTHING_HEADERS.appId)),
    userPoolId: v.optional(headerValue(AUTHING_HEADERS.userPoolId)),
    extIdpConnidentifier: text,
    lang: v.optional(v.picklist(['zh-CN', 'en-US'], 'must be zh-CN or en-US')),
    // Management mode (exchange/upstreams/authing-management.ts): the id goes out as the user pool header.
    accessKeyId: v.optional(headerValue(AUTHING_HEADERS.userPoolId)),
    accessKeySecret: v.optional(text),
  }),
  v.forward(
    v.partialCheck(
      [['accessKeyId'], ['accessKeySecret']],
      (authing) => (authing.accessKeyId === undefined) === (authing.accessKeySecret === undefined),
      'set accessKeyId and accessKeySecret together (the user pool id and secret), or neither',
    ),
    ['accessKeySecret'],
  ),
  v.forward(
    v.partialCheck(
      [['appId'], ['userPoolId'], ['accessKeyId']],
      (authing) => authing.appId !== undefined || authing.userPoolId !== undefined || authing.accessKeyId !== undefined,
      'set appId or userPoolId (at least one): Authing needs to know the application or user pool',
    ),
    ['appId'],
  ),
  // Phone numbers come back in the answer: plain http only where nothing travels over a network, unless said so.
  v.forward(
    v.partialCheck(
      [['appHost'], ['allowInsecure']],
      ({ appHost, allowInsecure }) => allowInsecure === true || !appHost.startsWith('http:') || isLoopbackHost(new URL(appHost).hostname),
      'is plain http:// to a host that is not loopback: phone numbers would cross the network unencrypted; use https, or set AUTHING_ALLOW_INSECURE=true (authing.allowInsecure) for a private network you trust',
    ),
    ['appHost'],
  ),
);

const assertionSchema = v.pipe(
  v.object({
    privateKey: v.optional(v.pipe(v.any(), key(readSigningKey))),
    audience: v.optional(text),
    issuer: v.optional(text, DEFAULTS.assertion.issuer),
    ttlSeconds: v.optional(positiveInt(1, MAX_ASSERTION_TTL_S), DEFAULTS.assertion.ttlSeconds),
    previousPublicKeys: v.optional(v.array(v.pipe(v.any(), key(readPublicKey)), 'must be a list of public keys'), []),
  }),
  // Checked here, not as required keys: a missing key of an object gets valibot's generic message.
  v.forward(
    v.partialCheck([['privateKey']], (input) => input.privateKey !== undefined, 'required: the EC P-256 or Ed25519 key that signs the assertions'),
    ['privateKey'],
  ),
  v.forward(
    v.partialCheck(
      [['audience']],
      (input) => input.audience !== undefined,
      'required when signing is on: the app backend that verifies the assertions, e.g. my-app-backend',
    ),
    ['audience'],
  ),
  v.transform(({ privateKey, audience, ...rest }): ResolvedAssertionOptions => ({ signingKey: privateKey!, audience: audience!, ...rest })),
);

const optionsSchema = v.object({
  upstream: upstreamName,
  authing: v.optional(authingSchema),
  wechat: v.optional(wechatSchema),
  routePath: v.optional(
    v.pipe(
      v.string('must be a string'),
      v.regex(/^\/[A-Za-z0-9._~\-/]*$/, 'must be a path starting with /, e.g. /phone'),
      v.check((path) => !RESERVED_PATHS.includes(path), `must not be one of ${RESERVED_PATHS.join(', ')}`),
    ),
    DEFAULTS.routePath,
  ),
  upstreamTimeoutMs: v.optional(positiveInt(50, 60_000), DEFAULTS.upstreamTimeoutMs),
  upstreamMaxConcurrency: v.optional(positiveInt(1, 10_000), DEFAULTS.upstreamMaxConcurrency),
  upstreamLateGraceMs: v.optional(positiveInt(0, 300_000), DEFAULTS.upstreamLateGraceMs),
  requestTimeoutMs: v.optional(positiveInt(100, 60_000), DEFAULTS.requestTimeoutMs),
  allowedAppIds: v.optional(v.array(text, 'must be a list'), () => [...DEFAULTS.allowedAppIds]),
  allowDevtools: v.optional(v.boolean('must be true or false'), DEFAULTS.allowDevtools),
  rateLimit: v.optional(
    v.union(
      [
        v.literal(false),
        v.object({
          max: positiveInt(1, 1e9),
          // rate-limiter-flexible counts whole seconds.
          timeWindowMs: positiveInt(1000, 86_400_000),
          ipv6Prefix: v.optional(positiveInt(48, 128), DEFAULTS.rateLimit.ipv6Prefix),
        }),
      ],
      'must be false or { max, timeWindowMs }',
    ),
    () => ({ ...DEFAULTS.rateLimit }),
  ),
  corsOrigins: v.optional(v.array(origin, 'must be a list'), () => [...DEFAULTS.corsOrigins]),
  trustProxy: v.optional(v.union([v.boolean(), trustedProxies, positiveInt(0, 100)], TRUST_PROXY_MESSAGE), DEFAULTS.trustProxy),
  trustWechatGateway: v.optional(v.boolean('must be true or false'), DEFAULTS.trustWechatGateway),
  dedupe: v.optional(
    // Never shorter than a phone code's 5-minute life: within it, a repeat must get the first answer.
    v.object({
      ttlMs: v.optional(positiveInt(CODE_LIFE_MS, 3_600_000), DEFAULTS.dedupe.ttlMs),
      maxEntries: v.optional(positiveInt(1, 10_000_000), DEFAULTS.dedupe.maxEntries),
      maxEntriesPerClient: v.optional(positiveInt(1, 10_000_000)),
    }),
    {},
  ),
  store: v.optional(
    v.object({
      redisUrl: v.optional(redisUrl),
      keyPrefix: v.optional(
        v.pipe(v.string('must be a string'), v.regex(/^[\x21-\x7e]{0,64}$/, 'must be at most 64 printable characters without spaces')),
        DEFAULTS.store.keyPrefix,
      ),
      failure: v.optional(v.picklist(['closed', 'open'], 'must be closed or open'), DEFAULTS.store.failure),
    }),
    {},
  ),
  logger: v.optional(
    v.union(
      [
        v.literal(false),
        v.object({
          level: v.optional(v.picklist(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`), DEFAULTS.logger.level),
          stream: v.optional(
            v.custom<NodeJS.WritableStream>((value) => typeof (value as NodeJS.WritableStream)?.write === 'function', 'must be a writable stream'),
          ),
        }),
      ],
      'must be false or { level, stream }',
    ),
    {},
  ),
  onPhone: v.optional(
    v.custom<OnPhoneHook>((value) => typeof value === 'function', 'must be a function (context) => Promise<{ extra } | { refuse } | void>'),
  ),
  assertion: v.optional(assertionSchema),
});

/** Validates programmatic options and fills in defaults; throws ConfigError naming the option, in plain English. */
export function resolveOptions(options: ProxyOptions): ResolvedOptions {
  checkKnownKeys(optionsSchema, options);
  const result = v.safeParse(optionsSchema, options);
  if (!result.success) throw configErrorFor(result.issues[0]);
  checkUpstreamSettings(result.output);
  const { dedupe, rateLimit } = result.output;
  return {
    ...result.output,
    dedupe: { ...dedupe, maxEntriesPerClient: dedupe.maxEntriesPerClient ?? defaultMaxEntriesPerClient(dedupe, rateLimit) },
  };
}
