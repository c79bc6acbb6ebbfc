import { randomBytes } from 'node:crypto';

/**
 * A new row id: a UUID version 7 (RFC 9562 §5.7) as lower-case text: 48 bits of the current
 * epoch millisecond, then 74 random bits. Ids created later sort later (within a millisecond the
 * order is random), which keeps B-tree inserts local on both engines, and ids can be made by the
 * application before the insert (useful for idempotent imports and for Citus, where the
 * distribution column and the id are both known up front).
 *
 * O(1). Example: `newId()` → `'01890a5d-ac96-774b-bcce-b302099a8057'`.
 */
export function newId(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  // Bytes 0–5: the timestamp, big-endian (2^48 ms reaches the year 10889).
  let timestamp = Math.floor(now);
  for (let index = 5; index >= 0; index -= 1) {
    bytes[index] = timestamp % 256;
    timestamp = Math.floor(timestamp / 256);
  }
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70; // version 7
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // variant 10xx
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
