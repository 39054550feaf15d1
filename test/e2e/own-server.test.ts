/**
 * The exchange inside the app's own server: the BUILT <phone-button> taps through wx.request to a real Express app
 * that mounts the built proxy package's middleware after its own express.json(), with an onPhone hook that logs the
 * user in; the hook's session reaches the page in the phone event's `extra`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import express from 'express';
import type * as Proxy from '../../proxy/src/index';
import type * as ProxySandbox from '../../proxy/src/sandbox';
import { assertBuilt } from './harness/built';
import { MINI_PROGRAM_APPID, SANDBOX_CONNECTION_ID, SANDBOX_USER_POOL_ID } from './harness/chain';
import { loadSimulate, mountPhoneButton, useRealNetwork } from './harness/mini-program';

let sandbox: ProxySandbox.Sandbox;
let server: Server;
let middleware: Proxy.ExpressMiddleware;
let endpoint: string;
const logins: Array<{ phone: string; nonce?: string }> = [];

beforeAll(async () => {
  loadSimulate();
  useRealNetwork({ appid: MINI_PROGRAM_APPID });
  assertBuilt(path.resolve(__dirname, '../../proxy/dist/index.js'), 'npm run build:proxy');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the BUILT package, loaded as users load it; the sources type it
  const { createExpressMiddleware } = require('miniprogram-phone-proxy') as typeof Proxy;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the BUILT package, loaded as users load it; the sources type it
  const { startSandbox } = require('miniprogram-phone-proxy/sandbox') as typeof ProxySandbox;
  sandbox = await startSandbox({ extIdpConnidentifier: SANDBOX_CONNECTION_ID, userPoolId: SANDBOX_USER_POOL_ID });
  middleware = createExpressMiddleware({
    logger: false,
    allowedAppIds: [MINI_PROGRAM_APPID],
    authing: { appHost: sandbox.url, userPoolId: SANDBOX_USER_POOL_ID, extIdpConnidentifier: SANDBOX_CONNECTION_ID },
    // The app's own login: find or create the user by the verified number, answer with the app's session.
    onPhone: ({ phone, nonce }) => {
      logins.push({ phone: phone.purePhoneNumber, nonce });
      return { extra: { session: `session-of-${phone.purePhoneNumber}` } };
    },
  });
  const app = express();
  app.post('/login/phone', express.json(), middleware);
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/login/phone`;
});

afterAll(async () => {
  server?.close();
  await middleware?.close();
  await sandbox?.close();
});

test("a tap logs the user in on the app's own server, and the page gets the app's session with the number", async () => {
  const code = sandbox.mintCode();
  const button = mountPhoneButton({ endpoint, nonce: 'page-session-1' });
  try {
    const outcome = await button.tap({ errMsg: 'getPhoneNumber:ok', code });
    const phone = sandbox.phoneFor(code);
    expect(outcome).toEqual({ event: 'phone', detail: { ...phone, extra: { session: `session-of-${phone.purePhoneNumber}` } } });
    expect(logins).toEqual([{ phone: phone.purePhoneNumber, nonce: 'page-session-1' }]);
    expect(sandbox.callsFor(code)).toBe(1);
  } finally {
    button.detach();
  }
});
