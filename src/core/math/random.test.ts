import { describe, expect, it } from 'vitest';
import { seededHash, seededRandom, shuffled } from './random.js';

describe('seededRandom (Mulberry32)', () => {
  it('draws the reference sequence of Mulberry32', () => {
    // Reference: the C original (state += 0x6D2B79F5; z = (z ^ z >> 15) * (z | 1);
    // z ^= z + (z ^ z >> 7) * (z | 61); return z ^ z >> 14) in unsigned 32-bit arithmetic,
    // re-done below with BigInt, independent of the implementation's Math.imul path. Its first
    // output for seed 1 is 0.6270739405881613, the value usually quoted for Mulberry32.
    const reference = (seed: number, count: number) => {
      const mask = (1n << 32n) - 1n;
      let state = BigInt(seed);
      const out: number[] = [];
      for (let i = 0; i < count; i++) {
        state = (state + 0x6d2b79f5n) & mask;
        let z = state;
        z = ((z ^ (z >> 15n)) * (z | 1n)) & mask;
        z = (z ^ (z + (((z ^ (z >> 7n)) * (z | 61n)) & mask))) & mask;
        out.push(Number(z ^ (z >> 14n)) / 4_294_967_296);
      }
      return out;
    };
    const random = seededRandom(1);
    const drawn = Array.from({ length: 1000 }, () => random());
    expect(drawn).toEqual(reference(1, 1000));
    expect(drawn[0]).toBe(0.6270739405881613);
    for (const value of drawn) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });

  it('replays from its seed, and other seeds differ', () => {
    const first = seededRandom(42);
    const again = seededRandom(42);
    const other = seededRandom(43);
    const a = Array.from({ length: 5 }, () => first());
    expect(Array.from({ length: 5 }, () => again())).toEqual(a);
    expect(Array.from({ length: 5 }, () => other())).not.toEqual(a);
  });

  it('is close to uniform: 10 000 draws in 10 bins pass a χ² test at 0.1 %', () => {
    const random = seededRandom(7);
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < 10_000; i++) bins[Math.floor(random() * 10)]!++;
    const chiSquare = bins.reduce((sum, count) => sum + (count - 1000) ** 2 / 1000, 0);
    // χ²(9) 99.9th percentile = 27.877 (standard tables).
    expect(chiSquare).toBeLessThan(27.877);
  });
});

describe('shuffled', () => {
  it('returns a permutation, leaves the input alone, and replays from the seed', () => {
    const items = Array.from({ length: 50 }, (_, index) => index);
    const once = shuffled(items, seededRandom(3));
    expect([...once].sort((a, b) => a - b)).toEqual(items);
    expect(items[0]).toBe(0);
    expect(shuffled(items, seededRandom(3))).toEqual(once);
    expect(once).not.toEqual(items);
  });
});

describe('seededHash', () => {
  it('is FNV-1a over UTF-16 code units from a seeded state, then fmix32', () => {
    // Reference re-done with BigInt (independent of Math.imul): FNV-1a's prime 16777619 and
    // offset basis 2166136261, the seed mixed in by × 0x85ebca6b, MurmurHash3's fmix32.
    const mask = (1n << 32n) - 1n;
    const multiply = (a: bigint, b: bigint) => (a * b) & mask;
    const reference = (text: string, seed: number) => {
      let hash = multiply(BigInt(seed >>> 0) ^ 0x9e3779b9n, 0x85ebca6bn) ^ 2166136261n;
      for (const unit of Array.from({ length: text.length }, (_, index) => text.charCodeAt(index))) {
        hash = multiply(hash ^ BigInt(unit), 16777619n);
      }
      hash ^= hash >> 16n;
      hash = multiply(hash, 0x85ebca6bn);
      hash ^= hash >> 13n;
      hash = multiply(hash, 0xc2b2ae35n);
      hash ^= hash >> 16n;
      return Number(hash);
    };
    for (const text of ['', 'c1', 'c2', '12345', 'Zoë 🚀', 'a'.repeat(100)]) {
      for (const seed of [0, 1, 20_050_101, 4_294_967_295]) {
        expect(seededHash(text, seed)).toBe(reference(text, seed));
      }
    }
    expect(seededHash('c1', 1)).not.toBe(seededHash('c1', 2));
    expect(seededHash('c1', 1)).not.toBe(seededHash('c2', 1));
  });

  it('spreads consecutive ids evenly over the 32-bit range', () => {
    // 10,000 ids `c1…` into 10 equal buckets: each expects 1,000; a χ² of 9 degrees of freedom
    // above 27.9 has probability 0.001.
    const buckets = new Array<number>(10).fill(0);
    for (let index = 1; index <= 10_000; index++) {
      const bucket = Math.floor((seededHash(`c${index}`, 20_050_101) / 4_294_967_296) * 10);
      buckets[bucket]!++;
    }
    const chiSquare = buckets.reduce((sum, count) => sum + (count - 1_000) ** 2 / 1_000, 0);
    expect(chiSquare).toBeLessThan(27.9);
  });
});
