// Per-client limit on the exchange route: at most `max` requests per client in each fixed window, counted by
// rate-limiter-flexible (one API over memory and Redis; the store picks the limiter). This module says who a client is.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';

export interface RateLimiter {
  /** Counts one request from `key`: 0 when allowed, else the whole seconds until the window ends (Retry-After). */
  take(key: string): Promise<number>;
}

export interface RateLimitSettings {
  max: number;
  timeWindowMs: number;
  ipv6Prefix: number;
}

/** An address is at most 45 characters (IPv6); a longer key is a forged X-Forwarded-For and need not cost more memory. */
const MAX_KEY_LENGTH = 64;

/**
 * The client a rate-limit key stands for. One IPv6 host usually holds a whole /64 (often a /56), so counting single
 * IPv6 addresses would let one client send from millions of them: they count by their prefix. An IPv4-mapped IPv6
 * address (::ffff:203.0.113.1, what a dual-stack socket reports) is that IPv4 address. Other keys (`openid:...`) are kept.
 */
export function clientKey(key: string, ipv6Prefix: number): string {
  // Node's isIP also accepts forms ipaddr.js cannot parse (::1.2.3.4, zone ids): those are kept as they are.
  if (isIP(key) === 6 && ipaddr.IPv6.isValid(key)) {
    const address = ipaddr.IPv6.parse(key);
    if (address.isIPv4MappedAddress()) return address.toIPv4Address().toString();
    const bytes = address.toByteArray();
    for (let bit = ipv6Prefix; bit < 128; bit++) bytes[bit >> 3] &= ~(0x80 >> (bit & 7));
    return `${ipaddr.fromByteArray(bytes).toString()}/${ipv6Prefix}`;
  }
  return key.length > MAX_KEY_LENGTH ? key.slice(0, MAX_KEY_LENGTH) : key;
}

/** rate-limiter-flexible's options for our fixed window (it counts whole seconds). */
export function limiterOptions(settings: RateLimitSettings): { points: number; duration: number } {
  return { points: settings.max, duration: Math.ceil(settings.timeWindowMs / 1000) };
}

/** Our view of a rate-limiter-flexible limiter: a refusal is the seconds left, never 0; any other error is thrown. */
export function rateLimiterOver(limiter: RateLimiterAbstract, settings: RateLimitSettings): RateLimiter {
  return {
    async take(key) {
      try {
        await limiter.consume(clientKey(key, settings.ipv6Prefix));
        return 0;
      } catch (refusal) {
        // A refusal is a RateLimiterRes (not an Error); a store failure is an Error.
        if (refusal instanceof Error) throw refusal;
        return Math.max(1, Math.ceil((refusal as { msBeforeNext: number }).msBeforeNext / 1000));
      }
    },
  };
}
