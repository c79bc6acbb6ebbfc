/** The pure tier rules, pinned to the examples in loyalty-tiers.ts's comments (worked by hand). */
import { describe, expect, it } from 'vitest';
import { LoyaltySettingsSchema } from './loyalty-settings.js';
import { downgradeAt, nextTierOf, tierFor, tierStep, windowStart } from './loyalty-tiers.js';

const DAY = 86_400_000;
const settings = LoyaltySettingsSchema.parse({
  tiers: {
    downgradeGraceDays: 30,
    levels: [
      { name: 'Gold', threshold: 2000 },
      { name: 'Base', threshold: 0 },
      { name: 'Silver', threshold: 500 },
    ],
  },
});
const MARCH_1 = Date.UTC(2026, 2, 1);

describe('tier rules', () => {
  it('finds the highest tier reached and the next one by the same measure', () => {
    expect(tierFor(settings, 700)).toBe('Silver');
    expect(tierFor(settings, 2000)).toBe('Gold');
    expect(nextTierOf(settings, { tier: 'Silver' }, 700)).toEqual({
      name: 'Gold',
      threshold: 2000,
      remaining: 1300,
    });
    expect(nextTierOf(settings, { tier: 'Gold' }, 5000)).toBeNull();
  });

  it('upgrades at once, keeps the tier through the grace period, then drops to the tier qualified for', () => {
    expect(tierStep(settings, { tier: 'Silver', belowSince: null }, 2500, MARCH_1)).toMatchObject({
      tier: 'Gold',
      belowSince: null,
      change: { from: 'Silver', to: 'Gold' },
    });
    const below = tierStep(settings, { tier: 'Gold', belowSince: null }, 800, MARCH_1);
    expect(below).toEqual({ tier: 'Gold', belowSince: MARCH_1, change: null });
    expect(downgradeAt(settings, MARCH_1)).toBe(MARCH_1 + 30 * DAY);
    expect(tierStep(settings, below, 800, MARCH_1 + 30 * DAY - 1)).toMatchObject({
      tier: 'Gold',
      change: null,
    });
    expect(tierStep(settings, below, 800, MARCH_1 + 30 * DAY)).toMatchObject({
      tier: 'Silver',
      belowSince: null,
      change: { from: 'Gold', to: 'Silver' },
    });
    // Qualifying again clears the clock.
    expect(tierStep(settings, below, 2100, MARCH_1 + DAY)).toEqual({
      tier: 'Gold',
      belowSince: null,
      change: null,
    });
  });

  it('replaces a tier the programme no longer has at once', () => {
    expect(tierStep(settings, { tier: 'Platinum', belowSince: null }, 600, MARCH_1)).toMatchObject({
      tier: 'Silver',
      change: { from: 'Platinum', to: 'Silver' },
    });
  });

  it('starts the window 365 days back, or on 1 January', () => {
    expect(windowStart(settings, MARCH_1)).toBe(MARCH_1 - 365 * DAY);
    const calendar = LoyaltySettingsSchema.parse({ tiers: { window: 'calendar_year' } });
    expect(windowStart(calendar, MARCH_1)).toBe(Date.UTC(2026, 0, 1));
  });
});
