import type { FieldSpec } from '../columns.js';
import type { RowReader } from '../row-reader.js';
import {
  nonNegativeCents,
  type OrderLayout,
  type OrderStatus,
  orderLines,
  type ReadOrder,
  type ReadPurpose,
  type SkippedRecord,
} from './order-layout.js';

/**
 * The generic orders layout (docs/imports.md, "Generic columns"): `customer_id`, `ordered_at`,
 * `amount` required; `order_id` (required to import: it is the natural key), `currency`, `status`,
 * `email`, `refunded_amount`, `refunded_at` and the line-item columns `product_id`,
 * `product_name`, `category`, `quantity`, `unit_price`.
 */
export const GENERIC_ORDER_FIELDS: readonly FieldSpec[] = [
  { field: 'customer_id', headers: ['customer_id'], required: true },
  { field: 'order_id', headers: ['order_id'], required: false },
  { field: 'ordered_at', headers: ['ordered_at'], required: true },
  { field: 'amount', headers: ['amount'], required: true },
  { field: 'currency', headers: ['currency'], required: false },
  { field: 'status', headers: ['status'], required: false },
  { field: 'email', headers: ['email'], required: false },
  { field: 'refunded_amount', headers: ['refunded_amount'], required: false },
  { field: 'refunded_at', headers: ['refunded_at'], required: false },
  { field: 'product_id', headers: ['product_id'], required: false },
  { field: 'product_name', headers: ['product_name'], required: false },
  { field: 'category', headers: ['category'], required: false },
  { field: 'quantity', headers: ['quantity'], required: false },
  { field: 'unit_price', headers: ['unit_price'], required: false },
];

/** The same fields with `order_id` required, for the import (every stored order has its key). */
export const GENERIC_ORDER_IMPORT_FIELDS: readonly FieldSpec[] = GENERIC_ORDER_FIELDS.map((spec) =>
  spec.field === 'order_id' ? { ...spec, required: true } : spec,
);

/**
 * The fields the byte scanner of `retain analyze` reads (`order-scanner.ts`, the fast path of
 * large files). A file that binds any other field of the layout (a status, refunds, items, an
 * e-mail to check) is read by record through `genericOrders.read` instead, so the scanner never
 * has to implement those rules; a property test pins the scanner to `genericOrders.read`.
 */
export const SCANNED_ORDER_FIELDS: ReadonlySet<string> = new Set([
  'customer_id',
  'order_id',
  'ordered_at',
  'amount',
  'currency',
]);

/** Status words of the generic layout (blank = completed). */
const STATUSES: Readonly<Record<string, OrderStatus>> = {
  pending: 'pending',
  completed: 'completed',
  cancelled: 'cancelled',
  canceled: 'cancelled',
};

/**
 * The key that groups consecutive lines into one order: the order id, or — for a line without
 * one — a key of its own (lines without an id are separate orders).
 */
function orderKey(row: RowReader): string {
  const id = row.text('order_id');
  return id === '' ? `\u0000${row.record}` : id;
}

/**
 * A generic record. Rules (the same for `retain analyze` and `retain import`):
 * - consecutive lines with the same `order_id` are one order: its order-level values come from its
 *   first line, every line with item values is one line item;
 * - `status` pending | completed | cancelled (`canceled` accepted), blank = completed; only a
 *   completed order counts;
 * - `refunded_amount` (≥ 0) is one refund dated `refunded_at` (default the order's date); it counts
 *   only on a completed order;
 * - a negative `amount` is a refund recorded as its own row (a return booked as a transaction):
 *   a refund of |amount| on `ordered_at`, not an order — stored as a zero-amount `cancelled` order
 *   holding the refund, since every stored refund belongs to an order. Its key is
 *   `<order_id>:refund:<ordered_at as ISO>`, so a refund row written with the id of the order it
 *   refunds never overwrites that order, and two refunds of one order are two.
 * O(lines).
 */
function readGenericOrder(
  lines: readonly RowReader[],
  purpose: ReadPurpose,
): ReadOrder | SkippedRecord | null {
  const row = lines[0];
  if (row === undefined) return null;
  const orderId = purpose === 'import' ? row.required('order_id', 'order id') : row.text('order_id');
  const customerId = row.required('customer_id', 'customer id');
  const orderedAt = row.instant('ordered_at', true) ?? Number.NaN;
  const amountCents = row.amount('amount', true) ?? Number.NaN;
  const statusText = row.text('status').toLowerCase();
  const status = statusText === '' ? 'completed' : STATUSES[statusText];
  if (status === undefined) {
    row.problem('status', 'invalid-status', `expected pending, completed or cancelled, got "${statusText}"`);
  }
  const refundedCents = nonNegativeCents(
    row,
    'refunded_amount',
    row.amount('refunded_amount', false),
    'a refunded amount is positive',
  );
  const refundedAt = row.instant('refunded_at', false);
  const email = row.email('email');
  const currency = row.currency('currency');
  const items = orderLines(lines);
  const isRefundRow = amountCents < 0;
  if (isRefundRow && refundedCents > 0) {
    row.problem('refunded_amount', 'invalid-refund', 'a refund row (negative amount) has no refunded amount');
  }
  if (isRefundRow && status !== 'completed' && status !== undefined) {
    row.problem('status', 'invalid-status', `a refund row (negative amount) cannot be ${statusText}`);
  }
  for (const line of lines) if (line.failed) return null;
  // Object literals in one property order, no spread: every ReadOrder has one shape. Built by
  // spreading a partial order, they cost the import's reading of 1 M orders 6–7 s of CPU more
  // (10.3 s against 3.3 s, measured: slow objects in every later step and 30 % of the time in GC).
  if (isRefundRow) {
    return {
      orderId: orderId === '' ? '' : `${orderId}:refund:${new Date(orderedAt).toISOString()}`,
      customerId,
      email,
      orderedAt,
      amountCents: 0,
      status: 'cancelled',
      statusInFile: 'refund',
      currency,
      refund: { amountCents: -amountCents, refundedAt: orderedAt },
      items: [],
      source: 'csv',
    };
  }
  const counted = status === 'completed';
  return {
    orderId,
    customerId,
    email,
    orderedAt,
    amountCents,
    status: status!,
    statusInFile: status!,
    currency,
    refund:
      counted && refundedCents > 0
        ? { amountCents: refundedCents, refundedAt: refundedAt ?? orderedAt }
        : null,
    items,
    source: 'csv',
  };
}

/** The generic orders layout: the fallback of `--format auto`. */
export const genericOrders: OrderLayout = {
  format: 'generic',
  signature: [],
  fields: GENERIC_ORDER_FIELDS,
  groupKey: orderKey,
  read: readGenericOrder,
};
