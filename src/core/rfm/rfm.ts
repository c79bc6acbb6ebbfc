import type { OrderTable } from '../data/order-table.js';
import { InvalidInputError } from '../input-error.js';
import { LocalDayMapper } from '../time/periods.js';

/** The ten RFM segment names, in the order reports list them (metrics.md §6). */
export const RFM_SEGMENT_NAMES = [
  'Champions',
  'Loyal customers',
  'Potential loyalists',
  'New customers',
  'Promising',
  'Need attention',
  'About to sleep',
  'At risk',
  "Can't lose them",
  'Hibernating',
] as const;

export type RfmSegmentName = (typeof RFM_SEGMENT_NAMES)[number];

/**
 * The (R, F) → segment mapping of metrics.md §6, as printed there: rows R = 5 down to 1, and in
 * each row the segments for F = 1 … 5.
 */
export const RFM_SEGMENT_TABLE: readonly {
  readonly r: number;
  readonly byFrequency: readonly RfmSegmentName[];
}[] = [
  {
    r: 5,
    byFrequency: ['New customers', 'Potential loyalists', 'Potential loyalists', 'Champions', 'Champions'],
  },
  {
    r: 4,
    byFrequency: [
      'Promising',
      'Potential loyalists',
      'Potential loyalists',
      'Loyal customers',
      'Loyal customers',
    ],
  },
  {
    r: 3,
    byFrequency: ['About to sleep', 'About to sleep', 'Need attention', 'Loyal customers', 'Loyal customers'],
  },
  { r: 2, byFrequency: ['Hibernating', 'Hibernating', 'At risk', 'At risk', "Can't lose them"] },
  { r: 1, byFrequency: ['Hibernating', 'Hibernating', 'At risk', 'At risk', "Can't lose them"] },
];

// (r − 1) × 5 + (f − 1) → index into RFM_SEGMENT_NAMES, built once from the table above.
const SEGMENT_BY_SCORES = new Uint8Array(25);
for (const { r, byFrequency } of RFM_SEGMENT_TABLE) {
  byFrequency.forEach((name, column) => {
    SEGMENT_BY_SCORES[(r - 1) * 5 + column] = RFM_SEGMENT_NAMES.indexOf(name);
  });
}

/** The segment index (into `RFM_SEGMENT_NAMES`) of recency score `r` and frequency score `f` (1–5). */
export function rfmSegment(r: number, f: number): number {
  const valid = (score: number) => Number.isInteger(score) && score >= 1 && score <= 5;
  if (!valid(r) || !valid(f))
    throw new InvalidInputError(`RFM scores must be integers 1–5, got R=${r}, F=${f}`);
  return SEGMENT_BY_SCORES[(r - 1) * 5 + (f - 1)]!;
}

export interface RfmOptions {
  /** The analysis instant: orders strictly before it count. */
  readonly asOf: number;
  /** IANA zone of the local dates used for recency (default `UTC`). */
  readonly timeZone?: string;
}

export interface RfmSegmentSummary {
  readonly name: RfmSegmentName;
  readonly customers: number;
  /** Sum of the segment's customers' monetary values (net cents). */
  readonly revenueCents: number;
}

/** RFM values, scores and segment of each scored customer, as parallel columns. */
export interface RfmResult {
  readonly asOf: number;
  readonly length: number;
  /** Customer index (into `orders.customerIds`), ascending. */
  readonly customer: Int32Array;
  readonly recencyDays: Int32Array;
  readonly frequency: Int32Array;
  readonly monetaryCents: Float64Array;
  readonly r: Uint8Array;
  readonly f: Uint8Array;
  readonly m: Uint8Array;
  /** Index into `RFM_SEGMENT_NAMES`. */
  readonly segment: Uint8Array;
  /** Every segment of `RFM_SEGMENT_NAMES`, in that order, including empty ones. */
  readonly segments: readonly RfmSegmentSummary[];
}

/**
 * Scores 1 + floor(5 × L(v) / n), L(v) = number of values strictly worse than v (metrics.md §6):
 * equal values share a score, and the best value gets 5 only if at least n/5 values are worse.
 *
 * Why thresholds: score(v) ≥ k + 1 ⇔ L(v) ≥ t_k with t_k = ⌈k·n/5⌉ (k = 1…4), and L(v) ≥ t holds
 * exactly when v is better than the t-th worst value. So one sort yields four thresholds and each
 * score is 1 + the number of thresholds the value beats — the definition, not an approximation.
 * O(n log n) for the (native, typed-array) sort, then four comparisons per value.
 */
