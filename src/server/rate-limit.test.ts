import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './rate-limit.js';

describe('TokenBuckets', () => {
  it('allows the burst, then one request per refill interval (hand-worked)', () => {
    // Capacity 2, 1 token per 1000 ms.
    const buckets = new TokenBuckets(2, 1 / 1000);
    expect(buckets.take('a', 0)).toBe(0);
    expect(buckets.take('a', 0)).toBe(0);
    expect(buckets.take('a', 0)).toBe(1000); // empty: a whole token is 1000 ms away
    expect(buckets.take('a', 400)).toBe(600); // 0.4 token refilled: 0.6 × 1000 ms to go
    expect(buckets.take('a', 1000)).toBe(0); // 1 token at t = 1000
    expect(buckets.take('b', 1000)).toBe(0); // another key has its own bucket
  });

  it('never allows more than capacity + rate × elapsed requests (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 200 }),
        (capacity, perMinute, gaps) => {
          const rate = perMinute / 60_000;
          const buckets = new TokenBuckets(capacity, rate);
          let now = 0;
          let allowed = 0;
          for (const gap of gaps) {
            now += gap;
            if (buckets.take('k', now) === 0) allowed += 1;
          }
          return allowed <= capacity + rate * now + 1e-9;
        },
      ),
    );
  });

  it('bounds its memory: beyond maxBuckets it forgets full or oldest buckets', () => {
    const buckets = new TokenBuckets(1, 1 / 1000, 10);
    for (let key = 0; key < 100; key += 1) buckets.take(String(key), 0);
    expect(buckets.size).toBeLessThanOrEqual(10);
  });
});
