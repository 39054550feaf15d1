// Shared rig of the reliability suite: a real Authing sandbox and a real proxy on loopback, raw HTTP requests
// (node:http, so any header or body can be sent), captured logs, and the wire contract of docs/en/reference/protocol.md.
import http from 'node:http';
import { startProxy, type ProxyOptions } from '../../src/index';
import { DEFAULT_CONNECTION_ID, startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox';
import { LogCapture } from '../helpers';

/** The mini program the rig's allow-list accepts, and the Referer wx.request sends for it. */
export const ALLOWED_APPID = 'wx0123456789abcdef';
export const REFERER = `https://servicewechat.com/${ALLOWED_APPID}/3/page-frame.html`;
export const ROUTE = '/phone';
const RIG_APP_ID = '65a0b1c2d3e4f5a6b7c8d9e0';

/** docs/en/reference/errors.md: each documented `error` and the HTTP statuses it may come with. Written from the document, not the code. */
export const DOCUMENTED_ERRORS: Readonly<Record<string, readonly number[]>> = {
  INVALID_REQUEST: [400, 413, 415],
  ORIGIN_FORBIDDEN: [403],
  CODE_REJECTED: [422],
  RATE_LIMITED: [429],
  UPSTREAM_ERROR: [502],
  UPSTREAM_UNAVAILABLE: [503],
  UPSTREAM_TIMEOUT: [504],
  MISCONFIGURED: [500],
};

/** Every field the client may see in a failure body; anything else could carry upstream internals. */
const FAILURE_FIELDS = new Set(['statusCode', 'message', 'error', 'apiCode', 'requestId', 'upstreamRequestId', 'retryAfter', 'detail']);
const SUCCESS_FIELDS = new Set(['statusCode', 'message', 'requestId', 'upstreamRequestId', 'data']);

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface RawRequest {
  method?: string;
  path?: string;
  headers?: http.OutgoingHttpHeaders;
  body?: string | Buffer;
  /** Send the body chunked, without Content-Length. */
  chunked?: boolean;
}

/** One raw request; `agent` reuses connections across a load loop. */
export function send(baseUrl: string, request: RawRequest, agent?: http.Agent): Promise<Answer> {
  const body = request.body ?? '';
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      new URL(request.path ?? ROUTE, baseUrl),
      {
        method: request.method ?? 'POST',
        agent,
        headers: { ...(request.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': Buffer.byteLength(body) }), ...request.headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    if (request.chunked) outgoing.write(body);
    outgoing.end(request.chunked ? undefined : body);
  });
}

/** What the component sends: POST {code} as JSON, with the mini program's Referer. */
export function postCode(baseUrl: string, code: string, agent?: http.Agent): Promise<Answer> {
  return send(baseUrl, { headers: { 'content-type': 'application/json', referer: REFERER }, body: JSON.stringify({ code }) }, agent);
}

export interface Rig {
  sandbox: Sandbox;
  url: string;
  logs: LogCapture;
  close(): Promise<void>;
}

export interface RigOptions {
  sandbox?: SandboxOptions;
  /** Overrides of the proxy options; `authing` is merged into the sandbox's. Logs always go to `Rig.logs`. */
  proxy?: Partial<Omit<ProxyOptions, 'authing' | 'logger'>> & { authing?: Partial<ProxyOptions['authing']> };
  /** Default 'info'. */
  logLevel?: string;
}

/** A sandbox and a proxy in front of it. Defaults: allow-list on, no rate limit, logs captured. */
export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const sandbox = await startSandbox({ appId: RIG_APP_ID, ...options.sandbox });
  const logs = new LogCapture();
  const { authing, ...proxyOptions } = options.proxy ?? {};
  try {
    const proxy = await startProxy({
      host: '127.0.0.1',
      port: 0,
      allowedAppIds: [ALLOWED_APPID],
      rateLimit: false,
      ...proxyOptions,
      logger: { level: options.logLevel ?? 'info', stream: logs },
      authing: {
        appHost: sandbox.url,
        appId: options.sandbox?.appId ?? RIG_APP_ID,
        userPoolId: options.sandbox?.userPoolId,
        extIdpConnidentifier: options.sandbox?.extIdpConnidentifier ?? DEFAULT_CONNECTION_ID,
        ...authing,
      },
    });
    return {
      sandbox,
      url: proxy.url,
      logs,
      close: async () => {
        await proxy.close();
        await sandbox.close();
      },
    };
  } catch (error) {
    await sandbox.close();
    throw error;
  }
}

export type Parsed =
  | { kind: 'dto'; data: { phoneNumber: string; purePhoneNumber: string; countryCode: string } }
  | { kind: 'error'; error: string; body: Record<string, unknown> };

/**
 * Checks one answer against the wire contract and says which it is. Throws (failing the test) on anything
 * else: non-JSON, a 5xx without a documented error, a status that does not match its error, extra fields.
 */
export function parseAnswer(answer: Answer): Parsed {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.text) as Record<string, unknown>;
  } catch {
    throw new Error(`HTTP ${answer.status} answered non-JSON: ${answer.text.slice(0, 200)}`);
  }
  const problem = (why: string) => new Error(`HTTP ${answer.status} ${why}: ${answer.text.slice(0, 300)}`);
  if (typeof body.requestId !== 'string' || body.requestId === '') throw problem('has no requestId');
  if (answer.status === 200) {
    const data = body.data as Record<string, unknown> | undefined;
    const extra = Object.keys(body).filter((key) => !SUCCESS_FIELDS.has(key));
    if (body.statusCode !== 200 || extra.length > 0) throw problem(`is not the DTO (extra: ${extra.join(',')})`);
    if (!data || typeof data.phoneNumber !== 'string' || typeof data.purePhoneNumber !== 'string' || typeof data.countryCode !== 'string') {
      throw problem('has no phone data with string fields');
    }
    return { kind: 'dto', data: data as { phoneNumber: string; purePhoneNumber: string; countryCode: string } };
  }
  const error = body.error;
  if (typeof error !== 'string' || !DOCUMENTED_ERRORS[error]?.includes(answer.status)) throw problem('is not a documented error for that status');
  if (body.statusCode !== answer.status || typeof body.message !== 'string') throw problem('has a wrong envelope');
  if (body.apiCode !== undefined && typeof body.apiCode !== 'number') throw problem('has a non-numeric apiCode');
  // detail carries only a fixed kebab-case reason (docs/en/reference/errors.md, "Refusal reasons"), never anything the caller sent.
  if (
    body.detail !== undefined &&
    !(JSON.stringify(Object.keys(body.detail as object)) === '["reason"]' && /^[a-z0-9-]+$/.test(String((body.detail as { reason: unknown }).reason)))
  ) {
    throw problem('has a detail that is not { reason }');
  }
  const extra = Object.keys(body).filter((key) => !FAILURE_FIELDS.has(key));
  if (extra.length > 0) throw problem(`has undocumented fields ${extra.join(',')}`);
  if (/\n\s+at |\.[jt]s:\d+|node_modules|Error:/.test(answer.text)) throw problem('carries a stack trace or internals');
  if (error === 'RATE_LIMITED' && !answer.headers['retry-after']) throw problem('has no Retry-After');
  if (error === 'RATE_LIMITED' && String(body.retryAfter) !== answer.headers['retry-after']) throw problem('has a retryAfter unlike its Retry-After');
  if (error !== 'RATE_LIMITED' && body.retryAfter !== undefined) throw problem('has a retryAfter without being RATE_LIMITED');
  return { kind: 'error', error, body };
}

/** The proxy still answers a fresh code with the DTO. */
export async function expectServing(rig: Rig): Promise<void> {
  const parsed = parseAnswer(await postCode(rig.url, rig.sandbox.mintCode()));
  if (parsed.kind !== 'dto') throw new Error(`proxy no longer serves: ${parsed.error}`);
}
