// The phone's watermark (phone_info.watermark.appid: the mini program the code was issued to, per WeChat's
// getuserphonenumber docs) must be the caller's appid when both are known: a code from another mini program is refused.
// The caller's appid is known when it is a mini program appid (wx + 16 hex digits): the allow-list accepts any name.
// Recorded beside the outcome by each classifier, checked once for every upstream in upstream-flight.ts.
import { errors } from '../../contract/errors';
import type { UpstreamOutcome } from '../../contract/types';

// Its own copy of classify.ts's isRecord: classify.ts imports this module, and importing back would make a cycle.
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const WECHAT_APPID = /^wx[0-9a-f]{16}$/i;
const watermarks = new WeakMap<UpstreamOutcome, string>();

/** Notes the watermark's appid of `phoneInfo` (WeChat's phone_info object) on a success outcome. */
export function withWatermark(outcome: UpstreamOutcome, phoneInfo: unknown): UpstreamOutcome {
  const watermark = isRecord(phoneInfo) && isRecord(phoneInfo.watermark) ? phoneInfo.watermark : undefined;
  if (outcome.ok && typeof watermark?.appid === 'string' && watermark.appid !== '') watermarks.set(outcome, watermark.appid);
  return outcome;
}

/** The outcome, or a refusal when its watermark names another mini program than the caller's. */
export function refuseForeignWatermark(outcome: UpstreamOutcome, callerAppId: string | undefined): UpstreamOutcome {
  const appid = callerAppId === undefined || !WECHAT_APPID.test(callerAppId) ? undefined : watermarks.get(outcome);
  if (appid === undefined || appid === callerAppId) return outcome;
  return {
    ok: false,
    failure: {
      definition: errors.ORIGIN_FORBIDDEN,
      upstreamRequestId: outcome.ok ? outcome.upstreamRequestId : undefined,
      detail: { reason: "the phone's watermark names another appid than the caller's", watermarkAppId: appid },
    },
    neverSent: false,
  };
}
