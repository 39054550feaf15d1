// The token cache on its own (exchange/upstreams/token-cache.ts): one fetch for many callers, a store that hangs or
// fails does not stop the exchange, a failed fetch is not repeated by every caller, a lease held elsewhere is waited
// for, and forced refreshes stay within WeChat's bound (20 a day, 30 s apart), counted across the cluster's store.
import { TokenCache, type FetchedToken, type TokenSource } from '../src/exchange/upstreams/token-cache';
import { memorySharedValues, type SharedValues } from '../src/store/shared-values';

function countingSource(
  answer: (force: boolean, n: number) => FetchedToken | Error = (_force, n) => ({ token: `token-${n}`, expiresInS: 7200 }),
): TokenSource & { fetches: boolean[] } {
  const fetches: boolean[] = [];
  return {
    fetches,
    async fetch(force) {
      fetches.push(force);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const result = answer(force, fetches.length);
      if (result instanceof Error) throw result;
      return result;
    },
  };
}

const cache = (source: TokenSource, values: SharedValues = memorySharedValues(), now?: () => number) =>
  new TokenCache({ key: 'k', source, values, timeoutMs: 2000, forceRefresh: { perDay: 20, minIntervalMs: 30_000 }, now });

it('100 concurrent callers: one fetch, one token', async () => {
  const source = countingSource();
  const tokens = cache(source);
  const got = await Promise.all(Array.from({ length: 100 }, () => tokens.get()));
  expect(new Set(got)).toEqual(new Set(['token-1']));
  expect(source.fetches).toEqual([false]);
  expect(tokens.current()).toBe('token-1');
});

it('two caches on one store (two instances): the second reads the token the first wrote', async () => {
  const values = memorySharedValues();
  const source = countingSource();
  const [a, b] = [cache(source, values), cache(source, values)];
  expect(await Promise.all([a.get(), b.get()])).toEqual(['token-1', 'token-1']);
  expect(source.fetches).toHaveLength(1);
});

it('a store that never answers: this process fetches on its own, within about a second', async () => {
  const hanging: SharedValues = {
    read: () => new Promise(() => undefined),
    write: () => new Promise(() => undefined),
    lease: () => new Promise(() => undefined),
    close: () => Promise.resolve(),
  };
  const source = countingSource();
  const started = Date.now();
  expect(await cache(source, hanging).get()).toBe('token-1');
  expect(Date.now() - started).toBeLessThan(1900);
});

it('a failed fetch is not repeated by every caller: they fail at once for a second', async () => {
  const source = countingSource(() => new Error('stable_token refused (HTTP 200, errcode 40125)'));
  const tokens = cache(source);
  await expect(tokens.get()).rejects.toThrow('40125');
  await expect(Promise.all(Array.from({ length: 20 }, () => tokens.get()))).rejects.toThrow('40125');
  expect(source.fetches).toHaveLength(1);
});

it('forces a refresh only for the rejected token handed back, 30 s apart at least, 20 a day, across instances', async () => {
  let now = 1_000_000;
  let current = 'token-0';
  const forcedAt: number[] = [];
  // WeChat stuck on a token it rejects: normal mode hands it back, only force_refresh rotates it.
  const source = countingSource((force) => {
    if (force) {
      forcedAt.push(now);
      current = `token-${forcedAt.length}`;
    }
    return { token: current, expiresInS: 7200 };
  });
  const values = memorySharedValues(() => now);
  const tokens = cache(source, values, () => now);
  expect(await tokens.get()).toBe('token-0');
  for (let i = 0; i < 100; i++) {
    now += 10_000;
    tokens.rejected(current);
    await tokens.get();
  }
  expect(forcedAt).toHaveLength(20);
  expect(forcedAt.slice(1).every((at, index) => at - forcedAt[index] >= 30_000)).toBe(true);
  // Another instance on the same store, later the same day: the budget is spent for it too.
  now += 31_000;
  const other = cache(source, values, () => now);
  other.rejected(current);
  expect(await other.get()).toBe(current);
  expect(forcedAt).toHaveLength(20);
});
