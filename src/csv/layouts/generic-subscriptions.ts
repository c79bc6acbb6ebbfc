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
 * The generic subscriptions layout (docs/imports.md, "Generic columns"), one row per subscription:
 * `customer_id`, `subscription_id`, `started_at` (start of the first paid period), `amount` (per
 * billing interval) and `interval` required; `ended_at` (end of the paid coverage; blank while it
 * runs), `interval_count`, `status`, `currency`, `plan`, `email`, `trial_start`, `trial_end`,
 * `cancelled_at`, `current_period_end`, `past_due_since`.
 */
export const GENERIC_SUBSCRIPTION_FIELDS: readonly FieldSpec[] = [
  { field: 'customer_id', headers: ['customer_id'], required: true },
  { field: 'subscription_id', headers: ['subscription_id'], required: true },
  { field: 'started_at', headers: ['started_at'], required: true },
  { field: 'ended_at', headers: ['ended_at'], required: false },
  { field: 'amount', headers: ['amount'], required: true },
  { field: 'interval', headers: ['interval'], required: true },
  { field: 'interval_count', headers: ['interval_count'], required: false },
  { field: 'status', headers: ['status'], required: false },
  { field: 'currency', headers: ['currency'], required: false },
  { field: 'plan', headers: ['plan'], required: false },
  { field: 'email', headers: ['email'], required: false },
  { field: 'trial_start', headers: ['trial_start'], required: false },
  { field: 'trial_end', headers: ['trial_end'], required: false },
  { field: 'cancelled_at', headers: ['cancelled_at', 'canceled_at'], required: false },
  { field: 'current_period_end', headers: ['current_period_end'], required: false },
  { field: 'past_due_since', headers: ['past_due_since'], required: false },
];

/** Status words of the generic layout (`canceled` accepted); blank: `ended` with an end, else `active`. */
const STATUSES: Readonly<Record<string, SubscriptionStatus>> = {
  trialing: 'trialing',
  active: 'active',
  past_due: 'past_due',
  paused: 'paused',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  ended: 'ended',
};

/**
 * A generic row, taken as written: the paid coverage is `[started_at, ended_at)` (blank `ended_at`:
 * still running), cut short for `past_due` with a `past_due_since` by the 14-day grace
 * (`paidCoverage`). A blank `started_at` means it never started to pay (counted as skipped, like
 * trials, paused and free plans). Problems: an end before the start, a cancelled or ended
 * subscription with no end at all (`ended_at`, `current_period_end` or `cancelled_at`).
 */
function readGenericSubscription([row]: readonly RowReader[]): ReadSubscription | null {
  if (row === undefined) return null;
  const subscriptionId = row.required('subscription_id', 'subscription id');
  const customerId = row.required('customer_id', 'customer id');
  const amountCents = subscriptionPrice(row);
  const interval = billingInterval(row);
  const intervalCount = row.integer('interval_count', 1, 1);
  const startedAt = row.instant('started_at', false);
  const endedAt = row.instant('ended_at', false);
  const statusText = row.text('status').toLowerCase();
  const status = statusText === '' ? (endedAt === null ? 'active' : 'ended') : STATUSES[statusText];
  if (status === undefined) {
    row.problem(
      'status',
      'invalid-status',
      `unknown subscription status "${statusText}": expected trialing, active, past_due, paused, cancelled or ended`,
    );
  }
  const currentPeriodEnd = row.instant('current_period_end', false);
  const cancelledAt = row.instant('cancelled_at', false);
  if (startedAt !== null && endedAt !== null && endedAt < startedAt) {
    row.problem('ended_at', 'ends-before-start', 'the subscription ends before it starts');
  }
  if (
    (status === 'cancelled' || status === 'ended') &&
    endedAt === null &&
    currentPeriodEnd === null &&
    cancelledAt === null
  ) {
    row.problem('ended_at', 'missing-value', `a ${statusText || status} subscription needs its ended_at`);
  }
  const record: ReadSubscription = {
    subscriptionId,
    customerId,
    email: row.email('email'),
    plan: row.optional('plan'),
    interval,
    intervalCount,
    amountCents,
    currency: row.currency('currency'),
    status: status ?? 'active',
    statusInFile: statusText || (status ?? ''),
    trialStart: row.instant('trial_start', false),
    trialEnd: row.instant('trial_end', false),
    startedAt,
    endedAt,
    cancelledAt,
    currentPeriodEnd,
    pastDueSince: row.instant('past_due_since', false),
  };
  return row.failed ? null : record;
}

/** The generic subscriptions layout: the fallback of `--format auto`. */
export const genericSubscriptions: SubscriptionLayout = {
  format: 'generic',
  signature: [],
  fields: GENERIC_SUBSCRIPTION_FIELDS,
  read: readGenericSubscription,
};
