/**
 * Coupons: promotions (what they give, a total limit, a limit per customer, a minimum order, a
 * window) and their codes (single-use or N uses, an expiry, optionally one customer's). Redeeming
 * checks and consumes every limit in one transaction of conditional updates (coupon.repository.ts).
 * A code redeemed again for the same order by the same customer answers as the first time and
 * consumes nothing (the order is the idempotency key).
 */
import type { Kysely } from 'kysely';
import { findCustomer } from '../customers/index.js';
import { type Database, isUniqueViolation, parseRowId, type RowId } from '../db/index.js';
import { notFound, RetainError } from '../errors/index.js';
import {
  type Coupon,
  consumeCouponUse,
  consumeCustomerUse,
  consumePromotionUse,
  type Discount,
  findCouponByCode,
  findPromotion,
  findRedemption,
  insertCoupons,
  insertPromotion,
  insertRedemption,
  orderAmountByExternalId,
  type Promotion,
  type Redemption,
} from './coupon.repository.js';
import { displayCouponCode, newCouponCode, normaliseCouponCode } from './coupon-code.js';
import { inLedgerTransaction } from './loyalty.repository.js';

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());
const money = (cents: number | null) => (cents === null ? null : (cents / 100).toFixed(2));

export function promotionBody(promotion: Promotion) {
  return {
    id: String(promotion.id),
    name: promotion.name,
    discount: promotion.discount,
    totalLimit: promotion.totalLimit,
    perCustomerLimit: promotion.perCustomerLimit,
    uses: promotion.uses,
    minimumOrder: money(promotion.minimumOrderCents),
    startsAt: iso(promotion.startsAt),
    endsAt: iso(promotion.endsAt),
    createdAt: new Date(promotion.createdAt).toISOString(),
  };
}

export function couponBody(coupon: Coupon) {
  return {
    code: coupon.code,
    display: displayCouponCode(coupon.code),
    promotionId: String(coupon.promotionId),
    customerId: coupon.customerId === null ? null : String(coupon.customerId),
    maxUses: coupon.maxUses,
    uses: coupon.uses,
    expiresAt: iso(coupon.expiresAt),
    createdAt: new Date(coupon.createdAt).toISOString(),
  };
}

export interface NewPromotion {
  readonly name: string;
  readonly discount: Discount;
  readonly totalLimit?: number | undefined;
  readonly perCustomerLimit?: number | undefined;
  readonly minimumOrderCents?: number | undefined;
  readonly startsAt?: number | undefined;
  readonly endsAt?: number | undefined;
}

