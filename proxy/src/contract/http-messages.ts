// The request and the response the app works with, free of any runtime: node-handler.ts and fetch-handler.ts
// translate node:http and Web Request/Response into these.
import type { IncomingHttpHeaders } from 'node:http';
import { failureAnswer, type ProxyFailure } from './errors';

export interface AppRequest {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  /** Lower-case names, as node:http gives them. */
  readonly headers: IncomingHttpHeaders;
  /** The peer that connected. */
  readonly remoteAddress: string;
  /** Whether a body follows the headers (a declared length above 0, or a chunked body). */
  readonly hasBody: boolean;
  /** Reads the whole body, giving up past `limit` bytes. */
  readBody(limit: number): Promise<BodyRead>;
  /** The runtime's own request object (for the onPhone hook). */
  readonly native?: unknown;
}

/**
 * The body's bytes; or the value a framework already parsed from JSON (runtimes/adapters/); or why there is none
 * ('not-json': a framework's JSON parser refused it).
 */
export type BodyRead = { readonly bytes: Buffer } | { readonly parsed: unknown } | { readonly failed: 'too-large' | 'aborted' | 'not-json' };
/** Past the limit: answered 413 without buffering the rest. */
export const BODY_TOO_LARGE: BodyRead = { failed: 'too-large' };
/** Nothing more will come: the client went away, or someone else already read the body. */
export const BODY_ABORTED: BodyRead = { failed: 'aborted' };

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  /** null: no body (204, HEAD). */
  body: string | null;
}

const JSON_TYPE = 'application/json; charset=utf-8';

export function jsonResponse(status: number, body: unknown): AppResponse {
  return { status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(body) };
}

/** A JSON answer, with Retry-After when it says when to come back. */
export function jsonAnswer({ status, body, retryAfterSeconds }: { status: number; body: unknown; retryAfterSeconds?: number }): AppResponse {
  const response = jsonResponse(status, body);
  if (retryAfterSeconds !== undefined) response.headers['retry-after'] = String(retryAfterSeconds);
  return response;
}

/** Our failure envelope, with Retry-After when the failure says when to come back. */
export function failureResponse(failure: ProxyFailure, requestId: string): AppResponse {
  return jsonAnswer(failureAnswer(failure, requestId));
}
