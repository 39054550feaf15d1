/**
 * `wx.request` on a real HTTP client, with the semantics WeChat documents, so the end-to-end chain crosses a real
 * socket instead of miniprogram-simulate's stub (which answers 200 `{}` after 100 ms whatever the URL).
 *
 * - `data`: objects become a query string for GET/HEAD and for form content types, JSON otherwise.
 * - `header`: `content-type` defaults to `application/json`; a `Referer` set by the page is dropped and WeChat's
 *   fixed one is sent: `https://servicewechat.com/{appid}/{version}/page-frame.html`.
 * - HTTP 4xx/5xx arrive in `success` with `statusCode`; `dataType: 'json'` (the default) parses the body when it
 *   can and leaves the raw string otherwise.
 * - No answer within `timeout` (default 60 s): `fail` with `request:fail timeout`; a connection that fails:
 *   `fail` with `request:fail net::ERR_...`, the way the developer tool spells it. `complete` always follows.
 */
import * as http from 'node:http';
import * as https from 'node:https';

/** The release number in WeChat's Referer: `0` for develop/trial/review builds, `devtools` in the IDE. */
export type MiniProgramVersion = number | 'devtools';

export interface WxRequestOptions {
  /** The mini program's appid, as WeChat puts it in the Referer. */
  appid: string;
  /** Default `0`. */
  version?: MiniProgramVersion;
  /** Sees every settled request: lets the demo print what crossed the wire. */
  onTrace?: (trace: RequestTrace) => void;
}

/** One request as it crossed the wire. Holds the raw body: callers that print it must redact it. */
export interface RequestTrace {
  method: string;
  url: string;
  header: Record<string, string>;
  body: string;
  /** Present when the server answered. */
  statusCode?: number;
  responseBody?: string;
  errMsg: string;
  durationMs: number;
}

/** WeChat's errno values (PublicErrno) for the failures simulated here. */
export const WX_ERRNO = {
  /** General category: the API call timed out. */
  timeout: 5,
  /** Network category: the request failed (refused, reset, unresolved host...). */
  requestFailed: 600001,
  /** Network category: the URL is not http(s). */
  invalidProtocol: 600005,
} as const;

/** WeChat's default when neither `timeout` nor app.json's `networkTimeout.request` is set. */
const DEFAULT_TIMEOUT_MS = 60_000;

/** How Chromium (the developer tool's network stack) names the failures Node reports by errno code. */
const NET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'net::ERR_CONNECTION_REFUSED',
  ECONNRESET: 'net::ERR_CONNECTION_RESET',
  EPIPE: 'net::ERR_CONNECTION_RESET',
  ENOTFOUND: 'net::ERR_NAME_NOT_RESOLVED',
  EAI_AGAIN: 'net::ERR_NAME_NOT_RESOLVED',
  EHOSTUNREACH: 'net::ERR_ADDRESS_UNREACHABLE',
};

type RequestData = string | WechatMiniprogram.IAnyObject | ArrayBuffer;
/** What the developer tool delivers to `fail`; `exception` and `useHttpDNS` exist only on phones. */
type Failure = { errMsg: string; errno?: number };
/** WeChat documents no errno for an abort. */
const abortFailure = (): Failure => ({ errMsg: 'request:fail abort' });
type Success<T extends RequestData> = WechatMiniprogram.RequestSuccessCallbackResult<T>;

export function refererFor(appid: string, version: MiniProgramVersion = 0): string {
  return `https://servicewechat.com/${appid}/${version}/page-frame.html`;
}

