/**
 * Uniform random base62 strings from the operating system's CSPRNG.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';

/** The 62 characters of base62, in the order used to encode numbers: digits, upper case, lower case. */
export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// 248 = 4 * 62: bytes at or above it are discarded, so `byte % 62` is exactly
// uniform (a plain `% 62` over 0..255 would favour the first 8 characters).
const ACCEPT_BELOW = 248;

/**
 * A string of `length` characters drawn uniformly and independently from
 * {@link BASE62_ALPHABET}, using `crypto.randomBytes` with rejection sampling
 * (no modulo bias). Each character carries log2(62) ≈ 5.95 bits of entropy.
 *
 * @param length - a non-negative integer.
 * @throws RangeError when `length` is not a non-negative safe integer.
 */
export function randomBase62(length: number): string {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError('randomBase62: length must be a non-negative integer');
  }
  let out = '';
  while (out.length < length) {
    const missing = length - out.length;
    // 3% of bytes are rejected; ask for a little more than needed so one
    // batch nearly always suffices.
    const batch = randomBytes(missing + (missing >> 3) + 8);
    for (let i = 0; i < batch.length && out.length < length; i++) {
      const byte = batch[i]!;
      if (byte < ACCEPT_BELOW) out += BASE62_ALPHABET[byte % 62];
    }
  }
  return out;
}
