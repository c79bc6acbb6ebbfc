/**
 * What an analysis may be given and asked for, in one place (docs/operations.md, "Limits"):
 *
 * - **Instants** between 1970-01-01T00:00:00.000Z and 2100-12-31T23:59:59.999Z. Every entrance
 *   (CSV dates, tracking timestamps, API dates) checks this range, so that no stored or requested
 *   date makes a period grid span millennia (0001-01-01 to 9999-12-31 by day is 3.65 M periods).
 *   1970: no export of customer data holds earlier orders, and epoch milliseconds stay positive;
 *   2100: room for subscription ends and trial dates decades ahead.
 * - **Periods**: a period grid of at most `MAX_PERIODS` periods (27 years by day, the whole range
 *   by week), built and checked before anything is allocated for it.
 * - **Cohort cells**: a cohort matrix of P periods holds P × P cells per matrix (and one matrix per
 *   breakdown value); at most `MAX_COHORT_CELLS` in all (3.9 years by day, 27 by week, 117 by
 *   month), checked before the matrices are allocated (16 bytes a cell).
 *
 * Exceeding a limit throws the core's `InvalidInputError` naming the limit (a 400 in the API, exit 2
 * in the CLI), never a V8 `RangeError` from an impossible allocation.
 */
import { InvalidInputError } from './input-error.js';

/** First supported instant: 1970-01-01T00:00:00.000Z. */
export const EARLIEST_INSTANT = Date.UTC(1970, 0, 1);
/** Last supported instant: 2100-12-31T23:59:59.999Z. */
export const LATEST_INSTANT = Date.UTC(2101, 0, 1) - 1;
/** The supported dates, as messages name them. */
export const SUPPORTED_DATES = '1970-01-01 to 2100-12-31 (UTC)';

/** Default largest number of periods in a grid (a series, a cohort matrix's side). */
export const MAX_PERIODS = 10_000;
/** Default largest number of cells of the cohort matrices of one analysis (P² per matrix). */
export const MAX_COHORT_CELLS = 2_000_000;

/**
 * True for an instant Retain accepts (finite, within `EARLIEST_INSTANT … LATEST_INSTANT`). O(1).
 * Example: `isSupportedInstant(Date.UTC(9999, 11, 31))` → `false`.
 */
export function isSupportedInstant(instant: number): boolean {
  return instant >= EARLIEST_INSTANT && instant <= LATEST_INSTANT;
}

/**
 * True for a calendar date `YYYY-MM-DD` (a real date) from 1970-01-01 to 2100-12-31: the dates a
 * caller may name (an analysis range's `from` and `to`, in any time zone). O(1).
 * Example: `isSupportedDate('2024-02-29')` → `true`; `isSupportedDate('0001-01-01')` → `false`.
 */
export function isSupportedDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const instant = Date.UTC(year, month - 1, day);
  const probe = new Date(instant);
  return (
    probe.getUTCFullYear() === year &&
    probe.getUTCMonth() === month - 1 &&
    probe.getUTCDate() === day &&
    isSupportedInstant(instant)
  );
}

/**
 * Why `instant` is not supported (`null` when it is), for messages: "0001-01-01T00:00:00.000Z is
 * before 1970-01-01, the first date Retain accepts (1970-01-01 to 2100-12-31 (UTC))".
 */
export function unsupportedInstantReason(instant: number): string | null {
  if (isSupportedInstant(instant)) return null;
  const shown =
    Number.isFinite(instant) && Math.abs(instant) <= 8.64e15
      ? new Date(instant).toISOString()
      : String(instant);
  if (instant < EARLIEST_INSTANT)
    return `${shown} is before 1970-01-01, the first date Retain accepts (${SUPPORTED_DATES})`;
  if (instant > LATEST_INSTANT)
    return `${shown} is after 2100-12-31, the last date Retain accepts (${SUPPORTED_DATES})`;
  return `${shown} is not an instant`;
}

/** Throws `InvalidInputError` unless `limit` is a usable limit (a positive whole number or Infinity). */
export function checkLimit(limit: number, name: string): number {
  if (!(limit === Number.POSITIVE_INFINITY || (Number.isSafeInteger(limit) && limit > 0))) {
    throw new InvalidInputError(`${name} must be a positive whole number, got ${limit}.`, [name]);
  }
  return limit;
}
