#!/usr/bin/env node
// miniprogram-phone-proxy [serve]    serve, configured from environment variables (README)
// miniprogram-phone-proxy dev        the Authing sandbox + the proxy wired to it, for local development
// miniprogram-phone-proxy sandbox    the Authing sandbox alone
import { parseFlags, parsePort } from './cli-flags';
import { ConfigError, JWKS_PATH, loadConfigFromEnv, resolveOptions, type ProxyOptions, type UpstreamName } from '../config';
import { generateEphemeralSigningKey } from '../config/assertion-keys';
import { startProxy, type RunningProxy } from './server';
import { DEV_UPSTREAMS, startDevUpstream } from './dev-upstream';
import { parseSandboxArgs, runSandboxCli } from './sandbox-cli';
import { REDIS_WAIT_MARGIN_MS } from '../store/redis-timing';

const USAGE = `Usage:
  miniprogram-phone-proxy [serve]              serve; configured by environment variables only
                                               (AUTHING_APP_HOST, PORT, ...; see README), no flags
  miniprogram-phone-proxy dev [--port 8787] [--host 127.0.0.1] [--upstream authing|wechat]
                                               local development: a sandbox of the upstream (Authing by
                                               default, or WeChat) and the proxy wired to it
  miniprogram-phone-proxy sandbox [flags]      the Authing sandbox alone (--help for its flags)
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
    config = loadConfigFromEnv();
  } catch (error) {
    if (error instanceof ConfigError) fail(`configuration error: ${error.message}`);
    throw error;
  }
  const proxy = await startProxy(config);
  shutDownOnSignals(proxy.close, shutdownGraceMs(config));
}

const DEV_FLAGS = { port: { type: 'string' }, host: { type: 'string' }, upstream: { type: 'string' } } as const;

function parseDevArgs(argv: readonly string[]): { host: string; port: number; upstream: UpstreamName } {
  try {
    const flags = parseFlags(argv, DEV_FLAGS);
    const { host = '127.0.0.1', port = '8787', upstream = 'authing' } = flags as { host?: string; port?: string; upstream?: string };
    if (!DEV_UPSTREAMS.includes(upstream as UpstreamName)) throw new Error(`--upstream must be ${DEV_UPSTREAMS.join(' or ')}, got ${upstream}`);
    return { host, port: parsePort(port), upstream: upstream as UpstreamName };
  } catch (error) {
    usageError(`dev: ${(error as Error).message}`);
  }
}

async function dev(argv: readonly string[]): Promise<void> {
  const { host, port, upstream } = parseDevArgs(argv);
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
  process.stdout.write(
    `${sandbox.banner}\n` +
      `Proxy for the demo mini program: ${proxy.url}/phone\n` +
      `Signed assertions: ephemeral signing key, not for production (aud ${DEV_ASSERTION_AUDIENCE}; keys at ${proxy.url}${JWKS_PATH})\n` +
      '  (in the WeChat developer tool, tick "不校验合法域名" to call a local http:// URL)\n',
  );
  shutDownOnSignals(async () => {
    await proxy.close();
    await sandbox.close();
  }, shutdownGraceMs(options));
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'serve') return serve(rest);
  if (command === 'dev') return dev(rest);
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