export function createWxRequest(options: WxRequestOptions): WechatMiniprogram.Wx['request'] {
  const referer = refererFor(options.appid, options.version);

  return function request<T extends RequestData>(option: WechatMiniprogram.RequestOption<T>): WechatMiniprogram.RequestTask {
    const startedAt = Date.now();
    const method = (option.method ?? 'GET').toUpperCase();
    const header = requestHeader(option.header, referer);
    const headersListeners = new Set<WechatMiniprogram.RequestTaskOnHeadersReceivedCallback>();
    let settled = false;
    let aborted = false;
    let outgoing: http.ClientRequest | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let url: URL | undefined;
    let body = '';

    const settle = (result: Success<T> | Failure, trace: Pick<RequestTrace, 'statusCode' | 'responseBody'> = {}): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.onTrace?.({ method, url: url?.href ?? option.url, header, body, ...trace, errMsg: result.errMsg, durationMs: Date.now() - startedAt });
      if ('statusCode' in result) option.success?.(result);
      else option.fail?.(result as WechatMiniprogram.RequestFailCallbackErr);
      option.complete?.(result);
    };
    // Callbacks run asynchronously, as in WeChat, even when the request fails before it starts.
    const failSoon = (failure: Failure): void => void setTimeout(() => settle(failure), 0);
    const onNetworkError = (error: NodeJS.ErrnoException): void => settle(aborted ? abortFailure() : networkFailure(error));

    const task: WechatMiniprogram.RequestTask = {
      abort() {
        aborted = true;
        // The destroyed request reports its error, which settles as an abort.
        if (outgoing) outgoing.destroy();
        else failSoon(abortFailure());
      },
      onHeadersReceived: (listener) => void headersListeners.add(listener),
      offHeadersReceived: (listener) => void (listener ? headersListeners.delete(listener) : headersListeners.clear()),
      // Chunked transfer (`enableChunked`) is not simulated.
      onChunkReceived: () => undefined,
      offChunkReceived: () => undefined,
    };

    try {
      url = new URL(option.url);
    } catch {
      failSoon({ errMsg: `request:fail invalid url "${option.url}"`, errno: WX_ERRNO.invalidProtocol });
      return task;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      failSoon({ errMsg: 'request:fail request protocol must be http or https', errno: WX_ERRNO.invalidProtocol });
      return task;
    }

    const encoded = encodeData(method, header, option.data);
    if (encoded.query) url.search = url.search ? `${url.search}&${encoded.query}` : encoded.query;
    body = encoded.body.toString('utf8');
    if (encoded.body.length > 0) header['Content-Length'] = String(encoded.body.length);

    const client = url.protocol === 'https:' ? https : http;
    outgoing = client.request(url, { method, headers: header }, (res) => {
      const responseHeader = responseHeaderOf(res.rawHeaders);
      const cookies = res.headers['set-cookie'] ?? [];
      headersListeners.forEach((listener) => listener({ header: responseHeader, statusCode: res.statusCode ?? 0, cookies }));
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', onNetworkError);
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const statusCode = res.statusCode ?? 0;
        // `profile` and `exception` exist only on phones; the developer tool leaves them out too.
        const success = { errMsg: 'request:ok', statusCode, header: responseHeader, cookies, data: decodeData(raw, option) as T } as Success<T>;
        settle(success, { statusCode, responseBody: raw.toString('utf8') });
      });
    });
    outgoing.on('error', onNetworkError);
    timer = setTimeout(() => {
      settle({ errMsg: 'request:fail timeout', errno: WX_ERRNO.timeout });
      outgoing?.destroy();
    }, option.timeout ?? DEFAULT_TIMEOUT_MS);
    outgoing.end(encoded.body);
    return task;
  };
}

/** The header WeChat sends: the page's own fields, a default content type, and the fixed Referer. */
function requestHeader(pageHeader: WechatMiniprogram.IAnyObject | undefined, referer: string): Record<string, string> {
  const header: Record<string, string> = {};
  for (const [name, value] of Object.entries(pageHeader ?? {})) {
    // "header 中不能设置 Referer": WeChat replaces it.
    if (name.toLowerCase() !== 'referer') header[name] = String(value);
  }
  if (contentTypeOf(header) === undefined) header['content-type'] = 'application/json';
  header.Referer = referer;
  return header;
}

function contentTypeOf(header: Record<string, string>): string | undefined {
  const name = Object.keys(header).find((key) => key.toLowerCase() === 'content-type');
  return name === undefined ? undefined : header[name];
}

/** WeChat's documented conversion of `data`: query string for GET and form posts, JSON for other objects. */
function encodeData(method: string, header: Record<string, string>, data: RequestData | undefined): { query: string; body: Buffer } {
  if (data === undefined || data === null) return { query: '', body: Buffer.alloc(0) };
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return { query: '', body: Buffer.from(data as ArrayBuffer) };
  const asQuery = method === 'GET' || method === 'HEAD';
  if (typeof data === 'string') return asQuery ? { query: data, body: Buffer.alloc(0) } : { query: '', body: Buffer.from(data) };
  if (asQuery) return { query: queryString(data), body: Buffer.alloc(0) };
  const isForm = (contentTypeOf(header) ?? '').includes('application/x-www-form-urlencoded');
  return { query: '', body: Buffer.from(isForm ? queryString(data) : JSON.stringify(data)) };
}

function queryString(data: WechatMiniprogram.IAnyObject): string {
  return Object.entries(data)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&');
}

function decodeData<T extends RequestData>(raw: Buffer, option: WechatMiniprogram.RequestOption<T>): RequestData {
  if (option.responseType === 'arraybuffer') return raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
  const text = raw.toString('utf8');
  if ((option.dataType ?? 'json') !== 'json') return text;
  try {
    return JSON.parse(text) as RequestData;
  } catch {
    return text;
  }
}

/** Response header names keep the server's spelling, as WeChat delivers them. */
function responseHeaderOf(rawHeaders: string[]): Record<string, string> {
  const header: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    header[name] = name in header ? `${header[name]}, ${rawHeaders[i + 1]}` : rawHeaders[i + 1];
  }
  return header;
}

function networkFailure(error: NodeJS.ErrnoException): Failure {
  const reason = NET_ERRORS[error.code ?? ''] ?? 'net::ERR_FAILED';
  return { errMsg: `request:fail ${reason}`, errno: WX_ERRNO.requestFailed };
}
