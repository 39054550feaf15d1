// One HTTP call to an upstream (Authing or WeChat), from its socket to its answer (docs/en/reference/protocol.md, "Timeouts"):
// - "sent" means the request's bytes were written (the request's 'finish'): every failure before that (no socket in
//   time, EMFILE, refused, DNS, a synchronous throw) leaves the code free (503, nothing was sent);
// - the deadline starts once the request has a socket, not while it waits for one;
// - when the deadline answers 504, the call goes on for a bounded grace, and the upstream's late answer becomes its final
//   outcome: the code's single flight remembers that, so a retry of the same code gets the phone.
// Each upstream brings its own classification of a complete answer (`classify`); failures without one are shared.
import type http from 'node:http';
import type https from 'node:https';
import type { UpstreamOutcome } from '../contract/types';
import { classifyError, RESPONSE_TOO_LARGE, type UpstreamResponse } from './classify';

/** Connection failures worth one more try (the first may be a stale DNS answer or a restarting upstream). */
const RETRIED_UNSENT_ERRORS: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
/** An upstream's answer is a few hundred bytes; anything huge is not one. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface CallSettings {
  readonly transport: typeof http | typeof https;
  readonly requestOptions: Readonly<http.RequestOptions>;
  /** The upstream's own reading of a complete answer (`code` only to keep it out of logged text). */
  classify(response: UpstreamResponse, code: string): UpstreamOutcome;
  /** From the socket to the answer. */
  readonly timeoutMs: number;
  /** How long the call may go on after its deadline answered 504, for a late answer (0: none; read when it passes). */
  lateGraceMs(): number;
  /** Calls in their grace, by the function that gives it up (the client's close() calls them). */
  readonly inGrace: Set<() => void>;
}

export interface UpstreamCall {
  /** What to answer now: the upstream's answer, UPSTREAM_TIMEOUT once the deadline passed with the request sent, or 503 unsent. */
  readonly answer: Promise<UpstreamOutcome>;
  /**
   * What the code's single flight remembers: the same object as `answer`, unless the deadline answered and the upstream's
   * answer came within the grace; then that late answer.
   */
  readonly final: Promise<UpstreamOutcome>;
}

export const errorWithCode = (message: string, code: string): NodeJS.ErrnoException => Object.assign(new Error(message), { code });

/**
 * Starts the call now; it must be on a socket within `socketWithinMs`, or it ends unsent. Never throws, never rejects.
 * `requestOptions` replaces the settings' for this call (a token in the path or a header).
 */
export function startUpstreamCall(
  settings: CallSettings,
  code: string,
  body: string,
  socketWithinMs: number,
  requestOptions: Readonly<http.RequestOptions> = settings.requestOptions,
): UpstreamCall {
  let resolveAnswer!: (outcome: UpstreamOutcome) => void;
  let resolveFinal!: (outcome: UpstreamOutcome) => void;
  const answer = new Promise<UpstreamOutcome>((resolve) => (resolveAnswer = resolve));
  const final = new Promise<UpstreamOutcome>((resolve) => (resolveFinal = resolve));
  let request: http.ClientRequest | undefined;
  let sent = false;
  /** The 504 already answered: the call is in its grace. */
  let timedOut: UpstreamOutcome | undefined;
  let over = false;
  let deadline: NodeJS.Timeout | undefined;
  let grace: NodeJS.Timeout | undefined;

  /** The call's end: the first outcome wins; `answer` too unless the deadline already gave one. */
  const end = (outcome: UpstreamOutcome, abandon: boolean): void => {
    if (over) return;
    over = true;
    clearTimeout(noSocket);
    clearTimeout(deadline);
    clearTimeout(grace);
    settings.inGrace.delete(endGrace);
    if (!timedOut) resolveAnswer(outcome);
    resolveFinal(outcome);
    // An abandoned request and its connection are never reused: their state is unknown.
    if (abandon) request?.destroy();
  };
  /** A failure without a complete answer: in the grace, the outcome stays the 504 given. */
  const fail = (outcome: UpstreamOutcome): void => end(timedOut ?? outcome, true);
  const endGrace = (): void => fail(timedOut as UpstreamOutcome);

  const noSocket = setTimeout(() => {
    fail(classifyError(errorWithCode(`no free connection upstream within ${socketWithinMs} ms`, 'ERR_NO_SOCKET'), false, false));
  }, socketWithinMs);

  const onDeadline = (): void => {
    const error = errorWithCode(`no answer within ${settings.timeoutMs} ms`, 'ETIMEDOUT');
    const graceMs = settings.lateGraceMs();
    if (!sent || graceMs <= 0) return fail(classifyError(error, true, sent));
    timedOut = classifyError(error, true, true);
    resolveAnswer(timedOut);
    grace = setTimeout(endGrace, graceMs);
    settings.inGrace.add(endGrace);
  };

  const onResponse = (response: http.IncomingMessage): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) {
        end(classifyError(errorWithCode(`response over ${MAX_RESPONSE_BYTES} bytes`, RESPONSE_TOO_LARGE), false, true), true);
      } else chunks.push(chunk);
    });
    response.on('end', () => {
      const retryAfter = response.headers['retry-after'];
      end(settings.classify({ status: response.statusCode ?? 0, retryAfter, body: Buffer.concat(chunks, size).toString() }, code), false);
    });
    // Reset mid-body: the request reached the upstream.
    response.on('error', (error) => fail(classifyError(error, false, true)));
  };

  const send = (attempt: number): void => {
    try {
      const current = (request = settings.transport.request(requestOptions, onResponse));
      current.once('socket', () => {
        clearTimeout(noSocket);
        // One deadline for the whole call, its retry included.
        deadline ??= setTimeout(onDeadline, settings.timeoutMs);
      });
      current.once('finish', () => (sent = true));
      current.on('error', (error: NodeJS.ErrnoException) => {
        if (over || current !== request) return;
        if (!sent && attempt === 1 && RETRIED_UNSENT_ERRORS.has(error.code ?? '')) send(2);
        else fail(classifyError(error, false, sent));
      });
      current.end(body);
    } catch (error) {
      // A header node:http refuses, an agent that throws: nothing was written.
      fail(classifyError(error, false, false));
    }
  };
  send(1);
  return { answer, final };
}
