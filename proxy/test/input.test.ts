// Bad input gets a clear 400/413/415 in our envelope, never a 500, and never reaches Authing.
import { request } from 'node:http';
import { startStack, type Stack } from './helpers';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

/** Raw POST: any content type or none, so fetch's own normalisation does not hide what we test. */
function rawPost(body: string | undefined, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(`${stack.proxy.url}/phone`);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const badBodies: Array<[string, string]> = [
  ['not JSON', '{code:'],
  ['empty JSON body', ''],
  ['a JSON string', '"abc"'],
  ['a JSON array', '[{"code":"abc"}]'],
  ['null', 'null'],
  ['no code', '{"phone":"x"}'],
  ['code is a number', '{"code":123456}'],
  ['code is null', '{"code":null}'],
  ['code is an object', '{"code":{"$ne":""}}'],
  ['empty code', '{"code":""}'],
  ['code too long', JSON.stringify({ code: 'a'.repeat(129) })],
  ['code with spaces', '{"code":"abc def"}'],
  ['code with a newline', '{"code":"abc\\ndef"}'],
  ['code with unicode', '{"code":"abc\u00e9"}'],
  ['code with path characters', '{"code":"../../etc"}'],
  ['prototype pollution attempt', '{"__proto__":{"code":"abc"}}'],
];

it.each(badBodies)('%s -> 400 INVALID_REQUEST', async (_name, body) => {
  const answer = await rawPost(body, { 'content-type': 'application/json' });
  expect(answer.status).toBe(400);
  expect(answer.body).toMatchObject({ statusCode: 400, error: 'INVALID_REQUEST', requestId: expect.any(String) });
});

it('a body over 4 KiB -> 413', async () => {
  const answer = await rawPost(JSON.stringify({ code: 'a', pad: 'x'.repeat(5000) }), { 'content-type': 'application/json' });
  expect(answer).toMatchObject({ status: 413, body: { statusCode: 413, error: 'INVALID_REQUEST' } });
});

it.each([
  ['text/plain', 'text/plain'],
  ['form encoded', 'application/x-www-form-urlencoded'],
  ['multipart', 'multipart/form-data; boundary=x'],
])('%s -> 415', async (_name, contentType) => {
  const answer = await rawPost('code=abc', { 'content-type': contentType });
  expect(answer).toMatchObject({ status: 415, body: { statusCode: 415, error: 'INVALID_REQUEST' } });
});

it('a body without a content type -> 415', async () => {
  const answer = await rawPost('{"code":"abc"}', { 'content-length': '14' });
  expect(answer).toMatchObject({ status: 415, body: { error: 'INVALID_REQUEST' } });
});

it('no body at all -> 400', async () => {
  const answer = await rawPost(undefined, {});
  expect(answer).toMatchObject({ status: 400, body: { error: 'INVALID_REQUEST' } });
});

it('accepts application/json with a charset and a 64-hex code', async () => {
  const answer = await rawPost(JSON.stringify({ code: stack.sandbox.mintCode() }), { 'content-type': 'application/json; charset=utf-8' });
  expect(answer.status).toBe(200);
});

it('none of the bad requests reached Authing', () => {
  expect(stack.sandbox.calls).toBe(1); // only the good one above
});
