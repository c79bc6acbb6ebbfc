/** Which layout reads which (type, format) pair. */
import { autoCustomerLayout, genericCustomerLayout, shopifyCustomerLayout } from './customer-records.js';
import { genericEventLayout } from './event-records.js';
import type { RecordLayout } from './import.record-reader.js';
import type { ImportFormat, ImportType, RecordOf } from './import.types.js';
import {
  autoOrderLayout,
  genericOrderLayout,
  shopifyOrderLayout,
  stripeInvoiceLayout,
} from './order-records.js';
import {
  autoSubscriptionLayout,
  genericSubscriptionLayout,
  stripeSubscriptionLayout,
} from './subscription-records.js';

const LAYOUTS: { readonly [T in ImportType]: Partial<Record<ImportFormat, RecordLayout<RecordOf[T]>>> } = {
  customers: { auto: autoCustomerLayout, generic: genericCustomerLayout, shopify: shopifyCustomerLayout },
  orders: {
    auto: autoOrderLayout,
    generic: genericOrderLayout,
    shopify: shopifyOrderLayout,
    stripe: stripeInvoiceLayout,
  },
  subscriptions: {
    auto: autoSubscriptionLayout,
    generic: genericSubscriptionLayout,
    stripe: stripeSubscriptionLayout,
  },
  events: { auto: genericEventLayout, generic: genericEventLayout },
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

/**
 * The formats accepted for `type`, for messages. Example: `formatsOf('events')` → `['auto',
 * 'generic']` (`auto` is generic for events: there is no vendor layout).
 */
export function formatsOf(type: ImportType): ImportFormat[] {
  return Object.keys(LAYOUTS[type]) as ImportFormat[];
}
