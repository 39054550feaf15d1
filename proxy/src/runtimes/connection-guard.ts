// The listening server's limits on connections themselves, before any request: how many may be open, how long one
// may sit without sending a request, and an accept() that fails (out of file descriptors) without ending the process.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type * as PromClient from 'prom-client';
import { createConnectionMetrics, type ConnectionRefusal } from '../observability/connection-metrics';

/** One warning per kind of refusal per interval: a flood must not flood the log too. */
const WARNING_INTERVAL_MS = 60_000;

export interface ConnectionLimits {
  maxConnections: number;
  /** How long a new connection may take to start its request (the request deadline). */
  firstRequestTimeoutMs: number;
}

export function guardConnections(server: Server, limits: ConnectionLimits, logger: Logger | undefined, registry: PromClient.Registry): void {
  const refused = createConnectionMetrics(registry);
  const lastWarning = new Map<ConnectionRefusal, number>();
  const refuse = (reason: ConnectionRefusal, details: Record<string, unknown>, message: string): void => {
    refused.inc({ reason });
    const now = performance.now();
    if (now - (lastWarning.get(reason) ?? -Infinity) < WARNING_INTERVAL_MS) return;
    lastWarning.set(reason, now);
    logger?.warn({ reason, ...details }, message);
  };

  // Past the cap Node accepts and closes at once: the backlog drains, and idle sockets cannot take every descriptor.
  server.maxConnections = limits.maxConnections;
  server.on('drop', () =>
    refuse('max_connections', { maxConnections: limits.maxConnections }, 'connection closed at once: MAX_CONNECTIONS reached (warned once a minute)'),
  );
  // After listen, the server's only errors are failed accept() calls. On EMFILE libuv mostly copes alone (it closes
  // the waiting connections with a descriptor it keeps spare); what it still reports is emitted here, and without a
  // listener Node would throw it and end the process. The connection is lost; the server goes on accepting.
  server.on('error', (error: NodeJS.ErrnoException) =>
    refuse('accept_error', { errorCode: error.code }, 'could not accept a connection (warned once a minute)'),
  );

  // Node's header timer starts with a request's first byte: a connection that never sends one would stay open for
  // good. Our own timer closes it after the request deadline; once a request arrives the request deadline and the
  // exchange's own deadlines take over (Node then arms the keep-alive timeout after each answer). Not server.timeout:
  // its socket inactivity timer was seen never to fire for about one connection in 40 under load.
  const firstRequest = new WeakMap<Socket, NodeJS.Timeout>();
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), limits.firstRequestTimeoutMs).unref();
    firstRequest.set(socket, timer);
    socket.once('close', () => clearTimeout(timer));
  });
  server.on('request', (request: { socket: Socket }) => clearTimeout(firstRequest.get(request.socket)));
}
