import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CodeBook } from './code-book';
import { failure, JSON_CONTENT_TYPE, success, wechatFailure, type Reply } from './envelopes';
import { FaultQueue, faultReply, playReset } from './faults';
import { fakeMobileFor } from './phone';
import { resolveSandboxOptions, type SandboxConfig } from './options';
import { parseBody, readBody, type ExchangeBody } from './request';
import type { Sandbox, SandboxFault, SandboxOptions, SandboxPhone } from './types';
import { EXCHANGE_PATH } from '../exchange/authing-client';
import { PROBE_CODE_PREFIX } from '../check/probe-code';
import { MANAGEMENT_TOKEN_PATH } from '../exchange/upstreams/authing-management';
import { ManagementTokens } from './management-tokens';

export { DEFAULT_CONNECTION_ID, DEFAULT_CODE_TTL_MS } from './options';
/** Codes remembered at most (about 20 MB): bounds memory under benchmarks that send a fresh code per request. */
export const CODE_CAPACITY = 100_000;

/** Starts an Authing stand-in on loopback. Throws a TypeError on invalid options. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = new AuthingSandbox(resolveSandboxOptions(options));
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
  /** Management mode, when the sandbox was given a user pool key. */
  private readonly management: ManagementTokens | undefined;

  constructor(private readonly config: SandboxConfig) {
    this.codes = new CodeBook({
      ttlMs: config.codeTtlMs,
      lenient: !config.strictCodes,
      now: config.now,
      capacity: CODE_CAPACITY,
    });
    this.server = createServer({ keepAlive: true }, this.handle);
    this.management = config.managementKey && new ManagementTokens(config.managementKey, config.now);
  }

  get managementTokenFetches(): number {
    return this.management?.fetches ?? 0;
  }

  revokeManagementTokens(): void {
    this.management?.revokeAll();
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
    const management = this.management;
    if (management && req.method === 'POST' && path === MANAGEMENT_TOKEN_PATH) {
      readBody(req, (raw) => send(res, management.issue(parseBody(req.headers['content-type'], raw) as Record<string, unknown> | undefined)));
      return;
    }
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
    const denied = this.management ? this.management.check(headers) : this.checkTenant(headers);
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
    // `check`'s probe code is never one WeChat issued: invalid, as WeChat answers it, even in lenient mode.
    if (code.startsWith(PROBE_CODE_PREFIX) || this.codes.redeem(code) !== 'ok') return wechatFailure(602, 40029);

    const phone = this.phoneFor(code);
    return success({
      ...phone,
      shape: this.config.shape,
      countryCode: this.config.numericCountryCode ? Number(phone.countryCode) : phone.countryCode,
      timestampSeconds: Math.floor(this.config.now() / 1000),
      wechatAppId: this.config.wechatAppId,
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
      poolNotFound ? { statusCode: 400, apiCode: 2224, message: '用户池不存在' } : { statusCode: 400, apiCode: 2011, message: '应用不存在' },
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
