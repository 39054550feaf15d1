// Per-client rate limit on the exchange route: 429 + Retry-After in our envelope; health and metrics unaffected.
import { startStack } from './helpers';

it('limits per client IP with 429, Retry-After and RATE_LIMITED, before reaching Authing', async () => {
  const stack = await startStack({ proxy: { rateLimit: { max: 2, timeWindowMs: 60_000 } } });
  try {
    for (let i = 0; i < 2; i++) expect((await stack.post({ code: stack.sandbox.mintCode() })).status).toBe(200);
    const limited = await stack.post({ code: stack.sandbox.mintCode() });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ statusCode: 429, error: 'RATE_LIMITED', requestId: limited.headers.get('x-request-id') });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get('cache-control')).toBe('no-store');
    expect(stack.sandbox.calls).toBe(2);

    expect((await fetch(`${stack.proxy.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${stack.proxy.url}/metrics`)).status).toBe(200);
  } finally {
    await stack.close();
  }
});

it('with trustProxy, clients behind the same proxy are told apart by X-Forwarded-For', async () => {
  const stack = await startStack({ proxy: { rateLimit: { max: 1, timeWindowMs: 60_000 }, trustProxy: true } });
  try {
    const from = (ip: string) => stack.post({ code: stack.sandbox.mintCode() }, { 'x-forwarded-for': ip });
    expect((await from('203.0.113.1')).status).toBe(200);
    expect((await from('203.0.113.1')).status).toBe(429);
    expect((await from('203.0.113.2')).status).toBe(200);
  } finally {
    await stack.close();
  }
});
