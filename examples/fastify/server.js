// The phone exchange inside your own fastify 5 server: POST /login/phone { code, nonce? } answers the verified number.
// Configured by environment variables (AUTHING_APP_HOST, AUTHING_APP_ID, AUTHING_EXT_IDP_CONNIDENTIFIER, PORT...:
// see miniprogram-phone-proxy's README). Try it on the sandbox: `npx miniprogram-phone-proxy sandbox`.
const Fastify = require('fastify');
const { loadConfigFromEnv, phoneExchangePlugin } = require('miniprogram-phone-proxy');

async function main() {
  const { host, port, ...options } = loadConfigFromEnv();
  const app = Fastify();
  // POST {prefix}{routePath}: routePath defaults to /phone.
  await app.register(phoneExchangePlugin, {
    ...options,
    prefix: '/login',
    // Your login goes here: the number is verified. What `extra` holds reaches the page's phone event.
    onPhone: ({ phone: { purePhoneNumber } }) => ({ extra: { account: `user-${purePhoneNumber.slice(-4)}` } }),
  });
  const address = await app.listen({ host, port });
  console.log(`listening on ${address}/login/phone`);
  // fastify's close() lets in-flight exchanges finish, then the plugin closes the connections to Authing.
  process.once('SIGTERM', () => app.close().then(() => process.exit(0)));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
