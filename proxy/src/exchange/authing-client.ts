// The one call to Authing: POST {appHost}/api/v3/get-wechat-miniprogram-phone over keep-alive connections, at most
// UPSTREAM_MAX_CONCURRENCY at once (upstream-slots.ts). Phone codes are single-use and paid: a call is retried once only
// when it provably never left, and one that did leave is followed to its end, late answers included (upstream-call.ts).
// node:http rather than undici: the same behaviour for this one small call, at about 15 MB less resident memory.
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { urlToHttpOptions } from 'node:url';
import { classifyError, type ExchangeOutcome } from './classify';
import { AUTHING_HEADERS, type AuthingOptions } from '../config';
import { InFlight } from '../in-flight';
import { errorWithCode, startUpstreamCall, type CallSettings, type UpstreamCall } from './upstream-call';
import { UpstreamSlots, type ReleaseSlot } from './upstream-slots';

export type { UpstreamCall } from './upstream-call';

export const EXCHANGE_PATH = '/api/v3/get-wechat-miniprogram-phone';

/** Idle keep-alive connections close after this (sooner when the server announces a shorter Keep-Alive timeout). */
const IDLE_CONNECTION_MS = 4000;

export interface AuthingClientOptions extends AuthingOptions {
  /** From the socket to the answer. */
  timeoutMs: number;
  /** Calls at once, and connections in the pool; default 128. */
  maxConcurrency?: number;
  /** How long a call answered 504 goes on for a late answer; default 0 (none). */
  lateGraceMs?: number;
}

/**
 * How long a call may wait for a free slot and socket before it is refused unsent: half the upstream timeout, so that an
 * exchange answers within 1.5 x UPSTREAM_TIMEOUT_MS (7.5 s by default, inside the component's 10 s).
 */
export const startWithinMs = (timeoutMs: number): number => Math.ceil(timeoutMs / 2);

export class AuthingClient {
  private readonly agent: http.Agent;
  private readonly settings: CallSettings;
  private readonly connection: string;
  private readonly startWithinMs: number;
  private readonly slots: UpstreamSlots;
  private readonly inFlight = new InFlight();
  /** Calls in their grace, to give up on close(). Not every call: only these few need it. */
  private readonly inGrace = new Set<() => void>();
  private closed = false;

  constructor(options: AuthingClientOptions) {
    const url = new URL(options.appHost);
    url.pathname = url.pathname.replace(/\/+$/, '') + EXCHANGE_PATH;
    this.connection = options.extIdpConnidentifier;
    const maxConcurrency = options.maxConcurrency ?? 128;
    this.startWithinMs = startWithinMs(options.timeoutMs);
    this.slots = new UpstreamSlots(maxConcurrency);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.appId !== undefined) headers[AUTHING_HEADERS.appId] = options.appId;
    if (options.userPoolId !== undefined) headers[AUTHING_HEADERS.userPoolId] = options.userPoolId;
    if (options.lang !== undefined) headers[AUTHING_HEADERS.lang] = options.lang;
    const secure = url.protocol === 'https:';
    // As many connections as calls: an admitted call never waits for a socket behind another.
    const agentOptions = { keepAlive: true, maxSockets: maxConcurrency, timeout: IDLE_CONNECTION_MS };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    // Only what a request needs: node:http copies these options on every request (and sets content-length from end()).
    const { hostname, port, path } = urlToHttpOptions(url);
    const requestOptions = Object.freeze({ hostname, port, path, method: 'POST', headers: Object.freeze(headers), agent: this.agent });
    const lateGraceMs = options.lateGraceMs ?? 0;
    // No new grace once closing: close() would wait for it.
    this.settings = { transport: secure ? https : http, requestOptions, timeoutMs: options.timeoutMs, lateGraceMs: () => (this.closed ? 0 : lateGraceMs), inGrace: this.inGrace };
  }

  /** Exchanges a phone code: the answer to give now. Never rejects: every failure is classified into an outcome. */
  exchange(code: string): Promise<ExchangeOutcome> {
    return this.call(code).answer;
  }

  /** Exchanges a phone code: the answer to give now, and the outcome to remember (a late answer, see UpstreamCall). */
  call(code: string): UpstreamCall {
    if (this.closed) return unsent('the client is closed', 'ERR_CLIENT_CLOSED');
    // A free slot: the call starts at once, without a promise in between (this path is every call's, when not saturated).
    const release = this.slots.tryAcquire();
    if (release) return this.start(code, release, this.startWithinMs);
    const queuedAt = performance.now();
    const waiting = this.slots.acquire(this.startWithinMs).then((slot) => {
      if (!slot) return unsent(`no free upstream slot within ${this.startWithinMs} ms`, 'ERR_NO_SLOT');
      return this.start(code, slot, Math.max(1, this.startWithinMs - (performance.now() - queuedAt)));
    });
    return { answer: waiting.then((upstream) => upstream.answer), final: waiting.then((upstream) => upstream.final) };
  }

  private start(code: string, release: ReleaseSlot, socketWithinMs: number): UpstreamCall {
    if (this.closed) {
      release(); // granted while close() began: refused, nothing sent
      return unsent('the client is closed', 'ERR_CLIENT_CLOSED');
    }
    const done = this.inFlight.enter();
    const upstream = startUpstreamCall(this.settings, code, JSON.stringify({ code, extIdpConnidentifier: this.connection }), socketWithinMs);
    void upstream.final.then(() => {
      release();
      done();
    });
    return upstream;
  }

  /**
   * Refuses calls still waiting for a slot (503, nothing sent), gives up the grace of calls already answered 504, waits
   * for the others, then closes the connections. Later calls fail without sending.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.slots.close();
    for (const giveUp of this.inGrace) giveUp();
    await this.inFlight.idle();
    this.agent.destroy();
  }
}

function unsent(message: string, code: string): UpstreamCall {
  const outcome = Promise.resolve(classifyError(errorWithCode(message, code), false, false));
  return { answer: outcome, final: outcome };
}
