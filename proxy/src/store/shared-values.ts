// The smallest store an upstream's token cache needs (exchange/upstreams/token-cache.ts): a value with a lifetime, and a
// lease lock so that one holder at a time refreshes. In memory per process; on Redis, shared by every instance, so a
// cluster fetches one token where each instance would fetch its own (docs/en/deploy/upstream.md, "The token story").

/** Gives the lease back early (it also ends by itself at its lifetime). */
export type ReleaseLease = () => Promise<void>;

export interface SharedValues {
  read(key: string): Promise<string | undefined>;
  write(key: string, value: string, ttlMs: number): Promise<void>;
  /** The lease when nobody holds it, else undefined. */
  lease(key: string, ttlMs: number): Promise<ReleaseLease | undefined>;
  close(): Promise<void>;
}

/** This process's values: the instances of one process share them through the token cache's own registry. */
export function memorySharedValues(now: () => number = Date.now): SharedValues {
  const values = new Map<string, { value: string; until: number }>();
  const live = (key: string): string | undefined => {
    const entry = values.get(key);
    if (entry && entry.until > now()) return entry.value;
    values.delete(key);
    return undefined;
  };
  return {
    read: (key) => Promise.resolve(live(key)),
    write: (key, value, ttlMs) => {
      values.set(key, { value, until: now() + ttlMs });
      return Promise.resolve();
    },
    lease: (key, ttlMs) => {
      if (live(key) !== undefined) return Promise.resolve(undefined);
      const mark = `lease:${Math.random()}`;
      values.set(key, { value: mark, until: now() + ttlMs });
      return Promise.resolve(() => {
        if (values.get(key)?.value === mark) values.delete(key);
        return Promise.resolve();
      });
    },
    close: () => {
      values.clear();
      return Promise.resolve();
    },
  };
}
