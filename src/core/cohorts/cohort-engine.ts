/**
 * The streaming engine behind every cohort matrix (metrics.md §3).
 *
 * Rows are read once, in an order where each customer's rows are in time order (the table's own
 * order when it already is, which is the usual export; otherwise the `groupRowsByCustomer` order).
 * A few per-customer typed arrays hold what the definitions need: the acquisition period, the last
 * active period, the revenue of the period being read, and (recurring cohorts) the customer's runs
 * of consecutive active periods in a shared pool. Nothing is allocated per row or per customer.
 *
 * Why difference arrays: every cell a customer adds to is a rectangle (cohort periods × activity
 * periods), so each run costs four updates of a 2-D difference array and one 2-D prefix sum at the
 * end turns the differences into cells. Only cells with q ≥ p (activity not before the cohort) are
 * ever read; rectangles may spill below that diagonal, which is harmless and saves clipping.
 */
import { groupRowsByCustomer } from '../data/order-table.js';
import type { PeriodGrid } from '../time/periods.js';
import type {
  CohortKind,
  CohortMatrix,
  CohortMeasure,
  CohortRow,
  ResolvedCohortOptions,
} from './cohort-matrix.js';
import { checkCohortCells } from './cohort-matrix.js';

/** Acquisition period before the customer's first acquiring row has been read. */
const NOT_ACQUIRED = -2;
/** Acquisition period of a customer acquired before or after the grid: in no first-time cohort. */
const OUTSIDE_GRID = -1;

/**
 * Per-customer state, packed side by side in one Int32Array (`STRIDE` fields a customer): rows come
 * in a customer order that is random in memory, so one cache line per row instead of one per field
 * is what keeps 10 M rows well under a second.
 */
const STRIDE = 4;
const ACQUISITION = 0; // acquisition period, NOT_ACQUIRED or OUTSIDE_GRID
const LAST_ACTIVE = 1; // last active grid period, −1 before any
const LATEST_RUN = 2; // recurring: the customer's latest run in the pool, −1 when none
const PENDING_PERIOD = 3; // period of revenue held back (see `addOrderRow`), −1 when none

/**
 * An order of the rows in which each customer's rows are in ascending `time`: `null` when the table
 * order already is one (checked in one or two passes), else the `groupRowsByCustomer` order.
 */
export function timeOrderedRows(
  table: { readonly length: number; readonly customer: Int32Array; readonly customerIds: readonly string[] },
  time: Float64Array,
): Int32Array | null {
  let sorted = true;
  for (let row = 1; row < table.length && sorted; row++) if (time[row]! < time[row - 1]!) sorted = false;
  if (sorted) return null;
  // Not sorted overall; each customer's rows may still be (e.g. an export sorted by customer).
  const latest = new Float64Array(table.customerIds.length).fill(Number.NEGATIVE_INFINITY);
  for (let row = 0; row < table.length; row++) {
    const customer = table.customer[row]!;
    if (time[row]! < latest[customer]!) return groupRowsByCustomer(table, time).rows;
    latest[customer] = time[row]!;
  }
  return null;
}

/**
 * Accumulates one matrix per *slot* (a breakdown value; a plain matrix has one slot) from calls made
 * row by row, each customer's rows in time order:
 * - orders: `addOrderRow` for each row;
 * - subscriptions: `acquire(customer, period)` on the customer's first row (later calls are
 *   ignored), `activate(customer, first, last)` for its activity range (`first` non-decreasing per
 *   customer), then `addRevenueOverPeriods` for its MRR.
 * `finish` then builds the matrices. Memory O(C + S × P²) for C customers, S slots, P periods.
 */
export class CohortEngine {
  private readonly grid: PeriodGrid;
  private readonly periodCount: number;
  /** Row stride of the 2-D difference arrays: P + 1, so an end index of P is a valid column. */
  private readonly width: number;
  private readonly completeCount: number;
  private readonly kind: CohortKind;
  private readonly measure: CohortMeasure;
  private readonly slotCount: number;
  /** Each customer's slot, −1 to leave the customer out; `null`: everyone in slot 0. */
  private readonly slotOfCustomer: Int32Array | null;

