import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUnits, hashRange, IdInterner } from './id-interner.js';

/** The reference: a Map from id to index in order of first appearance. */
function mapIndexes(ids: readonly string[]): { indexes: number[]; distinct: string[] } {
  const known = new Map<string, number>();
  const indexes = ids.map((id) => {
    let index = known.get(id);
    if (index === undefined) {
      index = known.size;
      known.set(id, index);
    }
    return index;
  });
  return { indexes, distinct: [...known.keys()] };
}

/** Lays the ids out in one text, as a parser's chunk would hold them. */
function layOut(ids: readonly string[]): { text: string; starts: Int32Array; ends: Int32Array } {
  const starts = new Int32Array(ids.length);
  const ends = new Int32Array(ids.length);
  let text = '';
  ids.forEach((id, row) => {
    starts[row] = text.length + 1;
    text += `,${id}`;
    ends[row] = text.length;
  });
  return { text, starts, ends };
}

const idArbitrary = fc.oneof(
  fc.string({ maxLength: 6 }), // short ids repeat often
  fc.string({ unit: 'grapheme', maxLength: 20 }), // astral characters are two UTF-16 units
  fc.uuid(),
  fc.constantFrom('a', 'b', 'ab', 'ba', '', 'c123456', 'c1234567'),
);

describe('IdInterner', () => {
  it('numbers ids by first appearance (hand example)', () => {
    const interner = new IdInterner();
    // b is first seen (0), a second (1); b again is 0, a again 1, c new (2).
    expect(['b', 'a', 'b', 'a', 'c'].map((id) => interner.indexOf(id))).toEqual([0, 1, 0, 1, 2]);
    expect(interner.ids).toEqual(['b', 'a', 'c']);
    expect(interner.size).toBe(3);
  });

  it('never merges two ids even when every hash is equal (degenerate hash, tiny table)', () => {
    const interner = new IdInterner({ initialSlots: 2, hashMask: 0 });
    // Same length and hash for all: only the character comparison tells them apart.
    const ids = ['aa', 'ab', 'ba', 'bb', 'aa', 'bb', 'a', 'b', '', 'ab'];
    expect(ids.map((id) => interner.indexOf(id))).toEqual(mapIndexes(ids).indexes);
    expect(interner.ids).toEqual(['aa', 'ab', 'ba', 'bb', 'a', 'b', '']);
  });

  it('equals a Map on random ids, one at a time and in batches, whatever the hash (property)', () => {
    fc.assert(
      fc.property(
        fc.array(idArbitrary, { maxLength: 300 }),
        fc.constantFrom(-1, 0, 1, 7),
        fc.integer({ min: 1, max: 64 }),
        (ids, hashMask, batchSize) => {
          const expected = mapIndexes(ids);
          const single = new IdInterner({ initialSlots: 2, hashMask });
          expect(ids.map((id) => single.indexOf(id))).toEqual(expected.indexes);
          expect(single.ids).toEqual(expected.distinct);

          const batched = new IdInterner({ initialSlots: 2, hashMask });
          const { text, starts, ends } = layOut(ids);
          const indexes = new Int32Array(ids.length);
          for (let from = 0; from < ids.length; from += batchSize) {
            const count = Math.min(batchSize, ids.length - from);
            batched.internBatch(
              text,
              starts.subarray(from, from + count),
              ends.subarray(from, from + count),
              count,
              indexes.subarray(from, from + count),
            );
          }
          expect(Array.from(indexes)).toEqual(expected.indexes);
          expect(batched.ids).toEqual(expected.distinct);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("merges another interner's ids as a Map over both lists would number them (property)", () => {
    fc.assert(
      fc.property(
        fc.array(idArbitrary, { maxLength: 100 }),
        fc.array(idArbitrary, { maxLength: 100 }),
        fc.constantFrom(-1, 0),
        (firstIds, secondIds, hashMask) => {
          const first = new IdInterner({ initialSlots: 2, hashMask });
          const second = new IdInterner({ initialSlots: 2, hashMask });
          for (const id of firstIds) first.indexOf(id);
          for (const id of secondIds) second.indexOf(id);
          const indexes = first.internAll(second.keys());
          const expected = mapIndexes([...firstIds, ...second.ids]);
          expect(Array.from(indexes)).toEqual(expected.indexes.slice(firstIds.length));
          expect(first.ids).toEqual(expected.distinct);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('stays exact across many table growths (20 000 ids, 3 lookups each)', () => {
    const interner = new IdInterner({ initialSlots: 2 });
    const ids = Array.from({ length: 60_000 }, (_, row) => `customer-${(row * 7919) % 20_000}`);
    const expected = mapIndexes(ids);
    expect(ids.map((id) => interner.indexOf(id))).toEqual(expected.indexes);
    expect(interner.size).toBe(20_000);
  });

  it('hashes a range as it hashes the same text alone', () => {
    // FNV-1a of "" is the offset basis 0x811c9dc5, then the avalanche; equal text, equal hash.
    expect(hashRange('xxabcxx', 2, 5)).toBe(hashRange('abc', 0, 3));
    expect(hashRange('abc', 0, 3)).not.toBe(hashRange('acb', 0, 3));
  });

  it('makes the ids from the arena unchanged, long ones included', () => {
    const interner = new IdInterner();
    const long = 'é'.repeat(10_000); // more units than one fromCharCode call takes
    const text = `${'x'.repeat(100)}a-long-customer-identifier${long}`;
    interner.indexOfRange(text, 100, 126);
    interner.indexOfRange(text, 126, text.length);
    expect(interner.ids).toEqual(['a-long-customer-identifier', long]);
    expect(decodeUnits(Uint16Array.from([104, 105]), 0, 2)).toBe('hi'); // char codes of "h", "i"
  });
});
