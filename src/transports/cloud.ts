import { phoneError } from '../errors';
import type { CloudTransport } from '../types';
import type { ExchangeBody, ProxyAnswer } from './answer';
import { withinDeadline } from './deadline';
import { transportFailure } from './failure';

/**
 * Calls the cloud function with `{ code, nonce? }`; its `result` is the same DTO or error envelope the proxy answers.
 * callFunction has no timeout of its own, so the exchange's timeout is enforced here.
 */
export function callCloudFunction(body: ExchangeBody, transport: CloudTransport, timeout: number): Promise<ProxyAnswer> {
  const cloud = wx.cloud as WxCloud | undefined;
  if (!cloud) throw phoneError('misconfigured', 'The cloud transport needs wx.cloud (base library 2.2.3+, call wx.cloud.init() first)');
  return withinDeadline(timeout, (resolve, reject) =>
    cloud.callFunction({
      name: transport.name,
      data: body,
      ...(transport.env !== undefined && { config: { env: transport.env } }),
      success: (res) => resolve({ body: res.result }),
      fail: (failure) => reject(transportFailure(failure, timeout)),
    }),
  );
}
