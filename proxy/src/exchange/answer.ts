// The exchange's answer: its Decision (a phone number or a failure) as our wire contract's body and status.
import type { ExchangeAnswer, Failed, PhoneInfo, SuccessBody } from '../contract/types';
import { failureAnswer } from '../contract/errors';

/** What the exchange decided for one request: a phone to send (with the hook's fields and the assertion), or why not. */
export type Decision =
  | Failed
  | {
      readonly phone: PhoneInfo;
      readonly upstreamRequestId?: string;
      readonly extra?: Record<string, unknown>;
      readonly assertion?: string;
    };

export function answerFor(decision: Decision, requestId: string): ExchangeAnswer {
  if ('failure' in decision) return failureAnswer(decision.failure, requestId);
  const body: SuccessBody = { statusCode: 200, message: 'ok', requestId, data: decision.phone };
  if (decision.upstreamRequestId !== undefined) body.upstreamRequestId = decision.upstreamRequestId;
  if (decision.assertion !== undefined) body.assertion = decision.assertion;
  // The onPhone hook's fields, which never name one of ours (on-phone.ts checks).
  return { status: 200, body: decision.extra ? { ...body, ...decision.extra } : body };
}
