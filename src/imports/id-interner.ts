/**
 * Interns text ids (customer ids, attribute labels) into dense indices 0, 1, 2… in order of first
 * appearance, several times faster than a `Map<string, number>` on millions of keys.
 *
 * Why: with ~1 M distinct ids, a Map lookup costs ~1 µs on a cache-starved machine: three dependent
 * cache misses (its table, its entry, the key string), one after the other, plus hashing a freshly
 * sliced string. Here:
 * - the table is one `Int32Array` of 4-int slots (index + 1, 32-bit hash, start and length of the
 *   id's characters in a `Uint16Array` arena): most probes are settled by the hash alone, and a hash
 *   match is confirmed against the arena, never through a string pointer;
 * - the key is read in place from the parser's text (no slice, no allocation); a string is made
 *   only for a new id;
 * - `internBatch` resolves many rows in passes (hash all, probe all, confirm all), so the cache
 *   misses of different rows overlap instead of queueing.
 *
 * Exact: two different ids never share an index. A hash match is always confirmed by comparing every
 * character; a collision merely costs another probe (linear probing).
 */

/** FNV-1a offset basis and prime (32-bit). */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Int32s per slot: index + 1 (0 = empty), hash, arena start, length. */
const SLOT = 4;

/** An interner's ids as stored: id i is `units[starts[i], starts[i + 1])` (see `IdInterner.keys`). */
export interface InternedKeys {
  readonly units: Uint16Array;
  readonly starts: Int32Array;
  readonly count: number;
}

/** Options, mainly for tests: a tiny table and a degenerate hash exercise the collision paths. */
export interface IdInternerOptions {
  /** Initial number of slots (rounded up to a power of two, at least 2); default 1024. */
  readonly initialSlots?: number;
  /**
   * ANDed with every hash (default −1: all 32 bits). `0` makes every id hash to 0, so every lookup
   * goes through the collision path; only tests want that.
   */
  readonly hashMask?: number;
}

/**
 * The 32-bit hash of `text.slice(start, end)`: FNV-1a over its UTF-16 code units, finished with
 * murmur3's avalanche (FNV's low bits mix poorly for ids that differ only in their last characters,
 * and the table is indexed by the low bits). O(end − start).
 */
