// Rules of the wire contract (docs/en/reference/protocol.md) that both packages enforce, each package with its own copy
// (the component keeps zero runtime dependencies): this test compares the copies' values, so it fails as soon as one
// of them changes without the other.
import { NONCE_PATTERN as COMPONENT_NONCE } from '../../src/config';
import { ENVELOPE_FIELDS, ERROR_CODE_PATTERN as COMPONENT_ERROR_CODE } from '../../src/proxy-answer';
import { errors } from '../../proxy/src/contract/errors';
import { answerFor } from '../../proxy/src/exchange/answer';
import { ERROR_CODE_PATTERN as HOOK_ERROR_CODE, RESERVED_FIELDS } from '../../proxy/src/exchange/on-phone';
import { NONCE_PATTERN as PROXY_NONCE } from '../../proxy/src/guards/request-body';

const phone = { phoneNumber: '+8613800000000', purePhoneNumber: '13800000000', countryCode: '86' };

describe('the contract rules both packages enforce', () => {
  test('the nonce: one pattern, the same in the component and the proxy', () => {
    expect(PROXY_NONCE.source).toBe(COMPONENT_NONCE.source);
    expect(PROXY_NONCE.flags).toBe(COMPONENT_NONCE.flags);
  });

  test("the success envelope: the component's ENVELOPE_FIELDS are the fields the proxy's success body has, and a hook may set none", () => {
    const { body } = answerFor({ phone, upstreamRequestId: 'up-1', assertion: 'a.b.c' }, 'req-1');
    expect([...ENVELOPE_FIELDS].sort()).toEqual(Object.keys(body).sort());
    expect(ENVELOPE_FIELDS.filter((field) => !RESERVED_FIELDS.has(field))).toEqual([]);
  });

  test("the error code: the proxy's hook rule is the component's UPPER_SNAKE pattern bounded to 64 characters", () => {
    expect(HOOK_ERROR_CODE.source).toBe(COMPONENT_ERROR_CODE.source.replace(/\*\$$/, '{0,63}$'));
    const codes = [...Object.values(errors).map((row) => row.error), 'REFUSED'];
    expect(codes.filter((code) => !COMPONENT_ERROR_CODE.test(code) || !HOOK_ERROR_CODE.test(code))).toEqual([]);
  });
});
