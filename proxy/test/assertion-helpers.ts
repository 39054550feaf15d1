// Keys and token surgery for the assertion tests: real keys from node:crypto, real tokens from jose.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { startStack, type Stack } from './helpers';
import type { ProxyOptions } from '../src';
import type { SandboxOptions } from '../src/sandbox';

export const AUDIENCE = 'test-app-backend';

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export const ecKey = (): KeyPair => generateKeyPairSync('ec', { namedCurve: 'P-256' });
export const edKey = (): KeyPair => generateKeyPairSync('ed25519');

/** A stack that signs with `key` (PEM, to go through the PEM reader) for AUDIENCE, plus what the test overrides. */
export function startSigningStack(
  key: KeyPair,
  assertion: Partial<NonNullable<ProxyOptions['assertion']>> = {},
  more: { proxy?: Partial<ProxyOptions>; sandbox?: SandboxOptions } = {},
): Promise<Stack> {
  const privateKey = key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  return startStack({ sandbox: more.sandbox, proxy: { ...more.proxy, assertion: { privateKey, audience: AUDIENCE, ...assertion } } });
}

export const jwksUrlOf = (stack: Stack): string => `${stack.proxy.url}/.well-known/jwks.json`;

const decodePart = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
const encodePart = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The token's header and payload, unverified (for tests only). */
export function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  return { header: decodePart(header), payload: decodePart(payload) };
}

/** The same token with its payload changed and the original signature kept. */
export function withPayload(token: string, change: (payload: Record<string, unknown>) => Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  return [header, encodePart(change(decodePart(payload))), signature].join('.');
}

/** The same token with its header changed and the original signature kept. */
export function withHeader(token: string, change: (header: Record<string, unknown>) => Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  return [encodePart(change(decodePart(header))), payload, signature].join('.');
}
