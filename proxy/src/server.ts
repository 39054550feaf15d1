// Listening HTTP server around the app (programmatic use; the CLI builds on it).
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app';
import type { ProxyOptions } from './config';

export interface RunningProxy {
  /** Base URL, e.g. http://127.0.0.1:PORT; the exchange route is url + routePath. */
  url: string;
  app: FastifyInstance;
  /** Stops accepting connections, lets in-flight exchanges finish, then closes the upstream connections. */
  close(): Promise<void>;
}

/** Builds the app and listens; defaults to 127.0.0.1 on an ephemeral port (port 0). */
export async function startProxy(options: ProxyOptions & { host?: string; port?: number }): Promise<RunningProxy> {
  const { host = '127.0.0.1', port = 0, ...proxyOptions } = options;
  const app = await buildApp(proxyOptions);
  try {
    await app.listen({ host, port });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  return { url: `http://${urlHost(address)}:${address.port}`, app, close: () => app.close() };
}

/** A wildcard bind is reached through loopback; IPv6 literals need brackets. */
function urlHost({ address, family }: AddressInfo): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return family === 'IPv6' ? `[${address}]` : address;
}
