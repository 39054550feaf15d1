// Distinct phone codes: every load request carries a never-seen code, so the proxy's de-duplication never
// short-cuts the exchange and each request costs a real upstream call.
import { randomBytes } from 'node:crypto';

/** Returns a generator of codes unique within this process: 64 hex chars like WeChat's (random tag + counter). */
export function distinctCodes(): () => string {
  const tag = randomBytes(4).toString('hex');
  let counter = 0;
  return () => tag + (counter++).toString(16).padStart(56, '0');
}
