// The exchange's answer: what the exchange decided (a phone number or a refusal) as our wire contract's body and status.
import type { ExchangeAnswer, Failed, PhoneInfo, SuccessBody } from '../contract';
import { failureAnswer } from '../errors';

export type ExchangeResult =
  Failed | { readonly phone: PhoneInfo; readonly upstreamRequestId?: string; readonly extra?: Record<string, unknown>; readonly assertion?: string };

/** A refusal as its failure envelope; a phone number as the success body, with the onPhone hook's fields. */
export function answerFor(result: ExchangeResult, requestId: string): ExchangeAnswer {
  if ('failure' in result) return failureAnswer(result.failure, requestId);
  const body: SuccessBody = { statusCode: 200, message: 'ok', requestId, data: result.phone };
  if (result.upstreamRequestId !== undefined) body.upstreamRequestId = result.upstreamRequestId;
  if (result.assertion !== undefined) body.assertion = result.assertion;
  // The onPhone hook's fields, which never name one of ours (on-phone.ts checks).
  return { status: 200, body: result.extra ? { ...body, ...result.extra } : body };
}
