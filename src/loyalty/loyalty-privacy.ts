/**
 * A customer's loyalty data for the privacy capability: what the export shows, and what erasure
 * does to it — the same rule as the rest of erasure (privacy.service.ts): the numbers the reports
 * are made of stay (entries' kinds, points and dates; orders' points; coupon uses; rewards' claimed
 * stock), the free text that may name the person goes, the rows that only link them to a reward,
 * a referral or a tier (claims, referrals, tier history) go, and nothing is kept working for a
 * person who is gone.
 */
import { z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { type Database, fromJson, type LoyaltyRewardKind, type RowId, toJson } from '../db/index.js';
import { type Account, debit, findAccount, listEntries, settleDue } from './loyalty.repository.js';
import { EntrySchema } from './loyalty.schemas.js';
import { entryBody } from './loyalty.service.js';

type Executor = Kysely<Database>;

/** Most ledger entries an export lists (a customer's whole history in practice). */
const EXPORT_ENTRIES = 100_000;

const instant = z.string().openapi({ format: 'date-time' });

/** One referral as its own customer's export shows it: never the other customer's id or data. */
const ReferralSideSchema = z.object({
  status: z.enum(['pending', 'rewarded']),
  createdAt: instant,
  rewardedAt: instant.nullable(),
  points: z.number().int().openapi({ description: 'The points this customer earned by the referral.' }),
});

/** The loyalty part of a customer's export, as the API documents it. */
export const LoyaltyExportSchema = z
  .object({
    account: z
      .object({
        balance: z.number().int(),
        pending: z.number().int(),
        debt: z.number().int(),
        earned: z.number().int(),
        tier: z.string().nullable(),
        referralCode: z.string().nullable(),
        lastActivityAt: instant.nullable(),
      })
      .nullable()
      .openapi({ description: 'The cached position, or null when the customer never had points.' }),
    entries: z.array(EntrySchema).openapi({ description: 'Every ledger entry, newest first.' }),
    orders: z.array(
      z.object({
        orderRef: z.string(),
        amountCents: z.number().int(),
        points: z.number().int(),
        refundedCents: z.number().int(),
        reversedPoints: z.number().int(),
        availableAt: instant,
      }),
    ),
    coupons: z.object({
      assigned: z.array(
        z.object({
          code: z.string(),
          promotion: z.string(),
          uses: z.number().int(),
          expiresAt: instant.nullable(),
        }),
      ),
      redeemed: z.array(z.object({ code: z.string(), orderRef: z.string(), at: instant })),
    }),
    rewardClaims: z
      .array(
        z.object({
          rewardId: z.string(),
          reward: z.string(),
          kind: z.enum([
            'fixed_discount',
            'percent_discount',
            'free_shipping',
            'free_product',
            'early_access',
            'custom',
          ]),
          costPoints: z
            .number()
            .int()
            .openapi({ description: 'The points the claim took (its ledger entry).' }),
          couponCode: z.string().nullable(),
          claimedAt: instant,
        }),
      )
      .openapi({ description: 'The rewards the customer claimed, newest first.' }),
    referrals: z
      .object({
        code: z.string().nullable().openapi({ description: 'The customer’s referral code, or null.' }),
        referred: z.array(ReferralSideSchema).openapi({
          description:
            'The customers this customer referred, newest first (the other customer is not named).',
        }),
        referredBy: ReferralSideSchema.nullable().openapi({
          description: 'The referral that brought this customer, or null (the referrer is not named).',
        }),
      })
      .openapi({ description: 'The customer’s own side of their referrals.' }),
    tierHistory: z
      .array(
        z.object({ from: z.string().nullable(), to: z.string().nullable(), reason: z.string(), at: instant }),
      )
      .openapi({ description: 'The customer’s tier changes, newest first.' }),
  })
  .openapi('LoyaltyExport');

/** The loyalty part of a customer's export. */
export interface LoyaltyExport {
  /** The cached position, or null when the customer never had points. */
  readonly account: {
    readonly balance: number;
    readonly pending: number;
    readonly debt: number;
    readonly earned: number;
    readonly tier: string | null;
    readonly referralCode: string | null;
    readonly lastActivityAt: string | null;
  } | null;
  /** Every ledger entry, newest first. */
  readonly entries: ReturnType<typeof entryBody>[];
  /** The orders that earned points. */
  readonly orders: {
    readonly orderRef: string;
    readonly amountCents: number;
    readonly points: number;
    readonly refundedCents: number;
    readonly reversedPoints: number;
    readonly availableAt: string;
  }[];
  /** Coupon codes assigned to the customer, and the codes they redeemed. */
  readonly coupons: {
    readonly assigned: {
      readonly code: string;
      readonly promotion: string;
      readonly uses: number;
      readonly expiresAt: string | null;
    }[];
    readonly redeemed: { readonly code: string; readonly orderRef: string; readonly at: string }[];
  };
  /** The rewards the customer claimed, newest first. */
  readonly rewardClaims: {
    readonly rewardId: string;
    readonly reward: string;
    readonly kind: LoyaltyRewardKind;
    /** The points the claim took (its ledger entry, whatever the reward costs now). */
    readonly costPoints: number;
    readonly couponCode: string | null;
    readonly claimedAt: string;
  }[];
  /** The customer's own side of their referrals: the other customer is never named. */
  readonly referrals: {
    readonly code: string | null;
    readonly referred: ReferralSide[];
    readonly referredBy: ReferralSide | null;
  };
  /** The customer's tier changes, newest first. */
  readonly tierHistory: {
    readonly from: string | null;
    readonly to: string | null;
    readonly reason: string;
    readonly at: string;
  }[];
}

/** A referral as one side's export shows it. */
export interface ReferralSide {
  readonly status: 'pending' | 'rewarded';
  readonly createdAt: string;
  readonly rewardedAt: string | null;
  /** The points this customer earned by the referral (0 while pending). */
  readonly points: number;
}

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());