function scores(values: ArrayLike<number>, higherIsBetter: boolean): Uint8Array {
  const count = values.length;
  const result = new Uint8Array(count);
  if (count === 0) return result;
  const sorted = Float64Array.from(values).sort();
  // The t-th worst value: the t-th smallest when higher is better, the t-th largest otherwise.
  const thresholds = [1, 2, 3, 4].map((k) => {
    const t = Math.ceil((k * count) / 5);
    return higherIsBetter ? sorted[t - 1]! : sorted[count - t]!;
  });
  const [t1, t2, t3, t4] = thresholds as [number, number, number, number];
  for (let index = 0; index < count; index++) {
    const value = values[index]!;
    result[index] = higherIsBetter
      ? 1 + (value > t1 ? 1 : 0) + (value > t2 ? 1 : 0) + (value > t3 ? 1 : 0) + (value > t4 ? 1 : 0)
      : 1 + (value < t1 ? 1 : 0) + (value < t2 ? 1 : 0) + (value < t3 ? 1 : 0) + (value < t4 ? 1 : 0);
  }
  return result;
}

/**
 * RFM analysis (metrics.md §6) of the customers with at least one order before `asOf`:
 * - recency = whole days from the local date of the customer's last order to the local date of
 *   `asOf` in `timeZone` (0 = ordered on the same local day; DST days count as one day);
 * - frequency = number of orders (rows with amount ≥ 0) before `asOf`;
 * - monetary = total net amount before `asOf`, refunds included (so it may be below the orders' sum);
 * - R, F, M scores = 1 + floor(5 × L(v) / n), L(v) = customers strictly worse (recency: more days;
 *   frequency, monetary: less), so equal values always score alike and scores are 1–5;
 * - segment from (R, F) by `RFM_SEGMENT_TABLE`.
 *
 * Choices: a refund is not an order, so it changes neither recency nor frequency; a refund-only
 * customer is not scored.
 *
 * Complexity: one pass over the n rows, one local-date conversion per customer, then O(c log c)
 * for the scores of c customers.
 *
 * @example
 * // asOf 2024-02-01, UTC. a: orders Jan 20, 30, 31 (60.00); b: Jan 31 (5.00)
 * rfm(table, { asOf }) // → recencyDays [1, 1], frequency [3, 1],
 * //   r [1, 1] (nobody has more days), f [3, 1] (L = 1 for a: 1 + floor(5 × 1 / 2)),
 * //   segment: a (R1, F3) At risk, b (R1, F1) Hibernating
 */
export function rfm(orders: OrderTable, options: RfmOptions): RfmResult {
  const { asOf } = options;
  if (!Number.isFinite(asOf)) throw new InvalidInputError(`asOf must be a finite instant, got ${asOf}`);
  const mapper = new LocalDayMapper(options.timeZone ?? 'UTC');
  const customerTotal = orders.customerIds.length;
  const lastOrderAt = new Float64Array(customerTotal).fill(Number.NEGATIVE_INFINITY);
  const orderCount = new Int32Array(customerTotal);
  const netCents = new Float64Array(customerTotal);
  const { customer, orderedAt, amountCents } = orders;
  for (let row = 0; row < orders.length; row++) {
    const instant = orderedAt[row]!;
    if (!(instant < asOf)) continue;
    const index = customer[row]!;
    const amount = amountCents[row]!;
    netCents[index]! += amount;
    if (amount < 0) continue;
    orderCount[index]!++;
    if (instant > lastOrderAt[index]!) lastOrderAt[index] = instant;
  }

  let length = 0;
  for (let index = 0; index < customerTotal; index++) if (orderCount[index]! > 0) length++;
  const customerColumn = new Int32Array(length);
  const recencyDays = new Int32Array(length);
  const frequency = new Int32Array(length);
  const monetaryCents = new Float64Array(length);
  const asOfDay = mapper.dayNumber(asOf);
  let next = 0;
  for (let index = 0; index < customerTotal; index++) {
    if (orderCount[index] === 0) continue;
    customerColumn[next] = index;
    recencyDays[next] = asOfDay - mapper.dayNumber(lastOrderAt[index]!);
    frequency[next] = orderCount[index]!;
    monetaryCents[next] = netCents[index]!;
    next++;
  }

  const r = scores(recencyDays, false);
  const f = scores(frequency, true);
  const m = scores(monetaryCents, true);
  const segment = new Uint8Array(length);
  const segmentCustomers = new Array<number>(RFM_SEGMENT_NAMES.length).fill(0);
  const segmentRevenue = new Array<number>(RFM_SEGMENT_NAMES.length).fill(0);
  for (let position = 0; position < length; position++) {
    const index = SEGMENT_BY_SCORES[(r[position]! - 1) * 5 + (f[position]! - 1)]!;
    segment[position] = index;
    segmentCustomers[index]!++;
    segmentRevenue[index]! += monetaryCents[position]!;
  }
  return {
    asOf,
    length,
    customer: customerColumn,
    recencyDays,
    frequency,
    monetaryCents,
    r,
    f,
    m,
    segment,
    segments: RFM_SEGMENT_NAMES.map((name, index) => ({
      name,
      customers: segmentCustomers[index]!,
      revenueCents: segmentRevenue[index]!,
    })),
  };
}
