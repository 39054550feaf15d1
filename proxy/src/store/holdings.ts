// How many entries each holder (a client) has in a bounded memory, so that no single client takes all of it.
// One record per holder, shared by its entries: an entry costs a pointer, not a copy of the holder's key.

/** A holder's count; entries keep a reference to release it. */
export interface Holding {
  readonly holder: string;
  count: number;
}

export class Holdings {
  private readonly byHolder = new Map<string, Holding>();

  count(holder: string): number {
    return this.byHolder.get(holder)?.count ?? 0;
  }

  /** One more entry for `holder`. */
  add(holder: string): Holding {
    let holding = this.byHolder.get(holder);
    if (!holding) this.byHolder.set(holder, (holding = { holder, count: 0 }));
    holding.count++;
    return holding;
  }

  /** One entry of this holding gone; a holder with none left is forgotten (the map stays as small as the entries). */
  release(holding: Holding | undefined): void {
    if (!holding || --holding.count > 0) return;
    if (this.byHolder.get(holding.holder) === holding) this.byHolder.delete(holding.holder);
  }

  clear(): void {
    this.byHolder.clear();
  }
}
