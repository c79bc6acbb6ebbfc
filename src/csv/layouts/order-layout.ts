/**
 * What every orders layout reads a record into, and the one rule for which of it counts. Each
 * vendor layout (`generic-orders.ts`, `shopify-orders.ts`, `stripe-invoices.ts`) is defined once,
 * here in `csv/`, and read by both `retain analyze` (into an `OrderTable`) and `retain import`
 * (into the store, which the analytics API reads back) — so a file gives the same revenue,
 * customers and retention on both paths.
 */
import type { RowGroupLayout } from '../row-groups.js';
import type { RowReader } from '../row-reader.js';

/** An order's state in the store's words (`customer_order.status`); only `completed` counts. */
export type OrderStatus = 'pending' | 'completed' | 'cancelled';

/** The layouts an orders file can have. */
export type OrdersFormat = 'generic' | 'shopify' | 'stripe';

export interface OrderLine {
  readonly productId: string | null;
  readonly productName: string | null;
  readonly category: string | null;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

/** Money given back on an order: a negative amount on its own instant (metrics.md, "Refunds"). */
export interface OrderRefund {
  /** Positive, cents; net of tax and shipping like the order's amount. */
  readonly amountCents: number;
  readonly refundedAt: number;
}

/** One order of a file, as its layout defines it. */
export interface ReadOrder {
  /** The natural key ('' when the file has no order id column: `retain analyze` only). */
  readonly orderId: string;
  /** The customer's key in this layout (generic: `customer_id`; Shopify: the lower-cased e-mail). */
  readonly customerId: string;
  readonly email: string | null;
  readonly orderedAt: number;
  /** Net of discounts, excluding tax and shipping, cents, ≥ 0 (the schema's order amount). */
  readonly amountCents: number;
  readonly status: OrderStatus;
  /** The status as the file wrote it (e.g. Shopify's `voided`), to say why an order does not count. */
  readonly statusInFile: string;
  /** ISO 4217, upper case; null when blank (the workspace's currency applies on import). */
  readonly currency: string | null;
  /**
   * The refund that counts: set only on a completed order (a pending or cancelled order never
   * counted, so neither does its refund), or on a refund-only record (status `cancelled`, amount 0:
   * a generic row with a negative amount).
   */
  readonly refund: OrderRefund | null;
  readonly items: readonly OrderLine[];
  /** `csv`, `shopify` or `stripe` (`customer_order.source`). */
  readonly source: string;
}

/** A record a layout leaves out on purpose (counted by reason, never an error). */
export interface SkippedRecord {
  readonly skip: string;
}

/** Who reads: `import` needs the natural key of every record; `analyze` reads files without one. */
export type ReadPurpose = 'analyze' | 'import';

/** One orders layout: its columns (`fields`), how it is recognised, and what a record means. */
export interface OrderLayout extends RowGroupLayout {
  readonly format: OrdersFormat;
  /**
   * Normalised header names that identify the layout for `--format auto` (detection tries the
   * vendor layouts in order and falls back to generic).
   */
  readonly signature: readonly string[];
  /**
   * The record of `lines` (one line, or the consecutive lines `groupKey` puts together); problems
   * are reported through the rows and the result is then null.
   */
  read(lines: readonly RowReader[], purpose: ReadPurpose): ReadOrder | SkippedRecord | null;
}

/** One row of an `OrderTable`: an order (amount ≥ 0) or a refund (negative). */
export interface CountedRow {
  readonly at: number;
  readonly amountCents: number;
}

/**
 * The rows an order adds to the analysed orders — the one counting rule shared by `retain
 * analyze` and the analytics API (which reads `completed` orders and every stored refund):
 * the order itself at `orderedAt` when it is completed, and its refund, negative, at `refundedAt`.
 * O(1). Example: a completed 120.00 order refunded 35.25 → `[{ 12000 }, { −3525 }]`.
 */
export function countedRows(order: ReadOrder): CountedRow[] {
  const rows: CountedRow[] = [];
  if (order.status === 'completed') rows.push({ at: order.orderedAt, amountCents: order.amountCents });
  if (order.refund !== null)
    rows.push({ at: order.refund.refundedAt, amountCents: -order.refund.amountCents });
  return rows;
}

/** Line items of an order, one per line with item values (`product_id`, `product_name`, `unit_price`). */
export function orderLines(lines: readonly RowReader[]): OrderLine[] {
  const items: OrderLine[] = [];
  for (const row of lines) {
    const productId = row.optional('product_id');
    const productName = row.optional('product_name');
    const unitPrice = row.amount('unit_price', false);
    if (productId === null && productName === null && unitPrice === null) continue;
    if (unitPrice === null) {
      row.problem('unit_price', 'missing-value', 'a line item needs its unit price');
      continue;
    }
    items.push({
      productId,
      productName,
      category: row.optional('category'),
      quantity: row.integer('quantity', 1, 0),
      unitPriceCents: unitPrice,
    });
  }
  return items;
}

/** `cents` when ≥ 0 (null → 0); a `negative-amount` problem otherwise. */
export function nonNegativeCents(row: RowReader, field: string, cents: number | null, hint: string): number {
  if (cents !== null && cents < 0) row.problem(field, 'negative-amount', `the amount is negative (${hint})`);
  return cents ?? 0;
}

/**
 * The part of a refunded total that refunds goods, in the terms of an order's amount (net of
 * discounts, excluding tax and shipping). Vendor exports give only the total refunded, which
 * includes the tax refunded with the goods and any shipping refunded, so Retain assumes goods are
 * refunded with their tax (in proportion: × goods ÷ (goods + tax)) and shipping only once all
 * goods are (the result is capped at the goods' amount). Exact for a full refund (→ the goods'
 * amount) and for refunds of goods without shipping; rounded half up to the cent.
 *
 * O(1). Example: goods 100.00, tax 20.00, one item refunded with its tax = 60.00 → 50.00; the
 * whole order refunded with 10.00 of shipping = 130.00 → 108.33, capped at 100.00.
 */
export function refundOfGoodsCents(refundedCents: number, goodsCents: number, taxCents: number): number {
  const goodsAndTax = goodsCents + taxCents;
  if (goodsAndTax <= 0 || refundedCents <= 0) return 0;
  // BigInt: the product of two amounts in cents can pass 2^53.
  const twice = 2n * BigInt(goodsAndTax);
  const goods = Number((2n * BigInt(refundedCents) * BigInt(goodsCents) + BigInt(goodsAndTax)) / twice);
  return Math.min(goods, goodsCents);
}
