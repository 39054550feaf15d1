import { resolveOptions } from './config';
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
 * Sends a phone code (and the options' nonce) to the proxy, cloud function or Cloud Hosting service once, never retried: a code is single-use and paid for.
 * Resolves with the DTO; rejects with a PhoneExchangeError (reason `misconfigured` when nothing could be sent),
 * or a TypeError when `code` itself is not a code.
 */
export async function sendPhoneCode(code: string, options?: PhoneClientOptions): Promise<PhoneNumberResult> {
  if (typeof code !== 'string' || code === '') throw new TypeError('sendPhoneCode(): code must be a non-empty string');
  const { endpoint, timeout, header, transport, nonce } = resolveOptions(options);
  const body: ExchangeBody = nonce === undefined ? { code } : { code, nonce };
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

/** The whole exchange for a page with its own button: pass the `getphonenumber` event's `detail`. */
export async function exchangePhoneCode(
  detail: GetPhoneNumberDetail,
  options?: PhoneClientOptions,
): Promise<PhoneNumberResult> {
  return sendPhoneCode(readPhoneCode(detail), options);
}
