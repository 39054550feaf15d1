import type { ServerResponse } from 'node:http';
import { failure, httpFailure, JSON_CONTENT_TYPE, nginxErrorPage, wechatFailure, type Reply } from './envelopes';
import type { SandboxFault } from './types';

/** Upper bound for a latency fault: long enough for any timeout test, short enough to never hang a run. */
const MAX_LATENCY_MS = 600_000;

interface QueuedFault {
  fault: SandboxFault;
  remaining: number;
}

/** Faults waiting to be played, each on its next `times` exchange requests, in injection order. */
export class FaultQueue {
  private readonly queue: QueuedFault[] = [];

  /** Throws a TypeError (and queues nothing) on a malformed fault or count. */
  push(fault: SandboxFault, times = 1): void {
    if (!(Number.isInteger(times) || times === Infinity) || times < 1) {
      throw new TypeError(`inject: times must be a positive integer or Infinity, got ${String(times)}`);
    }
    checkFault(fault);
    this.queue.push({ fault: { ...fault }, remaining: times });
  }

  /** The fault for the current request, if any. */
  take(): SandboxFault | undefined {
    const head = this.queue[0];
    if (!head) return undefined;
    if (--head.remaining === 0) this.queue.shift();
    return head.fault;
  }

  clear(): void {
    this.queue.length = 0;
  }
}

/** A success envelope cut in the middle of `data`: announced as JSON, not parseable. */
const TRUNCATED_SUCCESS_BODY = '{"statusCode":200,"message":"操作成功","requestId":"00000000-0000-4000-8000-000000000000","data":{"phoneNu';

/** The reply a fault plays. 'latency' and 'reset' are not replies: the server handles them. */
export function faultReply(fault: Exclude<SandboxFault, { kind: 'latency' } | { kind: 'reset' }>): Reply {
  switch (fault.kind) {
    case 'http-status':
      return httpFailure(fault.status);
    case 'html':
      return nginxErrorPage(fault.status);
    case 'malformed':
      return { httpStatus: 200, body: TRUNCATED_SUCCESS_BODY };
    case 'wechat':
      return wechatFailure(fault.statusCode, fault.errcode);
    case 'throttled':
      return httpFailure(429);
    case 'envelope':
      return failure({
        statusCode: fault.statusCode,
        apiCode: fault.apiCode,
        message: fault.message ?? `sandbox failure ${fault.statusCode}`,
      });
  }
}

/** Sends the headers and part of a body announced twice as long, then destroys the socket. */
export function playReset(res: ServerResponse): void {
  const partial = Buffer.from(TRUNCATED_SUCCESS_BODY);
  res.writeHead(200, { 'content-type': JSON_CONTENT_TYPE, 'content-length': partial.length * 2 });
  res.write(partial, () => res.socket?.destroy());
}

function checkFault(fault: SandboxFault): void {
  const bad = (why: string): never => {
    throw new TypeError(`inject: ${why} (got ${JSON.stringify(fault)})`);
  };
  switch (fault?.kind) {
    case 'latency':
      if (!(Number.isFinite(fault.ms) && fault.ms >= 0 && fault.ms <= MAX_LATENCY_MS)) {
        bad(`latency ms must be within 0..${MAX_LATENCY_MS}`);
      }
      return;
    case 'http-status':
    case 'html':
      if (!(Number.isInteger(fault.status) && fault.status >= 400 && fault.status <= 599)) {
        bad('status must be an HTTP error status (400..599)');
      }
      return;
    case 'wechat':
      if (fault.statusCode !== 601 && fault.statusCode !== 602) bad('statusCode must be 601 or 602');
      if (!Number.isInteger(fault.errcode)) bad('errcode must be an integer');
      return;
    case 'envelope':
      if (!Number.isInteger(fault.statusCode) || fault.statusCode === 200) bad('statusCode must be a non-200 integer');
      if (fault.apiCode !== undefined && !Number.isInteger(fault.apiCode)) bad('apiCode must be an integer');
      if (fault.message !== undefined && typeof fault.message !== 'string') bad('message must be a string');
      return;
    case 'malformed':
    case 'reset':
    case 'throttled':
      return;
    default:
      bad('unknown fault kind');
  }
}
