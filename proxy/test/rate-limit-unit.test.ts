// RateLimiter on its own, with a hand-driven clock: fixed windows, Retry-After in whole seconds, and the bound on
// tracked clients (the HTTP side is in rate-limit.test.ts).
import { MAX_TRACKED_CLIENTS, RateLimiter } from '../src/guards/rate-limit';

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

it('allows max requests per client in a window, then answers the seconds left', () => {
  const clock = manualClock();
  const limiter = new RateLimiter(3, 10_000, clock.now);
  expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0]);
  expect(limiter.take('a')).toBe(10);
  expect(limiter.take('a')).toBe(10); // a refused request does not move the window
});

it('Retry-After is the time left rounded up, never 0 while limited', () => {
  const clock = manualClock();
  const limiter = new RateLimiter(1, 10_000, clock.now);
  limiter.take('a');
  clock.advance(8_500);
  expect(limiter.take('a')).toBe(2); // 1.5 s left
  clock.advance(1_499);
  expect(limiter.take('a')).toBe(1); // 1 ms left
});

it('a new window starts with fresh counts', () => {
  const clock = manualClock();
  const limiter = new RateLimiter(1, 10_000, clock.now);
  limiter.take('a');
  clock.advance(9_999);
  expect(limiter.take('a')).toBe(1);
  clock.advance(1);
  expect(limiter.take('a')).toBe(0);
  expect(limiter.take('a')).toBe(10);
});

it('counts each client separately', () => {
  const limiter = new RateLimiter(1, 10_000, manualClock().now);
  expect(limiter.take('198.51.100.1')).toBe(0);
  expect(limiter.take('198.51.100.1')).toBeGreaterThan(0);
  expect(limiter.take('198.51.100.2')).toBe(0);
  expect(limiter.take('198.51.100.2')).toBeGreaterThan(0);
});

it(`tracks at most ${MAX_TRACKED_CLIENTS} clients per window: a newcomer makes it forget the longest-tracked one`, () => {
  const limiter = new RateLimiter(1, 60_000, manualClock().now);
  for (let i = 0; i < MAX_TRACKED_CLIENTS; i++) limiter.take(`client-${i}`);
  expect(limiter.take('client-0')).toBeGreaterThan(0); // still tracked at the bound

  expect(limiter.take('newcomer')).toBe(0);
  expect(limiter.take(`client-${MAX_TRACKED_CLIENTS - 1}`)).toBeGreaterThan(0); // recent clients stay limited
  expect(limiter.take('newcomer')).toBeGreaterThan(0);
  expect(limiter.take('client-0')).toBe(0); // forgotten, so allowed again
});

it('keys a forged, overlong address by its first 64 characters: such keys cost no more memory than an address', () => {
  const limiter = new RateLimiter(1, 60_000, manualClock().now);
  const forged = 'x'.repeat(64);
  expect(limiter.take(`${forged}-first`)).toBe(0);
  expect(limiter.take(`${forged}-second`)).toBeGreaterThan(0); // the same first 64 characters: the same client
  expect(limiter.take('x'.repeat(63))).toBe(0);
});