export async function createPromotion(
  db: Kysely<Database>,
  workspaceId: number,
  input: NewPromotion,
  now: number,
): Promise<Promotion> {
  if (input.startsAt !== undefined && input.endsAt !== undefined && input.endsAt <= input.startsAt) {
    throw new RetainError('invalid_input', 'The request is not valid.', [
      { path: ['json', 'endsAt'], message: 'Must be after startsAt.' },
    ]);
  }
  try {
    return await insertPromotion(db, workspaceId, {
      name: input.name,
      discount: input.discount,
      totalLimit: input.totalLimit ?? null,
      perCustomerLimit: input.perCustomerLimit ?? null,
      minimumOrderCents: input.minimumOrderCents ?? null,
      startsAt: input.startsAt ?? null,
      endsAt: input.endsAt ?? null,
      createdAt: now,
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new RetainError('conflict', `A promotion named "${input.name}" exists.`);
    throw error;
  }
}

/** The promotion of `idText` in the workspace, or `not_found`. */
export async function promotionOf(
  db: Kysely<Database>,
  workspaceId: number,
  idText: string,
): Promise<Promotion> {
  const id = parseRowId(idText);
  const promotion = id === undefined ? undefined : await findPromotion(db, workspaceId, id);
  if (promotion === undefined) throw notFound('Promotion');
  return promotion;
}

/** The coupon of the code as typed, or `not_found`. */
export async function couponOf(db: Kysely<Database>, workspaceId: number, codeText: string): Promise<Coupon> {
  const code = normaliseCouponCode(codeText);
  const coupon = code === undefined ? undefined : await findCouponByCode(db, workspaceId, code);
  if (coupon === undefined) throw notFound('Coupon');
  return coupon;
}

export interface NewCoupons {
  readonly count: number;
  readonly maxUses?: number | null | undefined;
  readonly expiresAt?: number | undefined;
  readonly customerId?: RowId | undefined;
  /** Letters and digits put before each random code. */
  readonly prefix?: string | undefined;
  /** A chosen code (count must be 1), e.g. `WELCOME10`. */
  readonly code?: string | undefined;
}

/** Issues `count` codes of the promotion (random unless `code` is chosen); redraws a taken one. */
export async function issueCoupons(
  db: Kysely<Database>,
  workspaceId: number,
  promotion: Promotion,
  input: NewCoupons,
  now: number,
): Promise<Coupon[]> {
  const issues = [];
  if (input.code !== undefined && input.count !== 1) {
    issues.push({ path: ['json', 'count'], message: 'A chosen code is one coupon: count must be 1.' });
  }
  const chosen = input.code === undefined ? undefined : normaliseCouponCode(input.code);
  if (input.code !== undefined && chosen === undefined) {
    issues.push({
      path: ['json', 'code'],
      message: 'Letters and digits (dashes and spaces are ignored), at most 64.',
    });
  }
  const prefix = input.prefix === undefined ? '' : normaliseCouponCode(input.prefix);
  if (prefix === undefined) issues.push({ path: ['json', 'prefix'], message: 'Letters and digits only.' });
  if (
    input.customerId !== undefined &&
    (await findCustomer(db, workspaceId, input.customerId)) === undefined
  ) {
    issues.push({ path: ['json', 'customerId'], message: 'No such customer in this workspace.' });
  }
  if (issues.length > 0) throw new RetainError('invalid_input', 'The request is not valid.', issues);
  const template = {
    promotionId: promotion.id,
    customerId: input.customerId ?? null,
    maxUses: input.maxUses === undefined ? 1 : input.maxUses,
    expiresAt: input.expiresAt ?? null,
    createdAt: now,
  };
  if (chosen !== undefined) {
    try {
      return await insertCoupons(db, workspaceId, [{ ...template, code: chosen }]);
    } catch (error) {
      if (isUniqueViolation(error)) throw new RetainError('conflict', `The code ${chosen} exists.`);
      throw error;
    }
  }
  // 59 random bits a code: a clash is next to impossible, but a batch that meets one is redrawn.
  for (let attempt = 0; ; attempt++) {
    const codes = new Set<string>();
    while (codes.size < input.count) codes.add(newCouponCode(prefix));
    try {
      return await inLedgerTransaction(db, async (trx) => {
        const coupons: Coupon[] = [];
        const all = [...codes];
        for (let start = 0; start < all.length; start += 500) {
          const batch = all.slice(start, start + 500).map((code) => ({ ...template, code }));
          coupons.push(...(await insertCoupons(trx, workspaceId, batch)));
        }
        return coupons;
      });
    } catch (error) {
      if (attempt < 3 && isUniqueViolation(error)) continue;
      throw error;
    }
  }
}

/** What a redemption answers: the redemption, the code's state and the discount it gives. */
function redemptionBody(coupon: Coupon, promotion: Promotion, redemption: Redemption) {
  const amount = redemption.orderAmountCents;
  let discountCents: number | null = null;
  if (amount !== null) {
    if (promotion.discount.kind === 'percent')
      discountCents = Math.floor((amount * promotion.discount.percent) / 100);
    else if (promotion.discount.kind === 'fixed')
      discountCents = Math.min(amount, promotion.discount.amountCents);
    else discountCents = 0;
  }
  return {
    redemption: {
      id: String(redemption.id),
      code: coupon.code,
      customerId: String(redemption.customerId),
      orderId: redemption.orderRef,
      orderAmount: money(amount),
      redeemedAt: new Date(redemption.createdAt).toISOString(),
    },
    promotion: { id: String(promotion.id), name: promotion.name },
    discount: promotion.discount,
    discountAmount: money(discountCents),
  };
}

function refused(message: string): RetainError {
  return new RetainError('conflict', message);
}

/**
 * Redeems a code for a customer's order: 200 with the redemption, or `conflict` (409) naming the
 * reason — used up, the promotion's total reached, the customer's limit reached, expired, outside
 * the promotion's window, another customer's code, below the minimum order, or the order redeemed
 * by another customer. Nothing is consumed unless everything passes.
 */
export async function redeemCoupon(
  db: Kysely<Database>,
  workspaceId: number,
  codeText: string,
  request: {
    readonly customerId: RowId;
    readonly orderId: string;
    readonly orderAmountCents?: number | undefined;
  },
  now: number,
): Promise<ReturnType<typeof redemptionBody>> {
  if ((await findCustomer(db, workspaceId, request.customerId)) === undefined) {
    throw new RetainError('invalid_input', 'The request is not valid.', [
      { path: ['json', 'customerId'], message: 'No such customer in this workspace.' },
    ]);
  }
  for (let attempt = 0; ; attempt++) {
    try {
      return await inLedgerTransaction(db, async (trx) => {
        const coupon = await couponOf(trx, workspaceId, codeText);
        const promotion = await findPromotion(trx, workspaceId, coupon.promotionId);
        if (promotion === undefined) throw notFound('Coupon');
        const earlier = await findRedemption(trx, workspaceId, coupon.id, request.orderId);
        if (earlier !== undefined) {
          if (earlier.customerId !== request.customerId) {
            throw refused('This code was redeemed for this order by another customer.');
          }
          return redemptionBody(coupon, promotion, earlier);
        }
        if (coupon.customerId !== null && coupon.customerId !== request.customerId) {
          throw refused('This code was issued to another customer.');
        }
        if (coupon.expiresAt !== null && coupon.expiresAt <= now) throw refused('This code has expired.');
        if (promotion.startsAt !== null && now < promotion.startsAt)
          throw refused('The promotion has not started.');
        if (promotion.endsAt !== null && promotion.endsAt <= now) throw refused('The promotion has ended.');
        let amount = request.orderAmountCents ?? null;
        if (promotion.minimumOrderCents !== null) {
          amount ??= (await orderAmountByExternalId(trx, workspaceId, request.orderId)) ?? null;
          if (amount === null) {
            throw refused(
              `The promotion needs an order of at least ${money(promotion.minimumOrderCents)}: send orderAmount.`,
            );
          }
          if (amount < promotion.minimumOrderCents) {
            throw refused(
              `The order is below the promotion’s minimum of ${money(promotion.minimumOrderCents)}.`,
            );
          }
        }
        // Each limit: one conditional update; the first that fails rolls the others back.
        if (!(await consumeCouponUse(trx, workspaceId, coupon.id)))
          throw refused('This code has been used up.');
        if (!(await consumePromotionUse(trx, workspaceId, promotion.id))) {
          throw refused('The promotion has reached its total number of uses.');
        }
        if (
          !(await consumeCustomerUse(
            trx,
            workspaceId,
            promotion.id,
            request.customerId,
            promotion.perCustomerLimit,
          ))
        ) {
          throw refused('The customer has used this promotion as many times as it allows.');
        }
        const redemption = await insertRedemption(trx, workspaceId, {
          couponId: coupon.id,
          customerId: request.customerId,
          orderRef: request.orderId,
          orderAmountCents: amount,
          createdAt: now,
        });
        return redemptionBody({ ...coupon, uses: coupon.uses + 1 }, promotion, redemption);
      });
    } catch (error) {
      // The same order redeemed at the same moment: the other committed; answer as it did.
      if (attempt < 3 && isUniqueViolation(error)) continue;
      throw error;
    }
  }
}
