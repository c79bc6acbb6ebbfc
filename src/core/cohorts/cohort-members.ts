/**
 * The customers behind one cell of a cohort matrix (metrics.md §3): who a count stands for, so a
 * dashboard can list them. Same definitions, options and reading order as the matrices
 * (order-cohorts.ts, subscription-cohorts.ts), computed directly for the one cell: a pass over the
 * rows keeping four small facts per customer, instead of the matrices' difference arrays.
 */
import type { OrderTable } from '../data/order-table.js';
import type { SubscriptionTable } from '../data/subscription-table.js';
import { InvalidInputError } from '../input-error.js';
import { timeOrderedRows } from './cohort-engine.js';
import { attributeColumn, type CohortOptions, resolveCohortOptions } from './cohort-matrix.js';
import { lastPeriodBefore } from './subscription-cohorts.js';

/** One cell of a cohort matrix: cohort period `cohort` (a grid index) and period cohort + `age`. */
export interface CohortCell {
  readonly cohort: number;
  readonly age: number;
  /**
   * The breakdown matrix the cell belongs to: customers whose `attribute` had `value` at
   * acquisition (as `orderCohortsBy` / `subscriptionCohortsBy` assign them). Absent: every customer.
   */
  readonly breakdown?: { readonly attribute: string; readonly value: string };
}

const NOT_ACQUIRED = -2;
const OUTSIDE_GRID = -1;

/** The facts per customer one cell needs, filled row by row (each customer's rows in time order). */
class CellFacts {
  readonly acquisition: Int32Array;
  readonly valueCode: Int32Array;
  readonly lastActive: Int32Array;
  /** Bit 1: active in the cohort period; bit 2: active in the cell's period. */
  readonly activeIn: Uint8Array;

  constructor(
    customers: number,
    private readonly periodCount: number,
    private readonly cohort: number,
    private readonly target: number,
  ) {
    this.acquisition = new Int32Array(customers).fill(NOT_ACQUIRED);
    this.valueCode = new Int32Array(customers).fill(-1);
    this.lastActive = new Int32Array(customers).fill(-1);
    this.activeIn = new Uint8Array(customers);
  }

  /** The customer's first acquiring row (later calls do nothing): its period and attribute code. */
  acquire(customer: number, period: number, code: number): void {
    if (this.acquisition[customer] !== NOT_ACQUIRED) return;
    this.acquisition[customer] = period >= 0 && period < this.periodCount ? period : OUTSIDE_GRID;
    this.valueCode[customer] = code;
  }

  /** Periods `first…last` (clamped to the grid) are active. */
  activate(customer: number, first: number, last: number): void {
    const from = Math.max(first, 0);
    const to = Math.min(last, this.periodCount - 1);
    if (to < from) return;
    if (from <= this.cohort && this.cohort <= to) this.activeIn[customer]! |= 1;
    if (from <= this.target && this.target <= to) this.activeIn[customer]! |= 2;
    if (to > this.lastActive[customer]!) this.lastActive[customer] = to;
  }
}

/** Checks the cell against the grid and `dataEnd`; throws `InvalidInputError` naming the field. */
function checkCell(options: CohortOptions, cell: CohortCell): { cohort: number; target: number } {
  const { grid, dataEnd } = options;
  const { cohort, age } = cell;
  if (!(Number.isSafeInteger(cohort) && cohort >= 0 && cohort < grid.count)) {
    throw new InvalidInputError(
      `The cohort must be one of the ${grid.count} periods of the matrix, got ${cohort}.`,
      ['cohort'],
    );
  }
  if (!(Number.isSafeInteger(age) && age >= 0 && cohort + age < grid.count)) {
    throw new InvalidInputError(
      `The age must be a whole number from 0 to ${grid.count - cohort - 1} for cohort ${grid.label(cohort)}, got ${age}.`,
      ['age'],
    );
  }
  const target = cohort + age;
  if (!grid.isComplete(target, dataEnd)) {
    throw new InvalidInputError(
      `Period ${grid.label(target)} is not complete at the data's end: its cells are unknown, so they have no customers to list.`,
      ['age'],
    );
  }
  return { cohort, target };
}

/** The customers (ascending indexes) that `facts` place in the cell. O(customers). */
function selectMembers(
  facts: CellFacts,
  options: CohortOptions,
  cohort: number,
  target: number,
  valueCode: number | null,
): Int32Array {
  const firstTime = (options.kind ?? 'first-time') === 'first-time';
  const classic = (options.measure ?? 'classic') === 'classic';
  const selected: number[] = [];
  for (let customer = 0; customer < facts.acquisition.length; customer++) {
    if (valueCode !== null && facts.valueCode[customer] !== valueCode) continue;
    const inCohort = firstTime
      ? facts.acquisition[customer] === cohort
      : (facts.activeIn[customer]! & 1) !== 0;
    if (!inCohort) continue;
    const counted = classic ? (facts.activeIn[customer]! & 2) !== 0 : facts.lastActive[customer]! >= target;
    if (counted) selected.push(customer);
  }
  return Int32Array.from(selected);
}

