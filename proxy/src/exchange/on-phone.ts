// The host's onPhone hook (ProxyOptions.onPhone), one step after a successful exchange: it may add fields to the
// success body or refuse with its own status and message. A hook that throws or answers something unusable is
// HOOK_FAILED: logged (phone masked) and counted; the code's Authing answer stays remembered by the single flight,
// so a retry of the same code runs the hook again without spending the code.
import { errors, type ProxyErrorDefinition, type ProxyFailure } from '../contract/errors';
import { maskPhone } from '../observability/logging';
import type { ProxyMetrics } from '../observability/metrics';
import type { OnPhoneContext, OnPhoneHook, OnPhoneRefusal } from '../config';
import type { Failed, PhoneInfo } from '../contract/types';
import { isRecord } from './classify';

/** What the hook changes: fields for the success body, or a failure to answer instead. */
export type OnPhoneEffect = { readonly extra?: Record<string, unknown> } | Failed;

/**
 * Fields of the success body (and of the failure envelope, which clients tell apart by them) a hook may not set: the
 * component's ENVELOPE_FIELDS among them (src/proxy-answer.ts; docs/test/contract-rules.test.ts checks).
 */
export const RESERVED_FIELDS: ReadonlySet<string> = new Set([
  'statusCode',
  'message',
  'requestId',
  'upstreamRequestId',
  'data',
  'assertion',
  'error',
  'apiCode',
  'retryAfter',
]);
/**
 * The component treats an UPPER_SNAKE `error` on a failure status as the proxy's envelope (src/proxy-answer.ts's
 * ERROR_CODE_PATTERN, which this bounds to 64 characters; docs/test/contract-rules.test.ts keeps the two in step).
 */
export const ERROR_CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
const UNCHANGED: OnPhoneEffect = Object.freeze({});
/** The proxy's own codes (contract/errors.ts): a client acts on them (CODE_REJECTED: ask for a new tap...), a hook may not borrow them. */
const PROXY_CODES: ReadonlySet<string> = new Set(
  Object.values(errors)
    .map(({ error }) => error as string)
    .filter((code) => code !== 'REFUSED'),
);

/** Why a hook's answer cannot be used, or undefined when it can. */
function problemWith(result: unknown): string | undefined {
  if (result === undefined || result === null) return undefined;
  if (!isRecord(result)) return 'onPhone must resolve with { extra }, { refuse } or nothing';
  const { extra, refuse } = result;
  if (extra !== undefined && refuse !== undefined) return 'onPhone resolved with both extra and refuse';
  if (extra !== undefined) {
    if (!isRecord(extra)) return 'onPhone extra must be an object';
    const reserved = Object.keys(extra).find((key) => RESERVED_FIELDS.has(key));
    if (reserved !== undefined) return `onPhone extra must not set "${reserved}": it belongs to the answer`;
    try {
      JSON.stringify(extra);
    } catch {
      return 'onPhone extra must be JSON-serialisable';
    }
    return undefined;
  }
  if (refuse === undefined) return undefined;
  if (!isRecord(refuse)) return 'onPhone refuse must be { status, message, error? }';
  const { status, message, error } = refuse;
  if (!Number.isInteger(status) || (status as number) < 400 || (status as number) > 599)
    return 'onPhone refuse.status must be a whole number from 400 to 599';
  if (typeof message !== 'string' || message.length === 0 || message.length > 500) return 'onPhone refuse.message must be 1 to 500 characters';
  if (error !== undefined && (typeof error !== 'string' || !ERROR_CODE_PATTERN.test(error)))
    return 'onPhone refuse.error must be UPPER_SNAKE_CASE (at most 64 characters)';
  if (error !== undefined && PROXY_CODES.has(error))
    return `onPhone refuse.error must not be the proxy's own code ${error}: use REFUSED or a code of the app's own`;
  return undefined;
}

/** A host's error text may quote the number: the log gets it masked. */
function scrub(text: string | undefined, phone: PhoneInfo): string | undefined {
  if (text === undefined) return undefined;
  const masked = maskPhone(phone.purePhoneNumber);
  return [phone.phoneNumber, phone.purePhoneNumber].filter(Boolean).reduce((scrubbed, number) => scrubbed.split(number).join(masked), text);
}

function hookFailed(phone: PhoneInfo, upstreamRequestId: string | undefined, why: Record<string, unknown>): ProxyFailure {
  return { definition: errors.HOOK_FAILED, upstreamRequestId, detail: { phone: maskPhone(phone.purePhoneNumber), ...why } };
}

/** Runs the hook (when configured) for a verified phone; never rejects. */
export async function applyOnPhone(
  hook: OnPhoneHook | undefined,
  context: OnPhoneContext,
  upstreamRequestId: string | undefined,
  metrics: ProxyMetrics,
): Promise<OnPhoneEffect> {
  if (hook === undefined) return UNCHANGED;
  const { phone } = context;
  let result: unknown;
  try {
    result = await hook(context);
  } catch (error) {
    metrics.hookFailures.inc();
    const { name, message, stack } = error instanceof Error ? error : { name: typeof error, message: String(error), stack: undefined };
    return { failure: hookFailed(phone, upstreamRequestId, { hookError: scrub(message, phone), errorName: name, stack: scrub(stack, phone) }) };
  }
  const problem = problemWith(result);
  if (problem !== undefined) {
    metrics.hookFailures.inc();
    return { failure: hookFailed(phone, upstreamRequestId, { hookError: problem }) };
  }
  if (!isRecord(result)) return UNCHANGED;
  if (result.refuse !== undefined) {
    const { status, message, error } = result.refuse as OnPhoneRefusal;
    const definition: ProxyErrorDefinition = Object.freeze({ error: 'REFUSED', statusCode: status, message });
    return {
      failure: { definition, error, upstreamRequestId, detail: { phone: maskPhone(phone.purePhoneNumber), refusedWith: error ?? 'REFUSED' } },
    };
  }
  return { extra: result.extra as Record<string, unknown> };
}
