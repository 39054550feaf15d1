// How long a client may take to send its whole request (headers and body): bounds slowloris clients and stalled
// uploads, also while shutting down. Node enforces requestTimeout with a periodic check that server.close() stops,
// so without the cut below a client that sent half a request would hold graceful shutdown open forever.
import type { IncomingMessage, Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Node's own enforcement while serving: headers and body within the deadline, checked every second at most (Node: 30 s);
 * an idle keep-alive connection closes `keepAliveTimeoutMs` after its last answer (config/server-options.ts says why
 * that must exceed a load balancer's idle timeout).
 *
 * The old advice "headersTimeout above keepAliveTimeout" (nodejs/node#27363) answered Node 10-12, whose header timer
 * also ran while a keep-alive connection sat idle. On the Node versions we support the timer starts with a request's
 * first byte (test/connection-hygiene.test.ts checks it), so headersTimeout stays the short request deadline: a
 * slow-headers client is cut after it, while a balancer's idle pooled connection lives the whole keep-alive time.
 * (Node also requires headersTimeout <= requestTimeout.)
 */
export function serverTimeouts(requestTimeoutMs: number, keepAliveTimeoutMs: number): ServerOptions {
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, requestTimeoutMs),
    keepAliveTimeout: keepAliveTimeoutMs,
  };
}

/**
 * Once shutdown starts, connections still sending a request (partial headers or body) get `requestTimeoutMs`
 * more, then are destroyed. Connections whose request fully arrived (an exchange in flight) are left to finish.
 */
export class ShutdownRequestDeadline {
  private readonly sockets = new Set<Socket>();
  /** The request being answered on each connection, until its response finishes. */
  private readonly answering = new WeakMap<Socket, IncomingMessage>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    server: Server,
    private readonly requestTimeoutMs: number,
  ) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('request', (request: IncomingMessage, response) => {
      const { socket } = request;
      this.answering.set(socket, request);
      // A pipelined request after this one may already be the connection's current one: leave it in place.
      response.once('finish', () => {
        if (this.answering.get(socket) === request) this.answering.delete(socket);
      });
    });
  }

  /** Shutdown began. */
  start(): void {
    this.timer ??= setTimeout(() => this.cutUnfinishedRequests(), this.requestTimeoutMs).unref();
  }

  /** The server closed. */
  stop(): void {
    clearTimeout(this.timer);
  }

  private cutUnfinishedRequests(): void {
    for (const socket of this.sockets) {
      if (!this.answering.get(socket)?.complete) socket.destroy();
    }
  }
}
