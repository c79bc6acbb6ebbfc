/**
 * Interns ids given as UTF-8 bytes (customer ids, attribute labels read by the byte-level scanner)
 * into dense indices 0, 1, 2… in order of first appearance, several times faster than a
 * `Map<string, number>` on millions of keys; no string is made until `ids` is asked.
 *
 * Why: with ~1 M distinct ids, a Map lookup costs ~1 µs on a cache-starved machine: three dependent
 * cache misses (its table, its entry, the key string), one after the other, plus hashing a freshly
 * made string. Here:
 * - the table is one `Int32Array` of 4-int slots (index + 1, 32-bit hash, start and length of the
 *   id's bytes in a `Uint8Array` arena): most probes are settled by the hash alone, and a hash
 *   match is confirmed against the arena, never through a string pointer;
 * - the key is read in place from the file's bytes (no string, no allocation);
 * - batches resolve many rows in passes (hash all, probe all, confirm all), so the cache misses of
 *   different rows overlap instead of queueing.
 *
 * Exact on bytes: two different byte ids never share an index. Decoding is not injective on invalid
 * UTF-8 (every invalid sequence becomes U+FFFD), so two byte ids can decode to one string: the
 * string path (decode, then intern) makes them one id; `mergeReplacedDuplicates` does that here.
 */

/** FNV-1a offset basis and prime (32-bit). */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Int32s per slot: index + 1 (0 = empty), hash, arena start, length. */
const SLOT = 4;

/** An interner's ids as stored: id i is `bytes[starts[i], starts[i + 1])` (see `ByteInterner.keys`). */
export interface ByteKeys {
  readonly bytes: Uint8Array;
  readonly starts: Int32Array;
  readonly count: number;
}

/** Options, mainly for tests: a tiny table and a degenerate hash exercise the collision paths. */
export interface ByteInternerOptions {
  /** Initial number of slots (rounded up to a power of two, at least 2); default 1024. */
  readonly initialSlots?: number;
  /** ANDed with every hash (default −1: all 32 bits); `0` sends every lookup through collisions. */
  readonly hashMask?: number;
}

/**
 * The 32-bit hash of `bytes[start, end)`: FNV-1a over the bytes, finished with murmur3's avalanche
 * (the table is indexed by the low bits, which FNV mixes poorly). O(end − start).
 */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = FNV_OFFSET;
  for (let position = start; position < end; position++) {
    hash = Math.imul(hash ^ bytes[position]!, FNV_PRIME);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return hash ^ (hash >>> 16);
}

/**
 * Open-addressing hash table from UTF-8 id bytes to dense index, over typed arrays. The table
 * doubles when half full, reusing the stored hashes. O(id length) expected per lookup; memory per
 * id: 32–64 bytes of table, its bytes in the arena, and its string once `ids` made it.
 *
 * Example: `const ids = new ByteInterner(); ids.indexOf('b'); ids.indexOf('a'); ids.indexOf('b')`
 * → 0, 1, 0, and `ids.ids` is `['b', 'a']`.
 */
export class ByteInterner {
  private count = 0;
  /** Arena start of each id, by index; id i ends where id i + 1 starts (or at `arenaLength`). */
  private starts = new Int32Array(1 << 10);
  /** The ids decoded so far (see `ids`). */
  private readonly strings: string[] = [];
  private table: Int32Array;
  private slotMask: number;
  private readonly hashMask: number;
  private arena = new Uint8Array(1 << 16);
  private arenaLength = 0;
  // Scratch columns of `internBatch`, grown on demand.
  private batchHash = new Int32Array(0);
  private batchSlot = new Int32Array(0);

  constructor(options: ByteInternerOptions = {}) {
    let slots = 2;
    while (slots < (options.initialSlots ?? 1024)) slots *= 2;
    this.table = new Int32Array(slots * SLOT);
    this.slotMask = slots - 1;
    this.hashMask = options.hashMask ?? -1;
  }

  /** Number of distinct byte ids interned so far. */
  get size(): number {
    return this.count;
  }

  /**
   * The ids decoded from UTF-8, by index (first appearance order), made on first request. Two
   * entries can be equal strings (invalid UTF-8, see the module comment). O(new ids' bytes).
   */
  get ids(): string[] {
    const strings = this.strings;
    if (strings.length === this.count) return strings;
    const arena = Buffer.from(this.arena.buffer, this.arena.byteOffset, this.arenaLength);
    for (let index = strings.length; index < this.count; index++) {
      const end = index + 1 < this.count ? this.starts[index + 1]! : this.arenaLength;
      strings.push(arena.toString('utf8', this.starts[index]!, end));
    }
    return strings;
  }

