import { randomBytes } from 'node:crypto';

/** Outcome of redeeming a code: only 'ok' yields a phone number; WeChat answers 40029 to all the others. */
export type Redemption = 'ok' | 'used' | 'expired' | 'unknown';

interface CodeEntry {
  /** Mint time, or first sight for a code the sandbox did not mint. */
  bornAt: number;
  minted: boolean;
  used: boolean;
  calls: number;
}

export interface CodeBookOptions {
  ttlMs: number;
  /** Accept codes the book did not mint (once each). */
  lenient: boolean;
  now: () => number;
  /** Hard cap on remembered codes: the oldest are forgotten first. */
  capacity: number;
}

/**
 * Single-use phone codes with WeChat's lifetime rules, in bounded memory.
 *
 * A code is remembered for two lifetimes after its birth, so a late replay of a used or expired code still gets
 * 40029 instead of counting as "never seen" in lenient mode; then it is swept. Map insertion order is birth order
 * (entries are never re-inserted), so sweeping from the head is amortised O(1) per request.
 */
export class CodeBook {
  private readonly entries = new Map<string, CodeEntry>();

  constructor(private readonly options: CodeBookOptions) {}

  get size(): number {
    return this.entries.size;
  }

  /** 64 hex chars: the length and alphabet of real WeChat phone codes. */
  mint(): string {
    const code = randomBytes(32).toString('hex');
    this.insert(code, true);
    return code;
  }

  /** Counts a request carrying `code`; a code seen for the first time is born now. */
  recordCall(code: string): void {
    const entry = this.entries.get(code) ?? this.insert(code, false);
    entry.calls++;
  }

  callsFor(code: string): number {
    return this.entries.get(code)?.calls ?? 0;
  }

  /** Uses the code up if it is still good. */
  redeem(code: string): Redemption {
    const entry = this.entries.get(code);
    if (!entry || (!entry.minted && !this.options.lenient)) return 'unknown';
    if (entry.used) return 'used';
    if (this.options.now() - entry.bornAt >= this.options.ttlMs) return 'expired';
    entry.used = true;
    return 'ok';
  }

  clear(): void {
    this.entries.clear();
  }

  private insert(code: string, minted: boolean): CodeEntry {
    this.sweep();
    const entry: CodeEntry = { bornAt: this.options.now(), minted, used: false, calls: 0 };
    this.entries.set(code, entry);
    return entry;
  }

  private sweep(): void {
    const forgetBefore = this.options.now() - 2 * this.options.ttlMs;
    for (const [code, entry] of this.entries) {
      if (entry.bornAt > forgetBefore && this.entries.size < this.options.capacity) break;
      this.entries.delete(code);
    }
  }
}
