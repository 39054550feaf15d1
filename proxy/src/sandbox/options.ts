// The sandbox's options checked and defaulted: a TypeError names the option at fault.
import type { SandboxOptions, SuccessShape } from './types';

export const DEFAULT_CONNECTION_ID = 'wechat-miniprogram-sandbox';
export const DEFAULT_CODE_TTL_MS = 300_000;

export interface SandboxConfig {
  host: string;
  port: number;
  appId?: string;
  userPoolId?: string;
  extIdpConnidentifier: string;
  wechatAppId?: string;
  managementKey?: { accessKeyId: string; accessKeySecret: string; tokenLifeS?: number };
  shape: SuccessShape;
  numericCountryCode: boolean;
  strictCodes: boolean;
  codeTtlMs: number;
  now: () => number;
}

export function resolveSandboxOptions(options: SandboxOptions): SandboxConfig {
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
    wechatAppId: options.wechatAppId,
    managementKey: options.managementKey,
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
