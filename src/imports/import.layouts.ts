/** Which layout reads which (type, format) pair. */
import { genericCustomerLayout, shopifyCustomerLayout } from './customer-records.js';
import { genericEventLayout } from './event-records.js';
import type { RecordLayout } from './import.record-reader.js';
import type { ImportFormat, ImportType, RecordOf } from './import.types.js';
import { genericOrderLayout, shopifyOrderLayout, stripeInvoiceLayout } from './order-records.js';
import { genericSubscriptionLayout, stripeSubscriptionLayout } from './subscription-records.js';

const LAYOUTS: { readonly [T in ImportType]: Partial<Record<ImportFormat, RecordLayout<RecordOf[T]>>> } = {
  customers: { generic: genericCustomerLayout, shopify: shopifyCustomerLayout },
  orders: { generic: genericOrderLayout, shopify: shopifyOrderLayout, stripe: stripeInvoiceLayout },
  subscriptions: { generic: genericSubscriptionLayout, stripe: stripeSubscriptionLayout },
  events: { generic: genericEventLayout },
};

/**
 * The layout for `type` written by `format`, or undefined for a pair that does not exist (e.g.
 * Shopify subscriptions). O(1). Example: `layoutFor('orders', 'stripe')` reads Stripe invoices.
 */
export function layoutFor<T extends ImportType>(
  type: T,
  format: ImportFormat,
): RecordLayout<RecordOf[T]> | undefined {
  return LAYOUTS[type][format] as RecordLayout<RecordOf[T]> | undefined;
}

/** The formats accepted for `type`, for messages. Example: `formatsOf('events')` → `['generic']`. */
export function formatsOf(type: ImportType): ImportFormat[] {
  return Object.keys(LAYOUTS[type]) as ImportFormat[];
}
