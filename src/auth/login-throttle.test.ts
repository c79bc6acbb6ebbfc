import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle.js';

const ann = { workspace: 'shop', email: 'ann@example.com', address: '10.0.0.1' };
const bob = { workspace: 'shop', email: 'bob@example.com', address: '10.0.0.1' };

describe('LoginThrottle', () => {
  it('holds an account after its free failures, doubling the wait each time (hand-worked)', () => {
    const throttle = new LoginThrottle({ freeFailures: 3, maxBackoffMs: 10_000 });
    let now = 0;
    for (let failure = 1; failure <= 3; failure++) {
      expect(throttle.waitBefore(ann, now)).toBe(0);
      throttle.recordFailure(ann, now);
    }
    // The 3 free failures cost nothing; the 4th waits 1 s, the 5th 2 s, the 6th 4 s, the 7th 8 s,
    // the 8th 16 s capped at 10 s.
    expect(throttle.waitBefore(ann, now)).toBe(0);
    const expectedWaits = [1_000, 2_000, 4_000, 8_000, 10_000, 10_000];
    for (const wait of expectedWaits) {
      throttle.recordFailure(ann, now);
      expect(throttle.waitBefore(ann, now)).toBe(wait);
      expect(throttle.waitBefore(ann, now + wait - 1)).toBe(1);
      now += wait;
      expect(throttle.waitBefore(ann, now)).toBe(0);
    }
    // Another account, same address: free.
    expect(throttle.waitBefore(bob, now)).toBe(0);
  });

  it('treats the typed workspace and e-mail case-insensitively, and a success clears the count', () => {
    const throttle = new LoginThrottle({ freeFailures: 1 });
    throttle.recordFailure(ann, 0);
    throttle.recordFailure({ ...ann, email: ' ANN@Example.com' }, 0);
    expect(throttle.waitBefore(ann, 0)).toBe(1_000);
    throttle.recordSuccess(ann, 1_000);
    expect(throttle.waitBefore(ann, 1_000)).toBe(0);
    throttle.recordFailure(ann, 1_000);
    expect(throttle.waitBefore(ann, 1_000)).toBe(0);
  });

  it('forgives after a day without failures', () => {
    const throttle = new LoginThrottle({ freeFailures: 1 });
    throttle.recordFailure(ann, 0);
    const dayLater = 86_400_000 + 1;
    throttle.recordFailure(ann, dayLater);
    expect(throttle.waitBefore(ann, dayLater)).toBe(0);
  });

  it('limits failures per address across accounts, refilling at the hourly rate', () => {
    const throttle = new LoginThrottle({ freeFailures: 1_000, addressFailuresPerHour: 4 });
    for (let index = 0; index < 4; index++) {
      throttle.recordFailure({ ...ann, email: `user${index}@example.com` }, 0);
    }
    // 4 failures an hour: the next is allowed when one has refilled, 15 minutes later.
    expect(throttle.waitBefore(bob, 0)).toBe(15 * 60_000);
    expect(throttle.waitBefore({ ...bob, address: '10.0.0.2' }, 0)).toBe(0);
    expect(throttle.waitBefore(bob, 15 * 60_000)).toBe(0);
  });

  it('lets an account that logged in from the address before pass the address limit, not its own', () => {
    const throttle = new LoginThrottle({ freeFailures: 2, addressFailuresPerHour: 3 });
    throttle.recordSuccess(ann, 0);
    for (let index = 0; index < 3; index++)
      throttle.recordFailure({ ...bob, email: `x${index}@example.com` }, 1);
    expect(throttle.waitBefore(bob, 1)).toBeGreaterThan(0);
    expect(throttle.waitBefore(ann, 1)).toBe(0);
    // Its own failures still hold it.
    for (let index = 0; index < 3; index++) throttle.recordFailure(ann, 1);
    expect(throttle.waitBefore(ann, 1)).toBe(1_000);
    // 31 days later the pair is no longer known.
    const later = 31 * 86_400_000;
    for (let index = 0; index < 3; index++)
      throttle.recordFailure({ ...bob, email: `y${index}@example.com` }, later);
    expect(throttle.waitBefore({ ...ann, email: 'ann@example.com' }, later)).toBeGreaterThan(0);
  });

  it('keeps at most maxEntries keys per table', () => {
    const throttle = new LoginThrottle({ maxEntries: 10, freeFailures: 0 });
    for (let index = 0; index < 100; index++) {
      throttle.recordFailure({ workspace: 'w', email: `${index}@e.com`, address: `a${index}` }, 0);
    }
    // The oldest accounts were forgotten (they wait nothing), the newest are still held.
    expect(throttle.waitBefore({ workspace: 'w', email: '0@e.com', address: 'z' }, 0)).toBe(0);
    expect(throttle.waitBefore({ workspace: 'w', email: '99@e.com', address: 'z' }, 0)).toBe(1_000);
  });
});
