import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CodeBook } from './code-book';
import { failure, JSON_CONTENT_TYPE, success, wechatFailure, type Reply } from './envelopes';
import { FaultQueue, faultReply, playReset } from './faults';
import { fakeMobileFor } from './phone';
import type { Sandbox, SandboxFault, SandboxOptions, SandboxPhone, SuccessShape } from './types';

import { EXCHANGE_PATH } from '../authing-client';
export const DEFAULT_CONNECTION_ID = 'wechat-miniprogram-sandbox';
export const DEFAULT_CODE_TTL_MS = 300_000;
/** Codes remembered at most (about 20 MB): bounds memory under benchmarks that send a fresh code per request. */
export const CODE_CAPACITY = 100_000;
const MAX_BODY_BYTES = 16 * 1024;

interface SandboxConfig {
  host: string;
  port: number;
  appId?: string;
  userPoolId?: string;
  extIdpConnidentifier: string;
  shape: SuccessShape;
  numericCountryCode: boolean;
  strictCodes: boolean;
  codeTtlMs: number;
  now: () => number;
}

interface ExchangeBody {
  code?: unknown;
  extIdpConnidentifier?: unknown;
}

/** Starts an Authing stand-in on loopback. Throws a TypeError on invalid options. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = new AuthingSandbox(resolveOptions(options));
  await sandbox.listen();
  return sandbox;
}

class AuthingSandbox implements Sandbox {
  private readonly server: Server;
  private readonly codes: CodeBook;
  private readonly faults = new FaultQueue();
  /** Pending latency-fault answers, cancelled by close(). */
  private readonly timers = new Set<NodeJS.Timeout>();
  private callCount = 0;
  private address = '';

  constructor(private readonly config: SandboxConfig) {
    this.codes = new CodeBook({
      ttlMs: config.codeTtlMs,
      lenient: !config.strictCodes,
      now: config.now,
      capacity: CODE_CAPACITY,
    });
    this.server = createServer({ keepAlive: true }, this.handle);
  }

  get url(): string {
    return this.address;
  }

  get calls(): number {
    return this.callCount;
  }

  listen(): Promise<void> {
    const { host, port } = this.config;
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const { port: bound } = this.server.address() as AddressInfo;
        this.address = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
        resolve();
      });
    });
  }

  mintCode(): string {
    return this.codes.mint();
  }

  phoneFor(code: string): SandboxPhone {
    const pure = fakeMobileFor(code);
    // WeChat's phone_info gives mainland numbers without the +86; Authing's docs show the flat shape with it.
    const phoneNumber = this.config.shape === 'flat' ? `+86${pure}` : pure;
    return { phoneNumber, purePhoneNumber: pure, countryCode: '86' };
  }

  inject(fault: SandboxFault, options: { times?: number } = {}): void {
    this.faults.push(fault, options.times);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  callsFor(code: string): number {
    return this.codes.callsFor(code);
  }

  reset(): void {
    this.codes.clear();
    this.faults.clear();
    this.callCount = 0;
  }

  close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    return new Promise((resolve, reject) => {
      this.server.close((error) => {
        if (error && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(error);
        else resolve();
      });
      // close() alone waits for idle keep-alive sockets to time out.
      this.server.closeAllConnections();
    });
  }

  private readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'POST' || path !== EXCHANGE_PATH) {
      req.resume();
      send(res, failure({ statusCode: 404, message: `Cannot ${req.method} ${path}` }, 404));
      return;
    }
    this.callCount++;
    readBody(req, (raw) => this.answer(req, res, raw));
  };

  private answer(req: IncomingMessage, res: ServerResponse, raw: Buffer | undefined): void {
    const body = parseBody(req.headers['content-type'], raw);
    const code = typeof body?.code === 'string' && body.code !== '' ? body.code : undefined;
    if (code !== undefined) this.codes.recordCall(code);

    const fault = this.faults.take();
    if (fault?.kind === 'reset') return playReset(res);
    if (fault && fault.kind !== 'latency') return send(res, faultReply(fault));

    // The code is consumed on arrival, as upstream would: a latency fault delays only the answer.
    const reply = this.exchange(req.headers, body, code);
    if (!fault) return send(res, reply);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      send(res, reply);
    }, fault.ms);
    this.timers.add(timer);
  }

  private exchange(headers: IncomingHttpHeaders, body: ExchangeBody | undefined, code: string | undefined): Reply {
    const denied = this.checkTenant(headers);
    if (denied) return denied;
    if (!body) return failure({ statusCode: 400, message: '请求体必须是 JSON 对象 (application/json, 最大 16KB)' });
    if (code === undefined) return failure({ statusCode: 400, message: 'code 必须是非空字符串' });
    const connection = body.extIdpConnidentifier;
    if (typeof connection !== 'string' || connection === '') {
      return failure({ statusCode: 400, message: 'extIdpConnidentifier 必须是非空字符串' });
    }
    if (connection !== this.config.extIdpConnidentifier) {
      return failure({ statusCode: 404, message: `身份源连接不存在: ${connection}` });
    }
    if (this.codes.redeem(code) !== 'ok') return wechatFailure(602, 40029);

    const phone = this.phoneFor(code);
    return success({
      ...phone,
      shape: this.config.shape,
      countryCode: this.config.numericCountryCode ? Number(phone.countryCode) : phone.countryCode,
      timestampSeconds: Math.floor(this.config.now() / 1000),
    });
  }

  /** Authing finds the tenant from either header; a configured id that does not match means "not found". */
  private checkTenant(headers: IncomingHttpHeaders): Reply | undefined {
    const { appId, userPoolId } = this.config;
    if (appId === undefined && userPoolId === undefined) return undefined;
    const sentApp = headers['x-authing-app-id'];
    const sentPool = headers['x-authing-userpool-id'];
    if ((appId !== undefined && sentApp === appId) || (userPoolId !== undefined && sentPool === userPoolId)) {
      return undefined;
    }
    const poolNotFound = userPoolId !== undefined && (sentPool !== undefined || appId === undefined);
    return failure(
      poolNotFound
        ? { statusCode: 400, apiCode: 2224, message: '用户池不存在' }
        : { statusCode: 400, apiCode: 2011, message: '应用不存在' },
    );
  }
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  res.writeHead(reply.httpStatus, {
    'content-type': reply.contentType ?? JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(reply.body),
  });
  res.end(reply.body);
}

