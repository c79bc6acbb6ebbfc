import { describe, expect, it } from 'vitest';
import { PAST_DUE_GRACE_DAYS, paidCoverage, type SubscriptionStanding } from './paid-coverage.js';

const DAY = 86_400_000;
const START = Date.UTC(2024, 1, 20);
const base: SubscriptionStanding = {
  status: 'active',
  amountCents: 900,
  startedAt: START,
  endedAt: null,
  pastDueSince: null,
  currentPeriodEnd: null,
  cancelledAt: null,
};

// Every expected value is the rule of docs/metrics.md §1 ("subscription mode") applied by hand.
describe('paidCoverage', () => {
  it('runs open while active, and to its end when the end is known', () => {
    expect(paidCoverage(base)).toEqual({ paid: true, startedAt: START, endedAt: Number.POSITIVE_INFINITY });
    const end = Date.UTC(2024, 3, 10);
    expect(paidCoverage({ ...base, status: 'cancelled', endedAt: end })).toEqual({
      paid: true,
      startedAt: START,
      endedAt: end,
    });
  });

  it('keeps a past-due subscription active 14 days after it became past due (the worked example)', () => {
    expect(PAST_DUE_GRACE_DAYS).toBe(14);
    // Past due since 20 March 2024: active until 20 March + 14 days = 3 April, 00:00 UTC.
    const coverage = paidCoverage({ ...base, status: 'past_due', pastDueSince: Date.UTC(2024, 2, 20) });
    expect(coverage).toEqual({ paid: true, startedAt: START, endedAt: Date.UTC(2024, 3, 3) });
    // A past-due subscription whose stored end is earlier (Stripe's `unpaid`) ends there: no grace.
    const unpaid = paidCoverage({
      ...base,
      status: 'past_due',
      pastDueSince: Date.UTC(2024, 2, 20),
      endedAt: Date.UTC(2024, 2, 20),
    });
    expect(unpaid).toEqual({ paid: true, startedAt: START, endedAt: Date.UTC(2024, 2, 20) });
    // Without the date it became past due, nothing shortens it.
    expect(paidCoverage({ ...base, status: 'past_due' })).toMatchObject({
      endedAt: Number.POSITIVE_INFINITY,
    });
  });

  it('ends a cancelled or ended subscription without an end at its period end, else when it was cancelled', () => {
    const periodEnd = START + 29 * DAY;
    const cancelledAt = START + 10 * DAY;
    expect(
      paidCoverage({ ...base, status: 'cancelled', currentPeriodEnd: periodEnd, cancelledAt }),
    ).toMatchObject({ endedAt: periodEnd });
    expect(paidCoverage({ ...base, status: 'ended', cancelledAt })).toMatchObject({ endedAt: cancelledAt });
    expect(paidCoverage({ ...base, status: 'ended' })).toEqual({
      paid: false,
      reason: 'ended without an end date',
    });
  });

  it('says why a subscription is not paid: trial, paused, free, no paid start, an empty coverage', () => {
    expect(paidCoverage({ ...base, status: 'trialing' })).toEqual({ paid: false, reason: 'trialing' });
    expect(paidCoverage({ ...base, status: 'paused' })).toEqual({ paid: false, reason: 'paused' });
    expect(paidCoverage({ ...base, amountCents: 0 })).toEqual({ paid: false, reason: 'free (amount 0)' });
    expect(paidCoverage({ ...base, startedAt: null })).toEqual({ paid: false, reason: 'never paid' });
    // Unpaid from its first period: the coverage [start, start) is empty.
    expect(paidCoverage({ ...base, status: 'past_due', pastDueSince: START, endedAt: START })).toEqual({
      paid: false,
      reason: 'never paid',
    });
  });
});
