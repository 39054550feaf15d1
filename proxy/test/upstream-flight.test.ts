// A request's wait on its code's single flight is bounded: when another request's call for the code is still going
// (in its late-answer grace, say), the request answers 504 after the bound instead of waiting with it.
import { AuthingClient } from '../src/exchange/authing-client';
import { createUpstreamFlight } from '../src/exchange/upstream-flight';
import { errors } from '../src/contract/errors';
import { createMetrics } from '../src/observability/metrics';
import type { SingleFlight } from '../src/store/single-flight';

it('a request waiting on another request’s call answers UPSTREAM_TIMEOUT after its bound, and makes no call', async () => {
  const client = new AuthingClient({ appHost: 'http://127.0.0.1:9', appId: 'app-1', extIdpConnidentifier: 'conn-1', timeoutMs: 1000 });
  const call = jest.spyOn(client, 'call');
  // The flight another request started, and that has not ended.
  const joined: SingleFlight = { run: () => new Promise(() => undefined), close: () => Promise.resolve() };
  const fly = createUpstreamFlight({ client, singleFlight: joined, metrics: createMetrics(), logger: undefined, waitMs: 150 });
  const started = performance.now();
  const result = await fly('key', 'code-1', 'binding', Promise.resolve(true));
  expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  expect(result).toMatchObject({ source: 'inflight', outcome: { ok: false, neverSent: false, failure: { definition: errors.UPSTREAM_TIMEOUT } } });
  expect(call).not.toHaveBeenCalled();
  await client.close();
});
