/** The harness's real-HTTP wx.request keeps the semantics WeChat documents. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closedEndpoint } from '../helpers/loopback-proxy';
import { createWxRequest, refererFor, WX_ERRNO } from '../helpers/wx-request';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Settled =
  | { callback: 'success'; result: WechatMiniprogram.RequestSuccessCallbackResult; completed: WechatMiniprogram.GeneralCallbackResult }
  | { callback: 'fail'; result: WechatMiniprogram.RequestFailCallbackErr; completed: WechatMiniprogram.GeneralCallbackResult };

const APPID = 'wx1111222233334444';
let server: Server;
let baseUrl: string;
let received: Received[];
/** What the test server answers next: status, content type and raw body, or silence. */
let answer: { status: number; type: string; body: string } | 'hang';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'Content-Type': answer.type, 'Set-Cookie': ['a=1', 'b=2'] }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  answer = { status: 200, type: 'application/json', body: '{"ok":true}' };
});

/** Calls wx.request and waits for success/fail and then complete. */
function call(option: Omit<WechatMiniprogram.RequestOption, 'success' | 'fail' | 'complete'>, version?: number | 'devtools'): Promise<Settled> {
  const request = createWxRequest({ appid: APPID, version });
  return new Promise((resolve) => {
    let settled: Omit<Settled, 'completed'> | undefined;
    request({
      ...option,
      success: (result) => (settled = { callback: 'success', result }),
      fail: (result) => (settled = { callback: 'fail', result }),
      complete: (completed) => resolve({ ...settled, completed } as Settled),
    });
  });
}

test('POSTs an object as JSON with the default content type and WeChat fixed Referer, then parses the JSON answer', async () => {
  const settled = await call({
    url: `${baseUrl}/phone`,
    method: 'POST',
    data: { code: 'abc' },
    header: { 'x-session': 's1', referer: 'https://evil.example/' },
  });

  expect(received).toHaveLength(1);
  expect(received[0]).toMatchObject({ method: 'POST', url: '/phone', body: '{"code":"abc"}' });
  expect(received[0].headers).toMatchObject({
    'content-type': 'application/json',
    'x-session': 's1',
    referer: `https://servicewechat.com/${APPID}/0/page-frame.html`,
  });
  expect(settled.callback).toBe('success');
  expect(settled.result).toMatchObject({ errMsg: 'request:ok', statusCode: 200, data: { ok: true }, cookies: ['a=1', 'b=2'] });
  expect((settled.result as WechatMiniprogram.RequestSuccessCallbackResult).header['Content-Type']).toBe('application/json');
  expect(settled.completed).toBe(settled.result);
});

test('sends GET data as a query string and a form post as urlencoded', async () => {
  await call({ url: `${baseUrl}/q?x=1`, data: { a: 'b c', n: 2 } });
  await call({ url: `${baseUrl}/f`, method: 'POST', data: { a: 'b c' }, header: { 'Content-Type': 'application/x-www-form-urlencoded' } });

  expect(received[0]).toMatchObject({ method: 'GET', url: '/q?x=1&a=b%20c&n=2', body: '' });
  expect(received[1]).toMatchObject({ method: 'POST', body: 'a=b%20c' });
  expect(received[1].headers['content-type']).toBe('application/x-www-form-urlencoded');
});

test('delivers HTTP 4xx/5xx in success with the status code; a non-JSON body stays a string', async () => {
  answer = { status: 503, type: 'application/json', body: '{"error":"UPSTREAM_UNAVAILABLE"}' };
  const json = await call({ url: `${baseUrl}/phone`, method: 'POST', data: {} });
  answer = { status: 404, type: 'text/html', body: '<h1>Not Found</h1>' };
  const html = await call({ url: `${baseUrl}/nope` });

  expect(json).toMatchObject({ callback: 'success', result: { statusCode: 503, data: { error: 'UPSTREAM_UNAVAILABLE' } } });
  expect(html).toMatchObject({ callback: 'success', result: { statusCode: 404, data: '<h1>Not Found</h1>' } });
});

test('leaves the body unparsed for another dataType', async () => {
  const settled = await call({ url: `${baseUrl}/x`, dataType: 'text' });
  expect(settled.result).toMatchObject({ statusCode: 200, data: '{"ok":true}' });
});

test('fails with request:fail timeout (errno 5) when no answer comes in time, then completes', async () => {
  answer = 'hang';
  const started = Date.now();
  const settled = await call({ url: `${baseUrl}/slow`, method: 'POST', data: { code: 'c' }, timeout: 150 });

  expect(settled).toMatchObject({ callback: 'fail', result: { errMsg: 'request:fail timeout', errno: WX_ERRNO.timeout } });
  expect(settled.completed).toBe(settled.result);
  expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  expect(received).toHaveLength(1);
});

test('fails with request:fail net::ERR_CONNECTION_REFUSED when nothing listens', async () => {
  const settled = await call({ url: await closedEndpoint(), method: 'POST', data: {} });

  expect(settled).toMatchObject({
    callback: 'fail',
    result: { errMsg: 'request:fail net::ERR_CONNECTION_REFUSED', errno: WX_ERRNO.requestFailed },
  });
});

test('rejects a URL that is not http(s), asynchronously, without sending anything', async () => {
  const settled = await call({ url: 'ftp://127.0.0.1/x' });
  expect(settled).toMatchObject({ callback: 'fail', result: { errno: WX_ERRNO.invalidProtocol } });
  expect(received).toHaveLength(0);
});

test('abort() ends a pending request in fail with request:fail abort, and headers reach onHeadersReceived', async () => {
  const request = createWxRequest({ appid: APPID });
  answer = 'hang';
  const aborted = await new Promise<WechatMiniprogram.GeneralCallbackResult>((resolve) => {
    const task = request({ url: `${baseUrl}/slow`, fail: resolve });
    setTimeout(() => task.abort(), 50);
  });
  answer = { status: 201, type: 'application/json', body: '{}' };
  const headers = await new Promise<WechatMiniprogram.RequestTaskOnHeadersReceivedListenerResult>((resolve) => {
    request({ url: `${baseUrl}/x` }).onHeadersReceived(resolve);
  });

  expect(aborted.errMsg).toBe('request:fail abort');
  expect(headers).toMatchObject({ statusCode: 201, cookies: ['a=1', 'b=2'], header: { 'Content-Type': 'application/json' } });
});

test('sends the developer tool Referer for version devtools', async () => {
  await call({ url: `${baseUrl}/phone` }, 'devtools');
  expect(received[0].headers.referer).toBe(refererFor(APPID, 'devtools'));
  expect(refererFor(APPID, 'devtools')).toBe(`https://servicewechat.com/${APPID}/devtools/page-frame.html`);
});
