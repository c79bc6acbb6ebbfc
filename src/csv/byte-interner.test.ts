import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteInterner, hashBytes, mergeReplacedDuplicates } from './byte-interner.js';

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

/** Lays the ids' UTF-8 bytes out in one buffer, as the scanner's chunk holds them. */
function layOut(ids: readonly string[]): { bytes: Buffer; starts: Int32Array; ends: Int32Array } {
  const starts = new Int32Array(ids.length);
  const ends = new Int32Array(ids.length);
  let offset = 0;
  const parts = ids.map((id, row) => {
    const part = Buffer.from(`,${id}`, 'utf8');
    starts[row] = offset + 1;
    offset += part.length;
    ends[row] = offset;
    return part;
  });
  return { bytes: Buffer.concat(parts), starts, ends };
}

// Valid UTF-8 only: each string has one encoding, so a Map over strings is the reference.
const idArbitrary = fc.oneof(
  fc.string({ maxLength: 6 }), // fast-check's default units are whole characters: well-formed
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.uuid(),
  fc.constantFrom('a', 'b', 'ab', 'ba', '', 'c123456', 'c1234567', 'é', 'e\u0301'),
);

describe('ByteInterner', () => {
  it('numbers ids by first appearance (hand example)', () => {
    const interner = new ByteInterner();
    // b is first seen (0), a second (1); b again is 0, a again 1, é new (2).
    expect(['b', 'a', 'b', 'a', 'é'].map((id) => interner.indexOf(id))).toEqual([0, 1, 0, 1, 2]);
    expect(interner.ids).toEqual(['b', 'a', 'é']);
    expect(interner.size).toBe(3);
  });

  it('equals a Map on random ids, one at a time and in batches, whatever the hash (property)', () => {
    fc.assert(
      fc.property(
        fc.array(idArbitrary, { maxLength: 300 }),
        fc.constantFrom(-1, 0, 1, 7),
        fc.integer({ min: 1, max: 64 }),
        (ids, hashMask, batchSize) => {
          const expected = mapIndexes(ids);
          const single = new ByteInterner({ initialSlots: 2, hashMask });
          expect(ids.map((id) => single.indexOf(id))).toEqual(expected.indexes);
          expect(single.ids).toEqual(expected.distinct);

          const batched = new ByteInterner({ initialSlots: 2, hashMask });
          const { bytes, starts, ends } = layOut(ids);
          const indexes = new Int32Array(ids.length);
          for (let from = 0; from < ids.length; from += batchSize) {
            const count = Math.min(batchSize, ids.length - from);
            batched.internBatch(
              bytes,
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
          const first = new ByteInterner({ initialSlots: 2, hashMask });
          const second = new ByteInterner({ initialSlots: 2, hashMask });
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

  it('keeps different invalid byte ids apart, and decodes each as Buffer does', () => {
    const interner = new ByteInterner();
    const bytes = Uint8Array.from([0x63, 0xff, 0x63, 0xfe, 0x63, 0xef, 0xbf, 0xbd]); // c\xff c\xfe c<U+FFFD>
    expect([interner.indexOfRange(bytes, 0, 2), interner.indexOfRange(bytes, 2, 4)]).toEqual([0, 1]);
    expect(interner.indexOfRange(bytes, 4, 8)).toBe(2);
    expect(interner.indexOfRange(bytes, 0, 2)).toBe(0);
    expect(interner.ids).toEqual(['c\uFFFD', 'c\uFFFD', 'c\uFFFD']);
  });

  it('stays exact across many table growths (20 000 ids, 3 lookups each)', () => {
    const interner = new ByteInterner({ initialSlots: 2 });
    const ids = Array.from({ length: 60_000 }, (_, row) => `customer-${(row * 7919) % 20_000}`);
    expect(ids.map((id) => interner.indexOf(id))).toEqual(mapIndexes(ids).indexes);
    expect(interner.size).toBe(20_000);
  });

  it('hashes a range as it hashes the same bytes alone', () => {
    expect(hashBytes(Buffer.from('xxabcxx'), 2, 5)).toBe(hashBytes(Buffer.from('abc'), 0, 3));
    expect(hashBytes(Buffer.from('abc'), 0, 3)).not.toBe(hashBytes(Buffer.from('acb'), 0, 3));
  });
});

describe('mergeReplacedDuplicates', () => {
  it('merges equal ids holding U+FFFD into the first, renumbering the rest (hand example)', () => {
    // Decoded ids of the bytes c\xff, b, c\xfe, c<U+FFFD>, d, b\xff: the three "c\uFFFD" become index 0.
    const merged = mergeReplacedDuplicates(['c\uFFFD', 'b', 'c\uFFFD', 'c\uFFFD', 'd', 'b\uFFFD']);
    expect(merged).toEqual({
      ids: ['c\uFFFD', 'b', 'd', 'b\uFFFD'],
      map: Int32Array.from([0, 1, 0, 0, 2, 3]),
    });
  });

  it('is null when every id is distinct', () => {
    expect(mergeReplacedDuplicates(['a', 'b'])).toBeNull();
    expect(mergeReplacedDuplicates(['a\uFFFD', 'b\uFFFD', 'a'])).toBeNull();
  });

  it('gives what interning the decoded strings gives, for random invalid byte ids (property)', () => {
    const byte = fc.constantFrom(0x61, 0x62, 0xc3, 0xa9, 0xff, 0xef, 0xbf, 0xbd);
    fc.assert(
      fc.property(fc.array(fc.array(byte, { maxLength: 4 }), { maxLength: 60 }), (byteIds) => {
        const interner = new ByteInterner({ initialSlots: 2 });
        const rows = byteIds.map((id) => interner.indexOfRange(Uint8Array.from(id), 0, id.length));
        const merged = mergeReplacedDuplicates(interner.ids);
        const ids = merged?.ids ?? interner.ids;
        const codes = rows.map((row) => (merged === null ? row : merged.map[row]!));
        const expected = mapIndexes(byteIds.map((id) => Buffer.from(id).toString('utf8')));
        expect(codes).toEqual(expected.indexes);
        expect(ids).toEqual(expected.distinct);
      }),
      { numRuns: 500 },
    );
  });
});
