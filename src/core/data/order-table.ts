/**
 * Orders as columns of typed arrays: the one shape every metric in the core reads, so a 10-million
 * row file costs ~20 bytes a row and every metric is a single pass over contiguous memory.
 *
 * Conventions (docs/metrics.md):
 * - `orderedAt[i]` is an instant in epoch milliseconds (UTC).
 * - `amountCents[i]` is an exact integer number of cents (a float64 holds integers exactly up to
 *   2^53). Money is never a fraction in the core; rounding happens only for display.
 * - A row with a negative amount is a refund: it lowers net revenue in its period but is not an
 *   order, is not activity and never acquires a customer. `isOrder(table, i)` says which.
 * - `customer[i]` indexes `customerIds`; customers are dense integers 0…customerCount − 1.
 * - `attributes` holds optional per-row categorical columns (country, channel…), dictionary-coded;
 *   "the attribute at acquisition" is the value on the customer's first order.
 */
import { InvalidInputError } from '../input-error.js';
export interface OrderTable {
  readonly length: number;
  readonly customer: Int32Array;
  readonly orderedAt: Float64Array;
  readonly amountCents: Float64Array;
  readonly customerIds: readonly string[];
  readonly attributes: ReadonlyMap<string, CategoricalColumn>;
}

/** A dictionary-coded text column: `labels[codes[i]]` is row i's value (`''` when blank). */
export interface CategoricalColumn {
  readonly labels: readonly string[];
  readonly codes: Int32Array;
}

/** One order in plain form, for callers who have a few rows rather than a file. */
export interface OrderRecord {
  readonly customerId: string;
  /** An instant: a `Date`, epoch milliseconds, or an ISO 8601 string with an offset or `Z`. */
  readonly orderedAt: Date | number | string;
  /** Integer cents; negative for a refund. */
  readonly amountCents: number;
  /** Optional categorical attributes of the order (e.g. `{ country: 'FR' }`). */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** Whether row `index` is an order (amount ≥ 0) rather than a refund. */
export function isOrder(table: OrderTable, index: number): boolean {
  return table.amountCents[index]! >= 0;
}

/** Number of distinct customers in the table. */
export function customerCount(table: { readonly customerIds: readonly string[] }): number {
  return table.customerIds.length;
}

/** Parses an instant given as a Date, epoch ms or an ISO string that carries its offset. */
export function toInstant(value: Date | number | string, what = 'instant'): number {
  const millis =
    value instanceof Date ? value.getTime() : typeof value === 'number' ? value : parseZonedIso(value);
  if (!Number.isFinite(millis)) throw new InvalidInputError(`Invalid ${what}: ${String(value)}`);
  return millis;
}

function parseZonedIso(text: string): number {
  // A bare date or date-time has no zone and would be read in the host's zone by Date.parse:
  // the core refuses to guess (the CLI reads such values in --tz instead).
  if (!/(Z|[+-]\d\d:?\d\d)$/i.test(text.trim())) return Number.NaN;
  return Date.parse(text);
}

/**
 * Grows columns row by row, interning customer ids and attribute values. Used by the CSV readers
 * and by `orderTableFromRecords`. Capacity doubles, so appending n rows is O(n) amortised.
 */
export class OrderTableBuilder {
  private customerIndex = new Map<string, number>();
  private readonly customerIdList: string[] = [];
  private customerColumn: Int32Array;
  private orderedAtColumn: Float64Array;
  private amountColumn: Float64Array;
  private readonly attributeBuilders = new Map<
    string,
    { index: Map<string, number>; labels: string[]; codes: Int32Array }
  >();
  private size = 0;

