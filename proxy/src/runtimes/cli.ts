#!/usr/bin/env node
// miniprogram-phone-proxy [serve]    serve, configured from environment variables (docs/en/reference/config.md)
// miniprogram-phone-proxy dev        the Authing sandbox + the proxy wired to it, for local development
// miniprogram-phone-proxy sandbox    a sandbox alone: Authing's, or WeChat's with --upstream wechat
// miniprogram-phone-proxy check      proves serve's configuration without spending a user's code
import './cli-node-check'; // first: on a Node.js too old, one clear line before anything else loads
import { parseFlags, parsePort } from './cli-flags';
import { ConfigError, JWKS_PATH, loadConfigFromEnv, resolveOptions, type ProxyOptions, type UpstreamName } from '../config';
import { generateEphemeralSigningKey } from '../config/assertion-keys';
import { startProxy, type RunningProxy } from './server';
import { DEV_UPSTREAMS, startDevUpstream } from './dev-upstream';
import { parseSandboxArgs, runSandboxCli } from './sandbox-cli';
import { REDIS_WAIT_MARGIN_MS } from '../store/redis-timing';
import { configWarnings, startupSummary, summaryBanner } from '../config/summary';
import { isLoopbackHost } from '../config/rules';
import { CHECK_USAGE, parseCheckArgs, runCheckCli, type CheckFlags } from './check-cli';
import type { AddressInfo } from 'node:net';

const USAGE = `Usage:
  miniprogram-phone-proxy [serve]              serve; configured by environment variables only
                                               (AUTHING_APP_HOST, PORT, ...; see docs/en/reference/config.md), no flags
  miniprogram-phone-proxy check [--json]       checks serve's configuration (same variables) without spending a
                                               user's code; exit 0 when nothing failed, 1 otherwise
  miniprogram-phone-proxy dev [--port 8787] [--host 127.0.0.1] [--upstream authing|wechat] [--i-know-this-is-public]
                                               local development: a sandbox of the upstream (Authing by default,
                                               or WeChat) and the proxy wired to it; loopback only unless
                                               --i-know-this-is-public; never NODE_ENV=production
  miniprogram-phone-proxy sandbox [--upstream authing|wechat] [flags]
                                               a sandbox alone, Authing's or WeChat's (--help for its flags)
  miniprogram-phone-proxy --help`;

/** Slack on top of the request and upstream deadlines (which bound shutdown) before shutdown gives up. */
const SHUTDOWN_MARGIN_MS = 2000;
const DEV_APP_ID = 'sandbox-app-id';
/** The `aud` of dev assertions: what the demo's app backend expects. */
const DEV_ASSERTION_AUDIENCE = 'demo-app-backend';

/** Exit codes: 1 for a failure (configuration, start-up, shutdown), 2 for a command line that makes no sense. */
function fail(message: string, exitCode: 1 | 2 = 1): never {
  process.stderr.write(`miniprogram-phone-proxy: ${message}\n`);
  process.exit(exitCode);
}

function usageError(message: string): never {
  fail(`${message}\n\n${USAGE}`, 2);
}

/**
 * A request still arriving at shutdown may take requestTimeoutMs to arrive, then upstreamTimeoutMs to exchange; on
 * the Redis store, a request waiting for another instance's answer may wait out that instance's lease.
 */
function shutdownGraceMs(options: ProxyOptions): number {
  const { requestTimeoutMs, upstreamTimeoutMs, store } = resolveOptions(options);
  return requestTimeoutMs + upstreamTimeoutMs + (store.redisUrl === undefined ? 0 : REDIS_WAIT_MARGIN_MS) + SHUTDOWN_MARGIN_MS;
}

/** SIGTERM/SIGINT: stop accepting, let in-flight exchanges finish, exit 0 (1 if the grace period runs out). */
function shutDownOnSignals(stop: () => Promise<void>, graceMs: number): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.stderr.write(`miniprogram-phone-proxy: ${signal}, finishing in-flight exchanges\n`);
    setTimeout(() => fail(`in-flight exchanges still running after ${graceMs} ms, exiting`), graceMs).unref();
    stop().then(
      () => process.exit(0),
      (error: Error) => fail(`shutdown failed: ${error.message}`),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function serve(argv: readonly string[]): Promise<void> {
  if (argv.length > 0) usageError(`serve takes no arguments (got ${argv.join(' ')}): set environment variables instead, e.g. PORT=9000`);
  let config;
  try {
    config = loadConfigFromEnv(process.env, (warning) => process.stderr.write(`miniprogram-phone-proxy: warning: ${warning}\n`));
  } catch (error) {
    if (error instanceof ConfigError) fail(`configuration error: ${error.message}`);
    throw error;
  }
  const proxy = await startProxy(config);
  shutDownOnSignals(() => proxy.close(), shutdownGraceMs(config)); // before the banner: whoever reads it may signal at once
  // stdout carries the JSON log lines: the human banner goes to stderr.
  process.stderr.write(`${await banner(config, proxy.server.address() as AddressInfo)}\n`);
}

/** The effective configuration for people (config/summary.ts), its warnings after it. */
async function banner(options: ProxyOptions, bound: AddressInfo): Promise<string> {
  const resolved = resolveOptions(options);
  const warnings = configWarnings(resolved).map(({ message }) => `\n  warning: ${message}`);
  return summaryBanner(await startupSummary(resolved, bound)) + warnings.join('');
}

const DEV_FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  upstream: { type: 'string' },
  'i-know-this-is-public': { type: 'boolean' },
} as const;
const PUBLIC_FLAG = '--i-know-this-is-public';

