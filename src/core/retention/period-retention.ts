import type { OrderTable } from '../data/order-table.js';
import type { SubscriptionTable } from '../data/subscription-table.js';
import { InvalidInputError } from '../input-error.js';
import { addLocalDays, assertTimeZone } from '../time/periods.js';

/**
 * Retention over one period `[start, end)` (metrics.md §2): the seeds' formula and the
 * decomposition Retain always reports beside it.
 *
 * - `S` customers active at `start`, `E` active at `end`, `N` new in the period;
 * - `crr` = (E − N) / S × 100 (may leave [0, 100]: reactivations push it up, new customers who
 *   left within the period pull it down, even below 0);
 * - `retained` = |S ∩ E|, `churned` = |S \ E|, `newActiveAtEnd` = |new ∩ E|,
 *   `reactivated` = |E \ S| − |new ∩ E|, so E = retained + reactivated + newActiveAtEnd.
 *   A customer counts as active at a boundary t only if they were acquired before t. For orders
 *   this is automatic (an order in `[t − W, t)` precedes t); for subscriptions it settles a first
 *   subscription starting exactly at a boundary (common when dates have no time of day): it makes
 *   its customer new in the period that starts there, not also active at that period's start nor
 *   "reactivated" at the end of the period before. So new ∩ S = ∅ as metrics.md assumes, the
 *   identity holds, and each period's E is the next period's S;
 * - `retentionRate` = retained / S × 100, `churnRate` = churned / S × 100 = 100 − retentionRate.
 *
 * Every rate is `null` when S = 0 (undefined, never 0 or NaN).
 */
export interface PeriodRetention {
  /** The period `[start, end)`, epoch ms. */
  readonly start: number;
  readonly end: number;
  /** E.g. `2024-03` (from `periodLabel` / `PeriodGrid.label`); `''` when the caller gave none. */
  readonly label: string;
  /** Customers active at `start`. */
  readonly S: number;
  /** Customers active at `end`. */
  readonly E: number;
  /** Customers acquired in `[start, end)`. */
  readonly N: number;
  /** (E − N) / S × 100; `null` when S = 0. */
  readonly crr: number | null;
  readonly retained: number;
  readonly churned: number;
  readonly reactivated: number;
  readonly newActiveAtEnd: number;
  /** retained / S × 100; `null` when S = 0. */
  readonly retentionRate: number | null;
  /** churned / S × 100; `null` when S = 0. */
  readonly churnRate: number | null;
}

/** Options of `periodRetention`. */
export interface PeriodRetentionOptions {
  /** Start of the period (inclusive), epoch ms. */
  readonly start: number;
  /** End of the period (exclusive), epoch ms. */
  readonly end: number;
  /** Activity window W in local calendar days (metrics.md §1); a positive integer, default 365. */
  readonly windowDays?: number;
  /** IANA zone in which the W days are counted; default `UTC`. */
  readonly timeZone?: string;
  /** Label to carry in the result; default `''`. */
  readonly label?: string;
}

/** Options of `subscriptionPeriodRetention`. */
export interface SubscriptionPeriodRetentionOptions {
  readonly start: number;
  readonly end: number;
  readonly label?: string;
}

/** The activity window of metrics.md §1 when the workspace sets none. */
export const DEFAULT_WINDOW_DAYS = 365;

/** The five counts every other field of `PeriodRetention` is derived from. */
export interface RetentionCounts {
  readonly startActive: number;
  readonly endActive: number;
  readonly newCount: number;
  readonly retained: number;
  readonly newActiveAtEnd: number;
}

/**
 * Builds a `PeriodRetention` from its five underlying counts, applying metrics.md §2's formulas.
 * Shared by the direct and the one-pass (series) computations, so the rates are defined once.
 */
export function retentionFromCounts(
  start: number,
  end: number,
  label: string,
  counts: RetentionCounts,
): PeriodRetention {
  const { startActive, endActive, newCount, retained, newActiveAtEnd } = counts;
  const hasStart = startActive > 0;
  return {
    start,
    end,
    label,
    S: startActive,
    E: endActive,
    N: newCount,
    crr: hasStart ? ((endActive - newCount) / startActive) * 100 : null,
    retained,
    churned: startActive - retained,
    reactivated: endActive - retained - newActiveAtEnd,
    newActiveAtEnd,
    retentionRate: hasStart ? (retained / startActive) * 100 : null,
    churnRate: hasStart ? ((startActive - retained) / startActive) * 100 : null,
  };
}

/** Throws a `RangeError` unless `[start, end)` is a non-empty range of finite instants. */
export function assertPeriod(start: number, end: number): void {
  if (!Number.isFinite(start) || !Number.isFinite(end) || !(start < end)) {
    throw new InvalidInputError(`A period needs finite instants with start < end, got [${start}, ${end})`);
  }
}

/** Returns the activity window in days, throwing a `RangeError` unless it is a positive integer. */
export function resolveWindowDays(windowDays: number | undefined): number {
  const days = windowDays ?? DEFAULT_WINDOW_DAYS;
  // Whole days only: the window is counted in local calendar days, a fraction has no calendar meaning.
  if (!Number.isSafeInteger(days) || days < 1) {
    throw new InvalidInputError(`windowDays must be a positive whole number of days, got ${windowDays}`);
  }
  return days;
}