  constructor(initialCapacity = 1024) {
    const capacity = Math.max(16, initialCapacity);
    this.customerColumn = new Int32Array(capacity);
    this.orderedAtColumn = new Float64Array(capacity);
    this.amountColumn = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Declares an attribute column before rows are added (rows added earlier get `''`). */
  addAttribute(name: string): void {
    if (this.attributeBuilders.has(name)) return;
    this.attributeBuilders.set(name, {
      index: new Map([['', 0]]),
      labels: [''],
      codes: new Int32Array(this.customerColumn.length),
    });
  }

  /** Dense index of a customer id, interning it if new. */
  customerOf(customerId: string): number {
    let index = this.customerIndex.get(customerId);
    if (index === undefined) {
      index = this.customerIdList.length;
      this.customerIndex.set(customerId, index);
      this.customerIdList.push(customerId);
    }
    return index;
  }

  /** Appends one row; `attributes` values for declared attribute columns (missing → `''`). */
  add(
    customerId: string,
    orderedAt: number,
    amountCents: number,
    attributes?: Readonly<Record<string, string>>,
  ): void {
    this.addIndexed(this.customerOf(customerId), orderedAt, amountCents);
    if (attributes) {
      for (const [name, value] of Object.entries(attributes)) this.setAttribute(this.size - 1, name, value);
    }
  }

  /** Appends one row for an already-interned customer (the hot path of the CSV readers). */
  addIndexed(customer: number, orderedAt: number, amountCents: number): void {
    if (this.size === this.customerColumn.length) this.grow();
    this.customerColumn[this.size] = customer;
    this.orderedAtColumn[this.size] = orderedAt;
    this.amountColumn[this.size] = amountCents;
    this.size++;
  }

  /** Sets attribute `name` of row `row` (declaring the attribute if needed). */
  setAttribute(row: number, name: string, value: string): void {
    this.addAttribute(name);
    const builder = this.attributeBuilders.get(name)!;
    let code = builder.index.get(value);
    if (code === undefined) {
      code = builder.labels.length;
      builder.index.set(value, code);
      builder.labels.push(value);
    }
    builder.codes[row] = code;
  }

  private grow(): void {
    const capacity = this.customerColumn.length * 2;
    const grow = <T extends Int32Array | Float64Array>(column: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(column);
      return next;
    };
    this.customerColumn = grow(this.customerColumn, (n) => new Int32Array(n));
    this.orderedAtColumn = grow(this.orderedAtColumn, (n) => new Float64Array(n));
    this.amountColumn = grow(this.amountColumn, (n) => new Float64Array(n));
    for (const builder of this.attributeBuilders.values())
      builder.codes = grow(builder.codes, (n) => new Int32Array(n));
  }

  /** The finished table (columns trimmed to length; the builder must not be used afterwards). */
  build(): OrderTable {
    const length = this.size;
    const attributes = new Map<string, CategoricalColumn>();
    for (const [name, builder] of this.attributeBuilders) {
      attributes.set(name, { labels: builder.labels, codes: builder.codes.slice(0, length) });
    }
    return {
      length,
      customer: this.customerColumn.slice(0, length),
      orderedAt: this.orderedAtColumn.slice(0, length),
      amountCents: this.amountColumn.slice(0, length),
      customerIds: this.customerIdList,
      attributes,
    };
  }
}

/**
 * Builds an `OrderTable` from plain records. Throws a `RangeError` naming the record's index for an
 * invalid instant or a non-integer amount.
 */
export function orderTableFromRecords(records: readonly OrderRecord[]): OrderTable {
  const builder = new OrderTableBuilder(records.length);
  records.forEach((record, index) => {
    const orderedAt = toInstant(record.orderedAt, `orderedAt of order ${index}`);
    if (!Number.isSafeInteger(record.amountCents)) {
      throw new InvalidInputError(
        `amountCents of order ${index} must be an integer number of cents, got ${record.amountCents}`,
      );
    }
    builder.add(record.customerId, orderedAt, record.amountCents, record.attributes);
  });
  return builder.build();
}

/**
 * Row indices grouped by customer, each group in time order: `rows.subarray(offsets[c], offsets[c+1])`
 * are customer c's rows. A counting sort by customer (O(n)); each group is then left alone when
 * already ascending, reversed when descending (exports often list newest first), else sorted.
 */
export interface RowsByCustomer {
  readonly offsets: Int32Array;
  readonly rows: Int32Array;
}

/**
 * Groupings already computed, by customer column and then time column: a table's columns are not
 * changed once built, and one analysis groups the same table many times (the at-risk pipeline's
 * summaries, purchase rhythms and values at two days, for each point of the overview's trend: a
 * quarter of its time on 10 M orders). Held as long as the table is.
 */
const groupings = new WeakMap<
  Int32Array,
  WeakMap<Float64Array, RowsByCustomer & { readonly length: number }>
>();

/**
 * The rows of `table` grouped by customer, each group ordered by `timeColumn` (equal times in row
 * order). Computed once per table and time column (the columns must not change afterwards), then
 * shared: the result is read-only.
 */
export function groupRowsByCustomer(
  table: {
    readonly length: number;
    readonly customer: Int32Array;
    readonly customerIds: readonly string[];
  },
  timeColumn: Float64Array,
): RowsByCustomer {
  let byTime = groupings.get(table.customer);
  const known = byTime?.get(timeColumn);
  if (
    known !== undefined &&
    known.length === table.length &&
    known.offsets.length === table.customerIds.length + 1
  )
    return known;
  const grouped = groupRows(table, timeColumn);
  if (byTime === undefined) groupings.set(table.customer, (byTime = new WeakMap()));
  byTime.set(timeColumn, { ...grouped, length: table.length });
  return grouped;
}

function groupRows(
  table: {
    readonly length: number;
    readonly customer: Int32Array;
    readonly customerIds: readonly string[];
  },
  timeColumn: Float64Array,
): RowsByCustomer {
  const customers = table.customerIds.length;
  const offsets = new Int32Array(customers + 1);
  for (let i = 0; i < table.length; i++) offsets[table.customer[i]! + 1]!++;
  for (let c = 0; c < customers; c++) offsets[c + 1]! += offsets[c]!;
  const cursor = offsets.slice(0, customers);
  const rows = new Int32Array(table.length);
  for (let i = 0; i < table.length; i++) rows[cursor[table.customer[i]!]!++] = i;
  for (let c = 0; c < customers; c++) {
    const from = offsets[c]!;
    const to = offsets[c + 1]!;
    if (to - from < 2) continue;
    let ascending = true;
    let descending = true;
    for (let i = from + 1; i < to && (ascending || descending); i++) {
      const step = timeColumn[rows[i]!]! - timeColumn[rows[i - 1]!]!;
      if (step < 0) ascending = false;
      // Only a strictly descending run may be reversed: reversing equal times would reorder them.
      if (step >= 0) descending = false;
    }
    if (ascending) continue;
    const group = rows.subarray(from, to);
    if (descending) group.reverse();
    // Equal times keep the order they were listed in (the documented tie-break).
    else group.sort((a, b) => timeColumn[a]! - timeColumn[b]! || a - b);
  }
  return { offsets, rows };
}
