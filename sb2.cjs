const { generateKeyPairSync, sign, webcrypto } = require('crypto');
const jose = require('jose');
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const edk = generateKeyPairSync('ed25519').privateKey;
const N = 4000;
async function measure(label, fn) {
  for (let i = 0; i < 200; i++) await fn(i);
  const t = process.cpuUsage(); const s = performance.now();
  for (let i = 0; i < N; i++) await fn(i);
  const c = process.cpuUsage(t);
  console.log(label.padEnd(20), ((performance.now() - s) * 1000 / N).toFixed(0), 'µs wall', ((c.user + c.system) / N).toFixed(0), 'µs cpu');
}
(async () => {
  const ck = await jose.importJWK(privateKey.export({format:'jwk'}), 'ES256');
  const data = new TextEncoder().encode('x'.repeat(400));
  await measure('subtle.sign', () => webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, ck, data));
  await measure('jose ES256', (i) => new jose.SignJWT({ a: i, phone_number: '+8613800138000' }).setProtectedHeader({ alg: 'ES256', kid: 'x', typ: 'JWT' }).setIssuedAt().setExpirationTime('5m').sign(privateKey));
  await measure('jose EdDSA', (i) => new jose.SignJWT({ a: i, phone_number: '+8613800138000' }).setProtectedHeader({ alg: 'EdDSA', kid: 'x', typ: 'JWT' }).setIssuedAt().setExpirationTime('5m').sign(edk));
  await measure('node sign', async () => sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
})();
