// The same phone code must never reach Authing twice: concurrent duplicates share one call, and a repeat within
// the code's life gets the first answer. Keyed by a hash of the code (never the code), bounded in memory.
import { createHash } from 'node:crypto';

export type DedupeSource = 'upstream' | 'inflight' | 'remembered';

export interface DedupeOptions {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

interface Entry<T> {
  readonly promise: Promise<T>;
  /** Infinity while in flight. */
  expiresAt: number;
}

/** sha256 of the code, base64url: the dedupe key, and (shortened) the only trace of a code in logs. */
export function hashCode(code: string): string {
  return createHash('sha256').update(code).digest('base64url');
}

export class Dedupe<T> {
  // Insertion order is (almost) expiry order, since every entry lives ttlMs: evicting from the head is cheap.
  private readonly entries = new Map<string, Entry<T>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: DedupeOptions) {
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Runs `task` for `key` unless a call for it is in flight or its answer is remembered.
   * `remember(value)` false forgets the answer once settled (e.g. the code provably was not consumed).
   */
  run(key: string, task: () => Promise<T>, remember: (value: T) => boolean): { promise: Promise<T>; source: DedupeSource } {
    const now = this.now();
    const existing = this.entries.get(key);
    if (existing && existing.expiresAt > now) {
      return { promise: existing.promise, source: existing.expiresAt === Infinity ? 'inflight' : 'remembered' };
    }
    if (existing) this.entries.delete(key);
    this.evict(now);

    const promise = task();
    const entry: Entry<T> = { promise, expiresAt: Infinity };
    this.entries.set(key, entry);
    promise.then(
      (value) => {
        if (remember(value)) entry.expiresAt = this.now() + this.ttlMs;
        else this.forget(key, entry);
      },
      () => this.forget(key, entry),
    );
    return { promise, source: 'upstream' };
  }

  clear(): void {
    this.entries.clear();
  }

  private forget(key: string, entry: Entry<T>): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }

  /** Drops expired entries at the head, then the oldest while full. */
  private evict(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now && this.entries.size < this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}
