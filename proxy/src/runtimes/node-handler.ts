// The app behind a Node `(req, res)` handler: an http.Server (startProxy), Tencent SCF web functions, WeChat Cloud
// Hosting. `req` must be the unread request stream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createApp, type App } from '../app';
import type { ProxyOptions } from '../config';
import { BODY_ABORTED, BODY_TOO_LARGE, type AppRequest, type AppResponse, type BodyRead } from '../contract/http-messages';

/** A Node `(req, res)` handler; `close()` lets requests in flight finish, then closes the upstream connections. */
export interface NodeHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

/** Reads the unread request stream, giving up past `limit` bytes (also used by the framework adapters). */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  // Already gone, or already read by someone else (a platform that parsed the body): nothing more will come.
  if (req.destroyed || req.readableEnded) return Promise.resolve(BODY_ABORTED);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (read: BodyRead): void => {
      req.off('data', onData).off('end', onEnd).off('error', onAborted).off('close', onAborted);
      resolve(read);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) settle(BODY_TOO_LARGE);
      else chunks.push(chunk);
    };
    const onEnd = (): void => settle({ bytes: Buffer.concat(chunks, size) });
    // The client went away or missed the request deadline mid-body: nobody is left to answer.
    const onAborted = (): void => settle(BODY_ABORTED);
    req.on('data', onData).on('end', onEnd).on('error', onAborted).on('close', onAborted);
  });
}

export function toAppRequest(req: IncomingMessage): AppRequest {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const length = req.headers['content-length'];
  return {
    method: req.method ?? 'GET',
    path: query === -1 ? url : url.slice(0, query),
    headers: req.headers,
    remoteAddress: req.socket.remoteAddress ?? '',
    hasBody: req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0'),
    readBody: (limit) => readBody(req, limit),
    native: req,
  };
}

/** Releases of the requests held on each connection, run when it closes: one listener per connection, however many are pipelined. */
const heldOnSocket = new WeakMap<Socket, Set<() => void>>();

function releaseWhenClosed(socket: Socket, release: () => void): Set<() => void> {
  let held = heldOnSocket.get(socket);
  if (!held) {
    const releases = new Set<() => void>();
    socket.once('close', () => releases.forEach((pending) => pending()));
    heldOnSocket.set(socket, (held = releases));
  }
  held.add(release);
  return held;
}

/** Holds the request in the app until its answer is out or its connection is gone. */
export function holdUntilDone(app: App, req: IncomingMessage, res: ServerResponse): void {
  const release = app.hold();
  // A pipelined answer queued behind another never emits 'close' when the connection drops: watch the socket too.
  const held = releaseWhenClosed(req.socket, release);
  res.once('close', () => {
    held.delete(release);
    release();
  });
}

function send(req: IncomingMessage, res: ServerResponse, response: AppResponse, endConnection: boolean): void {
  if (res.destroyed) return; // the client is gone
  // One object for writeHead, in the order the headers always had: setHeader() before it would make Node copy and
  // check every header twice (issue 23). Head and body leave in one write (end() with the body, after writeHead).
  const headers: Record<string, string | number> = {};
  // A body we did not read (refused early, or too large) is not drained: the connection ends with the answer.
  if (!req.complete || endConnection) headers.connection = 'close';
  // A known length spares the chunked framing.
  if (response.body !== null) headers['content-length'] = Buffer.byteLength(response.body);
  res.writeHead(response.status, Object.assign(headers, response.headers));
  res.end(response.body ?? undefined);
}

/** Answers one request on `res`, held in the app until it is out (the Node handler; the Express adapter). */
export function serveNode(app: App, req: IncomingMessage, res: ServerResponse, request: AppRequest, endConnection: () => boolean): void {
  holdUntilDone(app, req, res);
  void app
    .respond(request)
    .then((response) => send(req, res, response, endConnection()))
    .catch((error: unknown) => {
      // A header Node refuses (a bug of ours): no answer can be sent, so the connection goes.
      app.logger?.error({ err: error }, 'could not send the answer');
      res.destroy();
    });
}

/** Puts an app behind a Node request listener; answers end their connection while `endConnections()` says so. */
export function nodeListenerFor(app: App, endConnections: () => boolean): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => serveNode(app, req, res, toAppRequest(req), endConnections);
}

/** Validates the options (throws ConfigError) and returns the handler. Answers sent after close() end their connection. */
export function createNodeHandler(options: ProxyOptions): NodeHandler {
  const app = createApp(options);
  let closing = false;
  const listener = nodeListenerFor(app, () => closing);
  return Object.assign(listener, {
    close: () => {
      closing = true;
      return app.close();
    },
  });
}
