// The phone exchange inside your own Koa 3 server: POST /login/phone { code, nonce? } answers the verified number.
// Configured by environment variables (AUTHING_APP_HOST, AUTHING_APP_ID, AUTHING_EXT_IDP_CONNIDENTIFIER, PORT...:
// see miniprogram-phone-proxy's README). Try it on the sandbox: `npx miniprogram-phone-proxy sandbox`.
const Koa = require('koa');
const Router = require('@koa/router');
const { createKoaMiddleware, loadConfigFromEnv } = require('miniprogram-phone-proxy');

const { host, port, ...options } = loadConfigFromEnv();
const phone = createKoaMiddleware({
  ...options,
  // Your login goes here: the number is verified. What `extra` holds reaches the page's phone event.
  onPhone: ({ phone: { purePhoneNumber } }) => ({ extra: { account: `user-${purePhoneNumber.slice(-4)}` } }),
});

const router = new Router();
router.post('/login/phone', phone); // the middleware reads the body itself when no body parser ran before it
const app = new Koa().use(router.routes());
const server = app.listen(port, host, () => console.log(`listening on http://${host}:${server.address().port}/login/phone`));

// Close both together: in-flight exchanges finish, then the connections to Authing close.
process.once('SIGTERM', () => {
  server.close();
  phone.close().then(() => process.exit(0));
});
