import { resolveOptions } from './config';
import { phoneError } from './errors';
import { readPhoneCode } from './phone-code';
import { readProxyAnswer } from './proxy-answer';
import { callCloudFunction } from './transports/cloud';
import { postCode } from './transports/request';
import type { GetPhoneNumberDetail, PhoneClientOptions, PhoneNumberResult } from './types';

/**
 * Sends a phone code to the proxy (or cloud function) once, never retried: a code is single-use and paid for.
 * Resolves with the DTO; rejects with a PhoneExchangeError (reason `misconfigured` when nothing could be sent),
 * or a TypeError when `code` itself is not a code.
 */
export async function sendPhoneCode(code: string, options?: PhoneClientOptions): Promise<PhoneNumberResult> {
  if (typeof code !== 'string' || code === '') throw new TypeError('sendPhoneCode(): code must be a non-empty string');
  const { endpoint, timeout, header, transport } = resolveOptions(options);
  if (transport !== 'request') return readProxyAnswer(await callCloudFunction(code, transport, timeout));
  if (endpoint === undefined) {
    throw phoneError('misconfigured', 'No endpoint: call configure({ endpoint }) or pass the endpoint option/property');
  }
  return readProxyAnswer(await postCode(code, endpoint, timeout, header));
}

/** The whole exchange for a page with its own button: pass the `getphonenumber` event's `detail`. */
export async function exchangePhoneCode(
  detail: GetPhoneNumberDetail,
  options?: PhoneClientOptions,
): Promise<PhoneNumberResult> {
  return sendPhoneCode(readPhoneCode(detail), options);
}
