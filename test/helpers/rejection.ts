import type * as Library from '../../src/index';

/**
 * Awaits a promise that must reject with the target's PhoneExchangeError, and returns the error's detail
 * (fails the test when it resolves or rejects with anything else).
 */
export async function rejectionDetail(
  promise: Promise<unknown>,
  PhoneExchangeError: typeof Library.PhoneExchangeError,
): Promise<Library.PhoneErrorDetail> {
  const outcome = await promise.then(
    () => new Error('resolved instead of rejecting'),
    (rejection: unknown) => rejection,
  );
  if (!(outcome instanceof PhoneExchangeError)) throw outcome;
  return outcome.detail;
}