  private readonly sizeDifference: Float64Array;
  private readonly activityDifference: Float64Array;
  private readonly revenueDifference: Float64Array;

  private readonly customerCount: number;
  /** See `STRIDE`. Recurring runs live in the pool below and link to the customer's earlier ones. */
  private readonly state: Int32Array;
  /** Revenue held back for `PENDING_PERIOD` (rare: refunds before the cohorts of their period are known). */
  private readonly pendingRevenue: Float64Array;
  private runStart: Int32Array;
  private runEnd: Int32Array;
  private runPrevious: Int32Array;
  private runCount = 0;
  private lastPeriodFound = 0;

  constructor(
    options: ResolvedCohortOptions,
    customerCount: number,
    slotOfCustomer: Int32Array | null = null,
    slotCount = 1,
  ) {
    const grid = options.grid;
    this.grid = grid;
    this.periodCount = grid.count;
    this.width = grid.count + 1;
    this.kind = options.kind;
    this.measure = options.measure;
    this.slotCount = slotCount;
    this.slotOfCustomer = slotOfCustomer;
    this.completeCount = completePeriodCount(grid, options.dataEnd);
    const cells = this.width * this.width;
    this.sizeDifference = new Float64Array(slotCount * this.width);
    this.activityDifference = new Float64Array(slotCount * cells);
    this.revenueDifference = new Float64Array(slotCount * cells);
    this.customerCount = customerCount;
    this.state = new Int32Array(customerCount * STRIDE);
    for (let base = 0; base < this.state.length; base += STRIDE) {
      this.state[base + ACQUISITION] = NOT_ACQUIRED;
      this.state[base + LAST_ACTIVE] = -1;
      this.state[base + LATEST_RUN] = -1;
      this.state[base + PENDING_PERIOD] = -1;
    }
    this.pendingRevenue = new Float64Array(customerCount);
    const recurring = this.kind === 'recurring';
    const capacity = recurring ? Math.max(16, customerCount) : 0;
    this.runStart = new Int32Array(capacity);
    this.runEnd = new Int32Array(capacity);
    this.runPrevious = new Int32Array(capacity);
  }

  /** The customer's slot, −1 when left out. */
  slotOf(customer: number): number {
    return this.slotOfCustomer === null ? 0 : this.slotOfCustomer[customer]!;
  }

  /** `grid.indexOf`, answering at once when the instant is in the period found last (sorted input). */
  periodOf(instant: number): number {
    const starts = this.grid.starts;
    const last = this.lastPeriodFound;
    if (instant >= starts[last]! && instant < starts[last + 1]!) return last;
    const period = this.grid.indexOf(instant);
    if (period >= 0 && period < this.periodCount) this.lastPeriodFound = period;
    return period;
  }

  /** Records the acquisition period (any index; outside the grid means no first-time cohort). */
  acquire(customer: number, period: number): void {
    const base = customer * STRIDE;
    if (this.state[base + ACQUISITION] !== NOT_ACQUIRED) return;
    this.state[base + ACQUISITION] = period >= 0 && period < this.periodCount ? period : OUTSIDE_GRID;
  }

  /** Marks periods `first…last` (clamped to the grid) active; `first` is non-decreasing per customer. */
  activate(customer: number, first: number, last: number): void {
    const base = customer * STRIDE;
    const from = Math.max(first, this.state[base + LAST_ACTIVE]! + 1, 0);
    const to = Math.min(last, this.periodCount - 1);
    if (to < from) return;
    const slot = this.slotOf(customer);
    const classic = this.measure === 'classic';
    if (this.kind === 'first-time') {
      const cohort = this.state[base + ACQUISITION]!;
      if (cohort < 0) return;
      if (classic) this.addRectangle(this.activityDifference, slot, cohort, cohort, from, to, 1);
      this.state[base + LAST_ACTIVE] = to;
      return;
    }
    const latest = this.state[base + LATEST_RUN]!;
    if (classic) {
      // The new periods pair with every earlier active period and with themselves.
      for (let run = latest; run >= 0; run = this.runPrevious[run]!) {
        this.addRectangle(this.activityDifference, slot, this.runStart[run]!, this.runEnd[run]!, from, to, 1);
      }
      this.addRectangle(this.activityDifference, slot, from, to, from, to, 1);
    }
    if (latest >= 0 && this.runEnd[latest]! + 1 === from) this.runEnd[latest] = to;
    else this.state[base + LATEST_RUN] = this.pushRun(from, to, latest);
    this.state[base + LAST_ACTIVE] = to;
  }

