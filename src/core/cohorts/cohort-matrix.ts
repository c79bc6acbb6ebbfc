/**
 * The cohort matrix shared by the order and subscription cohorts (metrics.md §3): its public
 * types and option checking. The computation is in cohort-engine.ts.
 */

import { InvalidInputError } from '../input-error.js';
import { checkLimit, MAX_COHORT_CELLS } from '../limits.js';
import { type Granularity, groupDigits, type PeriodGrid } from '../time/periods.js';

/** First-time cohorts put each customer in one cohort; recurring cohorts in every active period. */
export type CohortKind = 'first-time' | 'recurring';

/** Classic: active in period c + k. Rolling: active in c + k or any later period of the grid. */
export type CohortMeasure = 'classic' | 'rolling';

export interface CohortOptions {
  /**
   * Cohorts and activity periods are the grid's periods (day, week, month, quarter or year; the
   * week start and time zone are the grid's).
   */
  readonly grid: PeriodGrid;
  /**
   * The data's end, an instant. A period whose end is after it is incomplete and its cells are
   * `null`, never 0. Rows after it (orders, or subscriptions starting after it) are ignored, so
   * the matrix is what was known at `dataEnd`.
   */
  readonly dataEnd: number;
  /** Default `first-time`. */
  readonly kind?: CohortKind;
  /** Default `classic`. */
  readonly measure?: CohortMeasure;
  /**
   * Most cells (P × P for P periods, per matrix; a breakdown has one matrix per value) the call may
   * compute, default `MAX_COHORT_CELLS` (core/limits.ts); more throws `InvalidInputError` before
   * anything is allocated.
   */
  readonly maxCells?: number;
}

export interface CohortRow {
  /** Grid label of the cohort period, e.g. `2024-03`. */
  readonly cohort: string;
  /** Start of the cohort period (epoch ms). */
  readonly start: number;
  /** Customers in the cohort (0 is possible: every grid period has a row). */
  readonly size: number;
  /** `counts[k]`: cohort members active in period cohort + k; `null` once that period is incomplete. */
  readonly counts: readonly (number | null)[];
  /** counts[k] / size × 100, unrounded; `null` where counts is `null` or size is 0. */
  readonly rates: readonly (number | null)[];
  /**
   * Transactional: the members' net revenue (orders minus refunds) in period cohort + k, cents.
   * Subscription: the members' MRR at the last instant of that period, cents (see
   * `subscriptionCohorts`). `null` where the period is incomplete.
   */
  readonly revenueCents: readonly (number | null)[];
}

export interface CohortMatrix {
  readonly granularity: Granularity;
  readonly kind: CohortKind;
  readonly measure: CohortMeasure;
  readonly mode: 'transactional' | 'subscription';
  /** One row per grid period, in grid order; `rows[c].counts` has `grid.count − c` entries. */
  readonly rows: readonly CohortRow[];
  /**
   * Per k (0 … grid.count − 1), over the cohorts whose period c + k is complete: the summed sizes,
   * the summed counts, and Σ counts / Σ sizes × 100 (`null` when that sum of sizes is 0).
   */
  readonly average: {
    readonly sizes: readonly number[];
    readonly counts: readonly number[];
    readonly rates: readonly (number | null)[];
  };
}

/** One value of a breakdown attribute and the matrix of the customers who had it at acquisition. */
export interface CohortBreakdownEntry {
  readonly value: string;
  readonly matrix: CohortMatrix;
}

export interface ResolvedCohortOptions {
  readonly grid: PeriodGrid;
  readonly dataEnd: number;
  readonly kind: CohortKind;
  readonly measure: CohortMeasure;
  readonly maxCells: number;
}

/** Defaults and checks; throws a `RangeError` naming the bad option. */
export function resolveCohortOptions(options: CohortOptions): ResolvedCohortOptions {
  const kind = options.kind ?? 'first-time';
  const measure = options.measure ?? 'classic';
  if (kind !== 'first-time' && kind !== 'recurring') {
    throw new InvalidInputError(`Unknown cohort kind "${String(kind)}": use "first-time" or "recurring".`);
  }
  if (measure !== 'classic' && measure !== 'rolling') {
    throw new InvalidInputError(`Unknown cohort measure "${String(measure)}": use "classic" or "rolling".`);
  }
  if (typeof options.dataEnd !== 'number' || Number.isNaN(options.dataEnd)) {
    throw new InvalidInputError(
      `dataEnd must be an instant in epoch milliseconds, got ${String(options.dataEnd)}.`,
    );
  }
  const maxCells = checkLimit(options.maxCells ?? MAX_COHORT_CELLS, 'maxCells');
  checkCohortCells(options.grid, maxCells);
  return { grid: options.grid, dataEnd: options.dataEnd, kind, measure, maxCells };
}

/**
 * Throws `InvalidInputError` when the matrices asked for hold more than `maxCells` cells: P × P for
 * a matrix of P periods (path `period`); a breakdown into `values` values counts its values'
 * matrices and the overall one it is reported with (path `by`). O(1).
 */
export function checkCohortCells(grid: PeriodGrid, maxCells: number, values?: number): void {
  const periods = grid.count;
  const matrices = values === undefined ? 1 : values + 1;
  const cells = matrices * periods * periods;
  if (cells <= maxCells) return;
  const size = `${groupDigits(periods)} ${grid.granularity} periods`;
  const what =
    values === undefined
      ? `A cohort matrix of ${size} has ${groupDigits(cells)} cells`
      : `Cohorts of ${size} broken down into ${groupDigits(values)} values have ${groupDigits(cells)} cells (${groupDigits(matrices)} matrices)`;
  throw new InvalidInputError(
    `${what}, more than the ${groupDigits(maxCells)} one analysis computes: choose a shorter range or a longer period${values === undefined ? '' : ', or break down by an attribute with fewer values'}.`,
    [values === undefined ? 'period' : 'by'],
  );
}

/** Throws a `RangeError` naming the attribute and listing the available ones. */
export function attributeColumn<T>(attributes: ReadonlyMap<string, T>, attribute: string): T {
  const column = attributes.get(attribute);
  if (column === undefined) {
    const available = [...attributes.keys()].sort();
    throw new InvalidInputError(
      `Unknown attribute "${attribute}": available attributes are ${
        available.length === 0 ? '(none)' : available.map((name) => `"${name}"`).join(', ')
      }.`,
    );
  }
  return column;
}
