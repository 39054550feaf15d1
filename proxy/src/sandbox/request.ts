// Reading the exchange request the way Authing's JSON body parser does: bounded, JSON objects only.
import type { IncomingMessage } from 'node:http';

const MAX_BODY_BYTES = 16 * 1024;

export interface ExchangeBody {
  code?: unknown;
  extIdpConnidentifier?: unknown;
}

/** Calls back with the body, or undefined when it exceeds MAX_BODY_BYTES (the rest is drained, not kept). */
export function readBody(req: IncomingMessage, done: (raw: Buffer | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on('end', () => done(size <= MAX_BODY_BYTES ? Buffer.concat(chunks, size) : undefined));
}

/** A JSON object body, or undefined (like a JSON body parser, the content type must say JSON). */
export function parseBody(contentType: string | undefined, raw: Buffer | undefined): ExchangeBody | undefined {
  if (!raw || !contentType || !/\bjson\b/i.test(contentType)) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
