// Structured JSON logs (pino). What we log is chosen field by field (a masked phone, a short code hash);
// redaction by path is the safety net for anything that slips into a log object anyway.
import pino, { type Logger } from 'pino';
import type { ResolvedOptions } from '../config';
import { stdoutDestination } from './log-destination';
import { scrubLogFields } from './scrub';

const CENSOR = '[redacted]';
const REDACT_PATHS = [
  'code',
  'body.code',
  'phoneNumber',
  'purePhoneNumber',
  'data.phoneNumber',
  'data.purePhoneNumber',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  // A signed assertion carries the full number; the signing key must never leave the process.
  'assertion',
  '*.assertion',
  'privateKey',
  '*.privateKey',
  '*.*.privateKey',
];

export function createLogger(options: ResolvedOptions['logger']): Logger | undefined {
  if (options === false) return undefined;
  const settings = {
    level: options.level,
    base: { service: 'miniprogram-phone-proxy' },
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    // A failure's `detail` carries upstream and error messages: scrubbed as the line is written, whoever wrote it.
    serializers: { detail: scrubLogFields },
  };
  // Without a stream: stdout (log-destination.ts: in batches in a listening server).
  return pino(settings, options.stream ?? stdoutDestination());
}

/**
 * The exchange's summary line (phone-exchange.ts) has fixed top-level fields, of which only `detail` is an object: the
 * wildcard paths can match only inside it. Spelled out for it they redact the same, at about 1.5 µs of CPU per line
 * instead of 5.5 (pino's redaction walks every key for a wildcard; issue 23).
 */
const SUMMARY_REDACT_PATHS = [...REDACT_PATHS.filter((path) => !path.includes('*')), 'detail.assertion', 'detail.privateKey', 'detail.*.privateKey'];

/** Writes the exchange's summary line at `level`, when `logger` (its level read at each line) lets that level through. */
export function summaryLogger(logger: Logger): (level: 'info' | 'warn' | 'error', fields: object, message: string) => void {
  const summary = logger.child({}, { level: 'trace', redact: { paths: SUMMARY_REDACT_PATHS, censor: CENSOR } });
  return (level, fields, message) => {
    if (logger.isLevelEnabled(level)) summary[level](fields, message);
  };
}

/** 13812348000 -> 138****8000: enough to recognise a number in support, not enough to use it. */
export function maskPhone(purePhoneNumber: string): string {
  return purePhoneNumber.length >= 11 ? `${purePhoneNumber.slice(0, 3)}****${purePhoneNumber.slice(-4)}` : `****${purePhoneNumber.slice(-2)}`;
}

/** The first 12 characters of the code's sha256: lets one correlate log lines of the same code. */
export function shortHash(codeHash: string): string {
  return codeHash.slice(0, 12);
}
