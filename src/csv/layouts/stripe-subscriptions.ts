import type { SubscriptionStatus } from '../../core/light.js';
import type { FieldSpec } from '../columns.js';
import type { RowReader } from '../row-reader.js';
import {
  billingInterval,
  type ReadSubscription,
  type SubscriptionLayout,
  subscriptionPrice,
} from './subscription-layout.js';

/**
 * Stripe Dashboard → Billing → Subscriptions → Export (`id, Customer ID, Customer Email, …, Plan,
 * Quantity, Currency, Interval, Amount, Status, Created (UTC), Start Date (UTC) or Start (UTC),
 * Current Period Start (UTC), Current Period End (UTC), Trial Start (UTC), Trial End (UTC),
 * Canceled At (UTC), Cancel At Period End, Ended At (UTC), …`). Its dates are UTC.
 *
 * The start is read from `Start Date (UTC)` or, in exports that name it so, `Start (UTC)` (the
 * reader reports which column it used); never from `Created (UTC)`, which can differ (a backdated
 * or scheduled subscription) — a file without a start column is refused with the columns it has.
 * Exports made under Stripe API versions before 2019-10-17 filled `Start (UTC)` with the date of
 * the subscription's latest plan change instead; such a start is read as written.
 */
export const STRIPE_SUBSCRIPTION_FIELDS: readonly FieldSpec[] = [
  { field: 'subscription_id', headers: ['id'], required: true },
  { field: 'customer_id', headers: ['customer id', 'customer'], required: true },
  { field: 'email', headers: ['customer email'], required: false },
  { field: 'plan', headers: ['plan', 'product'], required: false },
  { field: 'quantity', headers: ['quantity'], required: false },
  { field: 'currency', headers: ['currency'], required: false },
  { field: 'interval', headers: ['interval'], required: true },
  { field: 'interval_count', headers: ['interval count'], required: false },
  { field: 'amount', headers: ['amount'], required: true },
  { field: 'status', headers: ['status'], required: true },
  { field: 'started_at', headers: ['start date (utc)', 'start (utc)'], required: true },
  { field: 'current_period_start', headers: ['current period start (utc)'], required: false },
  { field: 'current_period_end', headers: ['current period end (utc)'], required: true },
  { field: 'trial_start', headers: ['trial start (utc)'], required: false },
  { field: 'trial_end', headers: ['trial end (utc)'], required: false },
  { field: 'cancelled_at', headers: ['canceled at (utc)'], required: false },
  { field: 'cancel_at_period_end', headers: ['cancel at period end'], required: false },
  { field: 'ended_at', headers: ['ended at (utc)'], required: false },
];

/**
 * Stripe's subscription statuses and the stored status each becomes (the schema has no `unpaid`,
 * `incomplete` or `incomplete_expired`: what they mean for the paid coverage is in the dates
 * `readStripeSubscription` sets).
 */
export const STRIPE_SUBSCRIPTION_STATUSES: Readonly<Record<string, SubscriptionStatus>> = {
  trialing: 'trialing',
  active: 'active',
  past_due: 'past_due',
  unpaid: 'past_due',
  incomplete: 'past_due',
  incomplete_expired: 'ended',
  paused: 'paused',
  canceled: 'cancelled',
  cancelled: 'cancelled',
};

/**
 * A Stripe row. Price = `Amount` × `Quantity` (per-seat prices). The paid part starts when the
 * trial ends (`Trial End`, when later than the start), else at the start. By status:
 * - `active`: runs on; with `Cancel At Period End` it ends at `Current Period End`;
 * - `past_due`: past due since `Current Period Start` (the renewal that failed); `paidCoverage`
 *   keeps it active 14 days from then (metrics.md §1) while Stripe retries;
 * - `unpaid`: the retries are over, so the paid coverage ended when the unpaid period began
 *   (`Current Period Start`), with no grace;
 * - `canceled`: ends at the end of its paid period (`Current Period End`, else `Ended At`, else
 *   `Canceled At`); one canceled before its trial ended never paid;
 * - `incomplete`, `incomplete_expired` (the first payment never succeeded): never paid;
 * - `trialing`, `paused` (a trial that ended without a payment method): not paying.
 * "Never paid" is a blank paid start, which `paidCoverage` counts as not paid.
 */
function readStripeSubscription([row]: readonly RowReader[]): ReadSubscription | null {
  if (row === undefined) return null;
  const subscriptionId = row.required('subscription_id', 'subscription id');
  const customerId = row.required('customer_id', 'customer id');
  const statusText = row.text('status').toLowerCase();
  const status = STRIPE_SUBSCRIPTION_STATUSES[statusText];
  if (status === undefined) {
    row.problem(
      'status',
      'invalid-status',
      `unknown subscription status "${statusText}": expected one of ${Object.keys(STRIPE_SUBSCRIPTION_STATUSES).join(', ')}`,
    );
  }
  const quantity = row.integer('quantity', 1, 0);
  const amountCents = subscriptionPrice(row) * quantity;
  const start = row.instant('started_at', true) ?? Number.NaN;
  const periodStart = row.instant('current_period_start', false);
  const periodEnd = row.instant('current_period_end', false);
  const trialEnd = row.instant('trial_end', false);
  const cancelledAt = row.instant('cancelled_at', false);
  const stripeEndedAt = row.instant('ended_at', false);
  const cancelAtPeriodEnd = row.flag('cancel_at_period_end');
  const paidStart = trialEnd !== null && trialEnd > start ? trialEnd : start;

  let startedAt: number | null = paidStart;
  let endedAt: number | null = null;
  let pastDueSince: number | null = null;
  switch (statusText) {
    case 'active':
      if (cancelAtPeriodEnd) endedAt = periodEnd;
      break;
    case 'past_due':
      pastDueSince = periodStart ?? paidStart;
      break;
    case 'unpaid':
      pastDueSince = periodStart ?? paidStart;
      endedAt = pastDueSince;
      break;
    case 'canceled':
    case 'cancelled': {
      endedAt = periodEnd ?? stripeEndedAt ?? cancelledAt;
      if (endedAt === null) {
        row.problem(
          'current_period_end',
          'missing-value',
          'a canceled subscription needs its Current Period End, Ended At or Canceled At',
        );
      }
      const stoppedAt = stripeEndedAt ?? cancelledAt;
      if (trialEnd !== null && stoppedAt !== null && stoppedAt <= trialEnd) startedAt = null;
      break;
    }
    case 'incomplete':
    case 'incomplete_expired':
      startedAt = null;
      break;
  }
  const record: ReadSubscription = {
    subscriptionId,
    customerId,
    email: row.email('email'),
    plan: row.optional('plan'),
    interval: billingInterval(row),
    intervalCount: row.integer('interval_count', 1, 1),
    amountCents,
    currency: row.currency('currency'),
    status: status ?? 'active',
    statusInFile: statusText,
    trialStart: row.instant('trial_start', false),
    trialEnd,
    startedAt,
    endedAt,
    cancelledAt,
    currentPeriodEnd: periodEnd,
    pastDueSince,
  };
  return row.failed ? null : record;
}

/** Stripe's subscriptions export: recognised by `id, Status, Interval, Amount, Current Period End (UTC)`. */
export const stripeSubscriptions: SubscriptionLayout = {
  format: 'stripe',
  signature: ['id', 'status', 'interval', 'amount', 'current period end (utc)'],
  fields: STRIPE_SUBSCRIPTION_FIELDS,
  timeZone: 'UTC',
  read: readStripeSubscription,
};
