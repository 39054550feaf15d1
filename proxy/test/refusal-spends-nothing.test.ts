// A request the rate limit refuses spends nothing, however its body arrives: raw through the Node handler, pre-parsed by
// express.json() or Koa's bodyparser, or as a cloud function event. Upstream calls are counted only once the runtime is
// closed (close() waits for every call to Authing): a refused code sent in the background would be counted by then.
import { bodyParser } from '@koa/bodyparser';
import express from 'express';
import Koa from 'koa';
import { createCloudFunction, createExpressMiddleware, createKoaMiddleware, createNodeHandler, type ProxyOptions } from '../src';
import { startSandbox, type Sandbox } from '../src/sandbox';
import { listen } from './adapters/servers';
import { authingFor, postJson } from './helpers';

const ONE_PER_MINUTE = { max: 1, timeWindowMs: 60_000 };

/** A runtime with its exchange: `send(code)` answers the status; `close()` settles every call to Authing. */
interface Runtime {
  send(code: string): Promise<number>;
  close(): Promise<void>;
}

type Start = (options: ProxyOptions) => Promise<Runtime>;

/** An HTTP runtime on loopback. */
async function overHttp(listener: Parameters<typeof listen>[0], closeRuntime: () => Promise<void>): Promise<Runtime> {
  const server = await listen(listener);
  return {
    send: async (code) => (await postJson(`${server.base}/phone`, { code })).status,
    close: async () => {
      await closeRuntime();
      await server.close();
    },
  };
}

const runtimes: Array<[string, Start]> = [
  [
    'raw, through the Node handler',
    (options) => {
      const handler = createNodeHandler(options);
      return overHttp(handler, () => handler.close());
    },
  ],
  [
    'pre-parsed by express.json()',
    (options) => {
      const middleware = createExpressMiddleware(options);
      return overHttp(express().post('/phone', express.json(), middleware), () => middleware.close());
    },
  ],
  [
    "pre-parsed by Koa's bodyparser",
    (options) => {
      const middleware = createKoaMiddleware(options);
      const handle = new Koa().use(bodyParser()).use(middleware).callback();
      return overHttp(
        (req, res) => void handle(req, res),
        () => middleware.close(),
      );
    },
  ],
  [
    'as a cloud function event',
    (options) => {
      const main = createCloudFunction(options);
      const caller = { userInfo: { appId: 'wxc10udf000000001', openId: 'oUSER0000000000000000000001' } };
      return Promise.resolve({
        send: async (code) => ((await main({ code, ...caller })) as { statusCode: number }).statusCode,
        close: () => main.close(),
      });
    },
  ],
];

describe('a refusal spends nothing, on every runtime', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ appId: 'test-app-id-6a1f' });
  });
  afterAll(() => sandbox.close());

  test.each(runtimes)('%s: the refused code never reaches Authing, even after the exchange settled', async (_name, start) => {
    const runtime = await start({ authing: authingFor(sandbox), logger: false, rateLimit: ONE_PER_MINUTE });
    const admitted = sandbox.mintCode();
    const refused = sandbox.mintCode();
    try {
      expect(await runtime.send(admitted)).toBe(200);
      expect(await runtime.send(refused)).toBe(429);
    } finally {
      await runtime.close();
    }
    expect(sandbox.callsFor(admitted)).toBe(1);
    expect(sandbox.callsFor(refused)).toBe(0);
  });
});
