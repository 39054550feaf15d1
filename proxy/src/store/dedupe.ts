// The same phone code must never reach Authing twice: concurrent duplicates share one call, and a repeat within
// the code's life gets the first answer. Keyed by a hash of the code (never the code), bounded in memory.
import { hash } from 'node:crypto';
import type { DedupeSource } from '../contract/types';
import { Holdings, type Holding } from './holdings';

/** How a remembered answer is kept: packed smaller than the value itself, unpacked for each repeat. */
export interface DedupeCodec<T, P> {
  pack(value: T): P;
  unpack(packed: P): T;
}

export interface DedupeOptions<T, P> {
  ttlMs: number;
  maxEntries: number;
  codec?: DedupeCodec<T, P>;
  /** Milliseconds on a monotonic clock (default performance.now: a wall clock set back would keep answers too long). */
  now?: () => number;
  /** An answer still within its TTL was evicted to make room: a repeat of its code would reach upstream again. */
  onEarlyEviction?: () => void;
  /**
   * Full: refuse a new key (the value `refuse` gives, not remembered) instead of evicting a live answer, and a holder may
   * hold at most `maxPerHolder` calls and answers. Left out: the oldest answer is evicted (a cache in front of a store).
   */
  whenFull?: { refuse: (reason: DedupeRefusal) => T; maxPerHolder: number };
}

/** Why a new key was refused: no room at all, or its holder holds its share. */
export type DedupeRefusal = 'full' | 'client_share';

/** A remembered answer: the settled value, packed (a promise per entry would cost memory for nothing). */
interface Answer<P> {
  readonly key: string;
  readonly packed: P;
  readonly expiresAt: number;
  readonly holding: Holding | undefined;
}

interface Call<T> {
  readonly promise: Promise<T>;
  readonly holding: Holding | undefined;
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
  private readonly inFlight = new Map<string, Call<T>>();
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
  private readonly whenFull: DedupeOptions<T, P>['whenFull'];
  /** Calls and answers per holder, counted only when refusing (whenFull). */
  private readonly holdings = new Holdings();

  constructor(options: DedupeOptions<T, P>) {
    this.codec = options.codec ?? (IDENTITY as DedupeCodec<T, P>);
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries;
    this.now = options.now ?? (() => performance.now());
    this.onEarlyEviction = options.onEarlyEviction;
    this.whenFull = options.whenFull;
  }

  /** Calls in flight plus remembered answers. */
  get size(): number {
    return this.inFlight.size + this.answers.size;
  }

  /**
   * Runs `task` for `key` unless a call for it is in flight or its answer is remembered (or, when refusing, there is no
   * room for it: then `task` is not run). `remember(value)` false forgets the answer once settled (e.g. the request
   * provably never left). `holder`: who asks (a client), counted against its share when refusing.
   */
  run(key: string, task: () => Promise<T>, remember: (value: T) => boolean, holder?: string): { promise: Promise<T>; source: DedupeSource } {
    const flying = this.inFlight.get(key);
    if (flying) return { promise: flying.promise, source: 'inflight' };
    const now = this.now();
    const answer = this.answers.get(key);
    if (answer && answer.expiresAt > now) return { promise: Promise.resolve(this.codec.unpack(answer.packed)), source: 'remembered' };
    if (answer) this.forget(answer);
    const refusal = this.refusal(now, holder);
    if (refusal) return { promise: Promise.resolve(refusal), source: 'upstream' };

    const holding = this.whenFull && holder !== undefined ? this.holdings.add(holder) : undefined;
    const promise = task();
    this.inFlight.set(key, { promise, holding });
    promise.then(
      (value) => {
        this.inFlight.delete(key);
        if (remember(value)) this.keep(key, value, holding);
        else this.holdings.release(holding);
      },
      () => {
        this.inFlight.delete(key);
        this.holdings.release(holding);
      },
    );
    return { promise, source: 'upstream' };
  }

  /** When refusing: the value refusing a new key for `holder`, or undefined when there is room (expired answers dropped). */
  private refusal(now: number, holder: string | undefined): T | undefined {
    if (!this.whenFull) return undefined;
    this.evict(now);
    if (this.size >= this.maxEntries) return this.whenFull.refuse('full');
    if (holder !== undefined && this.holdings.count(holder) >= this.whenFull.maxPerHolder) return this.whenFull.refuse('client_share');
    return undefined;
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
    this.holdings.clear();
    this.queue = [];
    this.head = 0;
  }

  private keep(key: string, value: T, holding: Holding | undefined): void {
    const now = this.now();
    this.evict(now);
    const answer: Answer<P> = { key, packed: this.codec.pack(value), expiresAt: now + this.ttlMs, holding };
    this.answers.set(key, answer);
    this.enqueue(answer);
  }

  private isCurrent(answer: Answer<P>): boolean {
    return this.answers.get(answer.key) === answer;
  }

  private forget(answer: Answer<P>): void {
    this.answers.delete(answer.key);
    this.holdings.release(answer.holding);
  }

  /** Drops expired answers at the head, then (unless refusing) the oldest until there is room for one more. */
  private evict(now: number): void {
    while (this.head < this.queue.length) {
      const answer = this.queue[this.head] as Answer<P>;
      const current = this.isCurrent(answer);
      const live = answer.expiresAt > now;
      if (current && live && (this.whenFull || this.answers.size < this.maxEntries)) return;
      if (current) {
        this.forget(answer);
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
