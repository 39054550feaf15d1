// Target 4: target 3 (servers/proxy.ts, every protection on) that also signs a phone assertion on every answer,
// with a fresh ES256 key: signing on beside signing off, same run.
import { generateKeyPairSync } from 'node:crypto';

/** Read by servers/proxy.ts. */
process.env.BENCH_SIGNING_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
require('./proxy');
