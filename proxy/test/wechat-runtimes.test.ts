// The WeChat upstream behind every runtime that shares the exchange core: the Node handler, the fetch handler and the
// Express, Koa and fastify adapters, each in its real framework on loopback with the WeChat sandbox as the real HTTP
// upstream. Each answers what the listening server answers (wechat-upstream.test.ts): the same DTO (countryCode sent as
// the number 86 answered "86"), every classified errcode, a malformed answer, a timeout; and closes its connections.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyParser } from '@koa/bodyparser';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { createExpressMiddleware, createFetchHandler, createKoaMiddleware, createNodeHandler, phoneExchangePlugin, type ProxyOptions } from '../src';
import { startWechatSandbox, type WechatSandbox } from '../src/sandbox';
import { postJson, WECHAT_PHONE_ERRCODES as ERRCODES } from './helpers';

jest.setTimeout(60_000);

let sandbox: WechatSandbox;
beforeAll(async () => (sandbox = await startWechatSandbox({ numericCountryCode: true })));
afterAll(() => sandbox.close());

/** A deadline the sandbox's injected latency outlasts, and that a loaded machine's loopback call never reaches. */
const TIMEOUT_MS = 1000;

const options = (): ProxyOptions => ({
  upstream: 'wechat',
  wechat: { appId: sandbox.appId, appSecret: sandbox.appSecret, apiBase: sandbox.url },
  rateLimit: false,
  logger: false,
  upstreamTimeoutMs: TIMEOUT_MS,
});

type Post = (code: string) => Promise<{ status: number; body: Record<string, unknown> }>;

async function exercise(post: Post): Promise<void> {
  const code = sandbox.mintCode();
  const first = await post(code);
  expect([first.status, first.body.data]).toEqual([200, sandbox.phoneFor(code)]);
  expect((first.body.data as Record<string, unknown>).countryCode).toBe('86');
  const answered: Array<[number, number, unknown]> = [];
  for (const [errcode] of ERRCODES) {
    sandbox.inject({ kind: 'errcode', errcode });
    const answer = await post(sandbox.mintCode());
    answered.push([errcode, answer.status, answer.body.error]);
  }
  expect(answered).toEqual(ERRCODES);
  sandbox.inject({ kind: 'malformed' });
  const malformed = await post(sandbox.mintCode());
  expect([malformed.status, malformed.body.error]).toEqual([502, 'UPSTREAM_ERROR']);
  sandbox.inject({ kind: 'latency', ms: TIMEOUT_MS * 2.5 });
  const slow = await post(sandbox.mintCode());
  expect([slow.status, slow.body.error]).toEqual([504, 'UPSTREAM_TIMEOUT']);
}

async function listen(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const overHttp =
  (url: string): Post =>
  (code) =>
    postJson(url, { code });

it('the Node handler', async () => {
  const handler = createNodeHandler(options());
  const server = await listen(handler);
  try {
    await exercise(overHttp(`${server.url}/phone`));
  } finally {
    await server.close();
    await handler.close();
  }
});

it('the fetch handler, given Web Requests as a serverless runtime gives them', async () => {
  const handler = createFetchHandler(options());
  const post: Post = async (code) => {
    const response = await handler(
      new Request('http://proxy.example/phone', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) }),
    );
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  try {
    await exercise(post);
  } finally {
    await handler.close();
  }
});

it('the Express middleware', async () => {
  const middleware = createExpressMiddleware(options());
  const app = express();
  app.use(express.json());
  app.use(middleware);
  const server = await listen(app);
  try {
    await exercise(overHttp(`${server.url}/phone`));
  } finally {
    await server.close();
    await middleware.close();
  }
});

it('the Koa middleware', async () => {
  const middleware = createKoaMiddleware(options());
  const app = new Koa();
  app.use(bodyParser());
  app.use(middleware);
  const handle = app.callback();
  const server = await listen((req, res) => void handle(req, res));
  try {
    await exercise(overHttp(`${server.url}/phone`));
  } finally {
    await server.close();
    await middleware.close();
  }
});

it('the fastify plugin', async () => {
  const app = Fastify();
  await app.register(phoneExchangePlugin, options());
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    await exercise(overHttp(`${base}/phone`));
  } finally {
    await app.close();
  }
});
