// The onPhone hook's types (ProxyOptions.onPhone), beside the options that carry it; exchange/on-phone.ts runs it.
import type { DedupeSource, PhoneInfo } from '../contract/types';

export interface OnPhoneContext {
  /** The verified phone number (the success body's `data`). */
  readonly phone: PhoneInfo;
  /** The mini program's appid from the Referer (a filter, not authentication), or from a trusted platform. */
  readonly appId?: string;
  /** The user's openid, only when a trusted platform supplied it. */
  readonly openId?: string;
  /** The nonce the request carried. */
  readonly nonce?: string;
  /** This request's id (the answer's `requestId` and `x-request-id`). */
  readonly requestId: string;
  /** Where the phone came from: a new Authing call, one shared in flight, or an answer remembered for this code. */
  readonly source: DedupeSource;
  /** The runtime's own request: Express `req`, Koa `ctx`, fastify `request`, node:http `IncomingMessage`, Web `Request`. */
  readonly request?: unknown;
}

export interface OnPhoneRefusal {
  /** HTTP status, 400 to 599. */
  status: number;
  /** Shown to the client as is (1 to 500 characters). */
  message: string;
  /** UPPER_SNAKE code for the client, default REFUSED. */
  error?: string;
}

export type OnPhoneResult = { extra: Record<string, unknown>; refuse?: never } | { refuse: OnPhoneRefusal; extra?: never };

export type OnPhoneHook = (context: OnPhoneContext) => Promise<OnPhoneResult | void> | OnPhoneResult | void;
