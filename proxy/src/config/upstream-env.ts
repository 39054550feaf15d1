// The upstream's environment variables (docs/en/reference/config.md): UPSTREAM, the WECHAT_* settings, and
// Authing's management mode (AUTHING_ACCESS_KEY_ID / AUTHING_ACCESS_KEY_SECRET). A secret comes inline or from a file
// (`_FILE`, e.g. a mounted secret), never both.
import { readFileSync } from 'node:fs';
import { ConfigError, type UpstreamName, type WechatOpenApi, type WechatOptions } from './options';

/** Which variable sets which option, for error messages (env.ts). */
export const UPSTREAM_ENV_FOR_OPTION: Readonly<Record<string, string>> = {
  upstream: 'UPSTREAM',
  'authing.accessKeyId': 'AUTHING_ACCESS_KEY_ID',
  'authing.accessKeySecret': 'AUTHING_ACCESS_KEY_SECRET',
  wechat: 'WECHAT_APPID',
  'wechat.appId': 'WECHAT_APPID',
  'wechat.appSecret': 'WECHAT_APP_SECRET',
  'wechat.apiBase': 'WECHAT_API_BASE',
  'wechat.openApi': 'WECHAT_OPENAPI',
  'wechat.bindOpenId': 'WECHAT_BIND_OPENID',
};

/** Secrets that may come from a file instead: NAME_FILE. */
export const UPSTREAM_SECRET_FILE_VARIABLES: readonly string[] = ['AUTHING_ACCESS_KEY_SECRET_FILE', 'WECHAT_APP_SECRET_FILE'];

type Read = (name: string) => string | undefined;

/** A secret inline (NAME) or in a file (NAME_FILE, trailing newline dropped). */
export function readSecret(read: Read, name: string): string | undefined {
  const inline = read(name);
  const file = read(`${name}_FILE`);
  if (inline !== undefined && file !== undefined) throw new ConfigError(`${name}_FILE`, `set ${name} or ${name}_FILE, not both`);
  if (file === undefined) return inline;
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch (error) {
    throw new ConfigError(`${name}_FILE`, `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export interface UpstreamEnv {
  upstream: UpstreamName | undefined;
  wechat: WechatOptions | undefined;
  management: { accessKeyId?: string; accessKeySecret?: string };
}

/** UPSTREAM, checked. */
export function readUpstreamName(read: Read): UpstreamName | undefined {
  const upstream = read('UPSTREAM')?.toLowerCase();
  if (upstream !== undefined && upstream !== 'authing' && upstream !== 'wechat')
    throw new ConfigError('UPSTREAM', `must be authing or wechat, got "${upstream}"`);
  return upstream;
}

export function readUpstreamEnv(read: Read, bool: (name: string) => boolean | undefined): UpstreamEnv {
  const upstream = readUpstreamName(read);
  const appId = read('WECHAT_APPID');
  const wechat: WechatOptions | undefined =
    upstream === 'wechat'
      ? {
          appId: appId as string, // the schema names it when missing
          appSecret: readSecret(read, 'WECHAT_APP_SECRET'),
          apiBase: read('WECHAT_API_BASE'),
          openApi: read('WECHAT_OPENAPI')?.toLowerCase() as WechatOpenApi | undefined,
          bindOpenId: bool('WECHAT_BIND_OPENID'),
        }
      : undefined;
  if (upstream === 'wechat' && appId === undefined)
    throw new ConfigError('WECHAT_APPID', 'required when UPSTREAM=wechat: the mini program appid (wx...)');
  return {
    upstream,
    wechat,
    management: { accessKeyId: read('AUTHING_ACCESS_KEY_ID'), accessKeySecret: readSecret(read, 'AUTHING_ACCESS_KEY_SECRET') },
  };
}