  /**
   * One order row (amount ≥ 0) or refund (amount < 0) in grid period `period` (any index: rows
   * outside the grid only acquire). An order acquires (the first one) and makes `period` active.
   * The amount joins the revenue of every cohort of the customer that starts at or before `period`
   * — once those are all known: at once for an order, or when the customer is already active in
   * `period` (recurring) or already acquired (first-time); otherwise (a refund read before the
   * period's first order) it is held back until a later row or the end.
   */
  addOrderRow(customer: number, period: number, amount: number): void {
    const state = this.state;
    const base = customer * STRIDE;
    const isOrder = amount >= 0;
    if (isOrder && state[base + ACQUISITION] === NOT_ACQUIRED) this.acquire(customer, period);
    if (period < 0 || period >= this.periodCount) return;
    if (isOrder) this.activate(customer, period, period);
    const pending = state[base + PENDING_PERIOD]!;
    const known =
      this.kind === 'first-time'
        ? state[base + ACQUISITION] !== NOT_ACQUIRED
        : state[base + LAST_ACTIVE] === period;
    if (pending >= 0 && (pending !== period || known)) this.flushRevenue(customer);
    if (known) {
      this.addRevenueOverPeriods(customer, period, period, amount);
    } else if (state[base + PENDING_PERIOD] === period) {
      this.pendingRevenue[customer]! += amount;
    } else {
      state[base + PENDING_PERIOD] = period;
      this.pendingRevenue[customer] = amount;
    }
  }

  /**
   * Adds `amount` to the customer's cohort rows in periods `first…last` (clamped). Every cohort
   * period ≤ last must already be known: true for recurring cohorts when the periods come from rows
   * already read, which is how both callers use it.
   */
  addRevenueOverPeriods(customer: number, first: number, last: number, amount: number): void {
    const from = Math.max(first, 0);
    const to = Math.min(last, this.periodCount - 1);
    if (to < from || amount === 0) return;
    const slot = this.slotOf(customer);
    if (this.kind === 'first-time') {
      const cohort = this.state[customer * STRIDE + ACQUISITION]!;
      if (cohort < 0 || cohort > to) return;
      this.addRectangle(this.revenueDifference, slot, cohort, cohort, from, to, amount);
      return;
    }
    for (let run = this.state[customer * STRIDE + LATEST_RUN]!; run >= 0; run = this.runPrevious[run]!) {
      if (this.runStart[run]! > to) continue;
      this.addRectangle(
        this.revenueDifference,
        slot,
        this.runStart[run]!,
        this.runEnd[run]!,
        from,
        to,
        amount,
      );
    }
  }

  private flushRevenue(customer: number): void {
    const base = customer * STRIDE;
    const period = this.state[base + PENDING_PERIOD]!;
    if (period < 0) return;
    this.state[base + PENDING_PERIOD] = -1;
    this.addRevenueOverPeriods(customer, period, period, this.pendingRevenue[customer]!);
  }

  private pushRun(start: number, end: number, previous: number): number {
    if (this.runCount === this.runStart.length) {
      const grow = (column: Int32Array) => {
        const next = new Int32Array(column.length * 2);
        next.set(column);
        return next;
      };
      this.runStart = grow(this.runStart);
      this.runEnd = grow(this.runEnd);
      this.runPrevious = grow(this.runPrevious);
    }
    const run = this.runCount++;
    this.runStart[run] = start;
    this.runEnd[run] = end;
    this.runPrevious[run] = previous;
    return run;
  }

