/**
 * `wx.cloud.callContainer` on a real HTTP client, doing what WeChat's Cloud Hosting gateway does, so tests cross a
 * real socket to a real server (the loopback stand-in, or the real proxy end to end).
 *
 * - The call names its service in `header['X-WX-SERVICE']`; the gateway routes to that service's URL and POSTs
 *   `data` as JSON to `path` (https://developers.weixin.qq.com/miniprogram/dev/wxcloudservice/wxcloudrun/src/development/call/mini.md).
 * - The gateway injects who the caller is: X-WX-SOURCE, X-WX-APPID, X-WX-OPENID, X-WX-UNIONID, X-WX-ENV and
 *   X-Original-Forwarded-For (https://developers.weixin.qq.com/miniprogram/dev/wxcloudservice/wxcloudrun/src/development/weixin/index.md).
 *   Any X-WX-* header the page set is replaced: only the gateway speaks for the caller.
 * - The answer arrives in `success` as `{ statusCode, data, header, callID, errMsg }` whatever the HTTP status;
 *   `dataType: 'json'` (the default) parses the body when it can.
 * - `fail` carries `errMsg` and `errCode`: 102002 "请求超时" when no answer comes within `timeout`, -501000 for an
 *   unknown service (https://developers.weixin.qq.com/minigame/dev/wxcloudrun/src/development/call/faq.md). A
 *   service that refuses the connection fails here too (what the real gateway answers then is not documented).
 */
import * as http from 'node:http';

/** Who the gateway says is calling. `openid` left out models resource reuse (it then sends X-WX-FROM-OPENID). */
export interface GatewayIdentity {
  appid: string;
  openid?: string;
  fromOpenid?: string;
  unionid?: string;
  /** X-WX-SOURCE; default `wx_client`. */
  source?: string;
  env?: string;
  clientIp?: string;
}

export interface CallContainerOptions {
  /** Base URLs of the services, by name (`http://127.0.0.1:port`). */
  services: Record<string, string>;
  identity: GatewayIdentity;
}

type Param = WechatMiniprogram.IAnyObject & {
  path: string;
  method?: string;
  header?: Record<string, string>;
  data?: unknown;
  dataType?: string;
  timeout?: number;
  config?: { env?: string };
  success?: (result: unknown) => void;
  fail?: (failure: { errMsg: string; errCode: number }) => void;
  complete?: (result: unknown) => void;
};

/** The gateway's own ceiling on a call (FAQ above): also the default when the call sets none. */
const MAX_TIMEOUT_MS = 15_000;

export function gatewayHeaders(identity: GatewayIdentity, env: string | undefined): Record<string, string> {
  const header: Record<string, string> = { 'X-WX-SOURCE': identity.source ?? 'wx_client', 'X-WX-APPID': identity.appid };
  if (identity.openid !== undefined) header['X-WX-OPENID'] = identity.openid;
  if (identity.fromOpenid !== undefined) header['X-WX-FROM-OPENID'] = identity.fromOpenid;
  if (identity.unionid !== undefined) header['X-WX-UNIONID'] = identity.unionid;
  const cloudEnv = env ?? identity.env;
  if (cloudEnv !== undefined) header['X-WX-ENV'] = cloudEnv;
  header['X-Original-Forwarded-For'] = identity.clientIp ?? '203.0.113.7';
  return header;
}

export function createCallContainer(options: CallContainerOptions): (param: Param) => void {
  return function callContainer(param: Param): void {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = (success: boolean, result: Record<string, unknown>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (success) param.success?.(result);
      else param.fail?.(result as { errMsg: string; errCode: number });
      param.complete?.(result);
    };
    const fail = (errCode: number, text: string): void =>
      void setTimeout(() => settle(false, { errMsg: `cloud.callContainer:fail ${errCode} ${text}`, errCode }), 0);

    const pageHeader = param.header ?? {};
    const serviceName = Object.entries(pageHeader).find(([name]) => name.toLowerCase() === 'x-wx-service')?.[1];
    const base = serviceName === undefined ? undefined : options.services[serviceName];
    if (base === undefined) return fail(-501000, `service "${serviceName}" not found`);

    const header: Record<string, string> = {};
    for (const [name, value] of Object.entries(pageHeader)) {
      if (!name.toLowerCase().startsWith('x-wx-')) header[name] = String(value);
    }
    Object.assign(header, gatewayHeaders(options.identity, param.config?.env));
    const body = param.data === undefined ? '' : typeof param.data === 'string' ? param.data : JSON.stringify(param.data);
    header['content-length'] = String(Buffer.byteLength(body));

    const outgoing = http.request(new URL(param.path, base), { method: param.method ?? 'GET', headers: header }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let data: unknown = text;
        if ((param.dataType ?? 'json') === 'json') {
          try {
            data = JSON.parse(text);
          } catch {
            // left as text, as WeChat does
          }
        }
        settle(true, { errMsg: 'cloud.callContainer:ok', statusCode: res.statusCode, header: res.headers, data, callID: 'test-call-id' });
      });
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) =>
      settle(false, { errMsg: `cloud.callContainer:fail ${error.code ?? error.message}`, errCode: -1 }),
    );
    timer = setTimeout(
      () => {
        settle(false, { errMsg: 'cloud.callContainer:fail 102002 请求超时', errCode: 102002 });
        outgoing.destroy();
      },
      Math.min(param.timeout ?? MAX_TIMEOUT_MS, MAX_TIMEOUT_MS),
    );
    outgoing.end(body);
  };
}
