import type { GetPhoneNumberDetail, PhoneErrorDetail } from '../../src/index';
import { TARGETS } from '../helpers/targets';

describe.each(TARGETS)('$name: readPhoneCode', (target) => {
  const { readPhoneCode, PhoneExchangeError } = target.library();

  function failure(detail: GetPhoneNumberDetail | undefined): PhoneErrorDetail {
    try {
      readPhoneCode(detail);
    } catch (error) {
      expect(error).toBeInstanceOf(PhoneExchangeError);
      return (error as InstanceType<typeof PhoneExchangeError>).detail;
    }
    throw new Error('readPhoneCode returned instead of throwing');
  }

  it('returns the code of a successful getPhoneNumber and getRealtimePhoneNumber event', () => {
    expect(readPhoneCode({ errMsg: 'getPhoneNumber:ok', code: 'code-1' })).toBe('code-1');
    expect(readPhoneCode({ errMsg: 'getRealtimePhoneNumber:ok', code: 'code-2' })).toBe('code-2');
  });

  it.each(['getPhoneNumber:fail user deny', 'getPhoneNumber:fail:user deny', 'getPhoneNumber:user deny'])('classifies %p as denied', (errMsg) => {
    expect(failure({ errMsg })).toEqual({ reason: 'denied', message: expect.any(String), errMsg });
  });

  it('classifies errno 1400001 as no-quota, whatever the errMsg', () => {
    const detail = { errMsg: 'getPhoneNumber:fail no permission', errno: 1400001 };
    expect(failure(detail)).toEqual({ reason: 'no-quota', message: expect.any(String), ...detail });
  });

  // WeChat's privacy guide: errno 104 (the user has not agreed), 112 (the phone number is not declared).
  it.each([
    { errMsg: 'getPhoneNumber:fail privacy permission is not authorized', errno: 104 },
    { errMsg: 'getPhoneNumber:fail api scope is not declared in the privacy agreement', errno: 112 },
    { errMsg: 'getRealtimePhoneNumber:fail privacy permission is not authorized in gap' },
    { errMsg: 'getPhoneNumber:fail please go to mp to announce your privacy usage', errno: 1025 },
  ])('classifies %p as privacy', (detail) => {
    expect(failure(detail)).toEqual({ reason: 'privacy', message: expect.any(String), ...detail });
  });

  it('classifies a legacy detail without code as unsupported', () => {
    const legacy = { errMsg: 'getPhoneNumber:ok', encryptedData: 'enc', iv: 'iv', cloudID: 'cloud' };
    expect(failure(legacy)).toEqual({ reason: 'unsupported', message: expect.any(String), errMsg: 'getPhoneNumber:ok' });
    expect(failure(undefined).reason).toBe('unsupported');
  });

  it('classifies any other failure as wechat-failed, keeping errMsg and errno', () => {
    const detail = { errMsg: 'getPhoneNumber:fail system error', errno: 102 };
    expect(failure(detail)).toEqual({ reason: 'wechat-failed', message: expect.any(String), ...detail });
  });

  it('never puts the code into a failure', () => {
    const detail = failure({ errMsg: 'getPhoneNumber:fail user deny', code: 'secret-code' });
    expect(JSON.stringify(detail)).not.toContain('secret-code');
  });
});