function parseDevArgs(argv: readonly string[]): { host: string; port: number; upstream: UpstreamName; public: boolean } {
  try {
    const flags = parseFlags(argv, DEV_FLAGS);
    const { host = '127.0.0.1', port = '8787', upstream = 'authing' } = flags as { host?: string; port?: string; upstream?: string };
    if (!DEV_UPSTREAMS.includes(upstream as UpstreamName)) throw new Error(`--upstream must be ${DEV_UPSTREAMS.join(' or ')}, got ${upstream}`);
    return { host, port: parsePort(port), upstream: upstream as UpstreamName, public: flags['i-know-this-is-public'] === true };
  } catch (error) {
    usageError(`dev: ${(error as Error).message}`);
  }
}

/**
 * dev signs for any caller with a throw-away key and answers fake numbers: never where a real user or a production
 * environment could reach it, unless said out loud.
 */
function refuseUnsafeDev({ host, public: isPublic }: { host: string; public: boolean }): void {
  if (process.env.NODE_ENV === 'production') {
    fail(
      'dev refuses to run with NODE_ENV=production: it answers fake phone numbers; use `miniprogram-phone-proxy serve` with your Authing settings',
    );
  }
  const loopback = isLoopbackHost(host.toLowerCase()) || host === '::1' || host === '[::1]';
  if (!loopback && !isPublic) {
    usageError(
      `dev: --host ${host} is not loopback: dev answers fake numbers and signs them for any caller. Add ${PUBLIC_FLAG} to serve it on ${host} anyway`,
    );
  }
}

async function dev(argv: readonly string[]): Promise<void> {
  const args = parseDevArgs(argv);
  refuseUnsafeDev(args);
  const { host, port, upstream } = args;
  const sandbox = await startDevUpstream(upstream, DEV_APP_ID);
  // No Referer allow-list: any caller passes, the developer tool included.
  const options: ProxyOptions = {
    ...sandbox.options,
    logger: { level: 'info' },
    // Generated here only: `serve` signs only with the key it is given, never one of its own.
    assertion: { privateKey: generateEphemeralSigningKey(), audience: DEV_ASSERTION_AUDIENCE },
  };
  let proxy: RunningProxy;
  try {
    proxy = await startProxy({ host, port, ...options });
  } catch (error) {
    await sandbox.close();
    throw error;
  }
  shutDownOnSignals(async () => {
    await proxy.close();
    await sandbox.close();
  }, shutdownGraceMs(options)); // before the banner: whoever reads it may signal at once
  const bound = proxy.server.address() as AddressInfo;
  process.stdout.write(
    `${sandbox.banner}\n` +
      `Proxy for the demo mini program: ${proxy.url}/phone (listening on ${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}` +
      `${args.public ? ', reachable from other machines' : ''})\n` +
      `Signed assertions: ephemeral signing key, not for production (aud ${DEV_ASSERTION_AUDIENCE}; keys at ${proxy.url}${JWKS_PATH})\n` +
      '  (in the WeChat developer tool, tick "不校验合法域名" to call a local http:// URL)\n',
  );
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'serve') return serve(rest);
  if (command === 'dev') return dev(rest);
  if (command === 'check') {
    let flags: CheckFlags;
    try {
      flags = parseCheckArgs(rest);
    } catch (error) {
      return usageError(`check: ${(error as Error).message}\n\n${CHECK_USAGE}`);
    }
    process.exit(await runCheckCli(flags));
  }
  if (command === 'sandbox') {
    try {
      parseSandboxArgs(rest); // a usage error exits 2 here, before anything starts
    } catch (error) {
      fail((error as Error).message, 2);
    }
    await runSandboxCli(rest);
    return;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  usageError(`unknown command ${command}`);
}

main(process.argv.slice(2)).catch((error: Error) => fail(error.message));
