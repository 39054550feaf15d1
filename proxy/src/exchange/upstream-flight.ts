// A request's part in its code's single flight (docs/en/reference/protocol.md, "Timeouts"). The flight's call runs to its final outcome,
// a late answer included, and that is what the store remembers through its normal save path (memory and Redis). The
// request that made the call is answered as soon as the call's answer is known (a 504 at the deadline); a request waiting
// on another's call waits a bounded time, then answers 504 too: the code may be spent, its retry gets what the upstream said.
import type { Logger } from 'pino';
import { errors } from '../contract/errors';
import { shortHash } from '../observability/logging';
import type { ProxyMetrics } from '../observability/metrics';
import type { DedupeSource } from '../contract/types';
import type { SingleFlight } from '../store/single-flight';
import type { PhoneUpstream, UpstreamCaller } from './upstreams/types';
import { refuseForeignWatermark } from './upstreams/watermark';
import type { UpstreamOutcome } from '../contract/types';

export interface FlightResult {
  outcome: UpstreamOutcome;
  source: DedupeSource;
}

export interface UpstreamFlightDeps {
  client: PhoneUpstream;
  singleFlight: SingleFlight;
  metrics: ProxyMetrics;
  logger: Logger | undefined;
  /** How long a request waits for a call another request made; longer than a call takes to answer (start + deadline). */
  waitMs: number;
}

const STILL_IN_FLIGHT: UpstreamOutcome = Object.freeze({
  ok: false,
  failure: Object.freeze({
    definition: errors.UPSTREAM_TIMEOUT,
    detail: { reason: 'the call another request made for this code has not answered yet' },
  }),
  neverSent: false,
});

/** A success carries whom it was fetched for (caller-binding.ts). A literal, not a spread: V8 gives a spread room it never uses. */
const bound = (outcome: UpstreamOutcome, binding: string): UpstreamOutcome =>
  outcome.ok ? { ok: true, phone: outcome.phone, upstreamRequestId: outcome.upstreamRequestId, binding } : outcome;

const label = (outcome: UpstreamOutcome): string => (outcome.ok ? 'ok' : outcome.failure.definition.error);

/**
 * `fly(key, code, binding, admitted, caller)`: the outcome for one request, through the code's single flight
 * (the caller's rateLimitKey: whose share of the store the code counts in).
 */
export function createUpstreamFlight({ client, singleFlight, metrics, logger, waitMs }: UpstreamFlightDeps) {
  return (
    key: string,
    code: string,
    binding: string,
    admitted: Promise<boolean>,
    caller: UpstreamCaller & { rateLimitKey?: string } = {},
  ): Promise<FlightResult> => {
    let answered!: (result: FlightResult) => void;
    const ownAnswer = new Promise<FlightResult>((resolve) => (answered = resolve));
    const call = async (): Promise<UpstreamOutcome> => {
      const stopTimer = metrics.upstreamSeconds.startTimer();
      const upstream = client.call(code, caller);
      // A phone for another mini program than the caller's is refused, whichever upstream gave it (watermark.ts).
      const answer = refuseForeignWatermark(await upstream.answer, caller.appId);
      answered({ outcome: bound(answer, binding), source: 'upstream' });
      const lastOutcome = await upstream.final;
      const final = lastOutcome === (await upstream.answer) ? answer : refuseForeignWatermark(lastOutcome, caller.appId);
      stopTimer({ outcome: label(final) });
      if (final !== answer) {
        metrics.upstreamLateAnswers.inc({ outcome: label(final) });
        logger?.info({ codeHash: shortHash(key), outcome: label(final) }, 'late answer from the upstream kept for the code');
      }
      return bound(final, binding);
    };
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<FlightResult>((resolve) => {
      timer = setTimeout(() => resolve({ outcome: STILL_IN_FLIGHT, source: 'inflight' }), waitMs);
    });
    return Promise.race([singleFlight.run(key, call, admitted, caller.rateLimitKey), ownAnswer, waited]).finally(() => clearTimeout(timer));
  };
}
