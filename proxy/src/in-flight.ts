// Work in flight, counted so that close() can wait for it: requests held by the app, calls to Authing.

export class InFlight {
  private count = 0;
  private waiters: Array<() => void> = [];

  /** Counts one piece of work until the returned release is called (later calls of it do nothing). */
  enter(): () => void {
    this.count++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      if (--this.count === 0) this.waiters.splice(0).forEach((wake) => wake());
    };
  }

  /** Resolves once nothing is in flight. */
  idle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}
