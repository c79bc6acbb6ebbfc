/**
 * Subscription files, one row per subscription: the generic layout and Stripe's subscriptions
 * export (`id, Customer ID, Customer Email, Plan, Quantity, Currency, Interval, Amount, Status,
 * Created (UTC), Start Date (UTC), Current Period Start (UTC), Current Period End (UTC), Trial Start
 * (UTC), Trial End (UTC), Canceled At (UTC), Cancel At Period End, Ended At (UTC), …`).
 */

import type { FieldSpec } from '../csv/index.js';
import type { SubscriptionInterval, SubscriptionStatus } from '../db/index.js';
import type { RecordLayout, RowReader } from './import.record-reader.js';
import type { SubscriptionRecord } from './import.types.js';

/**
 * Generic: `subscription_id`, `customer_id`, `interval` (day | week | month | year), `amount` (per
 * interval) required; `interval_count`, `plan`, `currency`, `status` (trialing | active | past_due |
 * paused | cancelled | ended; default `ended` when `ended_at` is given, else `active`), `email`,
 * `trial_start`, `trial_end`, `started_at`, `ended_at`, `cancelled_at`, `current_period_end`.
 */
export const GENERIC_SUBSCRIPTION_FIELDS: readonly FieldSpec[] = [
  { field: 'subscription_id', headers: ['subscription_id'], required: true },
  { field: 'customer_id', headers: ['customer_id'], required: true },
  { field: 'interval', headers: ['interval'], required: true },
  { field: 'amount', headers: ['amount'], required: true },
  { field: 'interval_count', headers: ['interval_count'], required: false },
  { field: 'plan', headers: ['plan'], required: false },
  { field: 'currency', headers: ['currency'], required: false },
  { field: 'status', headers: ['status'], required: false },
  { field: 'email', headers: ['email'], required: false },
  { field: 'trial_start', headers: ['trial_start'], required: false },
  { field: 'trial_end', headers: ['trial_end'], required: false },
  { field: 'started_at', headers: ['started_at'], required: false },
  { field: 'ended_at', headers: ['ended_at'], required: false },
  { field: 'cancelled_at', headers: ['cancelled_at'], required: false },
  { field: 'current_period_end', headers: ['current_period_end'], required: false },
];

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
  { field: 'started_at', headers: ['start date (utc)', 'created (utc)'], required: true },
  { field: 'current_period_end', headers: ['current period end (utc)'], required: false },
  { field: 'trial_start', headers: ['trial start (utc)'], required: false },
  { field: 'trial_end', headers: ['trial end (utc)'], required: false },
  { field: 'cancelled_at', headers: ['canceled at (utc)'], required: false },
  { field: 'ended_at', headers: ['ended at (utc)'], required: false },
];

const INTERVALS: Readonly<Record<string, SubscriptionInterval>> = {
  day: 'day',
  daily: 'day',
  week: 'week',
  weekly: 'week',
  month: 'month',
  monthly: 'month',
  year: 'year',
  yearly: 'year',
  annual: 'year',
};
const STATUSES = new Set<SubscriptionStatus>([
  'trialing',
  'active',
  'past_due',
  'paused',
  'cancelled',
  'ended',
]);

/** Stripe status → stored status. `canceled` keeps its `Ended At`; `unpaid`/`incomplete` are past due. */
const STRIPE_STATUS: Readonly<Record<string, SubscriptionStatus>> = {
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

function interval(row: RowReader): SubscriptionInterval {
  const text = row.text('interval').toLowerCase();
  const value = INTERVALS[text];
  if (value === undefined) {
    if (text === '') row.problem('interval', 'missing-value', 'the interval is blank');
    else row.problem('interval', 'invalid-interval', `expected day, week, month or year, got "${text}"`);
    return 'month';
  }
  return value;
}

function nonNegativeAmount(row: RowReader, cents: number | null): number {
  if (cents !== null && cents < 0) row.problem('amount', 'negative-amount', 'the amount is negative');
  return cents ?? 0;
}

export const genericSubscriptionLayout: RecordLayout<SubscriptionRecord> = {
  fields: GENERIC_SUBSCRIPTION_FIELDS,
  read([row], options) {
    if (row === undefined) return null;
    const externalId = row.required('subscription_id', 'subscription id');
    const customerId = row.required('customer_id', 'customer id');
    const endedAt = row.instant('ended_at', false);
    const statusText = row.text('status').toLowerCase() || (endedAt === null ? 'active' : 'ended');
    const status = statusText === 'canceled' ? 'cancelled' : statusText;
    if (!STATUSES.has(status as SubscriptionStatus)) {
      row.problem('status', 'invalid-status', `unknown subscription status "${statusText}"`);
    }
    const record: SubscriptionRecord = {
      externalId,
      customer: { externalId: customerId, email: row.email('email') },
      plan: row.optional('plan'),
      interval: interval(row),
      intervalCount: row.integer('interval_count', 1, 1),
      amountCents: nonNegativeAmount(row, row.amount('amount', true)),
      currency: row.currency('currency', options.defaultCurrency),
      status: status as SubscriptionStatus,
      trialStart: row.instant('trial_start', false),
      trialEnd: row.instant('trial_end', false),
      startedAt: row.instant('started_at', false),
      endedAt,
      cancelledAt: row.instant('cancelled_at', false),
      currentPeriodEnd: row.instant('current_period_end', false),
    };
    return row.failed ? null : record;
  },
};

/**
 * Stripe: amount = `Amount` × `Quantity` (per seat prices); the dates are read as UTC whatever the
 * workspace zone (the headers say "(UTC)"). `started_at` is the start of the first paid period: the
 * trial's end when there was a trial, else `Start Date (UTC)`.
 */
export const stripeSubscriptionLayout: RecordLayout<SubscriptionRecord> = {
  fields: STRIPE_SUBSCRIPTION_FIELDS,
  timeZone: 'UTC',
  read([row], options) {
    if (row === undefined) return null;
    const externalId = row.required('subscription_id', 'subscription id');
    const customerId = row.required('customer_id', 'customer id');
    const statusText = row.text('status').toLowerCase();
    const status = STRIPE_STATUS[statusText];
    if (status === undefined)
      row.problem('status', 'invalid-status', `unknown Stripe status "${statusText}"`);
    const quantity = row.integer('quantity', 1, 0);
    const unitCents = nonNegativeAmount(row, row.amount('amount', true));
    const start = row.instant('started_at', true);
    const trialEnd = row.instant('trial_end', false);
    const record: SubscriptionRecord = {
      externalId,
      customer: { externalId: customerId, email: row.email('email') },
      plan: row.optional('plan'),
      interval: interval(row),
      intervalCount: row.integer('interval_count', 1, 1),
      amountCents: unitCents * quantity,
      currency: row.currency('currency', options.defaultCurrency),
      status: status ?? 'active',
      trialStart: row.instant('trial_start', false),
      trialEnd,
      startedAt: trialEnd ?? start,
      endedAt: row.instant('ended_at', false),
      cancelledAt: row.instant('cancelled_at', false),
      currentPeriodEnd: row.instant('current_period_end', false),
    };
    return row.failed ? null : record;
  },
};
