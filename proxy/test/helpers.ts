// Shared test scaffolding: a real sandbox and a real proxy on loopback ports, and a captured JSON log.
import { createServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { ConfigError, createCloudFunction, startProxy, type AuthingOptions, type CloudFunction, type ProxyOptions, type RunningProxy } from '../src';
import { startSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox';

export const APP_ID = 'test-app-id-6a1f';
export const CONNECTION = 'wechat-miniprogram-sandbox';
/** A real-looking mini program Referer (wx.request sends it; version 0 = develop/trial build). */
export const refererFor = (appId: string, version: string | number = 3): string => `https://servicewechat.com/${appId}/${version}/page-frame.html`;

/** Collects every line pino writes. */
export class LogCapture extends Writable {
  private readonly chunks: string[] = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk.toString());
    done();
  }

  get text(): string {
    return this.chunks.join('');
  }

  get lines(): string[] {
    return this.text.split('\n').filter(Boolean);
  }

  records(): Array<Record<string, unknown>> {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

/** A loopback URL where nothing listens: a port that was just free, so connecting is refused. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export interface Stack {
  sandbox: Sandbox;
  proxy: RunningProxy;
  logs: LogCapture;
  /** POST to the exchange route. */
  post(body: unknown, headers?: Record<string, string>): Promise<Answer>;
  close(): Promise<void>;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export function authingFor(sandbox: Sandbox): AuthingOptions {
  return { appHost: sandbox.url, appId: APP_ID, extIdpConnidentifier: CONNECTION };
}

/** Sandbox + proxy wired together. `proxy` options override the defaults (rate limit off, log captured at info). */
export async function startStack(options: { sandbox?: SandboxOptions; proxy?: Partial<ProxyOptions> } = {}): Promise<Stack> {
  const sandbox = await startSandbox({ appId: APP_ID, ...options.sandbox });
  const logs = new LogCapture();
  const proxy = await startProxy({
    authing: authingFor(sandbox),
    rateLimit: false,
    logger: { level: 'info', stream: logs },
    ...options.proxy,
  });
  const routeUrl = proxy.url + (options.proxy?.routePath ?? '/phone');
  return {
    sandbox,
    proxy,
    logs,
    post: (body, headers) => postJson(routeUrl, body, headers),
    async close() {
      await proxy.close();
      await sandbox.close();
    },
  };
}

/** POSTs `body` (JSON-encoded unless a string) and parses the JSON answer. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

/** Every errcode getuserphonenumber may answer a code with, and what the proxy answers: [errcode, status, error]. */
export const WECHAT_PHONE_ERRCODES: Array<[number, number, string]> = [
  [40029, 422, 'CODE_REJECTED'],
  [40163, 422, 'CODE_REJECTED'],
  [45011, 429, 'RATE_LIMITED'],
  [-1, 503, 'UPSTREAM_UNAVAILABLE'],
  [40013, 500, 'MISCONFIGURED'],
  [41008, 500, 'MISCONFIGURED'],
  [40999, 502, 'UPSTREAM_ERROR'],
];

/** The ConfigError `run` throws; fails the test when it throws nothing or something else. */
export function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** Authing's answer to a good code, as the upstream stand-ins of the client tests send it. */
export const AUTHING_SUCCESS = JSON.stringify({
  statusCode: 200,
  message: 'ok',
  requestId: 'rid-1',
  data: { phoneNumber: '+8613800000000', purePhoneNumber: '13800000000', countryCode: '86' },
});

/** Opens cloud functions on the sandbox `sandbox()` returns, each closed after its test (call at a file's top level). */
export function cloudFunctionsClosedAfterEach(sandbox: () => Sandbox): (options?: Partial<ProxyOptions>) => CloudFunction {
  const opened: CloudFunction[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((main) => main.close()));
  });
  return (options = {}) => {
    const main = createCloudFunction({ authing: authingFor(sandbox()), logger: false, ...options });
    opened.push(main);
    return main;
  };
}
