// Turns what Authing answered (or how the call failed) into one outcome of our wire contract.
// Authing answers HTTP 200 for most errors: the body's statusCode decides (docs/en/reference/protocol.md, "What the proxy sends Authing").
import type { UpstreamOutcome, PhoneInfo } from '../contract/types';
import { errors, variants, type ProxyErrorDefinition, type ProxyFailure } from '../contract/errors';
import { scrubLogText } from '../observability/scrub';
import { withWatermark } from './upstreams/watermark';

export interface UpstreamResponse {
  status: number;
  retryAfter?: string;
  body: string;
}

/** WeChat errcodes (wrapped by Authing in 601/602) that we recognise. */
const WECHAT_CODE_REJECTED = new Set([40029, 40163]); // invalid/expired code, code already used
const WECHAT_RATE_LIMITED = 45011;
const WECHAT_BUSY = -1;
const WECHAT_INVALID_APPID = 40013;
/** Authing apiCodes meaning our configuration points at nothing. */
const AUTHING_MISCONFIGURED_API_CODES = new Set([2011, 2224]);
const DEFAULT_RETRY_AFTER_SECONDS = 60;

type Json = Record<string, unknown>;

/** A JSON object: not null, not an array. */
export const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** An upstream's body as JSON, or undefined when it is not JSON (a gateway's HTML page, a truncated body). */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function classifyResponse(response: UpstreamResponse, code: string): UpstreamOutcome {
  const body = parseJsonOrUndefined(response.body);
  if (!isRecord(body)) {
    // Not our JSON envelope at all: an HTML error page from a gateway, a truncated body...
    return fail(byHttpStatus(response.status), { detail: { upstreamStatus: response.status, reason: 'not a JSON object' } }, response);
  }

  const upstreamRequestId = typeof body.requestId === 'string' ? body.requestId : undefined;
  const apiCode = typeof body.apiCode === 'number' ? body.apiCode : undefined;
  const statusCode = typeof body.statusCode === 'number' ? body.statusCode : response.status;
  const message = typeof body.message === 'string' ? scrub(body.message, code) : undefined;
  const detail = { upstreamStatus: response.status, upstreamStatusCode: statusCode, apiCode, upstreamMessage: message };

  if (response.status >= 200 && response.status < 300 && statusCode === 200) {
    const data = isRecord(body.data) ? body.data : undefined;
    const errcode = data && typeof data.errcode === 'number' ? data.errcode : 0;
    if (errcode !== 0) {
      return fail(byWechatErrcode(errcode), { upstreamRequestId, detail: { ...detail, wechatErrcode: errcode } }, response);
    }
    const phone = readPhone(data && isRecord(data.phone_info) ? data.phone_info : data);
    if (!phone) {
      return fail(errors.UPSTREAM_ERROR, { upstreamRequestId, detail: { ...detail, reason: 'success without a phone number' } }, response);
    }
    return withWatermark({ ok: true, phone, upstreamRequestId }, data?.phone_info);
  }

  const base = { upstreamRequestId, apiCode };
  if (apiCode !== undefined && AUTHING_MISCONFIGURED_API_CODES.has(apiCode)) {
    return fail(errors.MISCONFIGURED, { ...base, detail }, response);
  }
  if (statusCode === 601 || statusCode === 602) {
    const errcode = wechatErrcode(body, message);
    return fail(
      errcode === undefined ? errors.UPSTREAM_ERROR : byWechatErrcode(errcode),
      { ...base, detail: { ...detail, wechatErrcode: errcode } },
      response,
    );
  }
  return fail(byHttpStatus(statusCode), { ...base, detail }, response);
}

/** The error code of an upstream answer too big to be Authing's: treated as a malformed answer. */
export const RESPONSE_TOO_LARGE = 'ERR_RESPONSE_TOO_LARGE';

/**
 * A call that produced no complete response. `timedOut`: our deadline fired. `sent`: the request's bytes were written,
 * so they may have reached Authing. Unsent, whatever the reason, the code is free: 503 "nothing was sent".
 */