  /** Dense index of the UTF-8 encoding of `id`, interning it if new. */
  indexOf(id: string): number {
    const bytes = Buffer.from(id, 'utf8');
    return this.indexOfRange(bytes, 0, bytes.length);
  }

  /** Dense index of the id `bytes[start, end)`, interning it if new (its bytes are copied). */
  indexOfRange(bytes: Uint8Array, start: number, end: number): number {
    return this.lookUp(bytes, start, end, hashBytes(bytes, start, end) & this.hashMask);
  }

  /**
   * `indexes[row] = indexOfRange(bytes, starts[row], ends[row])` for `row < count`, in row order
   * (new ids get their indices in order of first appearance), in passes whose memory reads the CPU
   * overlaps: hash all, probe all, confirm all against the arena; a row equal to the row before it
   * reuses its index; the rest (new ids, collisions) take the one-row path, in order.
   */
  internBatch(
    bytes: Uint8Array,
    starts: Int32Array,
    ends: Int32Array,
    count: number,
    indexes: Int32Array,
  ): void {
    if (this.batchHash.length < count) {
      this.batchHash = new Int32Array(count);
      this.batchSlot = new Int32Array(count);
    }
    const hashes = this.batchHash;
    const slots = this.batchSlot;
    const hashMask = this.hashMask;
    // Pass 1: hashes; −1 in `slots` marks a row equal to the row before it.
    for (let row = 0; row < count; row++) {
      const start = starts[row]!;
      const end = ends[row]!;
      const hash = hashBytes(bytes, start, end) & hashMask;
      hashes[row] = hash;
      slots[row] =
        row > 0 && hashes[row - 1] === hash && sameBytes(bytes, starts[row - 1]!, ends[row - 1]!, start, end)
          ? -1
          : 0;
    }
    // Pass 2: the first slot on the probe path whose hash and length match, else −2 (new id).
    const table = this.table;
    const wrap = this.slotMask * SLOT + SLOT - 1;
    for (let row = 0; row < count; row++) {
      if (slots[row] === -1) continue;
      const hash = hashes[row]!;
      const length = ends[row]! - starts[row]!;
      let slot = (hash & this.slotMask) * SLOT;
      while (table[slot] !== 0 && (table[slot + 1] !== hash || table[slot + 3] !== length)) {
        slot = (slot + SLOT) & wrap;
      }
      slots[row] = table[slot] === 0 ? -2 : slot;
    }
    // Pass 3: confirm against the arena; then resolve the rest one by one, in row order.
    const arena = this.arena;
    for (let row = 0; row < count; row++) {
      const slot = slots[row]!;
      if (slot >= 0) {
        const from = table[slot + 2]!;
        const start = starts[row]!;
        const length = ends[row]! - start;
        let offset = 0;
        while (offset < length && arena[from + offset] === bytes[start + offset]) offset++;
        if (offset === length) {
          indexes[row] = table[slot]! - 1;
          continue;
        }
        slots[row] = -2;
      }
    }
    for (let row = 0; row < count; row++) {
      const slot = slots[row]!;
      if (slot === -1) indexes[row] = indexes[row - 1]!;
      else if (slot === -2) indexes[row] = this.lookUp(bytes, starts[row]!, ends[row]!, hashes[row]!);
    }
  }

  /**
   * The ids' bytes as stored: id i is `bytes[starts[i], starts[i + 1])` for i < `count`. Views on
   * the interner's arrays, cheap to post to another thread and merge with `internAll`. O(1).
   */
  keys(): ByteKeys {
    const count = this.count;
    if (this.starts.length === count) {
      const starts = new Int32Array(count + 1);
      starts.set(this.starts);
      this.starts = starts;
    }
    this.starts[count] = this.arenaLength;
    return {
      bytes: this.arena.subarray(0, this.arenaLength),
      starts: this.starts.subarray(0, count + 1),
      count,
    };
  }

  /** Interns every id of `keys` (another interner's `keys()`), in order; returns each one's index here. */
  internAll(keys: ByteKeys): Int32Array {
    const indexes = new Int32Array(keys.count);
    const step = 1 << 14;
    for (let from = 0; from < keys.count; from += step) {
      const count = Math.min(step, keys.count - from);
      this.internBatch(
        keys.bytes,
        keys.starts.subarray(from, from + count),
        keys.starts.subarray(from + 1, from + count + 1),
        count,
        indexes.subarray(from, from + count),
      );
    }
    return indexes;
  }

