import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newId, newIds } from './ids.js';

/** RFC 9562 §5.7 layout: version nibble 7, variant bits 10 (first hex digit of group 4 in 8–b). */
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newIds', () => {
  it('makes UUIDv7 text with the same time prefix as newId() for the same instant', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.integer({ min: 1, max: 20 }), (now, count) => {
        const ids = newIds(count, now);
        expect(ids).toHaveLength(count);
        const reference = newId(now);
        for (const id of ids) {
          expect(id).toMatch(UUID_V7);
          // The first 48 bits (12 hex digits around the first dash) are the instant.
          expect(id.slice(0, 13)).toBe(reference.slice(0, 13));
        }
      }),
    );
  });

  it('does not repeat an id (74 random bits: a collision in 100,000 would be a broken generator)', () => {
    const ids = newIds(100_000, Date.UTC(2024, 0, 1));
    expect(new Set(ids).size).toBe(100_000);
  });

  it('newId() has the same layout and carries its instant in the first 48 bits', () => {
    // 2024-01-01T00:00:00Z = 1,704,067,200,000 ms = 0x018cc251f400 (12 hex digits).
    const id = newId(Date.UTC(2024, 0, 1));
    expect(id).toMatch(UUID_V7);
    expect(id.startsWith('018cc251-f400-7')).toBe(true);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(Date.UTC(2024, 0, 1));
  });

  it('sorts by instant: ids of a later millisecond sort after', () => {
    const [earlier] = newIds(1, 1_700_000_000_000);
    const [later] = newIds(1, 1_700_000_000_001);
    expect(earlier! < later!).toBe(true);
  });
});
