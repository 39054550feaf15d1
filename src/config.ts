import { phoneError } from './errors';
import { isRecord } from './is-record';
import type { CloudTransport, ContainerTransport, PhoneClientOptions, Transport } from './types';

/** Same as Authing's server SDKs: long enough for a slow upstream, short enough for a waiting user. */
export const DEFAULT_TIMEOUT = 10000;
/** setTimeout's largest delay: a longer one fires at once. */
const MAX_TIMEOUT = 2147483647;
/** The proxy's rule for a nonce (docs/en/reference/protocol.md): 1 to 128 printable ASCII characters. */
export const NONCE_PATTERN = /^[\x20-\x7e]{1,128}$/;

/** One exchange's options: every default applied, as the transports need them. */
export interface CallOptions {
  endpoint?: string;
  timeout: number;
  header: Record<string, string>;
  transport: Transport;
  nonce?: string;
}

let globals: PhoneClientOptions = {};

/**
 * Sets the global defaults every exchange (and every `<phone-button>`) falls back to. Replaces the previous
 * defaults as a whole. Invalid options throw a TypeError and leave the previous defaults in place.
 */
export function configure(options: PhoneClientOptions): void {
  const problem = optionsProblem(options);
  if (problem) throw new TypeError(`configure(): ${problem}`);
  // Copy, so that a caller mutating its objects later changes nothing here (nor bypasses the checks above).
  const { header, transport } = options;
  globals = { ...options, header: header && { ...header }, transport: typeof transport === 'object' ? { ...transport } : transport };
}

/** Checks the per-call options and lays them over the global defaults over the built-in defaults; headers merge key by key. */
export function callOptions(overrides: PhoneClientOptions = {}): CallOptions {
  // A bad per-call option (or component property) surfaces like any other failure, so no tap ends silently.
  const problem = optionsProblem(overrides);
  if (problem) throw phoneError('misconfigured', `options: ${problem}`);
  return {
    endpoint: overrides.endpoint ?? globals.endpoint,
    timeout: overrides.timeout ?? globals.timeout ?? DEFAULT_TIMEOUT,
    header: { ...globals.header, ...overrides.header },
    transport: overrides.transport ?? globals.transport ?? 'request',
    nonce: overrides.nonce ?? globals.nonce,
  };
}

/** What is wrong with the options, or undefined when they are usable. */
function optionsProblem(options: unknown): string | undefined {
  if (!isRecord(options)) return 'options must be an object';
  const { endpoint, timeout, header, transport, nonce } = options;
  if (endpoint !== undefined && !(typeof endpoint === 'string' && /^https?:\/\/\S+$/.test(endpoint))) {
    return 'endpoint must be an http(s) URL';
  }
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0 && timeout <= MAX_TIMEOUT)) {
    return `timeout must be a positive number of milliseconds, at most ${MAX_TIMEOUT}`;
  }
  if (header !== undefined && !(isRecord(header) && Object.values(header).every((value) => typeof value === 'string'))) {
    return 'header must be an object of strings';
  }
  if (transport !== undefined && transport !== 'request' && !isCloudTransport(transport) && !isContainerTransport(transport)) {
    return "transport must be 'request', { type: 'cloud', name, env? } or { type: 'container', service, env?, path? }";
  }
  if (nonce !== undefined && !(typeof nonce === 'string' && NONCE_PATTERN.test(nonce))) {
    return 'nonce must be 1 to 128 printable ASCII characters';
  }
  return undefined;
}

function isCloudTransport(value: unknown): value is CloudTransport {
  return isRecord(value) && value.type === 'cloud' && isText(value.name) && (value.env === undefined || isText(value.env));
}

function isContainerTransport(value: unknown): value is ContainerTransport {
  return (
    isRecord(value) &&
    value.type === 'container' &&
    isText(value.service) &&
    (value.env === undefined || isText(value.env)) &&
    (value.path === undefined || (typeof value.path === 'string' && /^\/\S*$/.test(value.path)))
  );
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}
