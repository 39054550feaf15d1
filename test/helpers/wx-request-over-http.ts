import { Buffer } from 'buffer';
import http from 'http';

/**
 * Makes the simulated `wx.request` really talk HTTP, with WeChat's semantics: any HTTP status arrives in
 * `success` (body JSON-parsed when it parses, else the raw text); no answer within `timeout` arrives in `fail`
 * as `request:fail timeout`; a connection error arrives in `fail` too. `settled()` waits for every request.
 */
export function installWxRequestOverHttp() {
  const pending: Promise<void>[] = [];
  const spy = jest.spyOn(wx, 'request').mockImplementation((options) => {
    let destroy = () => {};
    pending.push(new Promise<void>((done) => {
      const body = JSON.stringify(options.data ?? {});
      const request = http.request(options.url, {
        method: options.method ?? 'GET',
        headers: { ...options.header, 'content-length': Buffer.byteLength(body) },
      });
      destroy = () => request.destroy();
      let finished = false;
      const finish = (callback: () => void) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        callback();
        done();
      };
      const timer = setTimeout(() => {
        request.destroy();
        finish(() => options.fail?.({ errMsg: 'request:fail timeout' } as WechatMiniprogram.RequestFailCallbackErr));
      }, options.timeout ?? 60000);
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          finish(() => options.success?.(requestSuccess(response.statusCode ?? 0, parseJson(text), response.headers)));
        });
      });
      const failure = (error: Error) => ({ errMsg: `request:fail ${error.message}`, errno: 600001 }) as WechatMiniprogram.RequestFailCallbackErr;
      request.on('error', (error) => finish(() => options.fail?.(failure(error))));
      request.end(body);
    }));
    return { abort: () => destroy() } as WechatMiniprogram.RequestTask;
  });
  return {
    spy,
    async settled(): Promise<void> {
      await Promise.all(pending);
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A wx.request `success` result with the fields a real one always has (profile/exception details left out). */
export function requestSuccess(statusCode: number, data: unknown, header: Record<string, unknown> = {}): WechatMiniprogram.RequestSuccessCallbackResult {
  const result = { statusCode, data, header, cookies: [], errMsg: 'request:ok' };
  return result as unknown as WechatMiniprogram.RequestSuccessCallbackResult;
}
