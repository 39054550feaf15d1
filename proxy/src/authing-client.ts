// The one call to Authing: POST {appHost}/api/v3/get-wechat-miniprogram-phone over keep-alive connections.
// Phone codes are single-use and paid, so a request is retried once only when it provably never left.
import { Pool } from 'undici';
import { classifyError, classifyResponse, type ExchangeOutcome } from './classify';
import type { AuthingOptions } from './config';

export const EXCHANGE_PATH = '/api/v3/get-wechat-miniprogram-phone';

/** Connection failures that happen before a byte of the request is written. */
const NOT_SENT_ERRORS: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
/** An Authing answer is a few hundred bytes; anything huge is not one. */
const MAX_RESPONSE_BYTES = 64 * 1024;
const MAX_CONNECTIONS = 128;

export interface AuthingClientOptions extends AuthingOptions {
  timeoutMs: number;
}

export class AuthingClient {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly connection: string;
  private readonly timeoutMs: number;

  constructor(options: AuthingClientOptions) {
    const url = new URL(options.appHost);
    this.path = url.pathname.replace(/\/+$/, '') + EXCHANGE_PATH;
    this.connection = options.extIdpConnidentifier;
    this.timeoutMs = options.timeoutMs;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.appId !== undefined) headers['x-authing-app-id'] = options.appId;
    if (options.userPoolId !== undefined) headers['x-authing-userpool-id'] = options.userPoolId;
    if (options.lang !== undefined) headers['x-authing-lang'] = options.lang;
    this.headers = Object.freeze(headers);
    this.pool = new Pool(url.origin, {
      connections: MAX_CONNECTIONS,
      maxResponseSize: MAX_RESPONSE_BYTES,
      // Backstops only: the deadline below bounds the whole exchange.
      connect: { timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  /** Exchanges a phone code. Never rejects: every failure is classified into an outcome. */
  async exchange(code: string): Promise<ExchangeOutcome> {
    const controller = new AbortController();
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return classifyResponse(await this.send(code, controller.signal), code);
        } catch (error) {
          const notSent = NOT_SENT_ERRORS.has((error as NodeJS.ErrnoException)?.code ?? '');
          if (notSent && attempt === 1 && !timedOut) continue;
          return classifyError(error, timedOut, !notSent);
        }
      }
    } finally {
      clearTimeout(deadline);
    }
  }

  /** Waits for in-flight exchanges, then closes the connections. */
  close(): Promise<void> {
    return this.pool.close();
  }

  private async send(code: string, signal: AbortSignal) {
    const { statusCode, headers, body } = await this.pool.request({
      path: this.path,
      method: 'POST',
      headers: this.headers,
      body: JSON.stringify({ code, extIdpConnidentifier: this.connection }),
      signal,
    });
    const retryAfter = headers['retry-after'];
    return { status: statusCode, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, body: await body.text() };
  }
}
