// The proxy's own bound on concurrent calls upstream (to Authing or WeChat) (UPSTREAM_MAX_CONCURRENCY, docs/en/reference/protocol.md, "Timeouts"). A call
// waits for a free slot in arrival order, for a bounded time; one that cannot start in time is refused before a byte of
// it is written, so its code stays free. Without it, calls beyond the connection pool queued for a socket while their
// deadline ran, and were answered 504 (the code remembered as possibly spent) though the upstream never saw them.

/** Gives the slot back (later calls do nothing). */
export type ReleaseSlot = () => void;

interface Waiter {
  /** A slot, or undefined when refused. */
  grant(release: ReleaseSlot | undefined): void;
  readonly timer: NodeJS.Timeout;
}

export class UpstreamSlots {
  private free: number;
  /** Insertion-ordered: the first waiter is the oldest. */
  private readonly waiting = new Set<Waiter>();
  private closed = false;

  constructor(size: number) {
    this.free = size;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.waiting.size;
  }

  /** A slot if one is free now (and nobody waits for one), else undefined. */
  tryAcquire(): ReleaseSlot | undefined {
    if (this.closed || this.free === 0 || this.waiting.size > 0) return undefined;
    this.free--;
    return this.releaser();
  }

  /** A slot, or undefined when none was free within `waitMs` (or the slots are closed). */
  acquire(waitMs: number): Promise<ReleaseSlot | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        grant: resolve,
        timer: setTimeout(() => {
          this.waiting.delete(waiter);
          resolve(undefined);
        }, waitMs),
      };
      this.waiting.add(waiter);
    });
  }

  /** Refuses every waiting call and every later one (the client is closing). */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiting) {
      clearTimeout(waiter.timer);
      waiter.grant(undefined);
    }
    this.waiting.clear();
  }

  private releaser(): ReleaseSlot {
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const next: Waiter | undefined = this.waiting.values().next().value;
      if (next === undefined || this.closed) {
        this.free++;
        return;
      }
      // Handed over, never freed in between: a newcomer cannot overtake a waiter.
      this.waiting.delete(next);
      clearTimeout(next.timer);
      next.grant(this.releaser());
    };
  }
}
