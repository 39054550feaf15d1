// The same phone code must never reach Authing twice: concurrent duplicates share one call, and a repeat within
// the code's life gets the first answer. Keyed by a hash of the code (never the code), bounded in memory.
import { hash } from 'node:crypto';

export type DedupeSource = 'upstream' | 'inflight' | 'remembered';

/** How a remembered answer is kept: packed smaller than the value itself, unpacked for each repeat. */
export interface DedupeCodec<T, P> {
  pack(value: T): P;
  unpack(packed: P): T;
}

export interface DedupeOptions<T, P> {
  ttlMs: number;
  maxEntries: number;
  codec?: DedupeCodec<T, P>;
  now?: () => number;
  /** An answer still within its TTL was evicted to make room: a repeat of its code would reach upstream again. */
  onEarlyEviction?: () => void;
}

/** A remembered answer: the settled value, packed (a promise per entry would cost memory for nothing). */
interface Answer<P> {
  readonly key: string;
  readonly packed: P;
  readonly expiresAt: number;
}

const IDENTITY: DedupeCodec<unknown, unknown> = { pack: (value) => value, unpack: (packed) => packed };

/** sha256 of the code, base64url: the dedupe key, and (shortened) the only trace of a code in logs. */
export function hashCode(code: string): string {
  return hash('sha256', code, 'base64url');
}

export class Dedupe<T, P = T> {
  /**
   * Calls in flight, never evicted: dropping one would let a concurrent duplicate spend the code a second time.
   * Bounded by concurrency x upstream timeout, not by maxEntries.
   */
  private readonly inFlight = new Map<string, Promise<T>>();
  /** Settled answers, at most maxEntries. */
  private readonly answers = new Map<string, Answer<P>>();
  /**
   * Answers in the order they settled, which is expiry order since every answer lives ttlMs: eviction takes from
   * the head. The Map has the same order, but V8 walks over the holes that deletions leave at its head, on every
   * eviction. Answers dropped early (expired on a lookup) stay here until they reach the head or the queue is compacted.
   */
  private queue: Array<Answer<P> | undefined> = [];
  private head = 0;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly onEarlyEviction: (() => void) | undefined;
  private readonly codec: DedupeCodec<T, P>;

  constructor(options: DedupeOptions<T, P>) {
    this.codec = options.codec ?? (IDENTITY as DedupeCodec<T, P>);
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries;
    this.now = options.now ?? Date.now;
    this.onEarlyEviction = options.onEarlyEviction;
  }

  /** Calls in flight plus remembered answers. */
  get size(): number {
    return this.inFlight.size + this.answers.size;
  }

  /**
   * Runs `task` for `key` unless a call for it is in flight or its answer is remembered.
   * `remember(value)` false forgets the answer once settled (e.g. the request provably never left).
   */
  run(key: string, task: () => Promise<T>, remember: (value: T) => boolean): { promise: Promise<T>; source: DedupeSource } {
    const flying = this.inFlight.get(key);
    if (flying) return { promise: flying, source: 'inflight' };
    const answer = this.answers.get(key);
    if (answer && answer.expiresAt > this.now()) return { promise: Promise.resolve(this.codec.unpack(answer.packed)), source: 'remembered' };
    if (answer) this.answers.delete(key);

    const promise = task();
    this.inFlight.set(key, promise);
    promise.then(
      (value) => {
        this.inFlight.delete(key);
        if (remember(value)) this.keep(key, value);
      },
      () => this.inFlight.delete(key),
    );
    return { promise, source: 'upstream' };
  }

  /** Remembered answers still live, with the milliseconds each has left (to write them back to a store that lost them). */
  *remembered(): Generator<{ key: string; value: T; msLeft: number }> {
    const now = this.now();
    for (const answer of this.answers.values()) {
      if (answer.expiresAt > now) yield { key: answer.key, value: this.codec.unpack(answer.packed), msLeft: answer.expiresAt - now };
    }
  }

  clear(): void {
    this.inFlight.clear();
    this.answers.clear();
    this.queue = [];
    this.head = 0;
  }

  private keep(key: string, value: T): void {
    const now = this.now();
    this.evict(now);
    const answer: Answer<P> = { key, packed: this.codec.pack(value), expiresAt: now + this.ttlMs };
    this.answers.set(key, answer);
    this.enqueue(answer);
  }

  private isCurrent(answer: Answer<P>): boolean {
    return this.answers.get(answer.key) === answer;
  }

  /** Drops expired answers at the head, then the oldest until there is room for one more. */
  private evict(now: number): void {
    while (this.head < this.queue.length) {
      const answer = this.queue[this.head] as Answer<P>;
      const current = this.isCurrent(answer);
      const live = answer.expiresAt > now;
      if (current && live && this.answers.size < this.maxEntries) return;
      if (current) {
        this.answers.delete(answer.key);
        if (live) this.onEarlyEviction?.();
      }
      this.queue[this.head++] = undefined;
    }
    this.queue.length = 0;
    this.head = 0;
  }

  private enqueue(answer: Answer<P>): void {
    this.queue.push(answer);
    // Consumed head slots and answers dropped early would grow the queue without bound. At most maxEntries are
    // current, so compacting at twice that keeps it bounded at an amortized O(1) per answer.
    if (this.queue.length >= 2 * this.maxEntries) {
      this.queue = this.queue.slice(this.head).filter((queued) => queued !== undefined && this.isCurrent(queued));
      this.head = 0;
    }
  }
}
