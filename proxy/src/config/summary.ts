// The effective configuration at start-up, in one log line and the CLI's banner: what a first deployment needs to
// see to know it is configured as meant. Identifiers are not secrets and are shown; keys and passwords never are.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ResolvedOptions } from './options';
import { isLoopbackHost } from './rules';

export interface StartupSummary {
  version: string;
  node: string;
  /** The upstream's host as configured (credentials and queries are refused by the schema). */
  upstream: string;
  /** Which upstream and how it authenticates (docs/en/deploy/upstream.md). */
  upstreamMode: 'authing app' | 'authing management' | 'wechat token' | 'wechat cloudbase' | 'wechat cloud.openapi';
  appId?: string;
  userPoolId?: string;
  connection?: string;
  allowList: { appIds: number; devtools: boolean };
  corsOrigins: number;
  store: { kind: 'memory' } | { kind: 'redis'; url: string; failure: string };
  signing: { kind: 'off' } | { kind: 'on'; kid: string; alg: string; audience: string; issuer: string; ttlSeconds: number };
  trustWechatGateway: boolean;
  trustProxy: boolean | string | number;
  rateLimit: { kind: 'off' } | { kind: 'on'; max: number; timeWindowMs: number; ipv6Prefix: number };
  routePath: string;
  /** The address actually bound (0.0.0.0 says every interface), and a URL to try from this machine. */
  listening?: string;
  tryUrl?: string;
}

/** This package's version: package.json sits two folders up from src/config and dist/config alike. */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** redis://user:secret@host:6379/0 -> redis://user:***@host:6379/0: where it points, never the password. */
export function maskRedisUrl(redisUrl: string): string {
  const url = new URL(redisUrl);
  if (url.password) url.password = '***';
  return url.toString();
}

/** The RFC 7638 thumbprint the JWKS publishes as kid (jose computes it; loaded only when signing is on). */
async function keyId(config: NonNullable<ResolvedOptions['assertion']>): Promise<string> {
  const { calculateJwkThumbprint } = await import('jose');
  return calculateJwkThumbprint(config.signingKey.publicJwk, 'sha256');
}

/** A wildcard bind is printed as such; the URL to try goes through loopback. */
function where(bound: AddressInfo, routePath: string): { listening: string; tryUrl: string } {
  const { address, family, port } = bound;
  const shown = family === 'IPv6' ? `[${address}]:${port}` : `${address}:${port}`;
  const tryHost = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '[::1]' : family === 'IPv6' ? `[${address}]` : address;
  return { listening: shown, tryUrl: `http://${tryHost}:${port}${routePath}` };
}

type UpstreamSummary = Pick<StartupSummary, 'upstream' | 'upstreamMode' | 'appId' | 'userPoolId' | 'connection'>;

/** Where the exchange goes and with which identifiers (ids are not secrets; the secrets are never named here). */
function upstreamSummary({ authing, wechat }: ResolvedOptions): UpstreamSummary {
  if (wechat) {
    const upstreamMode = wechat.getPhoneNumber ? 'wechat cloud.openapi' : wechat.openApi === 'cloudbase' ? 'wechat cloudbase' : 'wechat token';
    return { upstream: wechat.getPhoneNumber ? 'cloud.openapi' : wechat.apiBase, upstreamMode, appId: wechat.appId };
  }
  if (!authing) throw new Error('resolved options name no upstream'); // the schema requires one
  return {
    upstream: authing.appHost,
    upstreamMode: authing.accessKeyId === undefined ? 'authing app' : 'authing management',
    ...(authing.appId !== undefined && { appId: authing.appId }),
    ...((authing.userPoolId ?? authing.accessKeyId) !== undefined && { userPoolId: authing.userPoolId ?? authing.accessKeyId }),
    connection: authing.extIdpConnidentifier,
  };
}

