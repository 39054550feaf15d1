// The WeChat upstream inside a cloud function: wx-server-sdk's cloud.openapi.phonenumber.getPhoneNumber, passed in by
// the user (no dependency on wx-server-sdk), calls getuserphonenumber with the platform's token. wx-server-sdk resolves
// camelCase fields ({ errCode, errMsg, phoneInfo }) and rejects with a CloudSDKError carrying WeChat's errcode as
// errCode, or its own codes (-501001 TCB SYS_ERR, -601001 WX_SYSTEM_ERROR) (wx-server-sdk 4.0.2 index.js,
// callWXOpenAPI); both shapes, and the snake_case one, are read.
// The same guarantees as over HTTP: a bounded number at once (upstream-slots.ts), a deadline answered 504 and the late
// answer kept for the code within the grace. The function is "sent" once invoked: a failure after that is possibly spent.
import type { UpstreamOutcome } from '../../contract/types';
import { classifyError, isRecord } from '../classify';
import type { CloudGetPhoneNumber } from '../../config';
import { InFlight } from '../../in-flight';
import { errorWithCode, type UpstreamCall } from '../upstream-call';
import { UpstreamSlots, type ReleaseSlot } from '../upstream-slots';
import { startWithinMs, unsent } from './http-upstream';
import type { PhoneUpstream, UpstreamCaller } from './types';
import { classifyWechatBody } from './wechat-classify';

export interface CloudOpenApiOptions {
  getPhoneNumber: CloudGetPhoneNumber;
  bindOpenId: boolean;
  timeoutMs: number;
  maxConcurrency?: number;
  lateGraceMs?: number;
}

/** { errCode, errMsg, phoneInfo } or { errcode, errmsg, phone_info } as getuserphonenumber's own answer. */
function asWechatBody(value: Record<string, unknown>): Record<string, unknown> {
  return { errcode: value.errCode ?? value.errcode ?? 0, errmsg: value.errMsg ?? value.errmsg, phone_info: value.phoneInfo ?? value.phone_info };
}

/** wx-server-sdk's own failures (not WeChat's errcodes): the call may have reached WeChat. */
const SDK_ERRCODES: ReadonlySet<number> = new Set([-501001, -601001]);

function outcomeOf(result: PromiseSettledResult<unknown>, code: string): UpstreamOutcome {
  if (result.status === 'fulfilled') {
    return isRecord(result.value)
      ? classifyWechatBody(asWechatBody(result.value), code)
      : classifyError(errorWithCode('cloud.openapi answered no object', 'ERR_RESPONSE_TOO_LARGE'), false, true);
  }
  const error = result.reason as Record<string, unknown> | undefined;
  const errcode = isRecord(error) ? (error.errCode ?? error.errcode) : undefined;
  if (typeof errcode === 'number' && !SDK_ERRCODES.has(errcode)) return classifyWechatBody(asWechatBody(error as Record<string, unknown>), code);
  const message = isRecord(error) ? error.message : undefined;
  return classifyError(errorWithCode(`cloud.openapi failed: ${typeof message === 'string' ? message : 'unknown'}`, 'ERR_CLOUD_OPENAPI'), false, true);
}

export function createCloudOpenApiUpstream(options: CloudOpenApiOptions): PhoneUpstream {
  const { timeoutMs } = options;
  const slots = new UpstreamSlots(options.maxConcurrency ?? 128);
  const inFlight = new InFlight();
  const waitMs = startWithinMs(timeoutMs);
  let closed = false;

  const start = (code: string, caller: UpstreamCaller, release: ReleaseSlot): UpstreamCall => {
    if (closed) {
      release();
      return unsent('the client is closed', 'ERR_CLIENT_CLOSED');
    }
    const done = inFlight.enter();
    const request = options.bindOpenId && caller.openId !== undefined ? { code, openid: caller.openId } : { code };
    const settled = Promise.allSettled([Promise.resolve().then(() => options.getPhoneNumber(request))]).then(([result]) => outcomeOf(result, code));
    const timedOut = classifyError(errorWithCode(`no answer within ${timeoutMs} ms`, 'ETIMEDOUT'), true, true);
    let deadline: NodeJS.Timeout | undefined;
    let grace: NodeJS.Timeout | undefined;
    const answer = Promise.race([settled, new Promise<UpstreamOutcome>((resolve) => (deadline = setTimeout(() => resolve(timedOut), timeoutMs)))]);
    const lateGraceMs = closed ? 0 : (options.lateGraceMs ?? 0);
    const final = answer.then((first) =>
      first !== timedOut || lateGraceMs <= 0
        ? first
        : Promise.race([settled, new Promise<UpstreamOutcome>((resolve) => (grace = setTimeout(() => resolve(timedOut), lateGraceMs)))]),
    );
    void final.then(() => {
      clearTimeout(deadline);
      clearTimeout(grace);
      release();
      done();
    });
    return { answer, final };
  };

  return {
    call(code, caller) {
      if (closed) return unsent('the client is closed', 'ERR_CLIENT_CLOSED');
      const release = slots.tryAcquire();
      if (release) return start(code, caller, release);
      const waiting = slots
        .acquire(waitMs)
        .then((slot) => (slot ? start(code, caller, slot) : unsent(`no free upstream slot within ${waitMs} ms`, 'ERR_NO_SLOT')));
      return { answer: waiting.then((call) => call.answer), final: waiting.then((call) => call.final) };
    },
    async close() {
      closed = true;
      slots.close();
      await inFlight.idle();
    },
  };
}
