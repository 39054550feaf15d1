// close() stops accepting connections but lets an in-flight exchange finish with its DTO; a client that never
// finishes sending its request cannot hold the server open.
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { startStack, type Stack } from './helpers';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** 'settled' when `promise` settles within `ms`, else 'still pending' (a hang fails the assertion, not the test timeout). */
async function within(promise: Promise<unknown>, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(resolve, ms, 'still pending')));
  try {
    return await Promise.race([promise.then(() => 'settled'), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface Stalled {
  socket: Socket;
  closed: Promise<unknown>;
  received(): string;
}

/** Opens a connection that sends the headers and the first bytes of a body, then stalls. */
async function stalledRequest(stack: Stack): Promise<Stalled> {
  const { hostname, port } = new URL(stack.proxy.url);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('error', () => undefined); // the server may reset it
  const closed = once(socket, 'close');
  socket.write('POST /phone HTTP/1.1\r\nhost: proxy\r\ncontent-type: application/json\r\ncontent-length: 80\r\n\r\n{"code":"ab');
  await sleep(50); // let the server parse the headers
  return { socket, closed, received: () => received };
}

it('an exchange in flight during close still gets its answer, closing its connection; new connections are refused', async () => {
  const stack = await startStack();
  try {
    const code = stack.sandbox.mintCode();
    stack.sandbox.inject({ kind: 'latency', ms: 300 });
    const inFlight = stack.post({ code });
    // Wait until the request reached the sandbox, then close while it waits for the answer.
    while (stack.sandbox.calls === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const closing = stack.proxy.close();

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual(stack.sandbox.phoneFor(code));
    expect(answer.headers.get('connection')).toBe('close');
    await closing;
    await expect(fetch(`${stack.proxy.url}/healthz`)).rejects.toThrow();
  } finally {
    await stack.sandbox.close();
  }
});

it('a client stalled mid-body is answered 408 at the request deadline while serving', async () => {
  const stack = await startStack({ proxy: { requestTimeoutMs: 200 } });
  const stalled = await stalledRequest(stack);
  try {
    expect(await within(stalled.closed, 3000)).toBe('settled');
    expect(stalled.received()).toMatch(/^HTTP\/1\.1 408 /);
  } finally {
    stalled.socket.destroy();
    await stack.close();
  }
});

it('a client stalled mid-body cannot hold shutdown open; an exchange in flight past the deadline still finishes', async () => {
  const stack = await startStack({ proxy: { requestTimeoutMs: 200 } });
  const stalled = await stalledRequest(stack);
  let closing: Promise<void> | undefined;
  try {
    const code = stack.sandbox.mintCode();
    stack.sandbox.inject({ kind: 'latency', ms: 600 });
    const inFlight = stack.post({ code });
    while (stack.sandbox.calls === 0) await sleep(5);
    closing = stack.proxy.close();

    expect(await within(closing, 3000)).toBe('settled');
    expect(await within(stalled.closed, 100)).toBe('settled');
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual(stack.sandbox.phoneFor(code));
  } finally {
    stalled.socket.destroy();
    await closing;
    await stack.sandbox.close();
  }
});

it('a client that pipelines a second request and hangs up mid-exchange cannot hold shutdown open', async () => {
  const stack = await startStack();
  try {
    stack.sandbox.inject({ kind: 'latency', ms: 300 });
    const { hostname, port } = new URL(stack.proxy.url);
    const socket = connect(Number(port), hostname);
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    const body = JSON.stringify({ code: stack.sandbox.mintCode() });
    socket.write(
      `POST /phone HTTP/1.1\r\nhost: proxy\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}` +
        'GET /healthz HTTP/1.1\r\nhost: proxy\r\n\r\n',
    );
    while (stack.sandbox.calls === 0) await sleep(5);
    socket.destroy(); // the answer to GET /healthz, queued behind the exchange, can never be sent
    expect(await within(stack.proxy.close(), 3000)).toBe('settled');
  } finally {
    await stack.close();
  }
});

it('an exchange pipelined behind a quick answer still gets its answer when shutdown starts', async () => {
  const stack = await startStack({ proxy: { requestTimeoutMs: 200 } });
  try {
    const code = stack.sandbox.mintCode();
    stack.sandbox.inject({ kind: 'latency', ms: 600 });
    const { hostname, port } = new URL(stack.proxy.url);
    const socket = connect(Number(port), hostname);
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const closed = once(socket, 'close');
    const body = JSON.stringify({ code });
    socket.write(
      'GET /healthz HTTP/1.1\r\nhost: proxy\r\n\r\n' +
        `POST /phone HTTP/1.1\r\nhost: proxy\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
    );
    while (stack.sandbox.calls === 0) await sleep(5);
    const closing = stack.proxy.close();

    // Past the 200 ms shutdown deadline: the exchange had fully arrived, so its connection is not cut.
    expect(await within(closed, 3000)).toBe('settled');
    const answers = received.split(/(?=HTTP\/1\.1 )/);
    expect(answers.map((answer) => answer.slice(0, 12))).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200']);
    expect((JSON.parse(answers[1].slice(answers[1].indexOf('\r\n\r\n') + 4)) as { data: unknown }).data).toEqual(stack.sandbox.phoneFor(code));
    expect(await within(closing, 3000)).toBe('settled');
  } finally {
    await stack.sandbox.close();
  }
});

it('many requests pipelined on one connection are all answered, with a fixed number of close listeners', async () => {
  const stack = await startStack();
  try {
    // Close listeners on the server's side of the connection as each request arrives (ours run first).
    const closeListeners: number[] = [];
    stack.proxy.server.on('request', (request: IncomingMessage) => closeListeners.push(request.socket.listenerCount('close')));
    const { hostname, port } = new URL(stack.proxy.url);
    const socket = connect(Number(port), hostname);
    await once(socket, 'connect');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const closed = once(socket, 'close');
    const request = 'GET /healthz HTTP/1.1\r\nhost: proxy\r\n\r\n';
    socket.end(request.repeat(19) + request.replace('\r\n\r\n', '\r\nconnection: close\r\n\r\n'));
    expect(await within(closed, 3000)).toBe('settled');
    expect(received.match(/HTTP\/1\.1 200 /g)).toHaveLength(20);
    // Node warns past 10 listeners: a listener per pipelined request would grow without bound.
    expect(closeListeners).toHaveLength(20);
    expect(new Set(closeListeners).size).toBe(1);
  } finally {
    await stack.close();
  }
});
