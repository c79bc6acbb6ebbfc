/**
 * Tiers: thresholds on points earned (not the balance) or on spend over a qualification window.
 * Upgrades take effect at once; a downgrade only after the grace period (`downgradeGraceDays`)
 * during which the customer stays below the threshold. Pure functions over the settings.
 */
import type { LoyaltySettings } from './loyalty-settings.js';

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
 * The next tier above the current one and what is left to reach it (by points earned when the
 * basis is points; the account's `earned` is the measure shown). Null at the top or without tiers.
 */
export function nextTierOf(
  settings: LoyaltySettings,
  account: { readonly tier: string | null; readonly earned: number },
): { name: string; threshold: number; remaining: number } | null {
  const levels = levelsOf(settings);
  const currentIndex = levels.findIndex((level) => level.name === account.tier);
  const next = levels[currentIndex + 1];
  if (next === undefined) return null;
  return {
    name: next.name,
    threshold: next.threshold,
    remaining: Math.max(0, next.threshold - account.earned),
  };
}

/** The qualification window's start for `now`: 365 days back, or 1 January (UTC) of `now`'s year. */
export function windowStart(settings: LoyaltySettings, now: number): number {
  if (settings.tiers.window === 'calendar_year') return Date.UTC(new Date(now).getUTCFullYear(), 0, 1);
  return now - 365 * 86_400_000;
}

/**
 * The tier a member should hold: an upgrade at once; a downgrade only once the member has held the
 * current tier for at least the grace period since the qualification dropped (approximated by
 * `tierSince`: the tier is kept while `now < tierSince + grace`).
 */
export function decideTier(
  settings: LoyaltySettings,
  current: { readonly tier: string | null; readonly tierSince: number | null },
  qualifying: number,
  now: number,
): string | null {
  const qualified = tierFor(settings, qualifying);
  const rank = (name: string | null) => levelsOf(settings).findIndex((level) => level.name === name);
  if (rank(qualified) >= rank(current.tier)) return qualified;
  const graceMs = settings.tiers.downgradeGraceDays * 86_400_000;
  if (current.tierSince !== null && now < current.tierSince + graceMs) return current.tier;
  return qualified;
}
