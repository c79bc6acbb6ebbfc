/**
 * Row ids for a batch of events, made in one go: the same UUIDv7 text as `newId()` from src/db
 * (RFC 9562 §5.7: 48-bit epoch-millisecond prefix, version 7, variant 10, 74 random bits), but
 * with one `randomBytes` call for the whole batch and a byte → hex table, because `newId()` costs
 * ~10 µs an id (a `randomBytes(16)` call, hex and slicing), over a millisecond per batch of 100.
 */
import { randomBytes } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const RANDOM_BYTES_PER_ID = 10;

/**
 * `count` new UUIDv7 ids stamped with the instant `now` (epoch ms). Within one call the ids share
 * their time prefix and differ in their 74 random bits, like `newId()` calls in the same
 * millisecond.
 *
 * O(count). Example: `newIds(2, Date.UTC(2024, 0, 1))` → `['018cc251-f400-7…', '018cc251-f400-7…']`.
 */
export function newIds(count: number, now: number): string[] {
  const time = Math.floor(now).toString(16).padStart(12, '0').slice(-12);
  const prefix = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
  const random = randomBytes(count * RANDOM_BYTES_PER_ID);
  const ids = new Array<string>(count);
  for (let index = 0, at = 0; index < count; index++, at += RANDOM_BYTES_PER_ID) {
    const byte = (offset: number): number => random[at + offset] ?? 0;
    ids[index] =
      prefix +
      (byte(0) & 0x0f).toString(16) +
      HEX[byte(1)] +
      '-' +
      HEX[(byte(2) & 0x3f) | 0x80] +
      HEX[byte(3)] +
      '-' +
      HEX[byte(4)] +
      HEX[byte(5)] +
      HEX[byte(6)] +
      HEX[byte(7)] +
      HEX[byte(8)] +
      HEX[byte(9)];
  }
  return ids;
}
