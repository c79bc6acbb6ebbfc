/**
 * Subscription files into the store's records. The layouts — generic and Stripe's subscriptions
 * export — are defined once in `csv/layouts/` (columns, detection, status mapping, the start, end
 * and past-due rules), shared with `retain analyze`; this file only turns the subscription a layout
 * reads into a `SubscriptionRecord`. The stored dates are what `paidCoverage` reads back in the
 * analytics API, so the paid coverage is the one `retain analyze` computes from the file.
 */

import {
  detectSubscriptionLayout,
  genericSubscriptions,
  type ReadSubscription,
  type SubscriptionLayout,
  stripeSubscriptions,
} from '../csv/index.js';
import type { LayoutOptions, RecordLayout } from './import.record-reader.js';
import type { SubscriptionRecord } from './import.types.js';

/** The stored record of a subscription read by its layout (blank currency → the workspace's). */
function toSubscriptionRecord(subscription: ReadSubscription, options: LayoutOptions): SubscriptionRecord {
  return {
    externalId: subscription.subscriptionId,
    customer: { externalId: subscription.customerId, email: subscription.email },
    plan: subscription.plan,
    interval: subscription.interval,
    intervalCount: subscription.intervalCount,
    amountCents: subscription.amountCents,
    currency: subscription.currency ?? options.defaultCurrency,
    status: subscription.status,
    trialStart: subscription.trialStart,
    trialEnd: subscription.trialEnd,
    startedAt: subscription.startedAt,
    endedAt: subscription.endedAt,
    cancelledAt: subscription.cancelledAt,
    currentPeriodEnd: subscription.currentPeriodEnd,
    pastDueSince: subscription.pastDueSince,
  };
}

function importLayout(layout: SubscriptionLayout): RecordLayout<SubscriptionRecord> {
  return {
    fields: layout.fields,
    description: layout.format === 'stripe' ? 'a Stripe subscriptions export' : 'generic subscriptions',
    ...(layout.timeZone ? { timeZone: layout.timeZone } : {}),
    read(lines, options) {
      const subscription = layout.read(lines);
      if (subscription === null || 'skip' in subscription) return subscription;
      options.onCurrency?.(subscription.currency, lines[0]!.record);
      return toSubscriptionRecord(subscription, options);
    },
  };
}

/** Generic subscriptions (`genericSubscriptions`). */
export const genericSubscriptionLayout = importLayout(genericSubscriptions);

/** Stripe's subscriptions export (`stripeSubscriptions`); its dates are UTC. */
export const stripeSubscriptionLayout = importLayout(stripeSubscriptions);

/** `--format auto`: the layout `detectSubscriptionLayout` finds in the header. */
export const autoSubscriptionLayout: RecordLayout<SubscriptionRecord> = {
  ...genericSubscriptionLayout,
  detect: (names) =>
    detectSubscriptionLayout(names) === stripeSubscriptions
      ? stripeSubscriptionLayout
      : genericSubscriptionLayout,
};