  private addRectangle(
    target: Float64Array,
    slot: number,
    rowFrom: number,
    rowTo: number,
    columnFrom: number,
    columnTo: number,
    weight: number,
  ): void {
    const width = this.width;
    const base = slot * width * width;
    target[base + rowFrom * width + columnFrom]! += weight;
    target[base + rowFrom * width + columnTo + 1]! -= weight;
    target[base + (rowTo + 1) * width + columnFrom]! -= weight;
    target[base + (rowTo + 1) * width + columnTo + 1]! += weight;
  }

  /** Sizes (and rolling cells, which need each customer's last active period) once all rows are read. */
  private closeCustomers(members: Float64Array): void {
    const rolling = this.measure === 'rolling';
    for (let customer = 0; customer < this.customerCount; customer++) {
      const slot = this.slotOf(customer);
      if (slot < 0) continue;
      this.flushRevenue(customer);
      const base = customer * STRIDE;
      const lastActive = this.state[base + LAST_ACTIVE]!;
      if (this.kind === 'first-time') {
        const cohort = this.state[base + ACQUISITION]!;
        if (cohort < 0) continue;
        members[slot]! += 1;
        this.sizeDifference[slot * this.width + cohort]! += 1;
        this.sizeDifference[slot * this.width + cohort + 1]! -= 1;
        if (rolling && lastActive >= cohort) {
          this.addRectangle(this.activityDifference, slot, cohort, cohort, cohort, lastActive, 1);
        }
        continue;
      }
      const latest = this.state[base + LATEST_RUN]!;
      if (latest < 0) continue;
      members[slot]! += 1;
      for (let run = latest; run >= 0; run = this.runPrevious[run]!) {
        const start = this.runStart[run]!;
        const end = this.runEnd[run]!;
        this.sizeDifference[slot * this.width + start]! += 1;
        this.sizeDifference[slot * this.width + end + 1]! -= 1;
        // Rolling: cohort p counts the customer at every q from p up to their last active period.
        if (rolling) this.addRectangle(this.activityDifference, slot, start, end, start, lastActive, 1);
      }
    }
  }

  /**
   * One matrix per slot, with the number of customers in at least one of its cohorts. Revenue cells
   * are the sums divided by `revenueDivisor` (12 turns annualised cents into MRR). Call once.
   */
  finish(mode: CohortMatrix['mode'], revenueDivisor = 1): { matrix: CohortMatrix; customers: number }[] {
    const members = new Float64Array(this.slotCount);
    this.closeCustomers(members);
    const cells = this.width * this.width;
    const results: { matrix: CohortMatrix; customers: number }[] = [];
    for (let slot = 0; slot < this.slotCount; slot++) {
      const matrix = this.buildMatrix(
        mode,
        revenueDivisor,
        this.sizeDifference.subarray(slot * this.width, (slot + 1) * this.width),
        this.activityDifference.subarray(slot * cells, (slot + 1) * cells),
        this.revenueDifference.subarray(slot * cells, (slot + 1) * cells),
      );
      results.push({ matrix, customers: members[slot]! });
    }
    return results;
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

  private buildMatrix(
    mode: CohortMatrix['mode'],
    revenueDivisor: number,
    sizeDifference: Float64Array,
    activity: Float64Array,
    revenue: Float64Array,
  ): CohortMatrix {
    this.integrate(activity);
    this.integrate(revenue);
    const sizes = new Float64Array(this.periodCount);
    let size = 0;
    for (let cohort = 0; cohort < this.periodCount; cohort++) {
      size += sizeDifference[cohort]!;
      sizes[cohort] = size;
    }
    return cohortMatrixFromCells(
      { grid: this.grid, kind: this.kind, measure: this.measure, mode, completeCount: this.completeCount },
      { sizes, activity, revenue, width: this.width, revenueDivisor },
    );
  }
}

/** The number of leading grid periods that are complete at `dataEnd` (ends ascend, so a prefix). */
export function completePeriodCount(grid: PeriodGrid, dataEnd: number): number {
  let completeCount = 0;
  while (completeCount < grid.count && grid.isComplete(completeCount, dataEnd)) completeCount++;
  return completeCount;
}

/**
 * Assembles a `CohortMatrix` from per-cohort sizes and cells: cell (c, q) — members of cohort c
 * active in period q, and their revenue — at `c × width + q`. Cells of periods ≥ `completeCount`
 * become `null`; the average row sums sizes and counts over the complete cells of each k.
 * Shared by the engine and the first-time fast path so that both assemble matrices identically.
 */
export function cohortMatrixFromCells(
  shape: {
    readonly grid: PeriodGrid;
    readonly kind: CohortKind;
    readonly measure: CohortMeasure;
    readonly mode: CohortMatrix['mode'];
    readonly completeCount: number;
  },
  cells: {
    readonly sizes: Float64Array;
    readonly activity: Float64Array;
    readonly revenue: Float64Array;
    readonly width: number;
    readonly revenueDivisor: number;
  },
): CohortMatrix {
  const { grid, completeCount } = shape;
  const { sizes, activity, revenue, width, revenueDivisor } = cells;
  const periodCount = grid.count;
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
      const count = activity[cohort * width + period]!;
      counts[offset] = count;
      rates[offset] = size === 0 ? null : (count / size) * 100;
      // `+ 0` turns a −0 (cancelled differences) into 0.
      revenueCents[offset] = revenue[cohort * width + period]! / revenueDivisor + 0;
      averageSizes[offset]! += size;
      averageCounts[offset]! += count;
    }
    rows.push({ cohort: grid.label(cohort), start: grid.start(cohort), size, counts, rates, revenueCents });
  }
  return {
    granularity: grid.granularity,
    kind: shape.kind,
    measure: shape.measure,
    mode: shape.mode,
    rows,
    average: {
      sizes: averageSizes,
      counts: averageCounts,
      rates: averageSizes.map((total, offset) =>
        total === 0 ? null : (averageCounts[offset]! / total) * 100,
      ),
    },
  };
}

