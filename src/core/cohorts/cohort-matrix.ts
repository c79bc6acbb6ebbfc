/**
 * The cohort matrix shared by the order and subscription cohorts (metrics.md §3): its public
 * types, option checking, and the accumulator that turns per-customer activity into the matrix.
 *
 * Why difference arrays: a customer's active periods form a few *runs* of consecutive periods.
 * Every cell a customer adds to is a rectangle (cohort periods × activity periods), so each run
 * pair costs four updates of a 2-D difference array, and one 2-D prefix sum at the end turns the
 * differences into cells. Only cells with q ≥ p (activity not before the cohort) are ever read;
 * rectangles may spill below that diagonal, which is harmless and saves clipping work.
 */
import type { Granularity, PeriodGrid } from '../time/periods.js';

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
}

/** Defaults and checks; throws a `RangeError` naming the bad option. */
export function resolveCohortOptions(options: CohortOptions): ResolvedCohortOptions {
  const kind = options.kind ?? 'first-time';
  const measure = options.measure ?? 'classic';
  if (kind !== 'first-time' && kind !== 'recurring') {
    throw new RangeError(`Unknown cohort kind "${String(kind)}": use "first-time" or "recurring".`);
  }
  if (measure !== 'classic' && measure !== 'rolling') {
    throw new RangeError(`Unknown cohort measure "${String(measure)}": use "classic" or "rolling".`);
  }
  if (typeof options.dataEnd !== 'number' || Number.isNaN(options.dataEnd)) {
    throw new RangeError(`dataEnd must be an instant in epoch milliseconds, got ${String(options.dataEnd)}.`);
  }
  return { grid: options.grid, dataEnd: options.dataEnd, kind, measure };
}

/** Throws a `RangeError` naming the attribute and listing the available ones. */
export function attributeColumn<T>(attributes: ReadonlyMap<string, T>, attribute: string): T {
  const column = attributes.get(attribute);
  if (column === undefined) {
    const available = [...attributes.keys()].sort();
    throw new RangeError(
      `Unknown attribute "${attribute}": available attributes are ${
        available.length === 0 ? '(none)' : available.map((name) => `"${name}"`).join(', ')
      }.`,
    );
  }
  return column;
}

/**
 * Collects one matrix customer by customer. Per customer: `beginCustomer()`, `addActivePeriods`
 * for each activity range in ascending order of first period, `enterCohorts(acquisitionPeriod)`,
 * then `addRevenue` for each revenue amount. `finish()` builds the matrix and resets the
 * accumulator for the next one (breakdowns reuse it value after value).
 *
 * Memory O(P²) for P grid periods; per customer O(m²) for m runs of consecutive active periods
 * (recurring) or O(m) (first-time); `finish` is O(P²). Nothing is allocated per customer.
 */
export class CohortAccumulator {
  private readonly grid: PeriodGrid;
  private readonly periodCount: number;
  /** Row stride of the 2-D difference arrays: P + 1, so an end index of P is a valid column. */
  private readonly width: number;
  private readonly completeCount: number;
  private readonly kind: CohortKind;
  private readonly measure: CohortMeasure;

  private readonly sizeDifference: Float64Array;
  private readonly activityDifference: Float64Array;
  private readonly revenueDifference: Float64Array;

  /** The current customer's runs of consecutive active periods, ascending and disjoint. */
  private readonly runStarts: Int32Array;
  private readonly runEnds: Int32Array;
  private runCount = 0;
  /** The current customer's cohort rows as ranges: the runs (recurring) or one period (first-time). */
  private cohortStarts: Int32Array;
  private cohortEnds: Int32Array;
  private cohortCount = 0;
  private readonly acquisitionRange = new Int32Array(1);

  /** Customers that entered at least one cohort since the last `finish`. */
  members = 0;

  constructor(options: ResolvedCohortOptions) {
    const grid = options.grid;
    this.grid = grid;
    this.periodCount = grid.count;
    this.width = grid.count + 1;
    this.kind = options.kind;
    this.measure = options.measure;
    let completeCount = 0;
    // Ends ascend, so the complete periods are a prefix of the grid.
    while (completeCount < grid.count && grid.isComplete(completeCount, options.dataEnd)) completeCount++;
    this.completeCount = completeCount;
    this.sizeDifference = new Float64Array(this.width);
    this.activityDifference = new Float64Array(this.width * this.width);
    this.revenueDifference = new Float64Array(this.width * this.width);
    this.runStarts = new Int32Array(Math.max(1, grid.count));
    this.runEnds = new Int32Array(Math.max(1, grid.count));
    this.cohortStarts = this.runStarts;
    this.cohortEnds = this.runEnds;
  }

  /** Number of complete periods (a prefix of the grid). */
  get completePeriods(): number {
    return this.completeCount;
  }

  beginCustomer(): void {
    this.runCount = 0;
    this.cohortCount = 0;
  }

  /**
   * Marks grid periods `first…last` (clamped to the grid) active for the current customer. Calls
   * must come in non-decreasing order of `first` (rows sorted by time), so runs merge in place.
   */
  addActivePeriods(first: number, last: number): void {
    const from = Math.max(first, 0);
    const to = Math.min(last, this.periodCount - 1);
    if (to < from) return;
    const count = this.runCount;
    if (count > 0 && from <= this.runEnds[count - 1]! + 1) {
      if (to > this.runEnds[count - 1]!) this.runEnds[count - 1] = to;
      return;
    }
    this.runStarts[count] = from;
    this.runEnds[count] = to;
    this.runCount = count + 1;
  }

