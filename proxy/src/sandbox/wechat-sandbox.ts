// A WeChat stand-in on loopback (dev and tests): POST /cgi-bin/stable_token (normal and force_refresh, expiry,
// invalidation) and POST /wxa/business/getuserphonenumber with its errcodes, as WeChat's docs describe them
// (docs/en/reference/protocol.md, "The sandboxes"). With `cloudbase` it answers without a token, as Cloud Hosting's open API service does.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROBE_CODE_PREFIX } from '../check/probe-code';
import { CodeBook } from './code-book';
import { fakeMobileFor } from './phone';
import { parseBody, readBody } from './request';

export const WECHAT_SANDBOX_APPID = 'wx0123456789abcdef';
export const WECHAT_SANDBOX_SECRET = 'sandbox-app-secret';

/** `errcode`: answered at once, or after `ms`. */
export type WechatSandboxFault = { kind: 'errcode'; errcode: number; ms?: number } | { kind: 'latency'; ms: number } | { kind: 'malformed' };

export interface WechatSandboxOptions {
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  appId?: string;
  appSecret?: string;
  /** A token's life, default 7200 s. */
  tokenLifeS?: number;
  /** Answer without any token (Cloud Hosting's open API service). */
  cloudbase?: boolean;
  numericCountryCode?: boolean;
  /** The appid the phone's watermark names: default `appId`; null names none (dev: any mini program may call). */
  watermarkAppId?: string | null;
  now?: () => number;
}

export interface WechatSandbox {
  readonly url: string;
  readonly appId: string;
  readonly appSecret: string;
  mintCode(): string;
  phoneFor(code: string): { phoneNumber: string; purePhoneNumber: string; countryCode: string };
  /** stable_token requests, and those with force_refresh. */
  readonly tokenFetches: number;
  readonly forcedRefreshes: number;
  /** getuserphonenumber requests, and those that carried `code`. */
  readonly phoneCalls: number;
  callsFor(code: string): number;
  /** The last openid sent with a code. */
  readonly lastOpenId: string | undefined;
  /** The current token stops working (42001). `sticky`: normal stable_token still hands it out (only force_refresh rotates it). */
  invalidateToken(options?: { sticky?: boolean }): void;
  inject(fault: WechatSandboxFault, options?: { times?: number }): void;
  close(): Promise<void>;
}

const FORCE_MIN_INTERVAL_MS = 30_000;
const FORCE_PER_DAY = 20;

