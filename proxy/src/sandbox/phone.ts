import { createHash } from 'node:crypto';

/** Second digits of mainland China mobile numbers (13x, 14x ... 19x). */
const SECOND_DIGITS = '3456789';

/** A mainland China mobile number (11 digits, no country code) derived from `code`: same code, same number. */
export function fakeMobileFor(code: string): string {
  const digest = createHash('sha256').update(code).digest();
  const second = SECOND_DIGITS[digest[0] % SECOND_DIGITS.length];
  const rest = String(digest.readUInt32BE(1) % 1_000_000_000).padStart(9, '0');
  return `1${second}${rest}`;
}
