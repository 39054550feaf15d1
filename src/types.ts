/** Public types of miniprogram-phone-button: event details, options and results. */

/**
 * The detail of a `getphonenumber` / `getrealtimephonenumber` event, exactly as any button delivers it
 * (the native one, Vant, TDesign...). Every field is optional because base libraries differ.
 */
export interface GetPhoneNumberDetail {
  /** `getPhoneNumber:ok` on success; anything else is a failure (`...:fail user deny`, ...). */
  errMsg?: string;
  /** The one-time phone code (base library 2.21.2+), valid for 5 minutes. */
  code?: string;
  /** WeChat's error number; 1400001 means the mini program is out of quota. */
  errno?: number;
  /** Legacy fields of base libraries that give no `code`. */
  encryptedData?: string;
  iv?: string;
  cloudID?: string;
}

/** The `phone` event detail and the `data` of a successful exchange. */
export interface PhoneNumber {
  /**
   * As the upstream gives it: WeChat's `phone_info` (what Authing's mini program SDK reads) has mainland numbers
   * without the country code (`13800138000`) and others with it; Authing's documented flat shape shows
   * `+8613800138000`. For E.164 use `+${countryCode}${purePhoneNumber}`.
   */
  phoneNumber: string;
  /** Without the country code, e.g. `13800138000`. */
  purePhoneNumber: string;
  /** Always a string, e.g. `86`. */
  countryCode: string;
}

/** The `phone` event detail: the number, plus the proxy's signed assertion and the app server's fields when sent. */
export interface PhoneEventDetail extends PhoneNumber {
  /** A JWS (JWT) the app's backend verifies against the proxy's JWKS; only when the proxy signs. */
  assertion?: string;
  /** Fields the app's own server added to the answer (the proxy's `onPhone` hook), e.g. its `session`. */
  extra?: Record<string, unknown>;
}

/** The proxy's success DTO (docs/en/reference/protocol.md). */
export interface PhoneNumberResult {
  statusCode: number;
  message: string;
  requestId?: string;
  data: PhoneNumber;
  /** The signed phone assertion (a JWS) for the app's backend, when the proxy has a signing key. */
  assertion?: string;
  /** The answer's other top-level fields: what the app's own server added (the proxy's `onPhone` hook), e.g. `session`. */
  extra?: Record<string, unknown>;
}

/** Why an exchange failed. */
export type PhoneErrorReason =
  /** The user refused consent. */
  | 'denied'
  /** The mini program has no quick-verification quota left (errno 1400001). */
  | 'no-quota'
  /** The base library gives no `code` (older than 2.21.2). */
  | 'unsupported'
  /**
   * The user has not agreed to the mini program's privacy policy, or the policy (用户隐私保护指引) does not declare
   * the phone number. Use the `privacy` property or wx.requirePrivacyAuthorize; declare the phone number in the MP.
   */
  | 'privacy'
  /** WeChat reported another failure. */
  | 'wechat-failed'
  /** The request never got an answer (no connection, domain not allow-listed...). */
  | 'network'
  /** No answer within `timeout`. The code may have been consumed: ask the user to tap again. */
  | 'timeout'
  /** The proxy answered with an error; `error` carries its machine-readable code. */
  | 'rejected'
  /** The answer was not a DTO we understand. */
  | 'invalid-response'
  /** Nothing was sent: no endpoint, invalid options, or no `wx.cloud`. A developer mistake, not the user's. */
  | 'misconfigured';

/** The `error` event detail, and `PhoneExchangeError.detail`. */
export interface PhoneErrorDetail {
  reason: PhoneErrorReason;
  /** Human-readable, safe to log (never contains the code or a phone number). */
  message: string;
  /** WeChat's (or the transport's) errMsg, when there is one. */
  errMsg?: string;
  /** WeChat's (or the transport's) errno, when there is one. */
  errno?: number;
  /** HTTP status of the proxy's answer (request and container transports) or the envelope's statusCode (cloud transport). */
  statusCode?: number;
  /** The proxy's machine-readable error, e.g. `CODE_REJECTED` (reason `rejected` only). */
  error?: string;
  /** Authing's apiCode, when the proxy passes one on. */
  apiCode?: number;
  /** The proxy's request id, to find its log line. */
  requestId?: string;
  /** `RATE_LIMITED`: seconds to wait before the user taps again. */
  retryAfter?: number;
}

/** Calls a WeChat Cloud function instead of an HTTP endpoint. */
export interface CloudTransport {
  type: 'cloud';
  /** The cloud function's name. */
  name: string;
  /** Cloud environment id; the one from `wx.cloud.init()` when left out. */
  env?: string;
}

/** Calls a WeChat Cloud Hosting (云托管) service with `wx.cloud.callContainer` instead of an HTTP endpoint. */
export interface ContainerTransport {
  type: 'container';
  /** The service name (sent as `X-WX-SERVICE`). */
  service: string;
  /** Cloud environment id; the one from `wx.cloud.init()` when left out. */
  env?: string;
  /** The proxy's route in the container, starting with `/`. Default `/phone`. */
  path?: string;
}

/** How the code travels: `wx.request` to `endpoint` (default), a WeChat Cloud function, or Cloud Hosting. */
export type Transport = 'request' | CloudTransport | ContainerTransport;

/** Options of `configure()` and of a single exchange. Fields left out fall back to the global defaults. */
export interface PhoneClientOptions {
  /** The proxy's URL (`https://...`), for the `request` transport. */
  endpoint?: string;
  /** Milliseconds to wait for an answer. Default 10000. */
  timeout?: number;
  /** Extra request headers, e.g. the page's own session token. Merged over the global header. */
  header?: Record<string, string>;
  /** Default `'request'`. */
  transport?: Transport;
  /**
   * Issued by the app's backend for this session (1 to 128 printable ASCII characters): sent with the code and
   * returned inside the signed assertion, so the backend knows the assertion is this session's.
   */
  nonce?: string;
}
