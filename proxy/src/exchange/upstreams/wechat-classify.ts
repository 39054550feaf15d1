// WeChat's getuserphonenumber answer turned into our outcomes (the same taxonomy as Authing's, classify.ts). A code is
// possibly spent unless the answer proves it was not. Errcodes: WeChat's getuserphonenumber and global return code
// docs (docs/en/deploy/upstream.md, "WeChat's errcodes", lists them):
//   -1 system busy              -> UPSTREAM_UNAVAILABLE
//   40001 token invalid / not latest, 42001 token expired, 40014 token malformed -> a token error: UPSTREAM_UNAVAILABLE
//         (the caller retries once with a fresh token, see wechat-upstream.ts)
//   40013 invalid appid         -> MISCONFIGURED
//   40029 invalid code, 40163 code already used -> CODE_REJECTED
//   41008 missing code          -> MISCONFIGURED, and the code provably unsent (WeChat saw none)
//   45011 API minute quota      -> RATE_LIMITED, retry after 60 s
import { errors, type ProxyErrorDefinition } from '../../contract/errors';
import { scrubLogText } from '../../observability/scrub';
import type { UpstreamOutcome } from '../../contract/types';
import { byWechatErrcode, isRecord, parseJsonOrUndefined, readPhone, type UpstreamResponse } from '../classify';
import { withWatermark } from './watermark';

export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 42001, 40014]);
const MISSING_CODE = 41008;
const QUOTA_RETRY_AFTER_S = 60;

/** What only a direct answer means; -1, 40013, 40029, 40163 and 45011 read as Authing relays them (classify.ts). */
const DIRECT_ONLY: ReadonlyMap<number, ProxyErrorDefinition> = new Map([
  [MISSING_CODE, errors.MISCONFIGURED],
  ...[...TOKEN_ERRCODES].map((errcode): [number, ProxyErrorDefinition] => [errcode, errors.UPSTREAM_UNAVAILABLE]),
]);

/** The WeChat errcode of a failure outcome from this classifier, if any. */
export const wechatErrcodeOf = (outcome: UpstreamOutcome): number | undefined =>
  outcome.ok ? undefined : (outcome.failure.detail?.wechatErrcode as number | undefined);

export function classifyWechat(response: UpstreamResponse, code: string): UpstreamOutcome {
  const body = parseJsonOrUndefined(response.body);
  const upstreamStatus = response.status;
  if (upstreamStatus < 200 || upstreamStatus >= 300 || !isRecord(body)) {
    const definition = upstreamStatus >= 500 || upstreamStatus === 429 ? errors.UPSTREAM_UNAVAILABLE : errors.UPSTREAM_ERROR;
    return {
      ok: false,
      failure: { definition, detail: { upstreamStatus, reason: isRecord(body) ? 'HTTP error' : 'not a JSON object' } },
      neverSent: false,
    };
  }
  return classifyWechatBody(body, code, upstreamStatus);
}

/** A parsed answer, as getuserphonenumber gives it (`errcode`, `errmsg`, `phone_info`). */
export function classifyWechatBody(body: Record<string, unknown>, code: string, upstreamStatus?: number): UpstreamOutcome {
  const errcode = typeof body.errcode === 'number' ? body.errcode : 0;
  const upstreamMessage = typeof body.errmsg === 'string' ? scrubLogText(body.errmsg, code) : undefined;
  const detail = { upstreamStatus, wechatErrcode: errcode, upstreamMessage };
  if (errcode !== 0) {
    const definition = DIRECT_ONLY.get(errcode) ?? byWechatErrcode(errcode);
    const retryAfterSeconds = definition === errors.RATE_LIMITED ? QUOTA_RETRY_AFTER_S : undefined;
    return { ok: false, failure: { definition, detail, retryAfterSeconds }, neverSent: errcode === MISSING_CODE };
  }
  const phone = readPhone(isRecord(body.phone_info) ? body.phone_info : undefined);
  if (!phone)
    return {
      ok: false,
      failure: { definition: errors.UPSTREAM_ERROR, detail: { ...detail, reason: 'success without a phone number' } },
      neverSent: false,
    };
  return withWatermark({ ok: true, phone }, body.phone_info);
}
