/**
 * A customer's loyalty data for the privacy capability: what the export shows, and what erasure
 * does to it — the same rule as the rest of erasure (privacy.service.ts): the numbers the reports
 * are made of stay (entries' kinds, points and dates; orders' points; coupon uses), the free text
 * that may name the person goes, and nothing is kept working for a person who is gone.
 */
import { z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { type Database, fromJson, type RowId, toJson } from '../db/index.js';
import { type Account, debit, findAccount, listEntries, settleDue } from './loyalty.repository.js';
import { EntrySchema } from './loyalty.schemas.js';
import { entryBody } from './loyalty.service.js';

type Executor = Kysely<Database>;

/** Most ledger entries an export lists (a customer's whole history in practice). */
const EXPORT_ENTRIES = 100_000;

const instant = z.string().openapi({ format: 'date-time' });

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
  };
}

/** What erasure did to the loyalty data. */
export interface LoyaltyErasure {
  /** Points forfeited: the balance once the pending points settled (less any debt they paid off). */
  readonly pointsForfeited: number;
  /** Assigned coupon codes that still worked and were ended. */
  readonly couponsEnded: number;
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
 * - the referral code is cleared.
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
      .set({ referral_code: null, updated_at: now })
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
  return { pointsForfeited, couponsEnded: Number(ended.numUpdatedRows) };
}
