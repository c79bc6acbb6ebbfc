/** What a subscription is doing now, in the store's words (`subscription.status`). */
export type SubscriptionStatus = 'trialing' | 'active' | 'past_due' | 'paused' | 'cancelled' | 'ended';

/** metrics.md §1: a past-due subscription stays active this long after it became past due. */
export const PAST_DUE_GRACE_DAYS = 14;
const PAST_DUE_GRACE_MS = PAST_DUE_GRACE_DAYS * 86_400_000;

/**
 * The fields of one subscription that decide when it was paid for — the store's columns, and the
 * values every file layout produces (`src/csv/layouts/`), so the same rule reads both.
 */
export interface SubscriptionStanding {
  readonly status: SubscriptionStatus;
  /** Price per billing interval, cents. */
  readonly amountCents: number;
  /** Start of the first paid period; null when it never started to pay (an unconverted trial…). */
  readonly startedAt: number | null;
  /** End of the paid coverage; null while it runs (or when only the fields below tell). */
  readonly endedAt: number | null;
  /** When it became past due (the grace runs from here). */
  readonly pastDueSince: number | null;
  readonly currentPeriodEnd: number | null;
  readonly cancelledAt: number | null;
}

/** The paid coverage `[startedAt, endedAt)` (`endedAt` is `Infinity` while it runs), or why there is none. */
export type PaidCoverage =
  | { readonly paid: true; readonly startedAt: number; readonly endedAt: number }
  | { readonly paid: false; readonly reason: string };

/**
 * When a subscription made its customer active and carried MRR (metrics.md §1, "subscription
 * mode"): `[startedAt, end)` where the end is, in order,
 * 1. `endedAt` when known (a cancelled subscription's stored end is the end of its paid period);
 * 2. for `past_due`, `pastDueSince` + 14 days (`PAST_DUE_GRACE_DAYS`: the customer stays active
 *    while the payment is retried; a recovered payment turns the status back to `active`);
 * 3. for `cancelled` or `ended` without an end, `currentPeriodEnd`, else `cancelledAt`;
 * 4. otherwise open (`Infinity`).
 * Not paid, with the reason: `trialing` and `paused` (not paying now), a price of 0 (`free (amount
 * 0)`), no paid start (`never paid`), and a coverage that is empty (`never paid`) or that has no
 * end though the subscription is over (`ended without an end date`).
 *
 * `retain analyze` applies it to each row read from a file, the analytics API to each stored row,
 * so both count the same subscriptions over the same instants. O(1).
 *
 * Example: `{ status: 'past_due', pastDueSince: Date.UTC(2024, 2, 20), startedAt: Date.UTC(2024, 1,
 * 20), endedAt: null, amountCents: 900, … }` → paid from 20 February to 3 April 2024 (20 March + 14 days).
 */
export function paidCoverage(subscription: SubscriptionStanding): PaidCoverage {
  const { status, startedAt } = subscription;
  if (status === 'trialing' || status === 'paused') return { paid: false, reason: status };
  if (subscription.amountCents === 0) return { paid: false, reason: 'free (amount 0)' };
  if (startedAt === null) return { paid: false, reason: 'never paid' };
  let endedAt = subscription.endedAt;
  if (endedAt === null && status === 'past_due' && subscription.pastDueSince !== null) {
    endedAt = subscription.pastDueSince + PAST_DUE_GRACE_MS;
  }
  if (endedAt === null && (status === 'cancelled' || status === 'ended')) {
    endedAt = subscription.currentPeriodEnd ?? subscription.cancelledAt;
    if (endedAt === null) return { paid: false, reason: 'ended without an end date' };
  }
  if (endedAt === null) return { paid: true, startedAt, endedAt: Number.POSITIVE_INFINITY };
  if (!(endedAt > startedAt)) return { paid: false, reason: 'never paid' };
  return { paid: true, startedAt, endedAt };
}
