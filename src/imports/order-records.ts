/**
 * Order files into the store's records. The layouts — generic, Shopify's orders export, Stripe's
 * invoices export — are defined once in `csv/layouts/` (their columns, detection, revenue and
 * status rules, what is skipped), shared with `retain analyze`; this file only turns the order a
 * layout reads into an `OrderRecord`. Line items become `order_item` rows; the refund that counts
 * becomes one `refund` row.
 */

import {
  detectOrderLayout,
  GENERIC_ORDER_IMPORT_FIELDS,
  genericOrders,
  type OrderLayout,
  type ReadOrder,
  shopifyOrders,
  stripeInvoices,
} from '../csv/index.js';
import type { LayoutOptions, RecordLayout } from './import.record-reader.js';
import type { OrderRecord } from './import.types.js';

/** The stored record of an order read by its layout (blank currency → the workspace's). */
function toOrderRecord(order: ReadOrder, options: LayoutOptions): OrderRecord {
  return {
    externalId: order.orderId,
    customer: { externalId: order.customerId, email: order.email },
    orderedAt: order.orderedAt,
    currency: order.currency ?? options.defaultCurrency,
    amountCents: order.amountCents,
    status: order.status,
    source: order.source,
    items: order.items,
    refundedCents: order.refund?.amountCents ?? 0,
    refundedAt: order.refund?.refundedAt ?? null,
  };
}

/** How each orders layout is named to people. */
const DESCRIPTIONS: Readonly<Record<OrderLayout['format'], string>> = {
  generic: 'generic orders',
  shopify: 'a Shopify orders export',
  stripe: 'a Stripe invoices export',
};

/** The import's reading of an orders layout (with its import fields: the natural key required). */
function importLayout(layout: OrderLayout, fields = layout.fields): RecordLayout<OrderRecord> {
  return {
    fields,
    description: DESCRIPTIONS[layout.format],
    ...(layout.groupKey ? { groupKey: layout.groupKey } : {}),
    ...(layout.timeZone ? { timeZone: layout.timeZone } : {}),
    read(lines, options) {
      const order = layout.read(lines, 'import');
      if (order === null || 'skip' in order) return order;
      options.onCurrency?.(order.currency, lines[0]!.record);
      return toOrderRecord(order, options);
    },
  };
}

/** Generic orders (`genericOrders`): `order_id` is required, it is the natural key. */
export const genericOrderLayout = importLayout(genericOrders, GENERIC_ORDER_IMPORT_FIELDS);

/** Shopify's orders export (`shopifyOrders`). */
export const shopifyOrderLayout = importLayout(shopifyOrders);

/** Stripe's invoices export (`stripeInvoices`). */
export const stripeInvoiceLayout = importLayout(stripeInvoices);

/** `--format auto`: the layout `detectOrderLayout` finds in the header, as `retain analyze` reads it. */
export const autoOrderLayout: RecordLayout<OrderRecord> = {
  ...genericOrderLayout,
  detect: (names) => {
    const layout = detectOrderLayout(names);
    return layout === shopifyOrders
      ? shopifyOrderLayout
      : layout === stripeInvoices
        ? stripeInvoiceLayout
        : genericOrderLayout;
  },
};
