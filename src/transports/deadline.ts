import type { ProxyAnswer } from './answer';
import { timeoutError } from './failure';

type Settle = (resolve: (answer: ProxyAnswer) => void, reject: (error: unknown) => void) => void;

/**
 * Runs a wx.cloud call under the exchange's own deadline, `timeout` plus `graceMs` (callFunction has no timeout;
 * callContainer's own one should speak first, with its errMsg). Whichever settles first wins; a late answer is
 * ignored. A call that throws rejects the promise like any failed API, and no timer outlives it.
 */
export function withinDeadline(timeout: number, call: Settle, graceMs = 0): Promise<ProxyAnswer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(timeoutError(timeout)), timeout + graceMs);
    const settled =
      <T>(settle: (value: T) => void) =>
      (value: T) => {
        clearTimeout(timer);
        settle(value);
      };
    try {
      call(settled(resolve), settled(reject));
    } catch (error) {
      clearTimeout(timer);
      throw error;
    }
  });
}