export function hashRange(text: string, start: number, end: number): number {
  let hash = FNV_OFFSET;
  for (let position = start; position < end; position++) {
    hash = Math.imul(hash ^ text.charCodeAt(position), FNV_PRIME);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return hash ^ (hash >>> 16);
}

/**
 * Open-addressing hash table from id text to dense index, over typed arrays (see the module
 * comment). The table doubles when half full, reusing the stored hashes (ids are never re-hashed).
 *
 * O(length of the id) expected per lookup; memory per id: 32–64 bytes of table, 2 bytes per
 * character of arena, and the id string. Example:
 * `const ids = new IdInterner(); ids.indexOf('b'); ids.indexOf('a'); ids.indexOf('b')` → 0, 1, 0,
 * and `ids.ids` is `['b', 'a']`.
 */
export class IdInterner {
  private count = 0;
  /** Arena start of each id, by index; id i ends where id i + 1 starts (or at `arenaLength`). */
  private starts = new Int32Array(1 << 10);
  /** The ids made into strings so far (see `ids`). */
  private readonly strings: string[] = [];
  private table: Int32Array;
  private slotMask: number;
  private readonly hashMask: number;
  private arena = new Uint16Array(1 << 16);
  private arenaLength = 0;
  // Scratch columns of `internBatch`, grown on demand.
  private batchHash = new Int32Array(0);
  private batchSlot = new Int32Array(0);

  constructor(options: IdInternerOptions = {}) {
    let slots = 2;
    while (slots < (options.initialSlots ?? 1024)) slots *= 2;
    this.table = new Int32Array(slots * SLOT);
    this.slotMask = slots - 1;
    this.hashMask = options.hashMask ?? -1;
  }

  /** Number of distinct ids interned so far. */
  get size(): number {
    return this.count;
  }

  /**
   * The ids, by index (first appearance order). The strings are made here, from the arena, on
   * first request: interning itself allocates nothing per id but its characters. O(new ids).
   */
  get ids(): string[] {
    const strings = this.strings;
    for (let index = strings.length; index < this.count; index++) {
      const end = index + 1 < this.count ? this.starts[index + 1]! : this.arenaLength;
      strings.push(decodeUnits(this.arena, this.starts[index]!, end));
    }
    return strings;
  }

  /** Dense index of `id`, interning it if new. */
  indexOf(id: string): number {
    return this.indexOfRange(id, 0, id.length);
  }

  /**
   * Dense index of the id `text.slice(start, end)`, interning it if new. Nothing is allocated
   * (a new id's characters are copied into the arena; its string is made by `ids`).
   */
  indexOfRange(text: string, start: number, end: number): number {
    return this.lookUp(text, start, end, hashRange(text, start, end) & this.hashMask);
  }

  /**
   * `indexes[row] = indexOfRange(text, starts[row], ends[row])` for `row < count`, in row order (so
   * new ids get their indices in order of first appearance, exactly as one call per row would).
   *
   * Faster on large tables: pass 1 hashes every row (the text is in cache), pass 2 reads every
   * row's first slot and pass 3 confirms every hash match against the arena: each pass issues
   * independent memory reads that the CPU overlaps. A row that names the same id as the row before
   * it (files sorted by customer) reuses its index without hashing. Rows left unresolved (an empty
   * first slot, or a collision) take the one-row path, in order. O(total id length) expected.
   */
  internBatch(text: string, starts: Int32Array, ends: Int32Array, count: number, indexes: Int32Array): void {
    if (this.batchHash.length < count) {
      this.batchHash = new Int32Array(count);
      this.batchSlot = new Int32Array(count);
    }
    const hashes = this.batchHash;
    const slots = this.batchSlot;
    const hashMask = this.hashMask;
    // Pass 1: hashes; −1 in `slots` marks a row equal to the row before it (compared only when
    // the hashes are equal, so unsorted files pay nothing for it).
    for (let row = 0; row < count; row++) {
      const start = starts[row]!;
      const end = ends[row]!;
      const hash = hashRange(text, start, end) & hashMask;
      hashes[row] = hash;
      slots[row] =
        row > 0 && hashes[row - 1] === hash && sameRange(text, starts[row - 1]!, ends[row - 1]!, start, end)
          ? -1
          : 0;
    }
    // Pass 2: the first slot on the row's probe path whose hash and length match, else −2 (an
    // empty slot was met: a new id, inserted by the one-row path).
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
        let same = true;
        for (let offset = 0; offset < length; offset++) {
          if (arena[from + offset] !== text.charCodeAt(start + offset)) {
            same = false;
            break;
          }
        }
        if (same) {
          indexes[row] = table[slot]! - 1;
          continue;
        }
        slots[row] = -2;
      }
    }
    for (let row = 0; row < count; row++) {
      const slot = slots[row]!;
      if (slot === -1) indexes[row] = indexes[row - 1]!;
      else if (slot === -2) indexes[row] = this.lookUp(text, starts[row]!, ends[row]!, hashes[row]!);
    }
  }

  /**
   * The ids' characters as they are stored: id i is `units[starts[i], starts[i + 1])`, for
   * i < `count` (`starts` has count + 1 entries). Views on the interner's arrays: cheap to post to
   * another thread (no string per id), e.g. to merge into another interner with `internAll`. O(1).
   */
  keys(): InternedKeys {
    const count = this.count;
    if (this.starts.length === count) {
      const starts = new Int32Array(count + 1);
      starts.set(this.starts);
      this.starts = starts;
    }
    this.starts[count] = this.arenaLength;
    return {
      units: this.arena.subarray(0, this.arenaLength),
      starts: this.starts.subarray(0, count + 1),
      count,
    };
  }

  /**
   * Interns every id of `keys` (another interner's `keys()`), in order; returns each one's index
   * here. The ids are read from one string holding them all, in batches. O(total id length).
   */
  internAll(keys: InternedKeys): Int32Array {
    const text = decodeUnits(keys.units, 0, keys.units.length);
    const indexes = new Int32Array(keys.count);
    const step = 1 << 14;
    for (let from = 0; from < keys.count; from += step) {
      const count = Math.min(step, keys.count - from);
      this.internBatch(
        text,
        keys.starts.subarray(from, from + count),
        keys.starts.subarray(from + 1, from + count + 1),
        count,
        indexes.subarray(from, from + count),
      );
    }
    return indexes;
  }

  /** Finds or inserts the id `text[start, end)` whose (masked) hash is `hash`. */
  private lookUp(text: string, start: number, end: number, hash: number): number {
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
        while (offset < length && this.arena[from + offset] === text.charCodeAt(start + offset)) offset++;
        if (offset === length) return entry - 1;
      }
      slot = (slot + SLOT) & (mask * SLOT + SLOT - 1);
    }
    const index = this.count;
    const from = this.store(text, start, end);
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

  /** Copies the characters into the arena (doubling it when full); returns where they start. */
  private store(text: string, start: number, end: number): number {
    const from = this.arenaLength;
    const needed = from + (end - start);
    if (needed > this.arena.length) {
      let capacity = this.arena.length * 2;
      while (capacity < needed) capacity *= 2;
      const arena = new Uint16Array(capacity);
      arena.set(this.arena.subarray(0, from));
      this.arena = arena;
    }
    const arena = this.arena;
    for (let position = start; position < end; position++)
      arena[from + position - start] = text.charCodeAt(position);
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

/** Whether `text[aStart, aEnd)` and `text[bStart, bEnd)` hold the same characters. */
function sameRange(text: string, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  const length = aEnd - aStart;
  if (bEnd - bStart !== length) return false;
  for (let offset = 0; offset < length; offset++) {
    if (text.charCodeAt(aStart + offset) !== text.charCodeAt(bStart + offset)) return false;
  }
  return true;
}

/**
 * The UTF-16 code units `units[from, to)` as a string of its own: made from the arena, an id never
 * shares memory with (and so never keeps alive) the 1 MB parser chunk it was read from, which a
 * `slice` of 13 characters or more would. O(to − from).
 */
export function decodeUnits(units: Uint16Array, from: number, to: number): string {
  const parts: string[] = [];
  // `fromCharCode.apply` takes the units as arguments: a few thousand at a time stays far below
  // the engine's argument limit.
  for (let start = from; start < to; start += 4096) {
    const part = units.subarray(start, Math.min(to, start + 4096));
    parts.push(String.fromCharCode.apply(null, part as unknown as number[]));
  }
  return parts.length === 1 ? parts[0]! : parts.join('');
}
