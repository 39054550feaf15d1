// describe() for a Redis suite. Without redis-server (and without REDIS_URL): in CI (CI=true, or REDIS_REQUIRED=1,
// which .ci/run sets) the suite fails saying how to install it; elsewhere it is skipped under a marked name, and
// skipped-redis-reporter.js counts the skipped tests in a banner at the end of the run. REDIS_TESTS=skip skips anyway.
import { hasRedisServer, INSTALL_HINT } from './redis-server';

/** Prefix of a suite skipped for want of redis-server: skipped-redis-reporter.js looks for the same text. */
export const SKIPPED_FOR_REDIS = '[skipped: no redis-server]';

const isSet = (value: string | undefined): boolean => value !== undefined && value !== '' && value !== '0' && value !== 'false';

/** Redis is required where CI says so (CI=true on every CI service) or REDIS_REQUIRED=1 does. */
export const redisRequired = (): boolean => isSet(process.env.CI) || isSet(process.env.REDIS_REQUIRED);

/** describe() for a Redis suite: skipped without Redis on a developer's machine, failing with the install hint in CI. */
export function describeWithRedis(name: string, body: () => void): void {
  if (process.env.REDIS_TESTS === 'skip') {
    console.warn(`${name}: skipped because REDIS_TESTS=skip`);
    describe.skip(name, body);
    return;
  }
  if (hasRedisServer() || process.env.REDIS_URL) {
    describe(name, body);
  } else if (redisRequired()) {
    describe(name, () =>
      it('needs a Redis (required in CI)', () => {
        throw new Error(INSTALL_HINT);
      }),
    );
  } else {
    describe.skip(`${SKIPPED_FOR_REDIS} ${name}`, body);
  }
}
