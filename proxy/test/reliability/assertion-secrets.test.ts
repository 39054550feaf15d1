// The signing key and the assertions (they carry the full number) never reach a log line, an error body or a
// metric: every log line at the most verbose level is captured while signed successes, repeats and failures run.
import { generateKeyPairSync } from 'node:crypto';
import { createPhoneExchange } from '../../src';
import { authingFor, LogCapture, refererFor, startStack, type Answer } from '../helpers';
import { AUDIENCE } from '../assertion-helpers';

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PEM = key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const PRIVATE_D = String(key.privateKey.export({ format: 'jwk' }).d);
/** Each line of the PEM's body is a slice of the key. */
const PEM_LINES = PEM.split('\n').filter((line) => line && !line.startsWith('-----'));

test('no key, assertion or full number in logs, error bodies or metrics', async () => {
  const logs = new LogCapture();
  const stack = await startStack({
    proxy: { logger: { level: 'trace', stream: logs }, assertion: { privateKey: PEM, audience: AUDIENCE }, allowedAppIds: ['wx00000000000000aa'] },
  });
  const secrets: string[] = [PRIVATE_D, ...PEM_LINES];
  const answers: Answer[] = [];
  try {
    const referer = { referer: refererFor('wx00000000000000aa') };
    for (let i = 0; i < 3; i++) {
      const code = stack.sandbox.mintCode();
      // A retry of the page (same nonce) is signed again; another nonce gets CODE_REJECTED.
      for (const nonce of ['one', 'one', 'two']) answers.push(await stack.post({ code, nonce }, referer));
    }
    stack.sandbox.inject({ kind: 'wechat', statusCode: 602, errcode: 40029 });
    answers.push(await stack.post({ code: stack.sandbox.mintCode() }, referer));
    answers.push(await stack.post({ code: stack.sandbox.mintCode(), nonce: '' }, referer));
    answers.push(await stack.post({ code: stack.sandbox.mintCode() }, { referer: refererFor('wx00000000000000bb') }));

    const successes = answers.filter((answer) => answer.status === 200);
    expect(successes).toHaveLength(6);
    for (const answer of successes) {
      const token = answer.body.assertion as string;
      // The whole token, its signature, and the payload (base64url of the claims, the number among them).
      secrets.push(token, ...token.split('.').slice(1));
      secrets.push((answer.body.data as { purePhoneNumber: string }).purePhoneNumber);
    }
    const failures = answers.filter((answer) => answer.status !== 200);
    expect(failures.map((answer) => answer.status)).toEqual([422, 422, 422, 422, 400, 403]);
    for (const answer of failures) expect('assertion' in answer.body).toBe(false);

    const metrics = await (await fetch(`${stack.proxy.url}/metrics`)).text();
    const jwks = await (await fetch(`${stack.proxy.url}/.well-known/jwks.json`)).text();
    expect(logs.lines.length).toBeGreaterThanOrEqual(answers.length);
    for (const secret of secrets) {
      expect(logs.text).not.toContain(secret);
      expect(metrics).not.toContain(secret);
      for (const failure of failures) expect(JSON.stringify(failure.body)).not.toContain(secret);
    }
    expect(jwks).not.toContain(PRIVATE_D);
  } finally {
    await stack.close();
  }
});

test('redaction by path catches an assertion or a key that slips into a log object', async () => {
  const logs = new LogCapture();
  const sandboxless = createPhoneExchange({
    authing: authingFor({ url: 'http://127.0.0.1:9' } as never),
    logger: { level: 'info', stream: logs },
    assertion: { privateKey: PEM, audience: AUDIENCE },
  });
  try {
    const token = 'eyJhbGciOiJFUzI1NiJ9.eyJwaG9uZV9udW1iZXIiOiIrODYxMzgwMDEzODAwMCJ9.c2lnbmF0dXJl';
    sandboxless.logger?.info({ assertion: token, body: { assertion: token }, config: { assertion: { privateKey: PEM } }, privateKey: PEM }, 'oops');
    expect(logs.lines).toHaveLength(1);
    expect(logs.text).not.toContain(token);
    for (const line of PEM_LINES) expect(logs.text).not.toContain(line);
    expect(logs.records()[0]).toMatchObject({ assertion: '[redacted]', body: { assertion: '[redacted]' }, privateKey: '[redacted]' });
  } finally {
    await sandboxless.close();
  }
});
