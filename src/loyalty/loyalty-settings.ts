/**
 * A workspace's programme rules, as stored in `loyalty_programme.settings` (JSON) and edited through
 * `PUT /api/v1/loyalty/programme`. Missing keys take the defaults below, so a programme created by
 * the first ledger write works at once and later settings only need what differs.
 */
import { z } from '@hono/zod-openapi';

const TierSchema = z
  .object({
    name: z.string().trim().min(1).max(60),
    /** Points earned (or spend in cents) over the qualification window that reach the tier. */
    threshold: z.number().int().min(0).max(1e12),
    /** Earning multiplier of members of the tier. */
    multiplier: z.number().min(0).max(100).default(1),
    benefits: z.array(z.string().trim().min(1).max(200)).max(20).default([]),
    /** Members of the tier see early-access products and sales (the storefront's `earlyAccess`). */
    earlyAccess: z.boolean().default(false),
  })
  .openapi('LoyaltyTier');

const PromotionWindowSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    startsAt: z.iso.datetime({ offset: true }),
    endsAt: z.iso.datetime({ offset: true }),
    multiplier: z.number().min(0).max(100),
  })
  .openapi('LoyaltyPromotionWindow');

export const LoyaltySettingsSchema = z
  .object({
    /** Points per whole currency unit of an order's net amount (1 → 1 point per dollar). */
    pointsPerCurrencyUnit: z.number().min(0).max(10_000).default(1),
    /** Days an order's points stay pending (the returns window); 0: spendable at once. */
    returnsWindowDays: z.number().int().min(0).max(365).default(30),
    /** What one point is worth in cents of the workspace currency (the liability's unit). */
    pointValueCents: z.number().min(0).max(1_000_000).default(1),
    expiry: z
      .object({
        mode: z.enum(['none', 'after_earning', 'inactivity']).default('none'),
        months: z.number().int().min(1).max(120).default(12),
        /** Days before expiry the `points_expiring` notice row is written. */
        noticeDays: z.number().int().min(0).max(365).default(30),
      })
      .default({ mode: 'none', months: 12, noticeDays: 30 }),
    tiers: z
      .object({
        basis: z.enum(['points_earned', 'spend']).default('points_earned'),
        window: z.enum(['rolling_12_months', 'calendar_year']).default('rolling_12_months'),
        downgradeGraceDays: z.number().int().min(0).max(365).default(30),
        levels: z
          .array(TierSchema)
          .max(10)
          .default([])
          .superRefine((levels, context) => {
            const seen = new Set<string>();
            for (const [index, level] of levels.entries()) {
              if (seen.has(level.name))
                context.addIssue({
                  code: 'custom',
                  path: [index, 'name'],
                  message: 'Tier names must differ.',
                });
              seen.add(level.name);
            }
          }),
      })
      .default({ basis: 'points_earned', window: 'rolling_12_months', downgradeGraceDays: 30, levels: [] }),
    events: z
      .object({
        signUp: z.number().int().min(0).max(1e9).default(0),
        birthday: z.number().int().min(0).max(1e9).default(0),
        review: z.number().int().min(0).max(1e9).default(0),
      })
      .default({ signUp: 0, birthday: 0, review: 0 }),
    referral: z
      .object({
        referrerPoints: z.number().int().min(0).max(1e9).default(0),
        referredPoints: z.number().int().min(0).max(1e9).default(0),
        weeklyCap: z.number().int().min(0).max(1000).default(5),
      })
      .default({ referrerPoints: 0, referredPoints: 0, weeklyCap: 5 }),
    promotions: z.array(PromotionWindowSchema).max(50).default([]),
  })
  .openapi('LoyaltySettings');

export type LoyaltySettings = z.infer<typeof LoyaltySettingsSchema>;

/** The defaults (every key filled). */
export const DEFAULT_LOYALTY_SETTINGS: LoyaltySettings = LoyaltySettingsSchema.parse({});

/** Stored settings with defaults filled (a stored document is trusted: it was validated when written). */
export function readSettings(stored: unknown): LoyaltySettings {
  const parsed = LoyaltySettingsSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : DEFAULT_LOYALTY_SETTINGS;
}

/**
 * Most points one order earns. The largest amount at the highest rate and multipliers would be
 * ~10^20 points: past PostgreSQL's bigint, and past 2^53 where JavaScript numbers stop counting
 * single points. At 10^9 an order, a balance needs millions of such orders to get there.
 */
export const MAX_POINTS_PER_ORDER = 1_000_000_000;

/**
 * The points an order of `amountCents` earns: ⌊amount in units × points per unit × multiplier⌋,
 * never negative, at most `MAX_POINTS_PER_ORDER`. Example: 12 345 cents at 1 point per unit, ×1.5 → ⌊123.45 × 1.5⌋ = 185.
 */
export function pointsForAmount(amountCents: number, settings: LoyaltySettings, multiplier = 1): number {
  if (amountCents <= 0) return 0;
  // Integer arithmetic where possible: cents × rate first, one division.
  const points = Math.floor((amountCents * settings.pointsPerCurrencyUnit * multiplier) / 100 + 1e-9);
  return Math.min(MAX_POINTS_PER_ORDER, Math.max(0, points));
}

/**
 * The multiplier at `at` for a member of `tier`: the tier's times the largest promotion window's
 * that contains `at` (windows do not stack with each other).
 */
export function multiplierAt(settings: LoyaltySettings, tier: string | null, at: number): number {
  const tierMultiplier = settings.tiers.levels.find((level) => level.name === tier)?.multiplier ?? 1;
  let promotion = 1;
  for (const window of settings.promotions) {
    if (Date.parse(window.startsAt) <= at && at < Date.parse(window.endsAt)) {
      promotion = Math.max(promotion, window.multiplier);
    }
  }
  return tierMultiplier * promotion;
}
