// An upstream's HTTP side, whichever it is: keep-alive connections, at most `maxConcurrency` calls at once
// (upstream-slots.ts), each followed from its socket to its answer, late answers included (upstream-call.ts). Authing
// and WeChat differ only in the request they build and how they read the answer.
// node:http rather than undici: the same behaviour for this one small call, at about 15 MB less resident memory.
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { urlToHttpOptions } from 'node:url';
import type { UpstreamOutcome } from '../../contract/types';
import { classifyError, type UpstreamResponse } from '../classify';
import { InFlight } from '../../in-flight';
import { errorWithCode, startUpstreamCall, type CallSettings, type UpstreamCall } from '../upstream-call';
import { UpstreamSlots, type ReleaseSlot } from '../upstream-slots';

/** Idle keep-alive connections close after this (sooner when the server announces a shorter Keep-Alive timeout). */
const IDLE_CONNECTION_MS = 4000;

export interface HttpUpstreamOptions {
  /** The endpoint (a query string is kept; `request.path` may replace path and query per call). */
  url: URL;
  headers: Record<string, string>;
  /** From the socket to the answer. */
  timeoutMs: number;
  /** Calls at once, and connections in the pool; default 128. */
  maxConcurrency?: number;
  /** How long a call answered 504 goes on for a late answer; default 0 (none). */
  lateGraceMs?: number;
  classify: (response: UpstreamResponse, code: string) => UpstreamOutcome;
}

/** One request: its JSON body, and what differs from the endpoint's defaults (a token in the query or a header). */
export interface UpstreamRequest {
  body: string;
  path?: string;
  headers?: Record<string, string>;
}

/**
 * How long a call may wait for a free slot and socket before it is refused unsent: half the upstream timeout, so that an
 * exchange answers within 1.5 x UPSTREAM_TIMEOUT_MS (7.5 s by default, inside the component's 10 s).
 */
export const startWithinMs = (timeoutMs: number): number => Math.ceil(timeoutMs / 2);

/** A call that never left: the code stays free. */
export function unsent(message: string, code: string): UpstreamCall {
  const outcome = Promise.resolve(classifyError(errorWithCode(message, code), false, false));
  return { answer: outcome, final: outcome };
}

export class HttpUpstream {
  private readonly agent: http.Agent;
  private readonly settings: CallSettings;
  private readonly startWithinMs: number;
  private readonly slots: UpstreamSlots;
  private readonly inFlight = new InFlight();
  /** Calls in their grace, to give up on close(). Not every call: only these few need it. */
  private readonly inGrace = new Set<() => void>();
  private closed = false;
  /** The request options of the last path given (a token in the query changes once per token life). */
  private lastPath: { path: string; options: Readonly<http.RequestOptions> } | undefined;

  constructor(options: HttpUpstreamOptions) {
    const maxConcurrency = options.maxConcurrency ?? 128;
    this.startWithinMs = startWithinMs(options.timeoutMs);
    this.slots = new UpstreamSlots(maxConcurrency);
    const secure = options.url.protocol === 'https:';
    // As many connections as calls: an admitted call never waits for a socket behind another.
    const agentOptions = { keepAlive: true, maxSockets: maxConcurrency, timeout: IDLE_CONNECTION_MS };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    // Only what a request needs: node:http copies these options on every request (and sets content-length from end()).
    const { hostname, port, path } = urlToHttpOptions(options.url);
    const headers = Object.freeze({ 'content-type': 'application/json', ...options.headers });
    const requestOptions = Object.freeze({ hostname, port, path, method: 'POST', headers, agent: this.agent });
    const lateGraceMs = options.lateGraceMs ?? 0;
    // No new grace once closing: close() would wait for it.
    this.settings = {
      transport: secure ? https : http,
      requestOptions,
      classify: options.classify,
      timeoutMs: options.timeoutMs,
      lateGraceMs: () => (this.closed ? 0 : lateGraceMs),
      inGrace: this.inGrace,
    };
  }

  /** The endpoint's path and query, for requests that add to the query. */
  get path(): string {
    return this.settings.requestOptions.path ?? '/';
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends `request` for `code` once a slot is free (within half the timeout, or refused unsent). Never rejects. */
  call(code: string, request: UpstreamRequest): UpstreamCall {
    if (this.closed) return unsent('the client is closed', 'ERR_CLIENT_CLOSED');
    // A free slot: the call starts at once, without a promise in between (this path is every call's, when not saturated).
    const release = this.slots.tryAcquire();
    if (release) return this.start(code, request, release, this.startWithinMs);
    const queuedAt = performance.now();
    const waiting = this.slots.acquire(this.startWithinMs).then((slot) => {
      if (!slot) return unsent(`no free upstream slot within ${this.startWithinMs} ms`, 'ERR_NO_SLOT');
      return this.start(code, request, slot, Math.max(1, this.startWithinMs - (performance.now() - queuedAt)));
    });
    return { answer: waiting.then((upstream) => upstream.answer), final: waiting.then((upstream) => upstream.final) };
  }

  private start(code: string, request: UpstreamRequest, release: ReleaseSlot, socketWithinMs: number): UpstreamCall {
    if (this.closed) {
      release(); // granted while close() began: refused, nothing sent
      return unsent('the client is closed', 'ERR_CLIENT_CLOSED');
    }
    const done = this.inFlight.enter();
    const options = this.optionsFor(request);
    const upstream = startUpstreamCall(this.settings, code, request.body, socketWithinMs, options);
    void upstream.final.then(() => {
      release();
      done();
    });
    return upstream;
  }

  private optionsFor(request: UpstreamRequest): Readonly<http.RequestOptions> {
    const base = this.settings.requestOptions;
    if (request.headers !== undefined) return { ...base, path: request.path ?? base.path, headers: { ...base.headers, ...request.headers } };
    if (request.path === undefined) return base;
    if (this.lastPath?.path !== request.path) this.lastPath = { path: request.path, options: Object.freeze({ ...base, path: request.path }) };
    return this.lastPath.options;
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
