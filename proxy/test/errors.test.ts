// The error table is keyed by the code the client sees; rows that send a code with their own status or message are its
// variants, and the names the table had before (public, and stored in Redis) still read the same rows.
import { errors, variants } from '../src';
import { internalError, rowsByName } from '../src/contract/errors';

describe('the error table', () => {
  it('keys every row by the wire code it sends', () => {
    const mismatched = Object.entries(errors).filter(([key, row]) => key !== row.error);
    expect(mismatched).toEqual([]);
    expect(Object.keys(errors)).toContain('INVALID_REQUEST');
    expect(Object.keys(errors)).not.toContain('PAYLOAD_TOO_LARGE');
  });

  it('files each variant under the wire code it sends', () => {
    for (const [code, rows] of Object.entries(variants)) {
      expect(Object.values(rows).map((row) => row.error)).toEqual(Object.values(rows).map(() => code));
    }
    expect(variants.INVALID_REQUEST.payloadTooLarge).toMatchObject({ error: 'INVALID_REQUEST', statusCode: 413 });
  });

  it('still reads the former keys, as deprecated aliases of the variants, under the same stored names', () => {
    expect(errors.PAYLOAD_TOO_LARGE).toBe(variants.INVALID_REQUEST.payloadTooLarge);
    expect(errors.UNSUPPORTED_MEDIA_TYPE).toBe(variants.INVALID_REQUEST.unsupportedMediaType);
    expect(errors.UPSTREAM_NOT_SENT).toBe(variants.UPSTREAM_UNAVAILABLE.notSent);
    expect(errors.STORE_UNAVAILABLE).toBe(variants.UPSTREAM_UNAVAILABLE.storeUnavailable);
    expect(Object.keys(rowsByName).sort()).toEqual(
      [...Object.keys(errors), 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'UPSTREAM_NOT_SENT', 'STORE_UNAVAILABLE'].sort(),
    );
  });

  it('turns any thrown value into INTERNAL_ERROR, its message and stack for the log only', () => {
    const bug = new Error('boom');
    expect(internalError(bug)).toEqual({ definition: errors.INTERNAL_ERROR, detail: { errorMessage: 'boom', stack: bug.stack } });
    for (const thrown of [null, undefined, 'text', 42]) expect(internalError(thrown).definition).toBe(errors.INTERNAL_ERROR);
  });
});
