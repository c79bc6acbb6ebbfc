/**
 * Tiers: thresholds on points earned (not the balance) or on spend (in cents) over a qualification
 * window (rolling 12 months or the calendar year). Upgrades take effect at once; a downgrade only
 * once the member has stayed below the tier's threshold for the grace period
 * (`downgradeGraceDays`), counted from when the qualification first fell below it. Pure functions
 * over the settings (tier.service.ts applies them).
 */
import type { LoyaltySettings } from './loyalty-settings.js';

const DAY_MS = 86_400_000;

/** Levels from lowest to highest threshold. */
export function levelsOf(settings: LoyaltySettings) {
  return [...settings.tiers.levels].sort((left, right) => left.threshold - right.threshold);
}

/** The highest tier whose threshold `qualifying` reaches, or null. Example: thresholds 0/500/2000, 700 → the 500 one. */
export function tierFor(settings: LoyaltySettings, qualifying: number): string | null {
  let tier: string | null = null;
  for (const level of levelsOf(settings)) if (qualifying >= level.threshold) tier = level.name;
  return tier;
}

/**
 * The next tier above the current one and what is left to reach it, measured as the tiers are
 * (points earned, or spend in cents, over the qualification window: `qualifying`). Null at the top
 * or without tiers. Example: Silver 500 / Gold 2000, in Silver with 700 → Gold, 1300 remaining.
 */
export function nextTierOf(
  settings: LoyaltySettings,
  account: { readonly tier: string | null },
  qualifying: number,
): { name: string; threshold: number; remaining: number } | null {
  const levels = levelsOf(settings);
  const currentIndex = levels.findIndex((level) => level.name === account.tier);
  const next = levels[currentIndex + 1];
  if (next === undefined) return null;
  return {
    name: next.name,
    threshold: next.threshold,
    remaining: Math.max(0, next.threshold - qualifying),
  };
}

/** The qualification window's start for `now`: 365 days back, or 1 January (UTC) of `now`'s year. */
export function windowStart(settings: LoyaltySettings, now: number): number {
  if (settings.tiers.window === 'calendar_year') return Date.UTC(new Date(now).getUTCFullYear(), 0, 1);
  return now - 365 * DAY_MS;
}

/** A member's tier state: the tier held and since when the qualification has been below it. */
export interface TierState {
  readonly tier: string | null;
  readonly belowSince: number | null;
}

/** What `tierStep` decides: the new state, and the change to record (null: the tier stays). */
export interface TierDecision extends TierState {
  readonly change: {
    readonly from: string | null;
    readonly to: string | null;
    readonly reason: string;
  } | null;
}

/**
 * The member's tier after reviewing `qualifying` at `now`:
 * - a higher tier than the one held: upgrade at once;
 * - the held tier: kept, the grace clock cleared;
 * - lower: the grace clock starts (`belowSince = now`) and the tier is kept until
 *   `belowSince + downgradeGraceDays`, then it drops straight to the tier qualified for;
 * - a held tier the programme no longer has: replaced at once by the one qualified for.
 *
 * Example: Gold (2 000) held, grace 30 days, qualification drops to 800 on 1 March → kept with
 * `belowSince` 1 March; reviewed on 31 March (still 800) → Silver.
 */
export function tierStep(
  settings: LoyaltySettings,
  state: TierState,
  qualifying: number,
  now: number,
): TierDecision {
  const levels = levelsOf(settings);
  const rank = (name: string | null) => levels.findIndex((level) => level.name === name);
  const qualified = tierFor(settings, qualifying);
  const unit = settings.tiers.basis === 'spend' ? 'cents spent' : 'points earned';
  const held = rank(state.tier);
  if (state.tier !== null && held === -1) {
    if (qualified === state.tier) return { ...state, change: null };
    return {
      tier: qualified,
      belowSince: null,
      change: { from: state.tier, to: qualified, reason: 'The tier held is no longer in the programme' },
    };
  }
  if (rank(qualified) > held) {
    return {
      tier: qualified,
      belowSince: null,
      change: { from: state.tier, to: qualified, reason: `Upgrade: ${qualifying} ${unit} in the window` },
    };
  }
  if (rank(qualified) === held) return { tier: state.tier, belowSince: null, change: null };
  const since = state.belowSince ?? now;
  const graceDays = settings.tiers.downgradeGraceDays;
  if (now >= since + graceDays * DAY_MS) {
    return {
      tier: qualified,
      belowSince: null,
      change: {
        from: state.tier,
        to: qualified,
        reason: `Downgrade: ${qualifying} ${unit} in the window, below the threshold since ${new Date(since).toISOString()} (grace ${graceDays} days)`,
      },
    };
  }
  return { tier: state.tier, belowSince: since, change: null };
}

/** When a member below its tier's threshold since `belowSince` is downgraded (if it stays below). */
export function downgradeAt(settings: LoyaltySettings, belowSince: number | null): number | null {
  return belowSince === null ? null : belowSince + settings.tiers.downgradeGraceDays * DAY_MS;
}
