import { callOptions, type CallOptions } from './config';
import { PhoneExchangeError, phoneError } from './errors';
import { readPhoneCode } from './phone-code';
import { readProxyAnswer } from './proxy-answer';
import type { ExchangeBody, ProxyAnswer } from './transports/answer';
import { callCloudFunction } from './transports/cloud';
import { callContainer, DEFAULT_CONTAINER_PATH } from './transports/container';
import { transportFailure } from './transports/failure';
import { postCode } from './transports/request';
import type { GetPhoneNumberDetail, PhoneClientOptions, PhoneNumberResult } from './types';

/**
 * A WeChat phone code's life (5 minutes, per WeChat's getPhoneNumber docs): a retry that could only arrive after it
 * is not sent. Date.now(): the mini program runtime has no performance.now() on every base library.
 */
const CODE_LIFE_MS = 5 * 60 * 1000;

/**
 * Sends a phone code (and the options' nonce) to the proxy, cloud function or Cloud Hosting service. A code is single-use
 * and paid for, so the only retry is one after a timeout (the transport's, or the proxy's UPSTREAM_TIMEOUT), with the very
 * same code and within its life: the proxy de-duplicates codes, so the retry never reaches Authing a second time; it gets
 * the answer Authing gave meanwhile (docs/en/client/library.md, "The one retry after a timeout").
 * Resolves with the DTO; rejects with a PhoneExchangeError (reason `misconfigured` when nothing could be sent),
 * or a TypeError when `code` itself is not a code.
 */
export async function sendPhoneCode(code: string, options?: PhoneClientOptions): Promise<PhoneNumberResult> {
  if (typeof code !== 'string' || code === '') throw new TypeError('sendPhoneCode(): code must be a non-empty string');
  const resolved = callOptions(options);
  const { nonce } = resolved;
  const body: ExchangeBody = nonce === undefined ? { code } : { code, nonce };
  const startedAt = Date.now();
  try {
    return await sendOnce(body, resolved);
  } catch (error) {
    const retryEndsWithinLife = Date.now() - startedAt + resolved.timeout < CODE_LIFE_MS;
    if (!isTimeout(error) || !retryEndsWithinLife) throw error;
    return sendOnce(body, resolved);
  }
}

/** One request with the code, through the configured transport, read into the DTO or a PhoneExchangeError. */
async function sendOnce(body: ExchangeBody, { endpoint, timeout, header, transport }: CallOptions): Promise<PhoneNumberResult> {
  let sending: Promise<ProxyAnswer>;
  /** The HTTP path the answer came from, named when nothing answers there (a cloud function has no path). */
  let path: string | undefined;
  if (transport === 'request') {
    if (endpoint === undefined) throw phoneError('misconfigured', 'No endpoint: call configure({ endpoint }) or pass the endpoint option/property');
    sending = postCode(body, endpoint, timeout, header);
    path = endpoint.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '') || '/';
  } else if (transport.type === 'cloud') {
    sending = callCloudFunction(body, transport, timeout);
  } else {
    sending = callContainer(body, transport, timeout, header);
    path = transport.path ?? DEFAULT_CONTAINER_PATH;
  }
  // A WeChat API that throws instead of calling `fail` still failed to send: the page must hear of it.
  const answer = await sending.catch((error: unknown) => {
    throw error instanceof PhoneExchangeError ? error : transportFailure({ errMsg: error instanceof Error ? error.message : String(error) }, timeout);
  });
  return readProxyAnswer(answer, path);
}

/** No answer in time: the transport gave up (`timeout`), or the proxy did waiting for Authing (UPSTREAM_TIMEOUT). */
function isTimeout(error: unknown): boolean {
  if (!(error instanceof PhoneExchangeError)) return false;
  return error.reason === 'timeout' || (error.reason === 'rejected' && error.detail.error === 'UPSTREAM_TIMEOUT');
}

/** The whole exchange for a page with its own button: pass the `getphonenumber` event's `detail`. */
export async function exchangePhoneCode(detail: GetPhoneNumberDetail, options?: PhoneClientOptions): Promise<PhoneNumberResult> {
  return sendPhoneCode(readPhoneCode(detail), options);
}
