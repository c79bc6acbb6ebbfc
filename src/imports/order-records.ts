/**
 * Order files: the generic layout, Shopify's orders export (one line per line item) and Stripe's
 * invoices export (a paid invoice is an order). Line items become `order_item` rows, refunded
 * amounts a `refund` row.
 */

import type { FieldSpec } from '../csv/index.js';
import type { OrderStatus } from '../db/index.js';
import type { LayoutOptions, RecordLayout, RowReader } from './import.record-reader.js';
import type { CustomerReference, OrderItemRecord, OrderRecord } from './import.types.js';

/**
 * Generic: `order_id`, `customer_id`, `ordered_at`, `amount` (required); `currency`, `status`
 * (pending | completed | cancelled, default completed), `email` (of a customer created by the
 * import), `refunded_amount`, `refunded_at`, and line-item columns `product_id`, `product_name`,
 * `category`, `quantity`, `unit_price`. Consecutive rows with the same `order_id` are one order
 * (one line item each); its order-level values are read from its first row.
 */
export const GENERIC_ORDER_FIELDS: readonly FieldSpec[] = [
  { field: 'order_id', headers: ['order_id'], required: true },
  { field: 'customer_id', headers: ['customer_id'], required: true },
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

/** Shopify Admin → Orders → Export. */
export const SHOPIFY_ORDER_FIELDS: readonly FieldSpec[] = [
  { field: 'order_id', headers: ['name'], required: true },
  { field: 'email', headers: ['email'], required: true },
  { field: 'financial_status', headers: ['financial status'], required: true },
  { field: 'subtotal', headers: ['subtotal'], required: true },
  { field: 'currency', headers: ['currency'], required: false },
  { field: 'ordered_at', headers: ['created at'], required: true },
  { field: 'cancelled_at', headers: ['cancelled at'], required: false },
  { field: 'refunded_amount', headers: ['refunded amount'], required: false },
  { field: 'quantity', headers: ['lineitem quantity'], required: false },
  { field: 'product_name', headers: ['lineitem name'], required: false },
  { field: 'unit_price', headers: ['lineitem price'], required: false },
  { field: 'product_id', headers: ['lineitem sku'], required: false },
];

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

const ORDER_STATUSES = new Set<OrderStatus>(['pending', 'completed', 'cancelled']);

/** Shopify financial status → order status (an order cancelled in Shopify is `cancelled` whatever it says). */
const SHOPIFY_STATUS: Readonly<Record<string, OrderStatus>> = {
  pending: 'pending',
  authorized: 'pending',
  partially_paid: 'pending',
  paid: 'completed',
  partially_refunded: 'completed',
  refunded: 'completed',
  voided: 'cancelled',
  expired: 'cancelled',
};

/** Stripe invoice status → order status. */
const STRIPE_INVOICE_STATUS: Readonly<Record<string, OrderStatus>> = {
  draft: 'pending',
  open: 'pending',
  paid: 'completed',
  void: 'cancelled',
  uncollectible: 'cancelled',
};

function item(row: RowReader): OrderItemRecord | null {
  const productId = row.optional('product_id');
  const productName = row.optional('product_name');
  const unitPrice = row.amount('unit_price', false);
  if (productId === null && productName === null && unitPrice === null) return null;
  if (unitPrice === null) {
    row.problem('unit_price', 'missing-value', 'a line item needs its unit price');
    return null;
  }
  return {
    productId,
    productName,
    category: row.optional('category'),
    quantity: row.integer('quantity', 1, 0),
    unitPriceCents: unitPrice,
  };
}

function nonNegative(row: RowReader, field: string, cents: number | null): number {
  if (cents !== null && cents < 0) {
    row.problem(field, 'negative-amount', 'the amount is negative (record refunds in refunded_amount)');
  }
  return cents ?? 0;
}

function customerOf(row: RowReader, customerId: string): CustomerReference {
  return { externalId: customerId, email: row.email('email') };
}

export const genericOrderLayout: RecordLayout<OrderRecord> = {
  fields: GENERIC_ORDER_FIELDS,
  groupKey: (row) => row.text('order_id'),
  read(lines, options: LayoutOptions) {
    const row = lines[0];
    if (row === undefined) return null;
    const externalId = row.required('order_id', 'order id');
    const customerId = row.required('customer_id', 'customer id');
    const orderedAt = row.instant('ordered_at', true) ?? Number.NaN;
    const amountCents = nonNegative(row, 'amount', row.amount('amount', true));
    const statusText = row.text('status').toLowerCase() || 'completed';
    if (!ORDER_STATUSES.has(statusText as OrderStatus)) {
      row.problem(
        'status',
        'invalid-status',
        `expected pending, completed or cancelled, got "${statusText}"`,
      );
    }
    const refundedCents = nonNegative(row, 'refunded_amount', row.amount('refunded_amount', false));
    const refundedAt = row.instant('refunded_at', false);
    const items: OrderItemRecord[] = [];
    for (const line of lines) {
      const lineItem = item(line);
      if (lineItem !== null) items.push(lineItem);
    }
    const currency = row.currency('currency', options.defaultCurrency);
    if (lines.some((line) => line.failed)) return null;
    return {
      externalId,
      customer: customerOf(row, customerId),
      orderedAt,
      currency,
      amountCents,
      status: statusText as OrderStatus,
      source: 'csv',
      items,
      refundedCents,
      refundedAt: refundedCents > 0 ? (refundedAt ?? orderedAt) : null,
    };
  },
};

/**
 * Shopify: consecutive lines with the same `Name` are one order (`Name` is its natural key); the
 * order-level columns are on its first line. Customer = the lower-cased `Email` (an order without
 * one — e.g. a point-of-sale sale — is skipped and counted). Amount = `Subtotal` (after discounts,
 * before shipping and taxes, as the schema defines an order's amount); `Refunded Amount` becomes a
 * refund dated at the order's creation (the export carries no refund date). Each line is an item
 * (`Lineitem sku` as product id, `Lineitem name`, `Lineitem quantity`, `Lineitem price`).
 */
export const shopifyOrderLayout: RecordLayout<OrderRecord> = {
  fields: SHOPIFY_ORDER_FIELDS,
  groupKey: (row) => row.text('order_id'),
  skipReason: 'no customer e-mail',
  read(lines, options) {
    const row = lines[0];
    if (row === undefined) return null;
    const externalId = row.required('order_id', 'order name');
    const email = row.email('email');
    const financial = row.text('financial_status').toLowerCase();
    let status = SHOPIFY_STATUS[financial];
    if (status === undefined) {
      row.problem('financial_status', 'invalid-status', `unknown financial status "${financial}"`);
      status = 'pending';
    }
    if (row.optional('cancelled_at') !== null) status = 'cancelled';
    const orderedAt = row.instant('ordered_at', true) ?? Number.NaN;
    const amountCents = nonNegative(row, 'subtotal', row.amount('subtotal', true));
    const refundedCents = nonNegative(row, 'refunded_amount', row.amount('refunded_amount', false));
    const items: OrderItemRecord[] = [];
    for (const line of lines) {
      const lineItem = item(line);
      if (lineItem !== null) items.push(lineItem);
    }
    const currency = row.currency('currency', options.defaultCurrency);
    if (lines.some((line) => line.failed)) return null;
    if (email === null) return 'skip';
    return {
      externalId,
      customer: { externalId: email, email },
      orderedAt,
      currency,
      amountCents,
      status,
      source: 'shopify',
      items,
      refundedCents,
      refundedAt: refundedCents > 0 ? orderedAt : null,
    };
  },
};

/**
 * Stripe invoices: `id` is the natural key, `Customer` (Stripe's `cus_…` id) the customer;
 * amount = `Amount Paid` − `Tax` (the schema's amount excludes tax); `Amount Refunded`, when the
 * export has it, becomes a refund dated at the invoice date. Status: paid → completed, draft/open →
 * pending, void/uncollectible → cancelled.
 */
export const stripeInvoiceLayout: RecordLayout<OrderRecord> = {
  fields: STRIPE_INVOICE_FIELDS,
  timeZone: 'UTC',
  read([row], options) {
    if (row === undefined) return null;
    const externalId = row.required('order_id', 'invoice id');
    const customerId = row.required('customer_id', 'customer id');
    const statusText = row.text('status').toLowerCase();
    const status = STRIPE_INVOICE_STATUS[statusText];
    if (status === undefined)
      row.problem('status', 'invalid-status', `unknown invoice status "${statusText}"`);
    const orderedAt = row.instant('ordered_at', true) ?? Number.NaN;
    const paid = nonNegative(row, 'amount_paid', row.amount('amount_paid', true));
    const tax = nonNegative(row, 'tax', row.amount('tax', false));
    const refundedCents = nonNegative(row, 'amount_refunded', row.amount('amount_refunded', false));
    const currency = row.currency('currency', options.defaultCurrency);
    if (row.failed) return null;
    return {
      externalId,
      customer: customerOf(row, customerId),
      orderedAt,
      currency,
      amountCents: Math.max(0, paid - tax),
      status: status ?? 'pending',
      source: 'stripe',
      items: [],
      refundedCents,
      refundedAt: refundedCents > 0 ? orderedAt : null,
    };
  },
};
