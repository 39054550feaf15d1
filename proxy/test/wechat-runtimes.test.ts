// The WeChat upstream behind every runtime that shares the exchange core: the Node handler, the fetch handler and the
// Express middleware answer the same DTO and the same taxonomy as the listening server (wechat-upstream.test.ts), on
// the WeChat sandbox over loopback; each closes its upstream connections on close().
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createExpressMiddleware, createFetchHandler, createNodeHandler, type ProxyOptions } from '../src';
import { startWechatSandbox, type WechatSandbox } from '../src/sandbox';
import { postJson } from './helpers';

let sandbox: WechatSandbox;
beforeAll(async () => (sandbox = await startWechatSandbox()));
afterAll(() => sandbox.close());

const options = (): ProxyOptions => ({
  upstream: 'wechat',
  wechat: { appId: sandbox.appId, appSecret: sandbox.appSecret, apiBase: sandbox.url },
  rateLimit: false,
  logger: false,
});

async function listen(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A success, then a code WeChat refuses. */
async function exercise(url: string): Promise<void> {
  const code = sandbox.mintCode();
  const first = await postJson(`${url}/phone`, { code });
  expect(first.status).toBe(200);
  expect(first.body.data).toEqual(sandbox.phoneFor(code));
  sandbox.inject({ kind: 'errcode', errcode: 40029 });
  const refused = await postJson(`${url}/phone`, { code: sandbox.mintCode() });
  expect([refused.status, refused.body.error]).toEqual([422, 'CODE_REJECTED']);
}

it('the Node handler', async () => {
  const handler = createNodeHandler(options());
  const server = await listen(handler);
  try {
    await exercise(server.url);
  } finally {
    await server.close();
    await handler.close();
  }
});

it('the fetch handler, given Web Requests as a serverless runtime gives them', async () => {
  const handler = createFetchHandler(options());
  const post = async (code: string) => {
    const response = await handler(
      new Request('http://proxy.example/phone', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) }),
    );
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  try {
    const code = sandbox.mintCode();
    const first = await post(code);
    expect([first.status, first.body.data]).toEqual([200, sandbox.phoneFor(code)]);
    sandbox.inject({ kind: 'errcode', errcode: 45011 });
    const limited = await post(sandbox.mintCode());
    expect([limited.status, limited.body.error]).toEqual([429, 'RATE_LIMITED']);
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
    await exercise(server.url);
  } finally {
    await server.close();
    await middleware.close();
  }
});
