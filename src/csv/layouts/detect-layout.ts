/**
 * `--format auto`: which layout a file has, from its header. `retain analyze` and `retain import`
 * both call these, so a file is read as the same layout on both paths.
 */
import { hasColumns } from '../columns.js';
import { genericOrders } from './generic-orders.js';
import { genericSubscriptions } from './generic-subscriptions.js';
import type { OrderLayout, OrdersFormat } from './order-layout.js';
import { shopifyOrders } from './shopify-orders.js';
import { stripeInvoices } from './stripe-invoices.js';
import { stripeSubscriptions } from './stripe-subscriptions.js';
import type { SubscriptionLayout, SubscriptionsFormat } from './subscription-layout.js';

/** Every orders layout by format. */
export const ORDER_LAYOUTS: Readonly<Record<OrdersFormat, OrderLayout>> = {
  generic: genericOrders,
  shopify: shopifyOrders,
  stripe: stripeInvoices,
};

/** Every subscriptions layout by format. */
export const SUBSCRIPTION_LAYOUTS: Readonly<Record<SubscriptionsFormat, SubscriptionLayout>> = {
  generic: genericSubscriptions,
  stripe: stripeSubscriptions,
};

/**
 * The orders layout of a header (as written): the first vendor layout whose signature columns are
 * all present (Shopify, then Stripe invoices), else generic. O(columns).
 * Example: a header with `Name, Email, Financial Status, …, Created at` → `shopifyOrders`.
 */
export function detectOrderLayout(names: readonly string[]): OrderLayout {
  for (const layout of [shopifyOrders, stripeInvoices]) {
    if (hasColumns(names, layout.signature)) return layout;
  }
  return genericOrders;
}

/** The subscriptions layout of a header: Stripe's export when its signature is present, else generic. */
export function detectSubscriptionLayout(names: readonly string[]): SubscriptionLayout {
  return hasColumns(names, stripeSubscriptions.signature) ? stripeSubscriptions : genericSubscriptions;
}

/**
 * Whether a header looks like a file of `kind` — a vendor export's signature, or the generic
 * layout's telling columns (`started_at` with `interval`, `subscription_id`; `ordered_at`,
 * `order_id`) — so that a header error can ask whether the other kind was meant. O(columns).
 */
export function looksLike(kind: 'orders' | 'subscriptions', names: readonly string[]): boolean {
  if (kind === 'subscriptions') {
    return (
      hasColumns(names, stripeSubscriptions.signature) ||
      hasColumns(names, ['started_at', 'interval']) ||
      hasColumns(names, ['subscription_id'])
    );
  }
  return (
    hasColumns(names, shopifyOrders.signature) ||
    hasColumns(names, stripeInvoices.signature) ||
    hasColumns(names, ['ordered_at']) ||
    hasColumns(names, ['order_id'])
  );
}
