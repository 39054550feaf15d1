// UpstreamOutcome <-> text: JSON for the Redis store, and a compact form for this process's memory of answers. In JSON a
// failure's table row is stored by its name in `rowsByName` and rebuilt from the table; its log-only `detail` is not stored.
// Phone numbers are stored: replaying the answer needs them, and so is the success's binding (a hash:
// exchange/caller-binding.ts), so only the caller it was fetched for gets it.
import type { UpstreamOutcome, PhoneInfo } from '../contract/types';
import { rowsByName, type ProxyErrorDefinition } from '../contract/errors';

type ErrorName = keyof typeof rowsByName;

interface StoredFailure {
  ok: false;
  error: ErrorName;
  apiCode?: number;
  upstreamRequestId?: string;
  retryAfterSeconds?: number;
  neverSent?: true;
}

const nameOf = new Map<ProxyErrorDefinition, ErrorName>(Object.entries(rowsByName).map(([name, definition]) => [definition, name as ErrorName]));

export function encodeOutcome(outcome: UpstreamOutcome): string {
  if (outcome.ok) return JSON.stringify({ ok: true, phone: outcome.phone, upstreamRequestId: outcome.upstreamRequestId, binding: outcome.binding });
  const { definition, apiCode, upstreamRequestId, retryAfterSeconds } = outcome.failure;
  // neverSent only when true (a remembered failure never is): Redis holds many junk codes' failures, every byte counts.
  const stored: StoredFailure = {
    ok: false,
    error: nameOf.get(definition) ?? 'INTERNAL_ERROR',
    apiCode,
    upstreamRequestId,
    retryAfterSeconds,
    neverSent: outcome.neverSent || undefined,
  };
  return JSON.stringify(stored);
}

/** The outcome, or undefined for a value this version cannot read (the caller treats the code as possibly spent). */
export function decodeOutcome(text: string): UpstreamOutcome | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const stored = value as Record<string, unknown>;
  if (stored.ok === true && isPhone(stored.phone)) {
    return { ok: true, phone: stored.phone, upstreamRequestId: optionalString(stored.upstreamRequestId), binding: optionalString(stored.binding) };
  }
  if (stored.ok !== false || typeof stored.error !== 'string' || !Object.hasOwn(rowsByName, stored.error)) return undefined;
  const failure = {
    definition: rowsByName[stored.error as ErrorName],
    apiCode: typeof stored.apiCode === 'number' ? stored.apiCode : undefined,
    upstreamRequestId: optionalString(stored.upstreamRequestId),
    retryAfterSeconds: typeof stored.retryAfterSeconds === 'number' ? stored.retryAfterSeconds : undefined,
  };
  return { ok: false, failure: withoutUndefined(failure), neverSent: stored.neverSent === true };
}

const optionalString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function isPhone(value: unknown): value is PhoneInfo {
  if (typeof value !== 'object' || value === null) return false;
  const { phoneNumber, purePhoneNumber, countryCode } = value as Record<string, unknown>;
  return typeof phoneNumber === 'string' && typeof purePhoneNumber === 'string' && typeof countryCode === 'string';
}

/** Absent fields stay absent, as in the outcome that was stored. */
function withoutUndefined<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

/**
 * A success as one string of its fields (about 160 bytes of heap against about 310 for its objects and five strings;
 * JSON.stringify's output would take about 250): the memory of answers holds up to DEDUPE_MAX_ENTRIES of them (its
 * share of the proxy's RSS: proxy/bench/RESULTS.md). Failures, rare and holding a table row, stay as they are, and so
 * does a success whose fields would not come back the same (a field holding the separator, an empty optional one).
 */
export type CompactOutcome = string | UpstreamOutcome;

const SEPARATOR = '\n';

export const compactOutcome = {
  pack(outcome: UpstreamOutcome): CompactOutcome {
    if (!outcome.ok || outcome.upstreamRequestId === '' || outcome.binding === '') return outcome;
    const { phone, upstreamRequestId = '', binding = '' } = outcome;
    const fields = [phone.phoneNumber, phone.purePhoneNumber, phone.countryCode, upstreamRequestId, binding];
    return fields.some((field) => field.includes(SEPARATOR)) ? outcome : fields.join(SEPARATOR);
  },
  unpack(packed: CompactOutcome): UpstreamOutcome {
    if (typeof packed !== 'string') return packed;
    const [phoneNumber, purePhoneNumber, countryCode, upstreamRequestId, binding] = packed.split(SEPARATOR);
    return {
      ok: true,
      phone: { phoneNumber, purePhoneNumber, countryCode },
      upstreamRequestId: upstreamRequestId || undefined,
      binding: binding || undefined,
    };
  },
};