export async function startWechatSandbox(options: WechatSandboxOptions = {}): Promise<WechatSandbox> {
  const now = options.now ?? Date.now;
  const appId = options.appId ?? WECHAT_SANDBOX_APPID;
  const appSecret = options.appSecret ?? WECHAT_SANDBOX_SECRET;
  const lifeMs = (options.tokenLifeS ?? 7200) * 1000;
  const codes = new CodeBook({ ttlMs: 300_000, lenient: true, now, capacity: 100_000 });
  const faults: WechatSandboxFault[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let token: { value: string; expiresAt: number; invalid: boolean; sticky: boolean } | undefined;
  /** The token before a renewal: still valid until its own expiry (WeChat renews 5 minutes early, with that overlap). */
  let previous: typeof token;
  const renewWithinMs = Math.min(300_000, lifeMs / 5);
  const forces: number[] = [];
  const watermarkAppId = options.watermarkAppId === undefined ? appId : options.watermarkAppId;
  const watermarkFor = (timestamp: number) => (watermarkAppId === null ? { timestamp } : { timestamp, appid: watermarkAppId });
  const counts = { tokenFetches: 0, forcedRefreshes: 0, phoneCalls: 0 };
  let lastOpenId: string | undefined;

  const newToken = (): void =>
    void ((previous = token), (token = { value: randomBytes(24).toString('hex'), expiresAt: now() + lifeMs, invalid: false, sticky: false }));
  const json = (res: ServerResponse, body: unknown, delayMs = 0): void => {
    const send = (): void => {
      if (res.destroyed) return;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (delayMs <= 0) return send();
    const timer = setTimeout(() => (timers.delete(timer), send()), delayMs);
    timers.add(timer);
  };

  const stableToken = (body: Record<string, unknown> | undefined, res: ServerResponse): void => {
    counts.tokenFetches++;
    if (body?.grant_type !== 'client_credential') return json(res, { errcode: 40002, errmsg: 'invalid grant_type' });
    if (body.appid !== appId) return json(res, { errcode: 40013, errmsg: 'invalid appid' });
    if (body.secret !== appSecret) return json(res, { errcode: 40125, errmsg: 'invalid appsecret' });
    if (body.force_refresh === true) {
      counts.forcedRefreshes++;
      const recent = forces.filter((at) => at > now() - 86_400_000);
      if (recent.length >= FORCE_PER_DAY || (recent.length > 0 && now() - recent[recent.length - 1] < FORCE_MIN_INTERVAL_MS)) {
        return json(res, { errcode: 45009, errmsg: 'reach max api daily quota limit' });
      }
      forces.push(now());
      newToken();
    } else if (!token || token.expiresAt - now() <= renewWithinMs || (token.invalid && !token.sticky)) newToken();
    const current = token!;
    json(res, { access_token: current.value, expires_in: Math.max(1, Math.round((current.expiresAt - now()) / 1000)) });
  };

  const phoneNumber = (req: IncomingMessage, body: Record<string, unknown> | undefined, res: ServerResponse): void => {
    counts.phoneCalls++;
    const code = typeof body?.code === 'string' && body.code !== '' ? body.code : undefined;
    const fault = faults.shift();
    if (fault?.kind === 'errcode') return json(res, { errcode: fault.errcode, errmsg: `sandbox fault ${fault.errcode}` }, fault.ms);
    if (fault?.kind === 'malformed') return json(res, '<html>bad gateway</html>');
    const delay = fault?.kind === 'latency' ? fault.ms : 0;
    if (!options.cloudbase) {
      const sent = new URL(req.url ?? '/', 'http://sandbox').searchParams.get('access_token');
      if (!sent) return json(res, { errcode: 41001, errmsg: 'access_token missing' }, delay);
      const known = [token, previous].find((candidate) => candidate?.value === sent);
      if (!known || known.invalid) return json(res, { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' }, delay);
      if (known.expiresAt <= now()) return json(res, { errcode: 42001, errmsg: 'access_token expired' }, delay);
    }
    // The token is checked before the code is read: only now does the code count as seen.
    if (code !== undefined) codes.recordCall(code);
    if (typeof body?.openid === 'string') lastOpenId = body.openid;
    if (code === undefined) return json(res, { errcode: 41008, errmsg: 'missing code' }, delay);
    // `check`'s probe code is never one WeChat issued: invalid, as WeChat answers it, even though codes are lenient here.
    const redeemed = code.startsWith(PROBE_CODE_PREFIX) ? 'unknown' : codes.redeem(code);
    if (redeemed === 'used') return json(res, { errcode: 40163, errmsg: 'code been used' }, delay);
    if (redeemed !== 'ok') return json(res, { errcode: 40029, errmsg: 'invalid code' }, delay);
    const phone = sandbox.phoneFor(code);
    const countryCode = options.numericCountryCode ? Number(phone.countryCode) : phone.countryCode;
    json(res, { errcode: 0, errmsg: 'ok', phone_info: { ...phone, countryCode, watermark: watermarkFor(Math.floor(now() / 1000)) } }, delay);
  };

  const server: Server = createServer({ keepAlive: true }, (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    readBody(req, (raw) => {
      const body = parseBody(req.headers['content-type'] ?? 'application/json', raw) as Record<string, unknown> | undefined;
      if (req.method === 'POST' && path === '/cgi-bin/stable_token') return stableToken(body, res);
      if (req.method === 'POST' && path === '/wxa/business/getuserphonenumber') return phoneNumber(req, body, res);
      res.writeHead(404).end();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;

  const sandbox: WechatSandbox = {
    url: `http://${host}:${port}`,
    appId,
    appSecret,
    mintCode: () => codes.mint(),
    phoneFor: (code) => ({ phoneNumber: fakeMobileFor(code), purePhoneNumber: fakeMobileFor(code), countryCode: '86' }),
    get tokenFetches() {
      return counts.tokenFetches;
    },
    get forcedRefreshes() {
      return counts.forcedRefreshes;
    },
    get phoneCalls() {
      return counts.phoneCalls;
    },
    callsFor: (code) => codes.callsFor(code),
    get lastOpenId() {
      return lastOpenId;
    },
    invalidateToken: ({ sticky = false } = {}) => {
      if (token) Object.assign(token, { invalid: true, sticky });
      previous = undefined;
    },
    inject: (fault, { times = 1 } = {}) => void faults.push(...Array.from({ length: times }, () => fault)),
    close: () =>
      new Promise((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return sandbox;
}
