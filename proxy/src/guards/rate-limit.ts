// Per-client limit on the exchange route: at most `max` requests per client in each fixed window of `timeWindowMs`.
// Our own few lines rather than a library: the limiters made for plain node:http cost ~10 MB of resident memory
// (rate-limiter-flexible) or expect Express/fastify requests.

/** Clients tracked per window at most; past it the longest-tracked client is forgotten (memory stays bounded). */
export const MAX_TRACKED_CLIENTS = 10_000;
/** An address is at most 45 characters (IPv6); a longer key is a forged X-Forwarded-For and need not cost more memory. */
const MAX_KEY_LENGTH = 64;

export class RateLimiter {
  /** Requests per client key in the current window. */
  private readonly counts = new Map<string, number>();
  private windowEndsAt = 0;

  constructor(
    private readonly max: number,
    private readonly timeWindowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request from `address`: 0 when allowed, else the whole seconds until the window ends (Retry-After). */
  take(address: string): number {
    const client = address.length > MAX_KEY_LENGTH ? address.slice(0, MAX_KEY_LENGTH) : address;
    const now = this.now();
    if (now >= this.windowEndsAt) {
      this.counts.clear();
      this.windowEndsAt = now + this.timeWindowMs;
    }
    const count = this.counts.get(client) ?? 0;
    if (count >= this.max) return Math.ceil((this.windowEndsAt - now) / 1000);
    if (count === 0 && this.counts.size >= MAX_TRACKED_CLIENTS) this.counts.delete(this.counts.keys().next().value as string);
    this.counts.set(client, count + 1);
    return 0;
  }
}
