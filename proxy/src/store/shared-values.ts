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
    read: async (key) => live(key),
    write: async (key, value, ttlMs) => void values.set(key, { value, until: now() + ttlMs }),
    lease: async (key, ttlMs) => {
      if (live(key) !== undefined) return undefined;
      const mark = `lease:${Math.random()}`;
      values.set(key, { value: mark, until: now() + ttlMs });
      return async () => void (values.get(key)?.value === mark && values.delete(key));
    },
    close: async () => values.clear(),
  };
}
