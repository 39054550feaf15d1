// createExpressMiddleware inside a real Express 5 app: with express.json() before it, without, mounted every way.
import { generateKeyPairSync } from 'node:crypto';
import express from 'express';
import { ConfigError, createExpressMiddleware, type ProxyOptions } from '../../src';
import { startSandbox } from '../../src/sandbox';
import { APP_ID, authingFor, postJson } from '../helpers';
import { listen } from './servers';
import { adapterSuite, postRaw } from './suite';

type Mount = (app: express.Express, middleware: express.RequestHandler) => void;

function mountWith(how: Mount, path = '/phone') {
  return async (options: ProxyOptions) => {
    const middleware = createExpressMiddleware(options);
    const app = express();
    how(app, middleware);
    app.use((_req, res) => res.status(404).json({ host: 'not found' }));
    const server = await listen(app);
    return {
      url: server.base + path,
      close: async () => {
        await middleware.close();
        await server.close();
      },
    };
  };
}

const isExpressRequest = (value: unknown): boolean => typeof value === 'object' && value !== null && 'baseUrl' in value && 'app' in value;

adapterSuite('Express: app.post(path, express.json(), middleware)', {
  mount: mountWith((app, middleware) => app.post('/phone', express.json(), middleware)),
  isNativeRequest: isExpressRequest,
  // express.json() answers malformed JSON through Express's error handling, before the middleware runs.
  ownsMalformedJson: false,
});

adapterSuite('Express: app.use(path, middleware), body unread', {
  mount: mountWith((app, middleware) => app.use('/login/phone', middleware), '/login/phone'),
  isNativeRequest: isExpressRequest,
  ownsMalformedJson: true,
});

adapterSuite('Express: app.use(express.json(), middleware) at the root (the proxy route set)', {
  mount: mountWith((app, middleware) => app.use(express.json(), middleware)),
  isNativeRequest: isExpressRequest,
  ownsMalformedJson: false,
});

describe('Express mounting', () => {
  it('at the root serves /healthz and /metrics and passes every other request on; under a path, only that path', async () => {
    const sandbox = await startSandbox({ appId: APP_ID });
    const options: ProxyOptions = { authing: authingFor(sandbox), logger: false, rateLimit: false };
    const root = await mountWith((app, middleware) => app.use(middleware))(options);
    const mounted = await mountWith((app, middleware) => app.use('/api/phone', middleware), '/api/phone')(options);
    try {
      const base = root.url.replace(/\/phone$/, '');
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok', store: 'memory' });
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('phone_proxy_requests_total');
      expect(await (await fetch(`${base}/other`)).json()).toEqual({ host: 'not found' });
      expect(await (await fetch(root.url)).json()).toEqual({ host: 'not found' }); // GET on the exchange route
      expect((await postJson(`${base}/elsewhere`, { code: sandbox.mintCode() })).body).toEqual({ host: 'not found' });

      expect((await postJson(mounted.url, { code: sandbox.mintCode() })).status).toBe(200);
      expect((await postJson(`${mounted.url}/deeper`, { code: sandbox.mintCode() })).body).toEqual({ host: 'not found' });
    } finally {
      await root.close();
      await mounted.close();
      await sandbox.close();
    }
  });

  it("at the root serves the JWKS only when signing is on: otherwise the host's route answers it", async () => {
    const sandbox = await startSandbox({ appId: APP_ID });
    const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const plain = await mountWith((app, middleware) => app.use(middleware))({ authing: authingFor(sandbox), logger: false });
    const signing = await mountWith((app, middleware) => app.use(middleware))({
      authing: authingFor(sandbox),
      logger: false,
      assertion: { privateKey, audience: 'host-backend' },
    });
    try {
      const jwksOf = (url: string) => fetch(url.replace(/\/phone$/, '/.well-known/jwks.json'));
      expect(await (await jwksOf(plain.url)).json()).toEqual({ host: 'not found' });
      const keys = (await (await jwksOf(signing.url)).json()) as { keys: Array<{ kty: string; alg: string }> };
      expect(keys.keys).toEqual([expect.objectContaining({ kty: 'EC', alg: 'ES256' })]);
    } finally {
      await plain.close();
      await signing.close();
      await sandbox.close();
    }
  });

  it('takes the body from req.body once a parser read it (not from the stream)', async () => {
    const sandbox = await startSandbox({ appId: APP_ID });
    const replaced = sandbox.mintCode();
    const server = await mountWith((app, middleware) =>
      app.post('/phone', express.json(), (req, _res, next) => ((req.body = { code: replaced }), next()), middleware),
    )({ authing: authingFor(sandbox), logger: false });
    try {
      expect((await postJson(server.url, { code: sandbox.mintCode() })).body).toMatchObject({ data: sandbox.phoneFor(replaced) });
    } finally {
      await server.close();
      await sandbox.close();
    }
  });

  it('takes a body express.raw() kept as bytes', async () => {
    const sandbox = await startSandbox({ appId: APP_ID });
    const server = await mountWith((app, middleware) => app.post('/phone', express.raw({ type: 'application/json' }), middleware))({
      authing: authingFor(sandbox),
      logger: false,
    });
    try {
      const code = sandbox.mintCode();
      expect(await postRaw(server.url, JSON.stringify({ code }), 'application/json')).toMatchObject({
        status: 200,
        body: { data: sandbox.phoneFor(code) },
      });
    } finally {
      await server.close();
      await sandbox.close();
    }
  });

  it('refuses bad options with ConfigError naming the option', () => {
    expect(() => createExpressMiddleware({ authing: { appHost: 'nope', appId: 'a', extIdpConnidentifier: 'c' } })).toThrow(ConfigError);
    expect(() =>
      createExpressMiddleware({ authing: { appHost: 'http://127.0.0.1:1', appId: 'a', extIdpConnidentifier: 'c' }, onPhone: 'yes' as never }),
    ).toThrow(/^onPhone: must be a function/);
  });
});
