// describe() for a Redis suite: where redis-server is missing (and REDIS_URL unset) the suite fails saying how to
// install it; only REDIS_TESTS=skip skips it, saying so.
import { hasRedisServer, INSTALL_HINT } from './redis-server';

/** describe() for a Redis suite: skipped only when REDIS_TESTS=skip; failing with the install hint without Redis. */
export function describeWithRedis(name: string, body: () => void): void {
  if (process.env.REDIS_TESTS === 'skip') {
    // eslint-disable-next-line no-console
    console.warn(`${name}: skipped because REDIS_TESTS=skip`);
    describe.skip(name, body);
    return;
  }
  if (!hasRedisServer() && !process.env.REDIS_URL) {
    describe(name, () => it('needs a Redis', () => { throw new Error(INSTALL_HINT); }));
    return;
  }
  describe(name, body);
}

