// A call that needs an access token: the cached one at once, else the one being fetched. No token in time: the code was
// never sent (503, send the same code again). The upstream rejecting the token: the token is dropped, and when the
// upstream allows it the call is made once more with a fresh token.
import { performance } from 'node:perf_hooks';
import type { UpstreamOutcome } from '../../contract/types';
import { classifyError } from '../classify';
import { errorWithCode, type UpstreamCall } from '../upstream-call';
import type { TokenCache } from './token-cache';

export interface TokenCallOptions {
  tokens: TokenCache;
  send(token: string): UpstreamCall;
  /** The answer says the token is invalid or expired. */
  rejectsToken(outcome: UpstreamOutcome): boolean;
  /** Whether such an answer may be followed by one more call with a fresh token (the code then left unspent). */
  retry: boolean;
  /** Only a rejection that came within this is retried: the exchange must still answer within its deadlines. */
  retryWithinMs?: number;
  /** Counts a retry. */
  onRetry?: () => void;
}

const noToken = (error: unknown): UpstreamOutcome =>
  classifyError(errorWithCode(`no access token: ${(error as Error)?.message ?? 'unknown error'}`, 'ERR_NO_TOKEN'), false, false);

function later(call: Promise<UpstreamCall>): UpstreamCall {
  return { answer: call.then((upstream) => upstream.answer), final: call.then((upstream) => upstream.final) };
}

export function callWithToken(options: TokenCallOptions): UpstreamCall {
  const { tokens } = options;
  const withToken = (again: boolean): UpstreamCall => {
    const token = tokens.current();
    if (token !== undefined) return attempt(token, again);
    return later(
      tokens.get().then(
        (fresh) => attempt(fresh, again),
        (error) => {
          const outcome = Promise.resolve(noToken(error));
          return { answer: outcome, final: outcome };
        },
      ),
    );
  };
  const attempt = (token: string, again: boolean): UpstreamCall => {
    const sentAt = performance.now();
    const call = options.send(token);
    let second: UpstreamCall | undefined;
    /** The retry for a rejected token (made once, shared by `answer` and `final`), or undefined to keep the outcome. */
    const follow = (outcome: UpstreamOutcome): UpstreamCall | undefined => {
      if (!options.rejectsToken(outcome)) return undefined;
      tokens.rejected(token);
      if (!again || performance.now() - sentAt > (options.retryWithinMs ?? Infinity)) return undefined;
      if (!second) {
        options.onRetry?.();
        second = withToken(false);
      }
      return second;
    };
    return {
      answer: call.answer.then((outcome) => follow(outcome)?.answer ?? outcome),
      final: call.final.then((outcome) => follow(outcome)?.final ?? outcome),
    };
  };
  return withToken(options.retry);
}
