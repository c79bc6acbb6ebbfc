import type { FieldSpec } from '../columns.js';
import type { RowReader } from '../row-reader.js';
import {
  nonNegativeCents,
  type OrderLayout,
  type OrderStatus,
  orderLines,
  type ReadOrder,
  refundOfGoodsCents,
  type SkippedRecord,
} from './order-layout.js';

/**
 * Shopify's orders export (Admin → Orders → Export; 79 columns from `Name, Email, Financial Status,
 * Paid at, …` to `Payment References`), one line per line item, the order's values on its first
 * line. The fields Retain reads, by header (matched case-insensitively).
 */
export const SHOPIFY_ORDER_FIELDS: readonly FieldSpec[] = [
  { field: 'order_id', headers: ['name'], required: true },
  { field: 'email', headers: ['email'], required: true },
  { field: 'financial_status', headers: ['financial status'], required: true },
  { field: 'subtotal', headers: ['subtotal'], required: true },
  { field: 'taxes', headers: ['taxes'], required: false },
  { field: 'currency', headers: ['currency'], required: false },
  { field: 'ordered_at', headers: ['created at'], required: true },
  { field: 'cancelled_at', headers: ['cancelled at'], required: false },
  { field: 'refunded_amount', headers: ['refunded amount'], required: false },
  { field: 'quantity', headers: ['lineitem quantity'], required: false },
  { field: 'product_name', headers: ['lineitem name'], required: false },
  { field: 'unit_price', headers: ['lineitem price'], required: false },
  { field: 'product_id', headers: ['lineitem sku'], required: false },
];

/**
 * Shopify's financial statuses (the values its export writes) and the order status each means.
 * Retain counts an order once its payment is complete, so:
 * - `paid`, `partially_refunded`, `refunded` → completed (a refund is money given back later, not
 *   an order that never happened: the refund lowers revenue, the purchase still made the customer
 *   active — as Shopify's own sales reports count returns);
 * - `pending`, `authorized` (not captured yet), `partially_paid` → pending: not counted until a
 *   later export shows them paid (a re-import updates the status in place);
 * - `voided`, `expired` (the authorisation was released or lapsed: no money moved) → cancelled.
 * An order with `Cancelled at` set is cancelled whatever its financial status.
 */
export const SHOPIFY_FINANCIAL_STATUSES: Readonly<Record<string, OrderStatus>> = {
  pending: 'pending',
  authorized: 'pending',
  partially_paid: 'pending',
  paid: 'completed',
  partially_refunded: 'completed',
  refunded: 'completed',
  voided: 'cancelled',
  expired: 'cancelled',
};

/**
 * A Shopify order: its lines (consecutive lines with the same `Name`); the order-level values are
 * on its first line. Customer = the lower-cased `Email` (an order without one, e.g. a point-of-sale
 * sale, is skipped: `no customer e-mail`). Amount = `Subtotal`. Status from `Financial Status`
 * (`SHOPIFY_FINANCIAL_STATUSES`) and `Cancelled at`. A completed order's `Refunded Amount` is one
 * refund (`refundOfGoodsCents`: the part that refunds goods) dated at the order's `Created at` — the export has no refund
 * date. Items: `Lineitem sku` (product id), `Lineitem name`, `Lineitem quantity`, `Lineitem price`.
 */
function readShopifyOrder(lines: readonly RowReader[]): ReadOrder | SkippedRecord | null {
  const row = lines[0];
  if (row === undefined) return null;
  const orderId = row.required('order_id', 'order name');
  const email = row.email('email');
  const financial = row.text('financial_status').toLowerCase();
  const financialStatus = SHOPIFY_FINANCIAL_STATUSES[financial];
  if (financialStatus === undefined) {
    row.problem(
      'financial_status',
      'invalid-status',
      `unknown financial status "${financial}": expected one of ${Object.keys(SHOPIFY_FINANCIAL_STATUSES).join(', ')}`,
    );
  }
  const cancelled = row.optional('cancelled_at') !== null;
  const orderedAt = row.instant('ordered_at', true) ?? Number.NaN;
  const hint = 'Shopify writes amounts as positive numbers';
  const subtotal = nonNegativeCents(row, 'subtotal', row.amount('subtotal', true), hint);
  const taxes = nonNegativeCents(row, 'taxes', row.amount('taxes', false), hint);
  const refunded = nonNegativeCents(row, 'refunded_amount', row.amount('refunded_amount', false), hint);
  const currency = row.currency('currency');
  const items = orderLines(lines);
  if (lines.some((line) => line.failed)) return null;
  if (email === null) return { skip: 'no customer e-mail' };
  const status: OrderStatus = cancelled ? 'cancelled' : financialStatus!;
  const refundCents = status === 'completed' ? refundOfGoodsCents(refunded, subtotal, taxes) : 0;
  return {
    orderId,
    customerId: email,
    email,
    orderedAt,
    amountCents: subtotal,
    status,
    // A voided order is usually also cancelled: its financial status then says more.
    statusInFile: cancelled && financialStatus !== 'cancelled' ? 'cancelled' : financial,
    currency,
    refund: refundCents > 0 ? { amountCents: refundCents, refundedAt: orderedAt } : null,
    items,
    source: 'shopify',
  };
}

/** Shopify's orders export: recognised by `Name, Email, Financial Status, Created at`. */
export const shopifyOrders: OrderLayout = {
  format: 'shopify',
  signature: ['name', 'email', 'financial status', 'created at'],
  fields: SHOPIFY_ORDER_FIELDS,
  groupKey: (row) => row.text('order_id'),
  read: readShopifyOrder,
};
