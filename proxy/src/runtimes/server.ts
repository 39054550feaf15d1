// A listening HTTP server around the app (programmatic use; the CLI builds on it), with graceful shutdown.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../app';
import { DEFAULTS, resolveServerOptions, type ProxyOptions, type ListenOptions } from '../config';
import { batchStdoutLogs } from '../observability/log-destination';
import { guardConnections } from './connection-guard';
import { configWarnings, startupSummary } from '../config/summary';
import { nodeListenerFor } from './node-handler';
import { serverTimeouts, ShutdownRequestDeadline } from './request-deadline';

export interface RunningProxy {
  /** Base URL, e.g. http://127.0.0.1:PORT; the exchange route is url + routePath. */
  url: string;
  server: Server;
  /** Stops accepting connections, lets in-flight exchanges finish, then closes the upstream connections. */
  close(): Promise<void>;
}

/**
 * Builds the app and listens; defaults to 127.0.0.1 on an ephemeral port (port 0), at most 1000 open connections and a
 * 72 s keep-alive (config/server-options.ts). Throws ConfigError on bad options.
 */
export async function startProxy(options: ProxyOptions & ListenOptions): Promise<RunningProxy> {
  const { host = DEFAULTS.listen.host, port = DEFAULTS.listen.port, maxConnections, keepAliveTimeoutMs, ...proxyOptions } = options;
  const limits = resolveServerOptions({ maxConnections, keepAliveTimeoutMs });
  const app = createApp(proxyOptions);
  const { requestTimeoutMs } = app.config;
  let closing = false;
  // Answers sent while shutting down end their connection: keep-alive must not keep the server open.
  const server = createServer(
    serverTimeouts(requestTimeoutMs, limits.keepAliveTimeoutMs),
    nodeListenerFor(app, () => closing),
  );
  const shutdownDeadline = new ShutdownRequestDeadline(server, requestTimeoutMs);

  try {
    await app.ready(); // Redis unreachable under REDIS_FAILURE=closed: the start fails
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await app.close();
    throw error;
  }

  guardConnections(server, { maxConnections: limits.maxConnections, firstRequestTimeoutMs: requestTimeoutMs }, app.logger, app.metrics.registry);

  const url = `http://${urlHost(server.address() as AddressInfo)}`;
  // The effective configuration, in one line (config/summary.ts): no secret, the address actually bound.
  app.logger?.info(
    {
      url,
      ...(await startupSummary(app.config, server.address() as AddressInfo)),
      warnings: configWarnings(app.config).map(({ message }) => message),
    },
    'miniprogram-phone-proxy listening',
  );
  // The start-up line goes out at once (whoever watches for it need not wait); from now on lines can wait a moment for others.
  batchStdoutLogs();

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      closing = true;
      shutdownDeadline.start();
      // close() waits for every connection to end; idle keep-alive ones are ended now, busy ones after their answer.
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      shutdownDeadline.stop();
      await app.close();
    })());
  return { url, server, close };
}

/** A wildcard bind is reached through loopback; IPv6 literals need brackets. */
function urlHost({ address, family, port }: AddressInfo): string {
  if (address === '0.0.0.0') return `127.0.0.1:${port}`;
  if (address === '::') return `[::1]:${port}`;
  return family === 'IPv6' ? `[${address}]:${port}` : `${address}:${port}`;
}