/** The code of the breakdown value, −2 when the attribute has no such value (nobody matches). */
function breakdownCode(
  attributes: OrderTable['attributes'],
  cell: CohortCell,
): { codes: Int32Array | null; code: number | null } {
  if (!cell.breakdown) return { codes: null, code: null };
  const column = attributeColumn(attributes, cell.breakdown.attribute);
  const code = column.labels.indexOf(cell.breakdown.value);
  return { codes: column.codes, code: code < 0 ? -2 : code };
}

/**
 * The customers counted in one cell of `orderCohorts(orders, options)` (or of the breakdown matrix
 * of `cell.breakdown`, as `orderCohortsBy` builds it): indexes into `orders.customerIds`,
 * ascending. Its length is the cell's count.
 *
 * Definitions (metrics.md §3): a customer's cohort is the period of their first order (amount ≥ 0)
 * at or before `dataEnd` (first-time), or every period with an order (recurring); the cell counts
 * those with an order in period cohort + age (classic) or in that period or a later one of the
 * grid (rolling). Throws `InvalidInputError` for a cell outside the matrix or not complete (its
 * count is `null`, unknown), and for an unknown breakdown attribute.
 *
 * Complexity: one pass over the n rows, O(log P) each (plus the O(n) grouping by customer when the
 * rows of a customer are not in time order), and O(C) for C customers.
 *
 * @example
 * // A orders in Jan and Mar, B in Jan, C in Feb and Mar; monthly grid Jan–Mar, data ends 2024-04-01:
 * orderCohortMembers(orders, options, { cohort: 0, age: 2 }) // Int32Array [0] (A)
 */
export function orderCohortMembers(orders: OrderTable, options: CohortOptions, cell: CohortCell): Int32Array {
  const resolved = resolveCohortOptions(options);
  const { cohort, target } = checkCell(resolved, cell);
  const { codes, code } = breakdownCode(orders.attributes, cell);
  const { grid, dataEnd } = resolved;
  const facts = new CellFacts(orders.customerIds.length, grid.count, cohort, target);
  const rowOrder = timeOrderedRows(orders, orders.orderedAt);
  for (let position = 0; position < orders.length; position++) {
    const row = rowOrder === null ? position : rowOrder[position]!;
    const instant = orders.orderedAt[row]!;
    if (instant > dataEnd || orders.amountCents[row]! < 0) continue; // refunds neither acquire nor activate
    const customer = orders.customer[row]!;
    const period = grid.indexOf(instant);
    facts.acquire(customer, period, codes === null ? -1 : codes[row]!);
    facts.activate(customer, period, period);
  }
  return selectMembers(facts, resolved, cohort, target, code);
}

/**
 * The customers counted in one cell of `subscriptionCohorts(subscriptions, options)` (or of the
 * breakdown matrix of `cell.breakdown`, as `subscriptionCohortsBy` builds it): indexes into
 * `subscriptions.customerIds`, ascending; its length is the cell's count.
 *
 * Definitions (metrics.md §3): a customer's cohort is the period of their earliest `startedAt` at
 * or before `dataEnd` (first-time), or every period a subscription of theirs covers (recurring);
 * the cell counts those with a subscription covering part of period cohort + age (classic) or of
 * that period or a later one (rolling). Throws as `orderCohortMembers`.
 *
 * Complexity: one pass over the n subscriptions, O(log P) each, plus O(C).
 */
export function subscriptionCohortMembers(
  subscriptions: SubscriptionTable,
  options: CohortOptions,
  cell: CohortCell,
): Int32Array {
  const resolved = resolveCohortOptions(options);
  const { cohort, target } = checkCell(resolved, cell);
  const { codes, code } = breakdownCode(subscriptions.attributes, cell);
  const { grid, dataEnd } = resolved;
  const facts = new CellFacts(subscriptions.customerIds.length, grid.count, cohort, target);
  const rowOrder = timeOrderedRows(subscriptions, subscriptions.startedAt);
  for (let position = 0; position < subscriptions.length; position++) {
    const row = rowOrder === null ? position : rowOrder[position]!;
    const startedAt = subscriptions.startedAt[row]!;
    if (startedAt > dataEnd) continue;
    const customer = subscriptions.customer[row]!;
    const first = grid.indexOf(startedAt);
    facts.acquire(customer, first, codes === null ? -1 : codes[row]!);
    const endedAt = subscriptions.endedAt[row]!;
    if (first < grid.count && endedAt > startedAt) {
      facts.activate(customer, first, lastPeriodBefore(grid, endedAt));
    }
  }
  return selectMembers(facts, resolved, cohort, target, code);
}
