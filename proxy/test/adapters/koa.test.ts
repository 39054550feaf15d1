// createKoaMiddleware inside a real Koa 3 app: behind @koa/bodyparser on a @koa/router route, and alone at the root.
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import { createKoaMiddleware, type ProxyOptions } from '../../src';
import { startSandbox } from '../../src/sandbox';
import { APP_ID, authingFor, postJson } from '../helpers';
import { listen } from './servers';
import { adapterSuite } from './suite';

type Mount = (app: Koa, middleware: Koa.Middleware) => void;

function mountWith(how: Mount, path = '/phone') {
  return async (options: ProxyOptions) => {
    const middleware = createKoaMiddleware(options);
    const app = new Koa();
    how(app, middleware);
    const handle = app.callback();
    const server = await listen((req, res) => void handle(req, res));
    return {
      url: server.base + path,
      close: async () => {
        await middleware.close();
        await server.close();
      },
    };
  };
}

const isKoaContext = (value: unknown): boolean => typeof value === 'object' && value !== null && 'cookies' in value && 'state' in value;

adapterSuite('Koa: @koa/bodyparser, then router.post(path, middleware)', {
  mount: mountWith((app, middleware) => {
    const router = new Router();
    router.post('/login/phone', middleware);
    app.use(bodyParser()).use(router.routes());
  }, '/login/phone'),
  isNativeRequest: isKoaContext,
  // @koa/bodyparser answers malformed JSON itself (Koa's error handling), before the middleware runs.
  ownsMalformedJson: false,
});

adapterSuite('Koa: app.use(middleware) at the root, body unread', {
  mount: mountWith((app, middleware) => app.use(middleware)),
  isNativeRequest: isKoaContext,
  ownsMalformedJson: true,
});

it('Koa at the root: serves /healthz, passes every other request on', async () => {
  const sandbox = await startSandbox({ appId: APP_ID });
  const server = await mountWith((app, middleware) => {
    app.use(middleware);
    app.use((ctx) => {
      ctx.status = 404;
      ctx.body = { host: 'not found' };
    });
  })({ authing: authingFor(sandbox), logger: false });
  try {
    const base = server.url.replace(/\/phone$/, '');
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok', store: 'memory' });
    expect(await (await fetch(server.url)).json()).toEqual({ host: 'not found' });
    expect((await postJson(`${base}/other`, { code: sandbox.mintCode() })).body).toEqual({ host: 'not found' });
  } finally {
    await server.close();
    await sandbox.close();
  }
});
