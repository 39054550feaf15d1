// `miniprogram-phone-proxy dev --upstream authing|wechat`: the local stand-in for the chosen upstream, and the options
// that point the proxy at it (docs/en/deploy/upstream.md).
import type { ProxyOptions, UpstreamName } from '../config';
import { DEFAULT_CONNECTION_ID, startSandbox, startWechatSandbox } from '../sandbox';

export interface DevUpstream {
  options: Pick<ProxyOptions, 'upstream' | 'authing' | 'wechat'>;
  /** What the banner says of the stand-in. */
  banner: string;
  close(): Promise<void>;
}

export const DEV_UPSTREAMS: readonly UpstreamName[] = ['authing', 'wechat'];

export async function startDevUpstream(upstream: UpstreamName, authingAppId: string): Promise<DevUpstream> {
  if (upstream === 'wechat') {
    // Its watermark names no appid: the developer tool calls with the user's own mini program appid.
    const sandbox = await startWechatSandbox({ watermarkAppId: null });
    return {
      options: { upstream, wechat: { appId: sandbox.appId, appSecret: sandbox.appSecret, apiBase: sandbox.url } },
      banner: `WeChat sandbox (stable_token + getuserphonenumber, local stand-in, never for production): ${sandbox.url}`,
      close: () => sandbox.close(),
    };
  }
  const sandbox = await startSandbox({ appId: authingAppId });
  return {
    options: { upstream, authing: { appHost: sandbox.url, appId: authingAppId, extIdpConnidentifier: DEFAULT_CONNECTION_ID } },
    banner: `Authing sandbox (local stand-in, never for production): ${sandbox.url}`,
    close: () => sandbox.close(),
  };
}
