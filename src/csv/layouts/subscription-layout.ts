/**
 * What every subscriptions layout reads a row into. The fields are the store's columns
 * (`subscription`), so `retain import` stores them as read and the analytics API applies the same
 * rule to the stored row as `retain analyze` applies to the row read: the core's `paidCoverage`.
 */
import type { BillingInterval, SubscriptionStanding } from '../../core/light.js';
import type { RowGroupLayout } from '../row-groups.js';
import type { RowReader } from '../row-reader.js';
import type { SkippedRecord } from './order-layout.js';

/** The layouts a subscriptions file can have. */
export type SubscriptionsFormat = 'generic' | 'stripe';

/** One subscription of a file, as its layout defines it. */
export interface ReadSubscription extends SubscriptionStanding {
  readonly subscriptionId: string;
  readonly customerId: string;
  readonly email: string | null;
  readonly plan: string | null;
  readonly interval: BillingInterval;
  readonly intervalCount: number;
  /** The status as the file wrote it (e.g. Stripe's `unpaid`), for messages. */
  readonly statusInFile: string;
  /** ISO 4217, upper case; null when blank. */
  readonly currency: string | null;
  readonly trialStart: number | null;
  readonly trialEnd: number | null;
}

/** One subscriptions layout: its columns, how it is recognised, and what a row means. */
export interface SubscriptionLayout extends RowGroupLayout {
  readonly format: SubscriptionsFormat;
  /** Normalised header names that identify the layout for `--format auto` (generic is the fallback). */
  readonly signature: readonly string[];
  read(lines: readonly RowReader[]): ReadSubscription | SkippedRecord | null;
}

/** Billing interval words (blank is a problem): singular, plural and `-ly` forms. */
const INTERVALS: Readonly<Record<string, BillingInterval>> = {
  day: 'day',
  days: 'day',
  daily: 'day',
  week: 'week',
  weeks: 'week',
  weekly: 'week',
  month: 'month',
  months: 'month',
  monthly: 'month',
  year: 'year',
  years: 'year',
  yearly: 'year',
  annual: 'year',
  annually: 'year',
};

/** The `interval` field as a billing interval; a problem (and `month`) for another word. */
export function billingInterval(row: RowReader): BillingInterval {
  const text = row.text('interval').toLowerCase();
  const interval = INTERVALS[text];
  if (interval === undefined) {
    row.problem(
      'interval',
      'invalid-interval',
      `cannot read "${text}" as a billing interval: use day, week, month or year`,
    );
    return 'month';
  }
  return interval;
}

/** The `amount` field, ≥ 0 and required. */
export function subscriptionPrice(row: RowReader): number {
  const cents = row.amount('amount', true) ?? Number.NaN;
  if (cents < 0) {
    row.problem(
      'amount',
      'invalid-amount',
      `a subscription price cannot be negative ("${row.text('amount')}")`,
    );
  }
  return cents;
}
