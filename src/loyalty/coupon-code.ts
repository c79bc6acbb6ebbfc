/**
 * Coupon codes: unguessable (from the operating system's CSPRNG), readable (no 0/O, 1/I/L), and
 * typed back forgivingly (case, spaces and dashes do not matter).
 *
 * 12 characters of a 31-letter alphabet: 31^12 ≈ 7.9 × 10^17 codes (59 bits), so guessing one of a
 * million live codes takes ~7.9 × 10^11 tries on average — and each try is a rate-limited request.
 */
import { randomBytes } from 'node:crypto';

/** Digits 2–9 and the letters without I, L, O: nothing a reader can confuse. */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const CODE_LENGTH = 12;
/** The largest multiple of the alphabet's size below 256: bytes at or above it are redrawn (no bias). */
const UNBIASED_LIMIT = 256 - (256 % CODE_ALPHABET.length);

/**
 * A new random code (`CODE_LENGTH` characters), with `prefix` (already normalised) in front.
 * Example: `newCouponCode('SPRING')` → `'SPRING7KQ4M9XPRT2H'`.
 */
export function newCouponCode(prefix = ''): string {
  let code = '';
  while (code.length < CODE_LENGTH) {
    for (const byte of randomBytes(CODE_LENGTH * 2)) {
      if (byte >= UNBIASED_LIMIT) continue;
      code += CODE_ALPHABET[byte % CODE_ALPHABET.length];
      if (code.length === CODE_LENGTH) break;
    }
  }
  return prefix + code;
}

/**
 * The stored form of a code as typed: upper case, without spaces and dashes. `undefined` for text
 * that cannot be a code (empty, over 64 characters, or characters other than letters and digits).
 * Example: `normaliseCouponCode(' 7kq4-m9xp-rt2h ')` → `'7KQ4M9XPRT2H'`.
 */
export function normaliseCouponCode(text: string): string | undefined {
  const code = text.replace(/[\s-]+/g, '').toUpperCase();
  if (code.length === 0 || code.length > 64 || !/^[A-Z0-9]+$/.test(code)) return undefined;
  return code;
}

/** A code in groups of four for people. Example: `'7KQ4M9XPRT2H'` → `'7KQ4-M9XP-RT2H'`. */
export function displayCouponCode(code: string): string {
  return code.match(/.{1,4}/g)?.join('-') ?? code;
}