  /** Finds or inserts the id `bytes[start, end)` whose (masked) hash is `hash`. */
  private lookUp(bytes: Uint8Array, start: number, end: number, hash: number): number {
    const table = this.table;
    const mask = this.slotMask;
    const length = end - start;
    let slot = (hash & mask) * SLOT;
    for (;;) {
      const entry = table[slot]!;
      if (entry === 0) break;
      if (table[slot + 1] === hash && table[slot + 3] === length) {
        const from = table[slot + 2]!;
        let offset = 0;
        while (offset < length && this.arena[from + offset] === bytes[start + offset]) offset++;
        if (offset === length) return entry - 1;
      }
      slot = (slot + SLOT) & (mask * SLOT + SLOT - 1);
    }
    const index = this.count;
    const from = this.store(bytes, start, end);
    if (index === this.starts.length) {
      const starts = new Int32Array(index * 2);
      starts.set(this.starts);
      this.starts = starts;
    }
    this.starts[index] = from;
    this.count = index + 1;
    table[slot] = index + 1;
    table[slot + 1] = hash;
    table[slot + 2] = from;
    table[slot + 3] = length;
    if (this.count * 2 > mask + 1) this.grow();
    return index;
  }

  /** Copies the bytes into the arena (doubling it when full); returns where they start. */
  private store(bytes: Uint8Array, start: number, end: number): number {
    const from = this.arenaLength;
    const needed = from + (end - start);
    if (needed > this.arena.length) {
      let capacity = this.arena.length * 2;
      while (capacity < needed) capacity *= 2;
      const arena = new Uint8Array(capacity);
      arena.set(this.arena.subarray(0, from));
      this.arena = arena;
    }
    const arena = this.arena;
    for (let position = start; position < end; position++) arena[from + position - start] = bytes[position]!;
    this.arenaLength = needed;
    return from;
  }

  /** Doubles the table, placing each entry by its stored hash. O(slots). */
  private grow(): void {
    const old = this.table;
    const slots = (this.slotMask + 1) * 2;
    const mask = slots - 1;
    const table = new Int32Array(slots * SLOT);
    for (let oldSlot = 0; oldSlot < old.length; oldSlot += SLOT) {
      if (old[oldSlot] === 0) continue;
      let slot = (old[oldSlot + 1]! & mask) * SLOT;
      while (table[slot] !== 0) slot = (slot + SLOT) & (mask * SLOT + SLOT - 1);
      table[slot] = old[oldSlot]!;
      table[slot + 1] = old[oldSlot + 1]!;
      table[slot + 2] = old[oldSlot + 2]!;
      table[slot + 3] = old[oldSlot + 3]!;
    }
    this.table = table;
    this.slotMask = mask;
  }
}

/** Whether `bytes[aStart, aEnd)` and `bytes[bStart, bEnd)` are the same bytes. */
function sameBytes(bytes: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  const length = aEnd - aStart;
  if (bEnd - bStart !== length) return false;
  for (let offset = 0; offset < length; offset++) {
    if (bytes[aStart + offset] !== bytes[bStart + offset]) return false;
  }
  return true;
}

/**
 * Merges the ids that decode to the same string, as interning the decoded strings would have:
 * `ids` are a `ByteInterner`'s decoded ids; returns the distinct strings (in order of first
 * appearance) and, per old index, its new index, or null when all are distinct already. Only an id
 * holding U+FFFD can equal another (UTF-8 decodes every valid byte sequence to a distinct string;
 * an invalid sequence, like a valid encoding of U+FFFD itself, decodes to U+FFFD), so only those
 * are looked up. O(ids) to check, O(total length) to merge.
 */
export function mergeReplacedDuplicates(ids: readonly string[]): { ids: string[]; map: Int32Array } | null {
  let first = -1;
  for (let index = 0; index < ids.length; index++) {
    if (ids[index]!.includes('\uFFFD')) {
      first = index;
      break;
    }
  }
  if (first === -1) return null;
  const seen = new Map<string, number>();
  const map = new Int32Array(ids.length);
  const distinct: string[] = ids.slice(0, first);
  let merged = false;
  for (let index = 0; index < first; index++) map[index] = index;
  for (let index = first; index < ids.length; index++) {
    const id = ids[index]!;
    if (id.includes('\uFFFD')) {
      const known = seen.get(id);
      if (known !== undefined) {
        map[index] = known;
        merged = true;
        continue;
      }
      seen.set(id, distinct.length);
    }
    map[index] = distinct.length;
    distinct.push(id);
  }
  return merged ? { ids: distinct, map } : null;
}
