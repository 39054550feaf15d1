// The one call to Authing: POST {appHost}/api/v3/get-wechat-miniprogram-phone over keep-alive connections.
// Phone codes are single-use and paid, so a request is retried once only when it provably never left.
// node:http rather than undici: the same behaviour for this one small call, at about 15 MB less resident memory.
import http from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { classifyError, classifyResponse, RESPONSE_TOO_LARGE, type ExchangeOutcome } from './classify';
import type { AuthingOptions } from '../config';
import { InFlight } from '../in-flight';

export const EXCHANGE_PATH = '/api/v3/get-wechat-miniprogram-phone';

/** Connection failures that happen before a byte of the request is written. */
const NOT_SENT_ERRORS: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
/** An Authing answer is a few hundred bytes; anything huge is not one. */
const MAX_RESPONSE_BYTES = 64 * 1024;
const MAX_CONNECTIONS = 128;
/** Idle keep-alive connections close after this (sooner when the server announces a shorter Keep-Alive timeout). */
const IDLE_CONNECTION_MS = 4000;

export interface AuthingClientOptions extends AuthingOptions {
  timeoutMs: number;
}

const errorWithCode = (message: string, code: string): NodeJS.ErrnoException => Object.assign(new Error(message), { code });

export class AuthingClient {
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  /** Everything but the body, shared by every request (node:http copies it, and sets content-length from end()). */
  private readonly requestOptions: Readonly<http.RequestOptions>;
  private readonly connection: string;
  private readonly timeoutMs: number;
  private readonly inFlight = new InFlight();
  private closed = false;

  constructor(options: AuthingClientOptions) {
    const url = new URL(options.appHost);
    url.pathname = url.pathname.replace(/\/+$/, '') + EXCHANGE_PATH;
    this.connection = options.extIdpConnidentifier;
    this.timeoutMs = options.timeoutMs;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.appId !== undefined) headers['x-authing-app-id'] = options.appId;
    if (options.userPoolId !== undefined) headers['x-authing-userpool-id'] = options.userPoolId;
    if (options.lang !== undefined) headers['x-authing-lang'] = options.lang;
    const secure = url.protocol === 'https:';
    this.transport = secure ? https : http;
    const agentOptions = { keepAlive: true, maxSockets: MAX_CONNECTIONS, timeout: IDLE_CONNECTION_MS };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    // Only what a request needs: node:http copies these options on every request.
    const { hostname, port, path } = urlToHttpOptions(url);
    this.requestOptions = Object.freeze({ hostname, port, path, method: 'POST', headers: Object.freeze(headers), agent: this.agent });
  }

  /** Exchanges a phone code. Never rejects: every failure is classified into an outcome. */
  exchange(code: string): Promise<ExchangeOutcome> {
    if (this.closed) return Promise.resolve(classifyError(errorWithCode('client is closed', 'ERR_CLIENT_CLOSED'), false, false));
    const settled = this.inFlight.enter();
    return new Promise<ExchangeOutcome>((resolve) => {
      const body = JSON.stringify({ code, extIdpConnidentifier: this.connection });
      let request: http.ClientRequest;
      let done = false;
      /** The first outcome wins. */
      const finish = (outcome: ExchangeOutcome): void => {
        if (done) return;
        done = true;
        clearTimeout(deadline);
        resolve(outcome);
        settled();
      };
      /** Gives up on the request and its connection (never reused: its state is unknown). */
      const abandon = (outcome: ExchangeOutcome): void => {
        finish(outcome);
        request.destroy();
      };
      // One deadline for the whole exchange, retry included. Bytes may have reached Authing: the code counts as spent.
      const deadline = setTimeout(() => {
        abandon(classifyError(errorWithCode(`no answer within ${this.timeoutMs} ms`, 'ETIMEDOUT'), true, true));
      }, this.timeoutMs);

      const send = (attempt: number): void => {
        request = this.transport.request(this.requestOptions, (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              abandon(classifyError(errorWithCode(`response over ${MAX_RESPONSE_BYTES} bytes`, RESPONSE_TOO_LARGE), false, true));
            } else chunks.push(chunk);
          });
          response.on('end', () => {
            const retryAfter = response.headers['retry-after'];
            finish(classifyResponse({ status: response.statusCode ?? 0, retryAfter, body: Buffer.concat(chunks, size).toString() }, code));
          });
          // Reset mid-body: the request reached Authing.
          response.on('error', (error) => finish(classifyError(error, false, true)));
        });
        request.on('error', (error: NodeJS.ErrnoException) => {
          if (done) return;
          const notSent = NOT_SENT_ERRORS.has(error.code ?? '');
          if (notSent && attempt === 1) send(2);
          else finish(classifyError(error, false, !notSent));
        });
        request.end(body);
      };
      send(1);
    });
  }

  /** Waits for in-flight exchanges, then closes the connections. Later exchanges fail without sending. */
  async close(): Promise<void> {
    this.closed = true;
    await this.inFlight.idle();
    this.agent.destroy();
  }
}
