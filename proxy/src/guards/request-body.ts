// The exchange request's body: over HTTP, application/json of at most BODY_LIMIT_BYTES; in every runtime, an object
// {"code": "<phone code>", "nonce"?: "<1..128 printable ASCII>"} (other fields are ignored).
import { safeParse } from 'fast-content-type-parse';
import type { Failed } from '../contract/types';
import { failures, type ProxyFailure } from '../contract/errors';
import type { AppRequest } from '../contract/http-messages';

/** A phone code request is ~100 bytes; 4 KiB leaves room for extra fields and refuses anything bigger (413). */
export const BODY_LIMIT_BYTES = 4096;

/** WeChat phone codes are 64 hex characters; leave room for format changes, refuse anything odd. */
const CODE_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
/**
 * The app backend's nonce comes back inside the signed assertion: printable ASCII only, so it survives any JOSE library.
 * The component checks the same rule (src/config.ts; docs/test/contract-rules.test.ts keeps the two in step).
 */
export const NONCE_PATTERN = /^[\x20-\x7e]{1,128}$/;

/** What the exchange needs from a request. */
export interface ExchangeInput {
  readonly code: string;
  readonly nonce?: string;
}

/** The exchange request's body as a JSON value, or why there is none. */
export type JsonBody = { readonly body: unknown } | Failed;
/** @deprecated Renamed JsonBody. */
export type BodyOutcome = JsonBody;

const { UNSUPPORTED_MEDIA_TYPE, BODY_TOO_LARGE, BODY_ABORTED, NOT_JSON, NOT_AN_OBJECT, NO_CODE, BAD_CODE, BAD_NONCE } = failures;
const NO_BODY: JsonBody = Object.freeze({ body: undefined });

/** application/json, in UTF-8 (JSON's only encoding on the wire) when a charset is named at all. */
function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const { type, parameters } = safeParse(header);
  return type === 'application/json' && (parameters.charset === undefined || parameters.charset.toLowerCase() === 'utf-8');
}

/** The code and nonce from a parsed body (HTTP JSON, a framework's parsed body, a cloud function's event), or why not. */
export function readExchangeInput(body: unknown): ExchangeInput | ProxyFailure {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return NOT_AN_OBJECT;
  const { code, nonce } = body as { code?: unknown; nonce?: unknown };
  if (typeof code !== 'string') return NO_CODE;
  if (!CODE_PATTERN.test(code)) return BAD_CODE;
  if (nonce === undefined) return { code };
  return typeof nonce === 'string' && NONCE_PATTERN.test(nonce) ? { code, nonce } : BAD_NONCE;
}

/** Reads an HTTP exchange request's JSON body. */
export async function readJsonBody(request: AppRequest): Promise<JsonBody> {
  // No body at all is a request without a code (400), whatever its content type says.
  if (!request.hasBody) return NO_BODY;
  if (!isJsonContentType(request.headers['content-type'])) return { failure: UNSUPPORTED_MEDIA_TYPE };
  const read = await request.readBody(BODY_LIMIT_BYTES);
  if ('failed' in read) return { failure: read.failed === 'too-large' ? BODY_TOO_LARGE : read.failed === 'not-json' ? NOT_JSON : BODY_ABORTED };
  if ('parsed' in read) return { body: read.parsed };
  try {
    return { body: JSON.parse(read.bytes.toString('utf8')) };
  } catch {
    return { failure: NOT_JSON };
  }
}
