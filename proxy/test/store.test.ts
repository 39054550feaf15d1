// Store semantics that need no Redis: the memory store's health, how answers are written for the Redis store
// (a failure by its table name, rebuilt from the table; log-only details and codes never stored), and how the memory of
// answers packs a success.
import { errors, variants } from '../src';
import type { UpstreamOutcome } from '../src/contract/types';
import { compactOutcome, decodeOutcome, encodeOutcome } from '../src/store/outcome-codec';
import { startStack } from './helpers';

it('/healthz names the memory store', async () => {
  const stack = await startStack();
  try {
    const health = await fetch(`${stack.proxy.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', store: 'memory' });
  } finally {
    await stack.close();
  }
});

describe('stored answers', () => {
  const phone = { phoneNumber: '+8613812348000', purePhoneNumber: '13812348000', countryCode: '86' };

  it.each<[string, UpstreamOutcome]>([
    ['a success', { ok: true, phone, upstreamRequestId: 'up-1' }],
    ['a success without upstream id', { ok: true, phone, upstreamRequestId: undefined }],
    ['a success with its caller binding', { ok: true, phone, upstreamRequestId: 'up-3', binding: 'q3Wv-binding-hash' }],
    ['a rejection', { ok: false, failure: { definition: errors.CODE_REJECTED, apiCode: 601, upstreamRequestId: 'up-2' }, neverSent: false }],
    ['throttling', { ok: false, failure: { definition: errors.UPSTREAM_UNAVAILABLE, retryAfterSeconds: 30 }, neverSent: false }],
    ['a 413 (same error name, its own row)', { ok: false, failure: { definition: variants.INVALID_REQUEST.payloadTooLarge }, neverSent: true }],
  ])('%s comes back as it was, the same table row', (_name, outcome) => {
    const decoded = decodeOutcome(encodeOutcome(outcome));
    expect(decoded).toEqual(outcome);
    if (!outcome.ok && decoded && !decoded.ok) expect(decoded.failure.definition).toBe(outcome.failure.definition);
  });

  it('leaves the log-only detail out', () => {
    const stored = encodeOutcome({
      ok: false,
      failure: { definition: errors.UPSTREAM_ERROR, detail: { upstreamMessage: 'internal text' } },
      neverSent: false,
    });
    expect(stored).not.toContain('internal text');
    expect(JSON.parse(stored)).toMatchObject({ ok: false, error: 'UPSTREAM_ERROR' });
  });

  it.each([
    '',
    'not json',
    '"pending"',
    '{"ok":false,"error":"NO_SUCH_ERROR"}',
    '{"ok":false,"error":"toString"}',
    '{"ok":true}',
    '{"ok":true,"phone":{"phoneNumber":8613812348000,"purePhoneNumber":"13812348000","countryCode":"86"}}',
  ])('an unreadable value (%s) is undefined: the caller answers UPSTREAM_TIMEOUT', (text) => expect(decodeOutcome(text)).toBeUndefined());
});

describe('remembered answers in memory', () => {
  const phone = { phoneNumber: '+8613812348000', purePhoneNumber: '13812348000', countryCode: '86' };

  it.each<[string, UpstreamOutcome]>([
    ['a success', { ok: true, phone, upstreamRequestId: 'up-1', binding: 'q3Wv-binding-hash' }],
    ['a success without upstream id or binding', { ok: true, phone }],
  ])('%s is packed into one string and comes back as it was', (_name, outcome) => {
    const packed = compactOutcome.pack(outcome);
    expect(typeof packed).toBe('string');
    expect(compactOutcome.unpack(packed)).toEqual(outcome);
  });

  it.each<[string, UpstreamOutcome]>([
    ['a failure', { ok: false, failure: { definition: errors.CODE_REJECTED, detail: { reason: 'kept for the log' } }, neverSent: false }],
    ['a field holding the separator', { ok: true, phone, upstreamRequestId: 'up\n1' }],
    ['an empty upstream id', { ok: true, phone, upstreamRequestId: '' }],
  ])('%s is kept as it is', (_name, outcome) => {
    expect(compactOutcome.pack(outcome)).toBe(outcome);
    expect(compactOutcome.unpack(outcome)).toBe(outcome);
  });
});