function accountBody(account: Account | undefined): LoyaltyExport['account'] {
  if (account === undefined) return null;
  return {
    balance: account.balance,
    pending: account.pending,
    debt: account.debt,
    earned: account.earned,
    tier: account.tier,
    referralCode: account.referralCode,
    lastActivityAt: iso(account.lastActivityAt),
  };
}

/** Everything the loyalty programme holds about one customer (inside the export's transaction). */
export async function loyaltyDataOfCustomer(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
): Promise<LoyaltyExport> {
  const account = await findAccount(db, workspaceId, customerId);
  const entries = await listEntries(db, workspaceId, customerId, { limit: EXPORT_ENTRIES });
  const orders = await db
    .selectFrom('loyalty_order')
    .select(['order_ref', 'amount_cents', 'points', 'refunded_cents', 'reversed_points', 'available_at'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .orderBy('created_at', 'desc')
    .execute();
  const assigned = await db
    .selectFrom('loyalty_coupon')
    .innerJoin('loyalty_promotion', (join) =>
      join
        .onRef('loyalty_promotion.workspace_id', '=', 'loyalty_coupon.workspace_id')
        .onRef('loyalty_promotion.id', '=', 'loyalty_coupon.promotion_id'),
    )
    .select([
      'loyalty_coupon.code',
      'loyalty_promotion.name',
      'loyalty_coupon.uses',
      'loyalty_coupon.expires_at',
    ])
    .where('loyalty_coupon.workspace_id', '=', workspaceId)
    .where('loyalty_coupon.customer_id', '=', customerId)
    .orderBy('loyalty_coupon.id')
    .execute();
  const redeemed = await db
    .selectFrom('loyalty_coupon_redemption')
    .innerJoin('loyalty_coupon', (join) =>
      join
        .onRef('loyalty_coupon.workspace_id', '=', 'loyalty_coupon_redemption.workspace_id')
        .onRef('loyalty_coupon.id', '=', 'loyalty_coupon_redemption.coupon_id'),
    )
    .select([
      'loyalty_coupon.code',
      'loyalty_coupon_redemption.order_ref',
      'loyalty_coupon_redemption.created_at',
    ])
    .where('loyalty_coupon_redemption.workspace_id', '=', workspaceId)
    .where('loyalty_coupon_redemption.customer_id', '=', customerId)
    .orderBy('loyalty_coupon_redemption.id')
    .execute();
  const claims = await db
    .selectFrom('loyalty_reward_claim as c')
    .innerJoin('loyalty_reward as r', (join) =>
      join.onRef('r.workspace_id', '=', 'c.workspace_id').onRef('r.id', '=', 'c.reward_id'),
    )
    .innerJoin('loyalty_entry as e', (join) =>
      join.onRef('e.workspace_id', '=', 'c.workspace_id').onRef('e.id', '=', 'c.entry_id'),
    )
    .select(['c.reward_id', 'r.name', 'r.kind', 'e.points', 'c.coupon_code', 'c.created_at'])
    .where('c.workspace_id', '=', workspaceId)
    .where('c.customer_id', '=', customerId)
    .orderBy('c.id', 'desc')
    .execute();
  const referrals = await db
    .selectFrom('loyalty_referral')
    .select(['id', 'referrer_id', 'status', 'created_at', 'rewarded_at'])
    .where('workspace_id', '=', workspaceId)
    .where((eb) => eb.or([eb('referrer_id', '=', customerId), eb('referred_id', '=', customerId)]))
    .orderBy('id', 'desc')
    .execute();
  // What each referral earned this customer: its own entries (`referral:<id>:<side>` keys).
  const referralPoints = new Map<string, number>();
  for (const entry of entries) {
    if (entry.source !== 'referral' || entry.kind !== 'earn' || entry.sourceRef === null) continue;
    referralPoints.set(entry.sourceRef, (referralPoints.get(entry.sourceRef) ?? 0) + entry.points);
  }
  const referralSide = (row: (typeof referrals)[number]): ReferralSide => ({
    status: row.status,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    rewardedAt: iso(row.rewarded_at === null ? null : Number(row.rewarded_at)),
    points: referralPoints.get(String(row.id)) ?? 0,
  });
  const referredByRow = referrals.find((row) => row.referrer_id !== customerId);
  const tierChanges = await db
    .selectFrom('loyalty_tier_change')
    .select(['from_tier', 'to_tier', 'reason', 'at'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .orderBy('id', 'desc')
    .execute();
  return {
    account: accountBody(account),
    entries: entries.map(entryBody),
    orders: orders.map((row) => ({
      orderRef: row.order_ref,
      amountCents: Number(row.amount_cents),
      points: Number(row.points),
      refundedCents: Number(row.refunded_cents),
      reversedPoints: Number(row.reversed_points),
      availableAt: new Date(Number(row.available_at)).toISOString(),
    })),
    coupons: {
      assigned: assigned.map((row) => ({
        code: row.code,
        promotion: row.name,
        uses: Number(row.uses),
        expiresAt: iso(row.expires_at === null ? null : Number(row.expires_at)),
      })),
      redeemed: redeemed.map((row) => ({
        code: row.code,
        orderRef: row.order_ref,
        at: new Date(Number(row.created_at)).toISOString(),
      })),
    },
    rewardClaims: claims.map((row) => ({
      rewardId: String(row.reward_id),
      reward: row.name,
      kind: row.kind,
      costPoints: -Number(row.points),
      couponCode: row.coupon_code,
      claimedAt: new Date(Number(row.created_at)).toISOString(),
    })),
    referrals: {
      code: account?.referralCode ?? null,
      referred: referrals.filter((row) => row.referrer_id === customerId).map(referralSide),
      referredBy: referredByRow === undefined ? null : referralSide(referredByRow),
    },
    tierHistory: tierChanges.map((row) => ({
      from: row.from_tier,
      to: row.to_tier,
      reason: row.reason,
      at: new Date(Number(row.at)).toISOString(),
    })),
  };
}

/** What erasure did to the loyalty data. */
export interface LoyaltyErasure {
  /** Points forfeited: the balance once the pending points settled (less any debt they paid off). */
  readonly pointsForfeited: number;
  /** Assigned coupon codes that still worked and were ended. */
  readonly couponsEnded: number;
  /** Reward claims deleted (the rewards' claimed stock stays taken). */
  readonly claimsDeleted: number;
  /** Referrals deleted that named the customer, on either side. */
  readonly referralsDeleted: number;
  /** Tier changes deleted. */
  readonly tierChangesDeleted: number;
}

/**
 * Erases one customer's loyalty data, inside the erasure's transaction (privacy.service.ts):
 * - the points they held are forfeited: pending points are settled now and the balance is taken
 *   by one `adjust` entry (source `erasure`), so the balance stays the sum of the ledger and the
 *   programme's liability no longer counts points nobody can spend;
 * - every entry's free text (`reason`, `source_ref`) is cleared, and the stored answers of their
 *   API requests (replayed on a retry) lose the entry's reason too; kinds, points and dates stay
 *   for the programme report;
 * - coupon codes assigned to the customer that still work end now (their uses and redemptions
 *   stay, as the promotions' limits count them); expiry notices not yet acted on are deleted;
 * - the referral code is cleared (it names nobody any more), and every referral naming the
 *   customer, as referrer or referred, is deleted: the other customer keeps the points it already
 *   earned (their own ledger entries), while a referral still pending ends unrewarded (its reward
 *   waits on the erased customer's order or would credit them);
 * - reward claims are deleted: the claim's ledger entry (its points) stays, its coupon ends as the
 *   other assigned codes do, and the reward's `claimed` count is not given back — the unit was
 *   taken, and the stock must not be claimable again because a customer was erased;
 * - the tier history is deleted (it profiles the person; the account's current tier stays with
 *   its numbers).
 * Storefront tokens are not stored: the storefront refuses an erased customer's token, and the
 * ledger's API refuses writes for an erased customer (as an unknown one). Idempotent.
 */
export async function eraseLoyaltyDataOfCustomer(
  db: Executor,
  input: { readonly workspaceId: number; readonly customerId: RowId; readonly now: number },
): Promise<LoyaltyErasure> {
  const { workspaceId, customerId, now } = input;
  let pointsForfeited = 0;
  const before = await findAccount(db, workspaceId, customerId);
  if (before !== undefined) {
    if (before.pending > 0) {
      // Due now: the settling below moves them (paying any debt off first) into the balance.
      await db
        .updateTable('loyalty_entry')
        .set({ available_at: now })
        .where('workspace_id', '=', workspaceId)
        .where('customer_id', '=', customerId)
        .where('pending', '=', 1)
        .execute();
      await settleDue(db, workspaceId, now, { customerId, limit: 1 });
    }
    const settled = await findAccount(db, workspaceId, customerId);
    const balance = settled?.balance ?? 0;
    pointsForfeited = balance;
    if (balance > 0) {
      const outcome = await debit(
        db,
        workspaceId,
        {
          customerId,
          kind: 'adjust',
          points: -balance,
          reason: null,
          source: 'erasure',
          idempotencyKey: `erasure:${customerId}:${now}`,
          now,
        },
        { isActivity: false },
      );
      if (!outcome.ok) throw new Error('The balance read in this transaction no longer covers the forfeit');
    }
    await db
      .updateTable('loyalty_account')
      // No tier either: the tier history goes, and members per tier count live customers only.
      .set({ referral_code: null, tier: null, tier_since: null, tier_below_since: null, updated_at: now })
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', customerId)
      .execute();
  }
  const apiKeys = await db
    .selectFrom('loyalty_entry')
    .select('idempotency_key')
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where('idempotency_key', 'like', 'api:%')
    .execute();
  await db
    .updateTable('loyalty_entry')
    .set({ reason: null, source_ref: null })
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .execute();
  for (const { idempotency_key: entryKey } of apiKeys) {
    const key = entryKey.slice('api:'.length);
    const stored = await db
      .selectFrom('loyalty_request')
      .select('response')
      .where('workspace_id', '=', workspaceId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    if (stored === undefined) continue;
    const response = fromJson(stored.response) as {
      entry?: { reason?: unknown; sourceRef?: unknown } | null;
    };
    if (response.entry === undefined || response.entry === null) continue;
    response.entry.reason = null;
    response.entry.sourceRef = null;
    await db
      .updateTable('loyalty_request')
      .set({ response: toJson(response) })
      .where('workspace_id', '=', workspaceId)
      .where('idempotency_key', '=', key)
      .execute();
  }
  const ended = await db
    .updateTable('loyalty_coupon')
    .set({ expires_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
  await db
    .deleteFrom('loyalty_notice')
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .execute();
  // Only the claim rows: `loyalty_reward.claimed` is a counter, not a count of them.
  const claims = await db
    .deleteFrom('loyalty_reward_claim')
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  const referrals = await db
    .deleteFrom('loyalty_referral')
    .where('workspace_id', '=', workspaceId)
    .where((eb) => eb.or([eb('referrer_id', '=', customerId), eb('referred_id', '=', customerId)]))
    .executeTakeFirst();
  const tierChanges = await db
    .deleteFrom('loyalty_tier_change')
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return {
    pointsForfeited,
    couponsEnded: Number(ended.numUpdatedRows),
    claimsDeleted: Number(claims.numDeletedRows),
    referralsDeleted: Number(referrals.numDeletedRows),
    tierChangesDeleted: Number(tierChanges.numDeletedRows),
  };
}
