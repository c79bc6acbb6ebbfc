/**
 * The coupon tables of migration 012 — `loyalty_promotion`, `loyalty_coupon`,
 * `loyalty_coupon_redemption`, `loyalty_coupon_customer` — and the only code that queries them.
 * Every limit is consumed by a conditional UPDATE checked by the rows it changed (the use count of
 * the code, of the promotion, of the customer in the promotion), inside one transaction with the
 * redemption row: the race that let coupons elsewhere be used past their limit (read the count,
 * then write) has no window here. CHECK constraints (`uses <= max_uses`, `uses <= total_limit`)
 * are the second guard.
 */
import type { Kysely, Transaction } from 'kysely';
import { type Database, fromJson, type RowId, toJson } from '../db/index.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** What a promotion gives. */
export type Discount =
  | { readonly kind: 'percent'; readonly percent: number }
  | { readonly kind: 'fixed'; readonly amountCents: number }
  | { readonly kind: 'free_shipping' }
  /** A loyalty reward's code that gives no money off (a free product, early access, a custom reward). */
  | {
      readonly kind: 'reward';
      readonly reward: 'free_product' | 'early_access' | 'custom';
      readonly productId?: string | undefined;
    };

export interface Promotion {
  readonly id: RowId;
  readonly name: string;
  readonly discount: Discount;
  readonly totalLimit: number | null;
  readonly perCustomerLimit: number | null;
  readonly uses: number;
  readonly minimumOrderCents: number | null;
  readonly startsAt: number | null;
  readonly endsAt: number | null;
  readonly createdAt: number;
}

export interface Coupon {
  readonly id: RowId;
  readonly promotionId: RowId;
  readonly customerId: RowId | null;
  readonly code: string;
  readonly maxUses: number | null;
  readonly uses: number;
  readonly expiresAt: number | null;
  readonly createdAt: number;
}

export interface Redemption {
  readonly id: RowId;
  readonly couponId: RowId;
  readonly customerId: RowId;
  readonly orderRef: string;
  readonly orderAmountCents: number | null;
  readonly createdAt: number;
}

const nullableNumber = (value: number | null) => (value === null ? null : Number(value));

export async function insertPromotion(
  db: Executor,
  workspaceId: number,
  promotion: Omit<Promotion, 'id' | 'uses'>,
): Promise<Promotion> {
  const row = await db
    .insertInto('loyalty_promotion')
    .values({
      workspace_id: workspaceId,
      name: promotion.name,
      discount: toJson(promotion.discount as unknown as Record<string, unknown>),
      total_limit: promotion.totalLimit,
      per_customer_limit: promotion.perCustomerLimit,
      minimum_order_cents: promotion.minimumOrderCents,
      starts_at: promotion.startsAt,
      ends_at: promotion.endsAt,
      created_at: promotion.createdAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ...promotion, id: row.id, uses: 0 };
}

export async function findPromotion(
  db: Executor,
  workspaceId: number,
  id: RowId,
): Promise<Promotion | undefined> {
  const row = await db
    .selectFrom('loyalty_promotion')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toPromotion(row);
}

export async function listPromotions(db: Executor, workspaceId: number, limit: number): Promise<Promotion[]> {
  const rows = await db
    .selectFrom('loyalty_promotion')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toPromotion);
}

function toPromotion(row: {
  id: RowId;
  name: string;
  discount: string;
  total_limit: number | null;
  per_customer_limit: number | null;
  uses: number;
  minimum_order_cents: number | null;
  starts_at: number | null;
  ends_at: number | null;
  created_at: number;
}): Promotion {
  return {
    id: row.id,
    name: row.name,
    discount: fromJson<Discount>(row.discount),
    totalLimit: nullableNumber(row.total_limit),
    perCustomerLimit: nullableNumber(row.per_customer_limit),
    uses: Number(row.uses),
    minimumOrderCents: nullableNumber(row.minimum_order_cents),
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    createdAt: row.created_at,
  };
}

