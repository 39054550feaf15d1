/** Public types of the Authing sandbox: a local stand-in for `POST /api/v3/get-wechat-miniprogram-phone`. */

/**
 * Success body shape. `phone_info`: what Authing's own mini program SDK reads
 * (`data.errcode/errmsg/phone_info{..., watermark}`); `flat`: the shape in Authing's API docs (`data.phoneNumber`...).
 */
export type SuccessShape = 'phone_info' | 'flat';

export interface SandboxOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** When set (and/or userPoolId), a request must carry `x-authing-app-id === appId` or `x-authing-userpool-id === userPoolId`. */
  appId?: string;
  userPoolId?: string;
  /** The only connection identifier the sandbox knows. Default 'wechat-miniprogram-sandbox'. */
  extIdpConnidentifier?: string;
  /** The mini program appid the success watermark names (phone_info.watermark.appid); default none. */
  wechatAppId?: string;
  /**
   * Management mode: the user pool's key. The sandbox then issues management tokens at /api/v3/get-management-token
   * and requires `Authorization: Bearer <token>` with `x-authing-userpool-id: <accessKeyId>` on exchanges.
   */
  managementKey?: { accessKeyId: string; accessKeySecret: string; tokenLifeS?: number };
  /** Default 'phone_info'. */
  shape?: SuccessShape;
  /** Emit `countryCode` as the number 86 instead of the string "86" (Authing has been seen doing both). */
  numericCountryCode?: boolean;
  /** false (default): any never-seen code is accepted once. true: only codes from `mintCode()`. */
  strictCodes?: boolean;
  /** Life of a code from mint or first sight. Default 300 000 (5 minutes, as WeChat). */
  codeTtlMs?: number;
  /** Injectable clock, default Date.now. */
  now?: () => number;
}

/** A failure the sandbox plays instead of (or, for latency, before) its normal answer. */
export type SandboxFault =
  | { kind: 'latency'; ms: number }
  | { kind: 'http-status'; status: number }
  | { kind: 'html'; status: number }
  | { kind: 'malformed' }
  | { kind: 'reset' }
  | { kind: 'wechat'; statusCode: 601 | 602; errcode: number }
  | { kind: 'throttled' }
  | { kind: 'envelope'; statusCode: number; apiCode?: number; message?: string };

export interface SandboxPhone {
  phoneNumber: string;
  purePhoneNumber: string;
  countryCode: string;
}

export interface Sandbox {
  /** e.g. http://127.0.0.1:PORT: the appHost for the proxy. */
  readonly url: string;
  /** A fresh, valid, single-use code (64 hex chars, like WeChat's phone codes). */
  mintCode(): string;
  /** The number this sandbox answers for `code` (countryCode always as a string). Deterministic. */
  phoneFor(code: string): SandboxPhone;
  /** Plays `fault` on the next `times` exchange requests (default 1). Faults queue in order. */
  inject(fault: SandboxFault, options?: { times?: number }): void;
  clearFaults(): void;
  /** Exchange requests received at the endpoint, all outcomes included. */
  readonly calls: number;
  /** How many of those carried `code` (remembered as long as the code is; see docs/en/reference/protocol.md, "The Authing sandbox"). */
  callsFor(code: string): number;
  /** Management tokens issued (management mode). */
  readonly managementTokenFetches: number;
  /** Every management token issued stops working. */
  revokeManagementTokens(): void;
  /** Forget codes, counts and faults. */
  reset(): void;
  /** Closes the server and every socket, keep-alive ones included. */
  close(): Promise<void>;
}
