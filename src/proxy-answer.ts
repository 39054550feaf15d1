import { phoneError } from './errors';
import { isRecord } from './is-record';
import type { ProxyAnswer } from './transports/answer';
import type { PhoneNumberResult } from './types';

/** The success envelope's own fields (docs/en/reference/protocol.md); any other top-level field is the app server's `extra`. */
export const ENVELOPE_FIELDS: readonly string[] = ['statusCode', 'message', 'requestId', 'upstreamRequestId', 'data', 'assertion'];

/**
 * Turns the proxy's answer into the DTO, or throws `rejected` (the proxy sent its error envelope) or
 * `invalid-response` (anything else: unparseable, an HTML error page, a success without a phone number, or an
 * `assertion` that is not a non-empty string: our proxy sends a JWS or nothing, so anything else is not our proxy,
 * and a page must not hand its backend a half-understood answer). An HTTP 404 without our envelope is a wrong `path`
 * (a host framework's or gateway's "not found"): `misconfigured`, naming it; the code never reached the proxy.
 */
export function readProxyAnswer({ httpStatus, body: raw }: ProxyAnswer, path?: string): PhoneNumberResult {
  const body = typeof raw === 'string' ? parseJson(raw) : raw;
  const envelope = isRecord(body) ? body : {};
  const statusCode = httpStatus ?? numberOrUndefined(envelope.statusCode);
  const requestId = stringOrUndefined(envelope.requestId);

  if (isFailureEnvelope(envelope.error, statusCode)) {
    throw phoneError('rejected', stringOrUndefined(envelope.message) ?? `The phone endpoint answered ${envelope.error}`, {
      statusCode,
      error: envelope.error,
      apiCode: numberOrUndefined(envelope.apiCode),
      requestId,
      retryAfter: envelope.error === 'RATE_LIMITED' ? secondsOrUndefined(envelope.retryAfter) : undefined,
    });
  }

  if (httpStatus === 404) {
    const where = path === undefined ? 'the endpoint' : path;
    throw phoneError(
      'misconfigured',
      `Nothing answers at ${where} (HTTP 404): check the endpoint path against the proxy's route (PHONE_ROUTE_PATH, default /phone)`,
      {
        statusCode: 404,
        requestId,
      },
    );
  }

  const data = isRecord(envelope.data) ? envelope.data : {};
  const { phoneNumber, purePhoneNumber, countryCode } = data;
  const { assertion } = envelope;
  const httpOk = httpStatus === undefined || (httpStatus >= 200 && httpStatus < 300);
  const bodyOk = envelope.statusCode === undefined || envelope.statusCode === 200;
  if (
    !httpOk ||
    !bodyOk ||
    typeof phoneNumber !== 'string' ||
    phoneNumber === '' ||
    typeof purePhoneNumber !== 'string' ||
    !(typeof countryCode === 'string' || typeof countryCode === 'number') ||
    !(assertion === undefined || (typeof assertion === 'string' && assertion !== ''))
  ) {
    const status = statusCode === undefined ? '' : ` (status ${statusCode})`;
    throw phoneError('invalid-response', `Unexpected answer from the phone endpoint${status}`, { statusCode, requestId });
  }

  return {
    statusCode: numberOrUndefined(envelope.statusCode) ?? 200,
    message: stringOrUndefined(envelope.message) ?? '',
    ...(requestId !== undefined && { requestId }),
    // countryCode can arrive as the number 86 upstream; the DTO promises a string.
    data: { phoneNumber, purePhoneNumber, countryCode: String(countryCode) },
    ...(assertion !== undefined && { assertion }),
    ...extraFields(envelope),
  };
}

/** `{ extra }` with what an app's own server (the proxy's onPhone hook) added to the answer, or nothing. */
function extraFields(envelope: Record<string, unknown>): { extra?: Record<string, unknown> } {
  const names = Object.keys(envelope).filter((name) => !ENVELOPE_FIELDS.includes(name));
  return names.length === 0 ? {} : { extra: Object.fromEntries(names.map((name) => [name, envelope[name]])) };
}

/** The failure envelope's `error`: an UPPER_SNAKE code (the proxy's own, or an onPhone hook's). */
export const ERROR_CODE_PATTERN = /^[A-Z][A-Z0-9_]*$/;

/**
 * Our failure envelope carries a machine-readable UPPER_SNAKE `error` on a failure status. A gateway's or a
 * framework's own error body (`"error": "Not Found"`) is not a proxy answer: it is `invalid-response`.
 */
function isFailureEnvelope(error: unknown, statusCode: number | undefined): error is string {
  const successStatus = statusCode !== undefined && statusCode >= 200 && statusCode < 300;
  return typeof error === 'string' && ERROR_CODE_PATTERN.test(error) && !successStatus;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The proxy's Retry-After: whole seconds, at most an hour; anything else is not one. */
function secondsOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 3600 ? value : undefined;
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
