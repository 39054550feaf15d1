#!/usr/bin/env node
// miniprogram-phone-proxy            serve, configured from environment variables (README)
// miniprogram-phone-proxy dev        the Authing sandbox + the proxy wired to it, for local development
// miniprogram-phone-proxy sandbox    the Authing sandbox alone
import { ConfigError, loadConfigFromEnv } from './config';
import { startProxy, type RunningProxy } from './server';
import { DEFAULT_CONNECTION_ID, runSandboxCli, startSandbox } from './sandbox';

const USAGE = `Usage:
  miniprogram-phone-proxy                      serve; configured by environment variables (AUTHING_APP_HOST, ...; see README)
  miniprogram-phone-proxy dev [--port 8787] [--host 127.0.0.1]
                                               local development: an Authing sandbox and the proxy wired to it
  miniprogram-phone-proxy sandbox [flags]      the Authing sandbox alone (--help for its flags)
  miniprogram-phone-proxy --help`;

/** In-flight exchanges are bounded by the upstream timeout; past this grace period shutdown gives up. */
const SHUTDOWN_MARGIN_MS = 2000;
const DEV_APP_ID = 'sandbox-app-id';

function fail(message: string): never {
  process.stderr.write(`miniprogram-phone-proxy: ${message}\n`);
  process.exit(1);
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

async function serve(): Promise<void> {
  let config;
  try {
    config = loadConfigFromEnv();
  } catch (error) {
    if (error instanceof ConfigError) fail(`configuration error: ${error.message}`);
    throw error;
  }
  const proxy = await startProxy(config);
  proxy.app.log.info({ url: proxy.url, routePath: config.routePath ?? '/phone' }, 'miniprogram-phone-proxy listening');
  shutDownOnSignals(proxy.close, (config.upstreamTimeoutMs ?? 5000) + SHUTDOWN_MARGIN_MS);
}

function parseDevArgs(argv: readonly string[]): { host: string; port: number } {
  const options = { host: '127.0.0.1', port: 8787 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = inline ?? argv[++i];
    if (flag === '--port' && value !== undefined && /^\d+$/.test(value) && Number(value) <= 65535) options.port = Number(value);
    else if (flag === '--host' && value) options.host = value;
    else fail(`dev: unknown or invalid option ${argv[i - (inline === undefined ? 1 : 0)] ?? flag}\n\n${USAGE}`);
  }
  return options;
}

async function dev(argv: readonly string[]): Promise<void> {
  const { host, port } = parseDevArgs(argv);
  const sandbox = await startSandbox({ appId: DEV_APP_ID });
  let proxy: RunningProxy;
  try {
    proxy = await startProxy({
      host,
      port,
      authing: { appHost: sandbox.url, appId: DEV_APP_ID, extIdpConnidentifier: DEFAULT_CONNECTION_ID },
      allowDevtools: true,
      logger: { level: 'info' },
    });
  } catch (error) {
    await sandbox.close();
    throw error;
  }
  process.stdout.write(
    `Authing sandbox (local stand-in, never for production): ${sandbox.url}\n` +
      `Proxy for the demo mini program: ${proxy.url}/phone\n` +
      '  (in the WeChat developer tool, tick "不校验合法域名" to call a local http:// URL)\n',
  );
  shutDownOnSignals(async () => {
    await proxy.close();
    await sandbox.close();
  }, 5000 + SHUTDOWN_MARGIN_MS);
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'serve') return serve();
  if (command === 'dev') return dev(rest);
  if (command === 'sandbox') {
    await runSandboxCli(rest);
    return;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  fail(`unknown command ${command}\n\n${USAGE}`);
}

main(process.argv.slice(2)).catch((error: Error) => fail(error.message));