export async function startupSummary(config: ResolvedOptions, bound?: AddressInfo): Promise<StartupSummary> {
  const { assertion, rateLimit, store } = config;
  return {
    version: packageVersion(),
    node: process.version,
    ...upstreamSummary(config),
    allowList: { appIds: config.allowedAppIds.length, devtools: config.allowDevtools },
    corsOrigins: config.corsOrigins.length,
    store: store.redisUrl === undefined ? { kind: 'memory' } : { kind: 'redis', url: maskRedisUrl(store.redisUrl), failure: store.failure },
    signing: assertion
      ? {
          kind: 'on',
          kid: await keyId(assertion),
          alg: assertion.signingKey.alg,
          audience: assertion.audience,
          issuer: assertion.issuer,
          ttlSeconds: assertion.ttlSeconds,
        }
      : { kind: 'off' },
    trustWechatGateway: config.trustWechatGateway,
    trustProxy: config.trustProxy,
    rateLimit: rateLimit ? { kind: 'on', ...rateLimit } : { kind: 'off' },
    routePath: config.routePath,
    ...(bound && where(bound, config.routePath)),
  };
}

/** What a configuration warning is about: the `check` line it belongs to. */
export type WarningTopic = 'upstream' | 'allow-list' | 'gateway trust' | 'store';

/** What is configured but deserves a second look: in the start-up line, the CLI banner and `check`'s WARN lines. */
export function configWarnings(config: ResolvedOptions): Array<{ topic: WarningTopic; message: string }> {
  const warnings: Array<{ topic: WarningTopic; message: string }> = [];
  const warn = (topic: WarningTopic, message: string): void => void warnings.push({ topic, message });
  const upstream = config.authing ? new URL(config.authing.appHost) : undefined;
  if (upstream?.protocol === 'http:' && !isLoopbackHost(upstream.hostname)) {
    warn(
      'upstream',
      `AUTHING_ALLOW_INSECURE=true: phone numbers cross the network unencrypted to ${upstream.origin}; use https outside a private network you trust`,
    );
  }
  if (config.allowedAppIds.length === 0) {
    warn('allow-list', 'ALLOWED_APPIDS is empty: any caller can spend your phone-number quota; set it to your mini program appid(s)');
  } else if (config.allowDevtools) {
    warn('allow-list', "ALLOW_DEVTOOLS=true: the developer tool's Referer passes; turn it off in production");
  }
  if (config.trustWechatGateway) {
    warn(
      'gateway trust',
      "TRUST_WECHAT_GATEWAY=true: safe only when the service's public network access (公网访问) is off, so that nothing but WeChat Cloud Hosting's gateway reaches it",
    );
  }
  if (config.store.redisUrl !== undefined && config.store.failure === 'open') {
    warn('store', 'REDIS_FAILURE=open: while Redis is down, a code repeated on another instance may reach Authing twice');
  }
  return warnings;
}

/** The CLI's human banner: the summary, one setting a line. */
export function summaryBanner(summary: StartupSummary): string {
  const { store, signing, rateLimit } = summary;
  const lines = [
    `miniprogram-phone-proxy ${summary.version} on Node ${summary.node}`,
    `  listening     ${summary.listening ?? '-'}${summary.tryUrl ? `  (try ${summary.tryUrl})` : ''}`,
    `  upstream      ${summary.upstreamMode} ${summary.upstream}  app ${summary.appId ?? '-'}  user pool ${summary.userPoolId ?? '-'}  connection ${summary.connection ?? '-'}`,
    `  allow-list    ${summary.allowList.appIds} appid(s), devtools ${summary.allowList.devtools ? 'allowed' : 'refused'}; CORS origins ${summary.corsOrigins}`,
    `  store         ${store.kind === 'memory' ? 'memory (this process only)' : `redis ${store.url}, on failure ${store.failure}`}`,
    `  signing       ${signing.kind === 'off' ? 'off' : `${signing.alg} kid ${signing.kid}, audience ${signing.audience}, issuer ${signing.issuer}`}`,
    `  gateway trust ${summary.trustWechatGateway ? 'on (X-WX-* headers)' : 'off'}; TRUST_PROXY ${String(summary.trustProxy)}`,
    `  rate limit    ${rateLimit.kind === 'off' ? 'off' : `${rateLimit.max} per ${rateLimit.timeWindowMs} ms per client (IPv6 /${rateLimit.ipv6Prefix})`}`,
  ];
  return lines.join('\n');
}