/** Cells per breakdown pass: bounds the memory of the per-value matrices (16 bytes a cell). */
const CELLS_PER_PASS = 8_000_000;

/**
 * One matrix per attribute value: values are processed in batches whose matrices fit in
 * `CELLS_PER_PASS` cells (one batch for usual grids), `run` reading all rows once per batch.
 * Values whose customers enter no cohort are left out; the rest are sorted by descending number of
 * customers in the matrix, then by value (code-point order, locale-independent).
 */
export function breakdownMatrices(
  valueOfCustomer: Int32Array,
  labels: readonly string[],
  options: ResolvedCohortOptions,
  run: (slotOfCustomer: Int32Array, slotCount: number) => { matrix: CohortMatrix; customers: number }[],
): { value: string; matrix: CohortMatrix }[] {
  const periodCount = options.grid.count;
  const present = new Uint8Array(labels.length);
  for (const code of valueOfCustomer) if (code >= 0) present[code] = 1;
  const codes: number[] = [];
  present.forEach((flag, code) => {
    if (flag === 1) codes.push(code);
  });
  checkCohortCells(options.grid, options.maxCells, codes.length);
  const perPass = Math.max(1, Math.floor(CELLS_PER_PASS / ((periodCount + 1) * (periodCount + 1))));
  const slotOfCode = new Int32Array(labels.length);
  const slotOfCustomer = new Int32Array(valueOfCustomer.length);
  const entries: { value: string; customers: number; matrix: CohortMatrix }[] = [];
  for (let batchStart = 0; batchStart < codes.length; batchStart += perPass) {
    const batch = codes.slice(batchStart, batchStart + perPass);
    slotOfCode.fill(-1);
    batch.forEach((code, slot) => {
      slotOfCode[code] = slot;
    });
    valueOfCustomer.forEach((code, customer) => {
      slotOfCustomer[customer] = code >= 0 ? slotOfCode[code]! : -1;
    });
    run(slotOfCustomer, batch.length).forEach(({ matrix, customers }, slot) => {
      if (customers > 0) entries.push({ value: labels[batch[slot]!]!, customers, matrix });
    });
  }
  entries.sort((left, right) => {
    if (left.customers !== right.customers) return right.customers - left.customers;
    return left.value < right.value ? -1 : left.value > right.value ? 1 : 0;
  });
  return entries.map(({ value, matrix }) => ({ value, matrix }));
}
