// An app backend that trusts the number only through the proxy's signed assertion: the page gets a nonce here, passes
// it to <phone-button nonce>, and sends back the assertion from the phone event.
//   POST /session               -> { sessionId, nonce }
//   POST /login { sessionId, assertion } -> 200 { phone (masked) } once verified; 401 { error, reason } otherwise
// JWKS_URL: the proxy's https://.../.well-known/jwks.json; AUDIENCE: the proxy's ASSERTION_AUDIENCE (this backend).
const { randomBytes, randomUUID } = require('node:crypto');
const { createServer } = require('node:http');
const { PhoneAssertionError, verifyPhoneAssertion } = require('miniprogram-phone-proxy/verify');

const { JWKS_URL, AUDIENCE, HOST = '127.0.0.1', PORT = '8788' } = process.env;
if (!JWKS_URL || !AUDIENCE) throw new Error("set JWKS_URL (the proxy's /.well-known/jwks.json) and AUDIENCE (its ASSERTION_AUDIENCE)");

/** sessionId -> nonce; a nonce is used once (a real backend keeps these with its sessions, with an expiry). */
const sessions = new Map();

async function login({ sessionId, assertion }) {
  if (typeof sessionId !== 'string' || typeof assertion !== 'string') return [400, { error: 'BAD_REQUEST' }];
  const nonce = sessions.get(sessionId);
  sessions.delete(sessionId);
  if (!nonce) return [401, { error: 'NO_SESSION' }];
  try {
    const claims = await verifyPhoneAssertion(assertion, { jwksUrl: JWKS_URL, audience: AUDIENCE, nonce });
    // Find or create the user by claims.phone_number here, and start your own session.
    const pure = claims.pure_phone_number;
    return [200, { phone: `${pure.slice(0, 3)}****${pure.slice(-4)}` }];
  } catch (error) {
    if (error instanceof PhoneAssertionError) return [401, { error: 'ASSERTION_REJECTED', reason: error.reason }];
    throw error; // the JWKS could not be fetched: the token may be fine (503 below)
  }
}

async function route(request) {
  if (request.method === 'POST' && request.url === '/session') {
    const sessionId = randomUUID();
    const nonce = randomBytes(16).toString('base64url');
    sessions.set(sessionId, nonce);
    return [200, { sessionId, nonce }];
  }
  if (request.method === 'POST' && request.url === '/login') {
    let text = '';
    for await (const chunk of request) {
      text += chunk;
      if (text.length > 16384) return [413, { error: 'TOO_LARGE' }];
    }
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      return [400, { error: 'BAD_REQUEST' }];
    }
    return login(body ?? {});
  }
  return [404, { error: 'NOT_FOUND' }];
}

const server = createServer((request, response) => {
  route(request)
    .catch(() => [503, { error: 'JWKS_UNAVAILABLE' }])
    .then(([status, body]) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
});
server.listen(Number(PORT), HOST, () => console.log(`listening on http://${HOST}:${server.address().port}`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
