// phoneExchangePlugin registered in a real fastify 5 app: fastify parses the JSON, every outcome is our envelope.
import { generateKeyPairSync } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { phoneExchangePlugin, type ProxyOptions } from '../../src';
import { startSandbox } from '../../src/sandbox';
import { APP_ID, authingFor, postJson } from '../helpers';
import { adapterSuite, postRaw } from './suite';

async function start(
  options: ProxyOptions,
  prepare?: (app: FastifyInstance) => void,
): Promise<{ url: string; app: FastifyInstance; close(): Promise<void> }> {
  const app = Fastify();
  prepare?.(app);
  await app.register(phoneExchangePlugin, { ...options, prefix: '/api' });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `${base}/api/phone`, app, close: () => app.close() };
}

adapterSuite('fastify: register(phoneExchangePlugin, { prefix })', {
  mount: (options) => start(options),
  isNativeRequest: (value) => typeof value === 'object' && value !== null && 'raw' in value && 'routeOptions' in value,
  ownsMalformedJson: true,
});

describe('fastify plugin', () => {
  it('answers an empty JSON body and an unknown media type in our envelope, and leaves other errors to fastify', async () => {
    const sandbox = await startSandbox({ appId: APP_ID });
    const server = await start({ authing: authingFor(sandbox), logger: false }, (app) =>
      app.addHook('preHandler', (request) =>
        request.headers['x-deny'] === undefined
          ? Promise.resolve()
          : Promise.reject(Object.assign(new Error('denied by the host'), { statusCode: 401 })),
      ),
    );
    try {
      expect(await postRaw(server.url, '', 'application/json')).toMatchObject({ status: 400, body: { error: 'INVALID_REQUEST' } });
      expect(await postRaw(server.url, '<code/>', 'application/xml')).toMatchObject({ status: 415, body: { error: 'INVALID_REQUEST' } });
      const denied = await postJson(server.url, { code: sandbox.mintCode() }, { 'x-deny': '1' });
      expect(denied).toMatchObject({ status: 401, body: { message: 'denied by the host' } });
      expect((await fetch(server.url)).status).toBe(404); // GET: not a route of ours
    } finally {
      await server.close();
      await sandbox.close();
    }
  });

  it('publishes the JWKS under its prefix when signing is on, and registers no such route otherwise', async () => {
    const sandbox = await startSandbox({ appId: APP_ID });
    const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const plain = await start({ authing: authingFor(sandbox), logger: false });
    const signing = await start({ authing: authingFor(sandbox), logger: false, assertion: { privateKey, audience: 'host-backend' } });
    try {
      const jwksOf = (url: string) => fetch(url.replace(/\/phone$/, '/.well-known/jwks.json'));
      expect((await jwksOf(plain.url)).status).toBe(404);
      const response = await jwksOf(signing.url);
      expect(response.headers.get('cache-control')).toMatch(/max-age/);
      expect(((await response.json()) as { keys: unknown[] }).keys).toEqual([expect.objectContaining({ kty: 'EC', alg: 'ES256' })]);
    } finally {
      await plain.close();
      await signing.close();
      await sandbox.close();
    }
  });

  it('registers an OPTIONS preflight when CORS origins are set', async () => {
    const sandbox = await startSandbox({ appId: APP_ID });
    const server = await start({ authing: authingFor(sandbox), logger: false, corsOrigins: ['https://h5.example.com'] });
    try {
      const preflight = await fetch(server.url, {
        method: 'OPTIONS',
        headers: { origin: 'https://h5.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://h5.example.com');
    } finally {
      await server.close();
      await sandbox.close();
    }
  });

  it('fails registration with the ConfigError', async () => {
    const app = Fastify();
    await expect(app.register(phoneExchangePlugin, { authing: { appHost: 'nope', appId: 'a', extIdpConnidentifier: 'c' } })).rejects.toThrow(
      /authing.appHost/,
    );
    await app.close();
  });
});
