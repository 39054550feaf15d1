// The same phone code must never reach Authing twice: concurrent duplicates share one call, and a repeat within
// the code's life gets the first answer. Keyed by a hash of the code (never the code), bounded in memory.
import { hash } from 'node:crypto';

export type DedupeSource = 'upstream' | 'inflight' | 'remembered';

export interface DedupeOptions {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

interface Entry<T> {
  readonly key: string;
  readonly promise: Promise<T>;
  /** Infinity while in flight. */
  expiresAt: number;
}

/** sha256 of the code, base64url: the dedupe key, and (shortened) the only trace of a code in logs. */
export function hashCode(code: string): string {
  return hash('sha256', code, 'base64url');
}

export class Dedupe<T> {
  private readonly entries = new Map<string, Entry<T>>();
  /**
   * Entries in insertion order, which is (almost) expiry order since every entry lives ttlMs: eviction takes from
   * the head. The Map has the same order, but V8 walks over the holes that deletions leave at its head, on every
   * request. Entries forgotten early stay here until they reach the head or the queue is compacted.
   */
  private queue: Array<Entry<T> | undefined> = [];
  private head = 0;
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
    const entry: Entry<T> = { key, promise, expiresAt: Infinity };
    this.entries.set(key, entry);
    this.enqueue(entry);
    promise.then(
      (value) => {
        if (remember(value)) entry.expiresAt = this.now() + this.ttlMs;
        else this.forget(entry);
      },
      () => this.forget(entry),
    );
    return { promise, source: 'upstream' };
  }

  clear(): void {
    this.entries.clear();
    this.queue = [];
    this.head = 0;
  }

  private isCurrent(entry: Entry<T>): boolean {
    return this.entries.get(entry.key) === entry;
  }

  private forget(entry: Entry<T>): void {
    if (this.isCurrent(entry)) this.entries.delete(entry.key);
  }

  /** Drops expired entries at the head, then the oldest while full. */
  private evict(now: number): void {
    while (this.head < this.queue.length) {
      const entry = this.queue[this.head] as Entry<T>;
      const current = this.isCurrent(entry);
      if (current && entry.expiresAt > now && this.entries.size < this.maxEntries) return;
      if (current) this.entries.delete(entry.key);
      this.queue[this.head++] = undefined;
    }
    this.queue.length = 0;
    this.head = 0;
  }

  private enqueue(entry: Entry<T>): void {
    this.queue.push(entry);
    // Consumed head slots and forgotten entries would grow the queue without bound. At most maxEntries are
    // current, so compacting at twice that keeps it bounded at an amortized O(1) per entry.
    if (this.queue.length >= 2 * this.maxEntries) {
      this.queue = this.queue.slice(this.head).filter((queued) => queued !== undefined && this.isCurrent(queued));
      this.head = 0;
    }
  }
}