/**
 * Transactional retention over one period, straight from the definitions of metrics.md §1–§2.
 *
 * A customer is active at instant t when they have an order (amount ≥ 0) in `[t − W, t)`, where
 * `t − W` is W local calendar days before t in `timeZone` (so a window ending at local midnight
 * starts at local midnight, whatever DST did in between). Their acquisition instant is their first
 * order in the whole table; they are new when it falls in `[start, end)`. Refunds (negative
 * amounts) are neither activity nor acquisition.
 *
 * One pass over the rows with two flags and one instant per customer: O(rows + customers) time,
 * O(customers) memory, two Luxon calls in all. `retentionSeries` computes many periods in one pass.
 *
 * @example
 * // Window 365 days. Customer a ordered 2024-01-10 and 2024-03-05, b ordered 2024-01-20 only,
 * // c first ordered 2024-03-12; for March 2024 (UTC): S = {a, b}, E = {a, b, c}, N = {c}.
 * periodRetention(table, { start: Date.UTC(2024, 2, 1), end: Date.UTC(2024, 3, 1) });
 * // → { S: 2, E: 3, N: 1, crr: 100, retained: 2, churned: 0, reactivated: 0, newActiveAtEnd: 1, … }
 */
export function periodRetention(orders: OrderTable, options: PeriodRetentionOptions): PeriodRetention {
  const { start, end } = options;
  assertPeriod(start, end);
  const windowDays = resolveWindowDays(options.windowDays);
  const timeZone = options.timeZone ?? 'UTC';
  assertTimeZone(timeZone);
  const startWindowFrom = addLocalDays(start, -windowDays, timeZone);
  const endWindowFrom = addLocalDays(end, -windowDays, timeZone);

  const customers = orders.customerIds.length;
  const activeAtStart = new Uint8Array(customers);
  const activeAtEnd = new Uint8Array(customers);
  const firstOrderAt = new Float64Array(customers).fill(Number.POSITIVE_INFINITY);
  const { customer, orderedAt, amountCents } = orders;
  for (let row = 0; row < orders.length; row++) {
    if (amountCents[row]! < 0) continue; // a refund: not an order (order-table.ts)
    const who = customer[row]!;
    const at = orderedAt[row]!;
    if (at >= startWindowFrom && at < start) activeAtStart[who] = 1;
    if (at >= endWindowFrom && at < end) activeAtEnd[who] = 1;
    if (at < firstOrderAt[who]!) firstOrderAt[who] = at;
  }
  return countFlags(start, end, options.label ?? '', activeAtStart, activeAtEnd, firstOrderAt);
}

/**
 * Subscription retention over one period, straight from metrics.md §1–§2: a customer is active at
 * t when one of their (paid) subscriptions covers t, `startedAt ≤ t < endedAt` (`endedAt` is
 * `Infinity` while ongoing); their acquisition instant is their earliest `startedAt`.
 *
 * One pass over the rows: O(rows + customers) time, O(customers) memory.
 *
 * @example
 * // a: [2024-01-01, ∞); b: [2024-01-01, 2024-03-10); c: [2024-03-15, ∞). March 2024 (UTC):
 * // S = {a, b}, E = {a, c}, N = {c} → crr = (2 − 1) / 2 × 100 = 50, retentionRate = 50.
 * subscriptionPeriodRetention(table, { start: Date.UTC(2024, 2, 1), end: Date.UTC(2024, 3, 1) });
 */
export function subscriptionPeriodRetention(
  subscriptions: SubscriptionTable,
  options: SubscriptionPeriodRetentionOptions,
): PeriodRetention {
  const { start, end } = options;
  assertPeriod(start, end);
  const customers = subscriptions.customerIds.length;
  const activeAtStart = new Uint8Array(customers);
  const activeAtEnd = new Uint8Array(customers);
  const firstStartedAt = new Float64Array(customers).fill(Number.POSITIVE_INFINITY);
  const { customer, startedAt, endedAt } = subscriptions;
  for (let row = 0; row < subscriptions.length; row++) {
    const who = customer[row]!;
    const from = startedAt[row]!;
    const to = endedAt[row]!;
    if (from <= start && start < to) activeAtStart[who] = 1;
    if (from <= end && end < to) activeAtEnd[who] = 1;
    if (from < firstStartedAt[who]!) firstStartedAt[who] = from;
  }
  return countFlags(start, end, options.label ?? '', activeAtStart, activeAtEnd, firstStartedAt);
}

function countFlags(
  start: number,
  end: number,
  label: string,
  activeAtStart: Uint8Array,
  activeAtEnd: Uint8Array,
  acquiredAt: Float64Array,
): PeriodRetention {
  let startActive = 0;
  let endActive = 0;
  let newCount = 0;
  let retained = 0;
  let newActiveAtEnd = 0;
  for (let who = 0; who < acquiredAt.length; who++) {
    const acquired = acquiredAt[who]!;
    // Active at a boundary only once acquired before it (see `PeriodRetention`).
    const atStart = activeAtStart[who] === 1 && acquired < start;
    const atEnd = activeAtEnd[who] === 1 && acquired < end;
    const isNew = acquired >= start && acquired < end;
    if (atStart) startActive++;
    if (atEnd) endActive++;
    if (atStart && atEnd) retained++;
    if (isNew) {
      newCount++;
      if (atEnd) newActiveAtEnd++;
    }
  }
  return retentionFromCounts(start, end, label, {
    startActive,
    endActive,
    newCount,
    retained,
    newActiveAtEnd,
  });
}