  /**
   * Enters the current customer in their cohorts — the acquisition period (first-time; ignored
   * when outside the grid) or every active period (recurring) — and adds their activity cells.
   * Returns whether the customer entered any cohort.
   */
  enterCohorts(acquisitionPeriod: number): boolean {
    if (this.kind === 'first-time') {
      if (acquisitionPeriod < 0 || acquisitionPeriod >= this.periodCount) return false;
      this.acquisitionRange[0] = acquisitionPeriod;
      this.cohortStarts = this.acquisitionRange;
      this.cohortEnds = this.acquisitionRange;
      this.cohortCount = 1;
    } else {
      if (this.runCount === 0) return false;
      this.cohortStarts = this.runStarts;
      this.cohortEnds = this.runEnds;
      this.cohortCount = this.runCount;
    }
    this.members++;
    const lastActive = this.runCount > 0 ? this.runEnds[this.runCount - 1]! : -1;
    for (let range = 0; range < this.cohortCount; range++) {
      const rowFrom = this.cohortStarts[range]!;
      const rowTo = this.cohortEnds[range]!;
      this.sizeDifference[rowFrom]! += 1;
      this.sizeDifference[rowTo + 1]! -= 1;
      if (this.measure === 'classic') {
        for (let run = 0; run < this.runCount; run++) {
          // A run ending before the cohort rows lies wholly below the diagonal: never read.
          if (this.runEnds[run]! < rowFrom) continue;
          this.addRectangle(
            this.activityDifference,
            rowFrom,
            rowTo,
            this.runStarts[run]!,
            this.runEnds[run]!,
            1,
          );
        }
      } else if (lastActive >= rowFrom) {
        // Rolling: cohort p counts the customer at every q from p up to their last active period.
        this.addRectangle(this.activityDifference, rowFrom, rowTo, rowFrom, lastActive, 1);
      }
    }
    return true;
  }

  /** Adds `amount` to the current customer's cohort rows in periods `first…last` (clamped). */
  addRevenue(first: number, last: number, amount: number): void {
    const from = Math.max(first, 0);
    const to = Math.min(last, this.periodCount - 1);
    if (to < from) return;
    for (let range = 0; range < this.cohortCount; range++) {
      const rowFrom = this.cohortStarts[range]!;
      if (rowFrom > to) break; // ranges ascend: the rest start later still
      this.addRectangle(this.revenueDifference, rowFrom, this.cohortEnds[range]!, from, to, amount);
    }
  }

  private addRectangle(
    target: Float64Array,
    rowFrom: number,
    rowTo: number,
    columnFrom: number,
    columnTo: number,
    weight: number,
  ): void {
    const width = this.width;
    target[rowFrom * width + columnFrom]! += weight;
    target[rowFrom * width + columnTo + 1]! -= weight;
    target[(rowTo + 1) * width + columnFrom]! -= weight;
    target[(rowTo + 1) * width + columnTo + 1]! += weight;
  }

  /** In-place 2-D prefix sum: each cell becomes the sum of the differences above and left of it. */
  private integrate(target: Float64Array): void {
    const width = this.width;
    for (let row = 0; row < width; row++) {
      const offset = row * width;
      let running = 0;
      for (let column = 0; column < width; column++) {
        running += target[offset + column]!;
        target[offset + column] = row === 0 ? running : running + target[offset - width + column]!;
      }
    }
  }

  /**
   * The matrix of everything added since the last `finish`, then a reset. Revenue cells are the
   * accumulated amounts divided by `revenueDivisor` (12 turns annualised cents into MRR).
   */
  finish(mode: CohortMatrix['mode'], revenueDivisor = 1): CohortMatrix {
    const periodCount = this.periodCount;
    const width = this.width;
    const completeCount = this.completeCount;
    this.integrate(this.activityDifference);
    this.integrate(this.revenueDifference);
    const sizes = new Float64Array(periodCount);
    let runningSize = 0;
    for (let period = 0; period < periodCount; period++) {
      runningSize += this.sizeDifference[period]!;
      sizes[period] = runningSize;
    }

    const averageSizes = new Array<number>(periodCount).fill(0);
    const averageCounts = new Array<number>(periodCount).fill(0);
    const rows: CohortRow[] = [];
    for (let cohort = 0; cohort < periodCount; cohort++) {
      const size = sizes[cohort]!;
      const cellCount = periodCount - cohort;
      const counts = new Array<number | null>(cellCount);
      const rates = new Array<number | null>(cellCount);
      const revenueCents = new Array<number | null>(cellCount);
      for (let offset = 0; offset < cellCount; offset++) {
        const period = cohort + offset;
        if (period >= completeCount) {
          counts[offset] = null;
          rates[offset] = null;
          revenueCents[offset] = null;
          continue;
        }
        const count = this.activityDifference[cohort * width + period]!;
        counts[offset] = count;
        rates[offset] = size === 0 ? null : (count / size) * 100;
        revenueCents[offset] = this.revenueDifference[cohort * width + period]! / revenueDivisor + 0;
        averageSizes[offset]! += size;
        averageCounts[offset]! += count;
      }
      rows.push({
        cohort: this.grid.label(cohort),
        start: this.grid.start(cohort),
        size,
        counts,
        rates,
        revenueCents,
      });
    }
    const averageRates = averageSizes.map((size, offset) =>
      size === 0 ? null : (averageCounts[offset]! / size) * 100,
    );

    this.sizeDifference.fill(0);
    this.activityDifference.fill(0);
    this.revenueDifference.fill(0);
    this.members = 0;
    return {
      granularity: this.grid.granularity,
      kind: this.kind,
      measure: this.measure,
      mode,
      rows,
      average: { sizes: averageSizes, counts: averageCounts, rates: averageRates },
    };
  }
}