/** Calls back with the body, or undefined when it exceeds MAX_BODY_BYTES (the rest is drained, not kept). */
function readBody(req: IncomingMessage, done: (raw: Buffer | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on('end', () => done(size <= MAX_BODY_BYTES ? Buffer.concat(chunks, size) : undefined));
}

/** A JSON object body, or undefined (like a JSON body parser, the content type must say JSON). */
function parseBody(contentType: string | undefined, raw: Buffer | undefined): ExchangeBody | undefined {
  if (!raw || !contentType || !/\bjson\b/i.test(contentType)) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function resolveOptions(options: SandboxOptions): SandboxConfig {
  const bad = (name: string, rule: string): never => {
    throw new TypeError(`startSandbox: ${name} ${rule}`);
  };
  const optionalId = (name: 'appId' | 'userPoolId'): string | undefined => {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'string' || value === '')) bad(name, 'must be a non-empty string');
    return value;
  };
  const config: SandboxConfig = {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    appId: optionalId('appId'),
    userPoolId: optionalId('userPoolId'),
    extIdpConnidentifier: options.extIdpConnidentifier ?? DEFAULT_CONNECTION_ID,
    shape: options.shape ?? 'phone_info',
    numericCountryCode: options.numericCountryCode ?? false,
    strictCodes: options.strictCodes ?? false,
    codeTtlMs: options.codeTtlMs ?? DEFAULT_CODE_TTL_MS,
    now: options.now ?? Date.now,
  };
  if (typeof config.host !== 'string' || config.host === '') bad('host', 'must be a non-empty string');
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) bad('port', 'must be an integer 0..65535');
  if (typeof config.extIdpConnidentifier !== 'string' || config.extIdpConnidentifier === '') {
    bad('extIdpConnidentifier', 'must be a non-empty string');
  }
  if (config.shape !== 'phone_info' && config.shape !== 'flat') bad('shape', "must be 'phone_info' or 'flat'");
  if (typeof config.numericCountryCode !== 'boolean') bad('numericCountryCode', 'must be a boolean');
  if (typeof config.strictCodes !== 'boolean') bad('strictCodes', 'must be a boolean');
  if (!(Number.isFinite(config.codeTtlMs) && config.codeTtlMs > 0)) bad('codeTtlMs', 'must be a positive number');
  if (typeof config.now !== 'function') bad('now', 'must be a function');
  return config;
}
