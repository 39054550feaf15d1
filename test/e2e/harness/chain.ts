/**
 * The server side of the chain: the real proxy (the built miniprogram-phone-proxy package) on the Authing sandbox,
 * both on free loopback ports.
 */
import * as path from 'node:path';
import type { EXCHANGE_PATH } from '../../../proxy/src/exchange/authing-client';
import type { ProxyOptions } from '../../../proxy/src/config';
import type * as ProxySandbox from '../../../proxy/src/sandbox';
import type { Sandbox, SandboxOptions } from '../../../proxy/src/sandbox';
import type { startProxy } from '../../../proxy/src/runtimes/server';
import { assertBuilt } from './built';

/**
 * The part of the package's public API the chain uses, typed from the modules that define it: the package index
 * also brings in the serverless handlers, whose Web `Response` typing clashes with the DOM types this project loads.
 */
interface ProxyPackage {
  startProxy: typeof startProxy;
  EXCHANGE_PATH: typeof EXCHANGE_PATH;
}

/** The mini program the chain pretends to be: the appid in WeChat's Referer and on the proxy's allow-list. */
export const MINI_PROGRAM_APPID = 'wx5e2e000000000001';
/** The Authing user pool the sandbox checks in `x-authing-userpool-id`. */
export const SANDBOX_USER_POOL_ID = 'sandbox-user-pool';
/** The WeChat mini program connection (extIdpConnidentifier) the sandbox knows. */
export const SANDBOX_CONNECTION_ID = 'wechat-miniprogram-e2e';

export interface ChainOptions {
  sandbox?: Omit<SandboxOptions, 'host' | 'port' | 'userPoolId'>;
  /** Over the chain's defaults: no logs, no rate limit (scenarios send many requests from one address). */
  proxy?: Partial<Omit<ProxyOptions, 'authing' | 'upstream' | 'wechat'>>;
}

/** What the chain's scenarios use of the upstream's sandbox, whichever it is. */
export type ChainSandbox = Pick<Sandbox, 'url' | 'mintCode' | 'phoneFor' | 'callsFor' | 'calls'>;

export interface Chain<S extends ChainSandbox = Sandbox> {
  sandbox: S;
  /** The upstream's name, for what the scenarios print. */
  upstream: 'Authing' | 'WeChat';
  /** Where `<phone-button endpoint>` points: the proxy's exchange route. */
  endpoint: string;
  /**
   * Exchanges `code` at the sandbox directly, as a second proxy instance (which shares no memory with ours)
   * would: afterwards the code is spent, and our proxy has never seen it.
   */
  spendElsewhere(code: string): Promise<void>;
  close(): Promise<void>;
}

export async function startChain(options: ChainOptions = {}): Promise<Chain> {
  // The built package, as users run it; the sources are only for type checking.
  assertBuilt(path.resolve(__dirname, '../../../proxy/dist/index.js'), 'npm run build:proxy');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the BUILT package, loaded as users load it; the sources type it
  const { startProxy, EXCHANGE_PATH } = require('miniprogram-phone-proxy') as ProxyPackage;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the BUILT package, loaded as users load it; the sources type it
  const { startSandbox } = require('miniprogram-phone-proxy/sandbox') as typeof ProxySandbox;
  const extIdpConnidentifier = options.sandbox?.extIdpConnidentifier ?? SANDBOX_CONNECTION_ID;
  const sandbox = await startSandbox({ ...options.sandbox, extIdpConnidentifier, host: '127.0.0.1', port: 0, userPoolId: SANDBOX_USER_POOL_ID });
  try {
    const proxy = await startProxy({
      logger: false,
      rateLimit: false,
      ...options.proxy,
      authing: {
        appHost: sandbox.url,
        userPoolId: SANDBOX_USER_POOL_ID,
        extIdpConnidentifier,
      },
      host: '127.0.0.1',
      port: 0,
    });
    return {
      sandbox,
      upstream: 'Authing',
      endpoint: `${proxy.url}${options.proxy?.routePath ?? '/phone'}`,
      async spendElsewhere(code) {
        const response = await fetch(`${sandbox.url}${EXCHANGE_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-authing-userpool-id': SANDBOX_USER_POOL_ID },
          body: JSON.stringify({ code, extIdpConnidentifier }),
        });
        const body = (await response.json()) as { statusCode?: number };
        if (body.statusCode !== 200) throw new Error(`the sandbox refused to spend the code: ${JSON.stringify(body)}`);
      },
      close: () => Promise.all([proxy.close(), sandbox.close()]).then(() => undefined),
    };
  } catch (error) {
    await sandbox.close();
    throw error;
  }
}
