import { randomFillSync } from 'node:crypto';

/** Random bytes drawn 64 KiB at a time: one system call per ~6,500 ids instead of one per id. */
const POOL_BYTES = 65_536;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * A UUID version 7 (RFC 9562 §5.7) like `newId` in src/db — 48 bits of the epoch millisecond, then
 * random bits — drawn from a pooled random buffer, because an import makes one per row and
 * `randomBytes(16)` per id was a tenth of the import's time. Same format and ordering as `newId`.
 *
 * O(1). Example: `importRowId(Date.UTC(2024, 0, 1))` → `'018cc251-f400-7…'`.
 */
export function importRowId(now: number = Date.now()): string {
  if (offset + 10 > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  let timestamp = Math.floor(now);
  const time: string[] = [];
  for (let index = 0; index < 6; index++) {
    time.unshift(HEX[timestamp % 256]!);
    timestamp = Math.floor(timestamp / 256);
  }
  const random = pool.subarray(offset, offset + 10);
  offset += 10;
  const version = HEX[(random[0]! & 0x0f) | 0x70]!;
  const variant = HEX[(random[2]! & 0x3f) | 0x80]!;
  const tail = HEX[random[1]!]! + '-' + variant + HEX[random[3]!]! + '-';
  let node = '';
  for (let index = 4; index < 10; index++) node += HEX[random[index]!]!;
  return `${time[0]}${time[1]}${time[2]}${time[3]}-${time[4]}${time[5]}-${version}${tail}${node}`;
}
