// An upstream's access token (WeChat's stable_token, Authing's management token), cached until shortly before it
// expires and refreshed by one caller at a time: in a process, one promise; across instances sharing Redis, one lease
// holder, the others reading the token it writes (docs/en/deploy/upstream.md). A token the upstream rejected is never
// handed out again; when a normal fetch returns that same token, a forced refresh follows, within its bound.
import type { SharedValues } from '../../store/shared-values';

export interface FetchedToken {
  token: string;
  expiresInS: number;
}

export interface TokenSource {
  /** A token from the upstream; `force` asks for a new one (WeChat's force_refresh). Rejects with a secret-free error. */
  fetch(force: boolean): Promise<FetchedToken>;
}

/** WeChat's force_refresh: at most 20 a day, at least 30 s apart (stable_token docs; docs/en/deploy/upstream.md, "The token story"). */
export interface ForceRefreshBound {
  perDay: number;
  minIntervalMs: number;
}

export interface TokenCacheOptions {
  /** The store key: one per upstream account (e.g. the appid). */
  key: string;
  source: TokenSource;
  values: SharedValues;
  /** The longest one get() may take: a fetch, or waiting for another instance's. */
  timeoutMs: number;
  /** Only for upstreams with a forced refresh. */
  forceRefresh?: ForceRefreshBound;
  /** Each fetch, for the metrics. */
  onFetch?: (force: boolean) => void;
  now?: () => number;
}

/** Refreshed this long before expiry (WeChat renews a stable token 5 minutes before), at most a fifth of its life. */
const REFRESH_BEFORE_MS = 300_000;
/** How often an instance waiting for another's refresh looks for the new token. */
const POLL_MS = 25;
const DAY_MS = 86_400_000;
/** A shared store that does not answer within this is treated as down (this process then fetches on its own). */
const STORE_WAIT_MS = 1000;
/** After a failed fetch, calls fail at once for this long: a wrong secret must not turn every exchange into a fetch. */
const FAILURE_BACKOFF_MS = 1000;

/** `promise`, or a rejection once `ms` passed. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error('the shared store did not answer')), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface Held {
  token: string;
  expiresAt: number;
  /** Used until then; refreshed after. */
  refreshAt: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class TokenCache {
  private held: Held | undefined;
  private pending: Promise<string> | undefined;
  /** The last token the upstream rejected: never handed out again. */
  private rejectedToken: string | undefined;
  /** The last fetch failed: until then, get() fails with it at once. */
  private failure: { error: Error; until: number } | undefined;
  private readonly now: () => number;

  constructor(private readonly options: TokenCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The cached token while it is fresh, without a promise (every call's path between refreshes). */
  current(): string | undefined {
    const held = this.held;
    return held && held.refreshAt > this.now() ? held.token : undefined;
  }

  /** A fresh token; one refresh at a time. Rejects when none could be had within `timeoutMs`. */
  get(): Promise<string> {
    const token = this.current();
    if (token !== undefined) return Promise.resolve(token);
    if (this.failure && this.failure.until > this.now()) return Promise.reject(this.failure.error);
    return (this.pending ??= this.refresh()
      .then(
        (fresh) => {
          this.failure = undefined;
          return fresh;
        },
        (error: Error) => {
          this.failure = { error, until: this.now() + FAILURE_BACKOFF_MS };
          throw error;
        },
      )
      .finally(() => (this.pending = undefined)));
  }

  /** The upstream said `token` is invalid or expired: the next get() brings another. */
  rejected(token: string): void {
    this.rejectedToken = token;
    if (this.held?.token === token) this.held = undefined;
  }

  private async refresh(): Promise<string> {
    const { values, key, timeoutMs } = this.options;
    const deadline = this.now() + timeoutMs;
    for (;;) {
      let release;
      try {
        const stored = this.usable(await within(values.read(key), STORE_WAIT_MS));
        if (stored) return this.adopt(stored);
        release = await within(values.lease(`${key}:lease`, timeoutMs), STORE_WAIT_MS);
      } catch {
        // The shared store is down: this process fetches on its own (still one at a time, through `pending`).
        return this.adopt(await this.fetch(undefined));
      }
      if (release) {
        try {
          // Another holder may have written just before this lease was taken.
          const stored = this.usable(await within(values.read(key), STORE_WAIT_MS).catch(() => undefined));
          return this.adopt(stored ?? (await this.fetch(values)));
        } finally {
          await release().catch(() => undefined);
        }
      }
      if (this.now() >= deadline) throw new Error(`no token within ${timeoutMs} ms: another instance holds the refresh`);
      await sleep(POLL_MS);
    }
  }

  /** Fetches, forcing a refresh when the upstream handed back the token it just rejected; written for the others. */
  private async fetch(values: SharedValues | undefined): Promise<Held> {
    const { source, onFetch } = this.options;
    onFetch?.(false);
    let fetched = await source.fetch(false);
    if (fetched.token === this.rejectedToken && (await this.mayForce(values))) {
      onFetch?.(true);
      fetched = await source.fetch(true);
    }
    // Accepted after all (no forced refresh left): the others may use it again too.
    if (fetched.token === this.rejectedToken) this.rejectedToken = undefined;
    if (typeof fetched.token !== 'string' || fetched.token === '' || !(fetched.expiresInS > 0))
      throw new Error('the token endpoint answered without a token');
    const lifeMs = fetched.expiresInS * 1000;
    const expiresAt = this.now() + lifeMs;
    const held = { token: fetched.token, expiresAt, refreshAt: expiresAt - Math.min(REFRESH_BEFORE_MS, lifeMs / 5) };
    if (values) await within(values.write(this.options.key, JSON.stringify(held), lifeMs), STORE_WAIT_MS).catch(() => undefined);
    return held;
  }

  /** Within the bound, counted in the shared store so that a cluster stays within it too. */
  private async mayForce(values: SharedValues | undefined): Promise<boolean> {
    const bound = this.options.forceRefresh;
    if (!bound) return false;
    const key = `${this.options.key}:forced`;
    const now = this.now();
    const store = values ?? this.localForces;
    const past = (JSON.parse((await within(store.read(key), STORE_WAIT_MS).catch(() => undefined)) ?? '[]') as number[]).filter(
      (at) => at > now - DAY_MS,
    );
    if (past.length >= bound.perDay || (past.length > 0 && now - past[past.length - 1] < bound.minIntervalMs)) return false;
    await within(store.write(key, JSON.stringify([...past, now]), DAY_MS), STORE_WAIT_MS).catch(() => undefined);
    return true;
  }

  /** Forced refreshes of this process when the shared store is down. */
  private readonly localForces = {
    map: new Map<string, string>(),
    read(key: string) {
      return Promise.resolve(this.map.get(key));
    },
    write(key: string, value: string) {
      this.map.set(key, value);
      return Promise.resolve();
    },
  };

  private usable(text: string | undefined): Held | undefined {
    if (text === undefined) return undefined;
    try {
      const held = JSON.parse(text) as Held;
      return typeof held.token === 'string' && held.refreshAt > this.now() && held.token !== this.rejectedToken ? held : undefined;
    } catch {
      return undefined;
    }
  }

  private adopt(held: Held): string {
    this.held = held;
    return held.token;
  }
}
