// Options of the listening server only (startProxy and the CLI): how many connections it keeps, and for how long.
import { DEFAULTS } from './defaults';
import { ConfigError } from './options';

export interface ListenOptions {
  /** Address to bind (the CLI's HOST defaults to 0.0.0.0). @default '127.0.0.1' */
  host?: string;
  /** Port to listen on (0: any free port; the CLI's PORT defaults to 8787). @default 0 */
  port?: number;
  /** Open connections at most (1-1,000,000; `MAX_CONNECTIONS`). @default 1000 */
  maxConnections?: number;
  /** Idle keep-alive time after an answer in ms (1000-3,600,000; `KEEP_ALIVE_TIMEOUT_MS`). @default 72000 */
  keepAliveTimeoutMs?: number;
}

/** Every ListenOptions key: startProxy takes them beside the ProxyOptions (config/problems.ts knows them as options). */
export const LISTEN_OPTION_KEYS: readonly (keyof ListenOptions)[] = ['host', 'port', 'maxConnections', 'keepAliveTimeoutMs'];

export type ResolvedServerOptions = Required<Pick<ListenOptions, 'maxConnections' | 'keepAliveTimeoutMs'>>;

const BOUNDS = { maxConnections: [1, 1_000_000], keepAliveTimeoutMs: [1000, 3_600_000] } as const;

/** Defaults filled in; throws ConfigError naming the option for a value out of bounds. */
export function resolveServerOptions(options: ListenOptions): ResolvedServerOptions {
  const resolved = {
    maxConnections: options.maxConnections ?? DEFAULTS.listen.maxConnections,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? DEFAULTS.listen.keepAliveTimeoutMs,
  };
  for (const [name, [min, max]] of Object.entries(BOUNDS) as Array<[keyof ResolvedServerOptions, readonly [number, number]]>) {
    const value = resolved[name];
    if (!Number.isInteger(value) || value < min || value > max)
      throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
  return resolved;
}
