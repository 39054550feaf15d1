/**
 * The server side of the chain with the WeChat upstream: the real proxy (the built package) on the WeChat sandbox
 * (stable_token + getuserphonenumber), both on free loopback ports. The sandbox's appid is the chain's mini program,
 * so the phone's watermark names the caller.
 */
import * as path from 'node:path';
import type * as ProxyServer from '../../../proxy/src/runtimes/server';
import type * as ProxySandbox from '../../../proxy/src/sandbox';
import { assertBuilt } from './built';
import type { Chain, ChainOptions, ChainSandbox } from './chain';

export async function startWechatChain(appId: string, options: Pick<ChainOptions, 'proxy'> = {}): Promise<Chain<ChainSandbox>> {
  assertBuilt(path.resolve(__dirname, '../../../proxy/dist/index.js'), 'npm run build:proxy');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the BUILT package, loaded as users load it; the sources type it
  const { startProxy } = require('miniprogram-phone-proxy') as Pick<typeof ProxyServer, 'startProxy'>;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the BUILT package, loaded as users load it; the sources type it
  const { startWechatSandbox } = require('miniprogram-phone-proxy/sandbox') as typeof ProxySandbox;
  const wechat = await startWechatSandbox({ appId, host: '127.0.0.1' });
  try {
    const proxy = await startProxy({
      logger: false,
      rateLimit: false,
      ...options.proxy,
      upstream: 'wechat',
      wechat: { appId, appSecret: wechat.appSecret, apiBase: wechat.url },
      host: '127.0.0.1',
      port: 0,
    });
    const sandbox: ChainSandbox = {
      url: wechat.url,
      mintCode: () => wechat.mintCode(),
      phoneFor: (code: string) => wechat.phoneFor(code),
      callsFor: (code: string) => wechat.callsFor(code),
      get calls() {
        return wechat.phoneCalls;
      },
    };
    return {
      sandbox,
      upstream: 'WeChat',
      endpoint: `${proxy.url}${options.proxy?.routePath ?? '/phone'}`,
      async spendElsewhere(code) {
        // Another backend of the same mini program, with the same stable token (normal mode hands out the same one).
        const token = await post(`${wechat.url}/cgi-bin/stable_token`, { grant_type: 'client_credential', appid: appId, secret: wechat.appSecret });
        const answer = await post(`${wechat.url}/wxa/business/getuserphonenumber?access_token=${token.access_token as string}`, { code });
        if (answer.errcode !== 0) throw new Error(`the sandbox refused to spend the code: ${JSON.stringify(answer)}`);
      },
      close: () => Promise.all([proxy.close(), wechat.close()]).then(() => undefined),
    };
  } catch (error) {
    await wechat.close();
    throw error;
  }
}

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as Record<string, unknown>;
}
