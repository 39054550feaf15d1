import type { ExchangeBody, ProxyAnswer } from './answer';
import { transportFailure } from './failure';
import { jsonHeaders } from './headers';

/** POSTs `{ code, nonce? }` with wx.request. HTTP errors resolve (they arrive in `success`); only a missing answer rejects. */
export function postCode(body: ExchangeBody, endpoint: string, timeout: number, header: Record<string, string>): Promise<ProxyAnswer> {
  return new Promise((resolve, reject) => {
    wx.request({
      url: endpoint,
      method: 'POST',
      // The code travels in the body only: URLs end up in access logs.
      data: body,
      header: jsonHeaders(header),
      dataType: 'json',
      timeout,
      success: (res) => resolve({ httpStatus: res.statusCode, body: res.data }),
      fail: (failure) => reject(transportFailure(failure, timeout)),
    });
  });
}