export function classifyError(error: unknown, timedOut: boolean, sent: boolean): UpstreamOutcome {
  const errorCode = (error as { code?: unknown })?.code;
  const detail = { errorCode: typeof errorCode === 'string' ? errorCode : undefined, errorMessage: (error as Error)?.message };
  if (!sent) return { ok: false, failure: { definition: variants.UPSTREAM_UNAVAILABLE.notSent, detail }, neverSent: true };
  if (timedOut) {
    return { ok: false, failure: { definition: errors.UPSTREAM_TIMEOUT, detail }, neverSent: false };
  }
  if (errorCode === RESPONSE_TOO_LARGE) {
    return { ok: false, failure: { definition: errors.UPSTREAM_ERROR, detail }, neverSent: false };
  }
  return { ok: false, failure: { definition: errors.UPSTREAM_UNAVAILABLE, detail }, neverSent: false };
}

function fail(
  definition: ProxyErrorDefinition,
  extra: Omit<ProxyFailure, 'definition' | 'retryAfterSeconds'>,
  response: UpstreamResponse,
): UpstreamOutcome {
  const rateLimited = definition === errors.RATE_LIMITED;
  const failure: ProxyFailure = rateLimited
    ? { definition, ...extra, retryAfterSeconds: retryAfterSeconds(response.retryAfter) }
    : { definition, ...extra };
  return { ok: false, failure, neverSent: false };
}

function byHttpStatus(status: number): ProxyErrorDefinition {
  if (status === 429) return errors.RATE_LIMITED;
  if (status === 401 || status === 403 || status === 404) return errors.MISCONFIGURED;
  if (status >= 500 && status < 600) return errors.UPSTREAM_UNAVAILABLE;
  return errors.UPSTREAM_ERROR;
}

/** WeChat's errcodes, as Authing relays them and as WeChat answers directly (upstreams/wechat-classify.ts adds its own). */
export function byWechatErrcode(errcode: number): ProxyErrorDefinition {
  if (WECHAT_CODE_REJECTED.has(errcode)) return errors.CODE_REJECTED;
  if (errcode === WECHAT_RATE_LIMITED) return errors.RATE_LIMITED;
  if (errcode === WECHAT_BUSY) return errors.UPSTREAM_UNAVAILABLE;
  if (errcode === WECHAT_INVALID_APPID) return errors.MISCONFIGURED;
  return errors.UPSTREAM_ERROR;
}

/** WeChat errmsg texts (Authing's 601/602 message carries WeChat's errmsg, then ", rid: ..."). */
const WECHAT_ERRMSG_PATTERNS: ReadonlyArray<readonly [RegExp, number]> = [
  [/invalid code/i, 40029],
  [/code been used/i, 40163],
  [/quota reach limit|retry next minute/i, WECHAT_RATE_LIMITED],
  [/system (error|busy)/i, WECHAT_BUSY],
  [/invalid appid/i, WECHAT_INVALID_APPID],
];

/** Where the WeChat errcode hides: a field, a labelled number in the message, or WeChat's errmsg text. */
function wechatErrcode(body: Json, message: string | undefined): number | undefined {
  const data = isRecord(body.data) ? body.data : undefined;
  for (const candidate of [body.errcode, data?.errcode]) {
    if (typeof candidate === 'number') return candidate;
  }
  if (message === undefined) return undefined;
  const labelled = /errcode\D{0,4}?(-?\d+)/i.exec(message);
  if (labelled) return Number(labelled[1]);
  return WECHAT_ERRMSG_PATTERNS.find(([pattern]) => pattern.test(message))?.[1];
}

/** The phone of a phone_info object (WeChat's shape) or of Authing's flat data; countryCode may come as a number. */
export function readPhone(source: Json | undefined): PhoneInfo | undefined {
  if (!source) return undefined;
  const { phoneNumber, purePhoneNumber, countryCode } = source;
  if (typeof phoneNumber !== 'string' || !phoneNumber || typeof purePhoneNumber !== 'string' || !purePhoneNumber) return undefined;
  if (typeof countryCode !== 'string' && typeof countryCode !== 'number') return undefined;
  return { phoneNumber, purePhoneNumber, countryCode: String(countryCode) };
}

function retryAfterSeconds(header: string | undefined): number {
  const seconds = header !== undefined && /^\d+$/.test(header) ? Number(header) : NaN;
  return seconds > 0 && seconds <= 3600 ? seconds : DEFAULT_RETRY_AFTER_SECONDS;
}

/** Upstream text goes to the log only, bounded and without the code in case Authing echoes it. */
function scrub(message: string, code: string): string {
  return scrubLogText(message, code); // observability/scrub.ts: the code in any case, 11+ digit runs, bounded
}
