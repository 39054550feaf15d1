// The exchange as a WeChat cloud development (云开发) function: `exports.main = createCloudFunction(options)`.
// The platform calls main(event, context) with the `data` the mini program passed to wx.cloud.callFunction; who
// called comes from the platform's per-invocation context (cloud-caller.ts), never from the event. Whatever main
// resolves with reaches the caller as `result`: our success DTO or error envelope.
import { randomUUID } from 'node:crypto';
import type { FailureBody, SuccessBody } from '../contract/types';
import { failureAnswer } from '../contract/errors';
import type { ProxyOptions } from '../config';
import type { Caller } from '../guards/caller';
import type { ProxyMetrics } from '../observability/metrics';
import { createPhoneExchange } from '../exchange/phone-exchange';
import { forbidden } from '../guards/refusals';
import { callerFromContext, callerFromEvent, readWxContext, sourceKind } from './cloud-caller';

/** A cloud function entry point; `close()` ends the upstream connections (later calls answer 503). */
export interface CloudFunction {
  (event: unknown, context?: unknown): Promise<SuccessBody | FailureBody>;
  close(): Promise<void>;
  /** This container's counters (a cloud function has no /metrics route): e.g. log `metrics.registry.metrics()`. */
  readonly metrics: ProxyMetrics;
}

export { NO_OPENID_BUCKET } from './cloud-caller';

/** At most this much of a SOURCE we refuse reaches the log. */
const MAX_LOGGED_SOURCE = 64;

/**
 * Validates the options (throws ConfigError) and returns the entry point. Call it once at module level: a warm
 * container then reuses one exchange across invocations, so its de-duplication and rate-limit counters last as long
 * as the container (each container keeps its own). HTTP-only options (routePath, requestTimeoutMs, corsOrigins,
 * trustProxy) have no effect here.
 */
export function createCloudFunction(options: ProxyOptions): CloudFunction {
  const core = createPhoneExchange(options);
  const { allowDevtools } = core.config;
  const main = async (event: unknown): Promise<SuccessBody | FailureBody> => {
    // Read before the first await: the platform sets this invocation's context in the environment.
    const context = readWxContext(process.env);
    let caller: Caller;
    if (context) {
      const kind = sourceKind(context.SOURCE);
      if (kind === 'other' || (kind === 'devtools' && !allowDevtools)) {
        // Not a mini program's call (or the developer tool's, not allowed): refused before the event is read.
        const requestId = randomUUID();
        const source = context.SOURCE?.slice(0, MAX_LOGGED_SOURCE);
        const refusal = forbidden(kind === 'devtools' ? 'devtools' : 'not-mini-program-source');
        core.metrics.requests.inc({ outcome: refusal.definition.error });
        core.logger?.info(
          { reqId: requestId, outcome: refusal.definition.error, source, detail: refusal.detail },
          'cloud function call refused: not from a mini program',
        );
        return failureAnswer(refusal, requestId).body;
      }
      caller = callerFromContext(context, kind === 'devtools');
    } else {
      caller = callerFromEvent(event);
      core.logger?.warn(
        { callerFrom: 'event.userInfo' },
        'no platform context (WX_CONTEXT_KEYS unset): the caller was read from event.userInfo, which the caller can write',
      );
    }
    // The event is already parsed: it is the body. readExchangeInput answers INVALID_REQUEST for anything but an object.
    const answer = await core.exchange({ caller, readBody: () => ({ body: event }) });
    return answer.body;
  };
  return Object.assign(main, { close: () => core.close(), metrics: core.metrics });
}
