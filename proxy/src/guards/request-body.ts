// The exchange request's body: application/json, at most BODY_LIMIT_BYTES, {"code": "<phone code>"}.
import { safeParse } from 'fast-content-type-parse';
import { errors, type ProxyFailure } from '../errors';
import type { AppRequest } from '../http-messages';

/** A phone code request is ~100 bytes; 4 KiB leaves room for extra fields and refuses anything bigger (413). */
export const BODY_LIMIT_BYTES = 4096;

/** WeChat phone codes are 64 hex characters; leave room for format changes, refuse anything odd. */
const CODE_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

const invalid = (reason: string): ProxyFailure => Object.freeze({ definition: errors.INVALID_REQUEST, detail: { reason } });
const UNSUPPORTED_MEDIA_TYPE: ProxyFailure = Object.freeze({ definition: errors.UNSUPPORTED_MEDIA_TYPE });
const TOO_LARGE: ProxyFailure = Object.freeze({ definition: errors.PAYLOAD_TOO_LARGE });
const ABORTED = invalid('the client stopped sending the body');
const NOT_JSON = invalid('body is not valid JSON');
const NOT_AN_OBJECT = invalid('body is not a JSON object');
const NO_CODE = invalid('code is missing or not a string');
const BAD_CODE = invalid('code has an invalid length or characters');

/** application/json, in UTF-8 (JSON's only encoding on the wire) when a charset is named at all. */
function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const { type, parameters } = safeParse(header);
  return type === 'application/json' && (parameters.charset === undefined || parameters.charset.toLowerCase() === 'utf-8');
}

/** The code from a parsed body, or why the body is refused. */
function readCode(body: unknown): string | ProxyFailure {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return NOT_AN_OBJECT;
  const { code } = body as { code?: unknown };
  if (typeof code !== 'string') return NO_CODE;
  return CODE_PATTERN.test(code) ? code : BAD_CODE;
}

/** Reads and checks the body of an exchange request: the phone code, or the failure to answer with. */
export async function readPhoneCode(request: AppRequest): Promise<string | ProxyFailure> {
  // No body at all is a request without a code (400), whatever its content type says.
  if (!request.hasBody) return readCode(undefined);
  if (!isJsonContentType(request.headers['content-type'])) return UNSUPPORTED_MEDIA_TYPE;
  const read = await request.readBody(BODY_LIMIT_BYTES);
  if ('failed' in read) return read.failed === 'too-large' ? TOO_LARGE : ABORTED;
  let body: unknown;
  try {
    body = JSON.parse(read.bytes.toString('utf8'));
  } catch {
    return NOT_JSON;
  }
  return readCode(body);
}
