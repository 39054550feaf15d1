import { phoneError } from '../errors';
import type { CloudTransport } from '../types';
import type { ProxyAnswer } from './answer';
import { timeoutError, transportFailure } from './failure';

/**
 * Calls the cloud function with `{ code }`; its `result` is the same DTO or error envelope the proxy answers.
 * callFunction has no timeout of its own, so the exchange's timeout is enforced here.
 */
export function callCloudFunction(code: string, transport: CloudTransport, timeout: number): Promise<ProxyAnswer> {
  const cloud = wx.cloud as WxCloud | undefined;
  if (!cloud) throw phoneError('misconfigured', 'The cloud transport needs wx.cloud (base library 2.2.3+, call wx.cloud.init() first)');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(timeoutError(timeout)), timeout);
    try {
      cloud.callFunction({
        name: transport.name,
        data: { code },
        ...(transport.env !== undefined && { config: { env: transport.env } }),
        success: (res) => {
          clearTimeout(timer);
          resolve({ body: res.result });
        },
        fail: (failure) => {
          clearTimeout(timer);
          reject(transportFailure(failure, timeout));
        },
      });
    } catch (error) {
      // Rejects the promise like any API that throws; no timer may outlive it.
      clearTimeout(timer);
      throw error;
    }
  });
}