/** Inserts coupons; throws the driver's unique violation when a code is taken (the caller redraws). */
export async function insertCoupons(
  db: Executor,
  workspaceId: number,
  coupons: readonly Omit<Coupon, 'id' | 'uses'>[],
): Promise<Coupon[]> {
  if (coupons.length === 0) return [];
  const rows = await db
    .insertInto('loyalty_coupon')
    .values(
      coupons.map((coupon) => ({
        workspace_id: workspaceId,
        promotion_id: coupon.promotionId,
        customer_id: coupon.customerId,
        code: coupon.code,
        max_uses: coupon.maxUses,
        expires_at: coupon.expiresAt,
        created_at: coupon.createdAt,
      })),
    )
    .returning(['id', 'code'])
    .execute();
  const idByCode = new Map(rows.map((row) => [row.code, row.id]));
  return coupons.map((coupon) => ({ ...coupon, id: idByCode.get(coupon.code)!, uses: 0 }));
}

export async function findCouponByCode(
  db: Executor,
  workspaceId: number,
  code: string,
): Promise<Coupon | undefined> {
  const row = await db
    .selectFrom('loyalty_coupon')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('code', '=', code)
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : {
        id: row.id,
        promotionId: row.promotion_id,
        customerId: row.customer_id,
        code: row.code,
        maxUses: nullableNumber(row.max_uses),
        uses: Number(row.uses),
        expiresAt: row.expires_at,
        createdAt: row.created_at,
      };
}

export async function findRedemption(
  db: Executor,
  workspaceId: number,
  couponId: RowId,
  orderRef: string,
): Promise<Redemption | undefined> {
  const row = await db
    .selectFrom('loyalty_coupon_redemption')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('coupon_id', '=', couponId)
    .where('order_ref', '=', orderRef)
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : {
        id: row.id,
        couponId: row.coupon_id,
        customerId: row.customer_id,
        orderRef: row.order_ref,
        orderAmountCents: nullableNumber(row.order_amount_cents),
        createdAt: row.created_at,
      };
}

/** Takes one use of the code if it has one left (rows changed: 1) — else nothing (0). */
export async function consumeCouponUse(db: Executor, workspaceId: number, couponId: RowId): Promise<boolean> {
  const result = await db
    .updateTable('loyalty_coupon')
    .set((eb) => ({ uses: eb('uses', '+', 1) }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', couponId)
    .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Takes one use of the promotion's total if it has one left. */
export async function consumePromotionUse(
  db: Executor,
  workspaceId: number,
  promotionId: RowId,
): Promise<boolean> {
  const result = await db
    .updateTable('loyalty_promotion')
    .set((eb) => ({ uses: eb('uses', '+', 1) }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', promotionId)
    .where((eb) => eb.or([eb('total_limit', 'is', null), eb('uses', '<', eb.ref('total_limit'))]))
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * Takes one of the customer's uses of the promotion if fewer than `limit` are taken (null: no
 * limit, only counted): an upsert whose update is conditional, so the first use inserts and each
 * next one passes only under the limit.
 */
export async function consumeCustomerUse(
  db: Executor,
  workspaceId: number,
  promotionId: RowId,
  customerId: RowId,
  limit: number | null,
): Promise<boolean> {
  if (limit !== null && limit < 1) return false;
  const result = await db
    .insertInto('loyalty_coupon_customer')
    .values({ workspace_id: workspaceId, promotion_id: promotionId, customer_id: customerId, uses: 1 })
    .onConflict((conflict) => {
      const update = conflict
        .columns(['workspace_id', 'promotion_id', 'customer_id'])
        .doUpdateSet((eb) => ({ uses: eb('loyalty_coupon_customer.uses', '+', 1) }));
      return limit === null ? update : update.where('loyalty_coupon_customer.uses', '<', limit);
    })
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

export async function insertRedemption(
  db: Executor,
  workspaceId: number,
  redemption: Omit<Redemption, 'id'>,
): Promise<Redemption> {
  const row = await db
    .insertInto('loyalty_coupon_redemption')
    .values({
      workspace_id: workspaceId,
      coupon_id: redemption.couponId,
      customer_id: redemption.customerId,
      order_ref: redemption.orderRef,
      order_amount_cents: redemption.orderAmountCents,
      created_at: redemption.createdAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ...redemption, id: row.id };
}

/** The net amount of the workspace's order with this external id, if Retain has it. */
export async function orderAmountByExternalId(
  db: Executor,
  workspaceId: number,
  externalId: string,
): Promise<number | undefined> {
  const row = await db
    .selectFrom('customer_order')
    .select('amount_cents')
    .where('workspace_id', '=', workspaceId)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.amount_cents);
}
