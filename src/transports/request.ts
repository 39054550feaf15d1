import type { ExchangeBody, ProxyAnswer } from './answer';
import { transportFailure } from './failure';

/** The page's headers minus any spelling of Content-Type: the body is always JSON, and one header must say so. */
function withoutContentType(header: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of Object.keys(header)) {
    if (name.toLowerCase() !== 'content-type') kept[name] = header[name];
  }
  return kept;
}

/** POSTs `{ code, nonce? }` with wx.request. HTTP errors resolve (they arrive in `success`); only a missing answer rejects. */
export function postCode(body: ExchangeBody, endpoint: string, timeout: number, header: Record<string, string>): Promise<ProxyAnswer> {
  return new Promise((resolve, reject) => {
    wx.request({
      url: endpoint,
      method: 'POST',
      // The code travels in the body only: URLs end up in access logs.
      data: body,
      header: { ...withoutContentType(header), 'content-type': 'application/json' },
      dataType: 'json',
      timeout,
      success: (res) => resolve({ httpStatus: res.statusCode, body: res.data }),
      fail: (failure) => reject(transportFailure(failure, timeout)),
    });
  });
}
