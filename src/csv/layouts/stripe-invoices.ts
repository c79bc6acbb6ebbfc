import type { FieldSpec } from '../columns.js';
import type { RowReader } from '../row-reader.js';
import {
  nonNegativeCents,
  type OrderLayout,
  type OrderStatus,
  type ReadOrder,
  refundOfGoodsCents,
} from './order-layout.js';

/** Stripe Dashboard → Billing → Invoices → Export. Its dates are UTC (the headers say so). */
export const STRIPE_INVOICE_FIELDS: readonly FieldSpec[] = [
  { field: 'order_id', headers: ['id'], required: true },
  { field: 'customer_id', headers: ['customer', 'customer id'], required: true },
  { field: 'email', headers: ['customer email'], required: false },
  { field: 'amount_paid', headers: ['amount paid'], required: true },
  { field: 'tax', headers: ['tax'], required: false },
  { field: 'currency', headers: ['currency'], required: false },
  { field: 'status', headers: ['status'], required: true },
  { field: 'ordered_at', headers: ['date (utc)', 'created (utc)', 'finalized at (utc)'], required: true },
  { field: 'amount_refunded', headers: ['amount refunded'], required: false },
];

/**
 * Stripe invoice status → order status: a paid invoice is an order; `draft` and `open` (not paid
 * yet) are pending; `void` and `uncollectible` (never paid) are cancelled.
 */
export const STRIPE_INVOICE_STATUSES: Readonly<Record<string, OrderStatus>> = {
  draft: 'pending',
  open: 'pending',
  paid: 'completed',
  void: 'cancelled',
  uncollectible: 'cancelled',
};

/**
 * A Stripe invoice: `id` is the natural key, `Customer` (Stripe's `cus_…` id) the customer; amount
 * = `Amount Paid` − `Tax` (the schema's amount excludes tax); a paid invoice's `Amount Refunded`,
 * when the export has it, is one refund of its goods part (`refundOfGoodsCents`) dated at the
 * invoice date (the export has no refund date).
 */
function readStripeInvoice([row]: readonly RowReader[]): ReadOrder | null {
  if (row === undefined) return null;
  const orderId = row.required('order_id', 'invoice id');
  const customerId = row.required('customer_id', 'customer id');
  const statusText = row.text('status').toLowerCase();
  const status = STRIPE_INVOICE_STATUSES[statusText];
  if (status === undefined) row.problem('status', 'invalid-status', `unknown invoice status "${statusText}"`);
  const orderedAt = row.instant('ordered_at', true) ?? Number.NaN;
  const hint = 'Stripe writes amounts as positive numbers';
  const paid = nonNegativeCents(row, 'amount_paid', row.amount('amount_paid', true), hint);
  const tax = nonNegativeCents(row, 'tax', row.amount('tax', false), hint);
  const refunded = nonNegativeCents(row, 'amount_refunded', row.amount('amount_refunded', false), hint);
  const email = row.email('email');
  const currency = row.currency('currency');
  if (row.failed) return null;
  const goods = Math.max(0, paid - tax);
  const refundCents = status === 'completed' ? refundOfGoodsCents(refunded, goods, paid - goods) : 0;
  return {
    orderId,
    customerId,
    email,
    orderedAt,
    amountCents: goods,
    status: status!,
    statusInFile: statusText,
    currency,
    refund: refundCents > 0 ? { amountCents: refundCents, refundedAt: orderedAt } : null,
    items: [],
    source: 'stripe',
  };
}

/** Stripe's invoices export: recognised by `id, Amount Paid, Status`; dates in UTC. */
export const stripeInvoices: OrderLayout = {
  format: 'stripe',
  signature: ['id', 'amount paid', 'status'],
  fields: STRIPE_INVOICE_FIELDS,
  timeZone: 'UTC',
  read: readStripeInvoice,
};
