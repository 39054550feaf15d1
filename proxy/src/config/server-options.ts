// Options of the listening server only (startProxy and the CLI): how many connections it keeps, and for how long.
import { ConfigError } from './options';

/**
 * Open connections at most; past it a new connection is closed as soon as it is accepted (Node's server.maxConnections).
 * Idle sockets then cannot take every file descriptor: the Authing client's pool (128 sockets), Redis and the process
 * keep theirs. Keep it below `ulimit -n` minus about 200.
 */
export const DEFAULT_MAX_CONNECTIONS = 1000;
/**
 * How long an idle keep-alive connection stays open after an answer. Behind a load balancer it must be LONGER than
 * the balancer's idle timeout, so that the balancer is always the side that closes a pooled connection (AWS ALB's
 * default idle timeout and nginx's upstream keepalive_timeout are 60 s; AWS's ALB guide asks targets for a keep-alive
 * above it). Shorter, the balancer sends a request on a connection we are closing and answers 502.
 */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 72_000;

export interface ListenOptions {
  /** Address to bind (default 127.0.0.1; the CLI's HOST defaults to 0.0.0.0). */
  host?: string;
  /** Port to listen on (default 0: any free port). */
  port?: number;
  /** Open connections at most (1-1,000,000; default 1000, `MAX_CONNECTIONS`). */
  maxConnections?: number;
  /** Idle keep-alive time after an answer in ms (1000-3,600,000; default 72000, `KEEP_ALIVE_TIMEOUT_MS`). */
  keepAliveTimeoutMs?: number;
}

/** Every ListenOptions key: startProxy takes them beside the ProxyOptions (config/problems.ts knows them as options). */
export const LISTEN_OPTION_KEYS: readonly (keyof ListenOptions)[] = ['host', 'port', 'maxConnections', 'keepAliveTimeoutMs'];

export type ResolvedServerOptions = Required<Pick<ListenOptions, 'maxConnections' | 'keepAliveTimeoutMs'>>;

const BOUNDS = { maxConnections: [1, 1_000_000], keepAliveTimeoutMs: [1000, 3_600_000] } as const;

/** Defaults filled in; throws ConfigError naming the option for a value out of bounds. */
export function resolveServerOptions(options: ListenOptions): ResolvedServerOptions {
  const resolved = {
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  };
  for (const [name, [min, max]] of Object.entries(BOUNDS) as Array<[keyof ResolvedServerOptions, readonly [number, number]]>) {
    const value = resolved[name];
    if (!Number.isInteger(value) || value < min || value > max)
      throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
  return resolved;
}
