import type { SubscriptionTable } from '../data/subscription-table.js';
import { InvalidInputError } from '../input-error.js';
import { DAYS_PER_MONTH, MS_PER_DAY } from '../time/units.js';

/**
 * The Kaplan–Meier product-limit estimate of a survival curve (Kaplan & Meier 1958), with
 * Greenwood's variance and lifelines' "exponential Greenwood" (log(−log)) confidence interval.
 *
 * One row per distinct time at which something happened (an event, a censoring, or both), in
 * ascending order. Between two listed times, and after the last one, the curve is flat; before the
 * first one it is 1.
 */
export interface KaplanMeierCurve {
  /** Distinct observed durations, ascending. */
  readonly times: number[];
  /** n_i: subjects still under observation just before `times[i]` (not yet failed nor censored). */
  readonly atRisk: number[];
  /** d_i: events (churns) at `times[i]`. */
  readonly events: number[];
  /** Subjects censored at `times[i]` (still alive when last seen). */
  readonly censored: number[];
  /** Ŝ(t_i) = Π_{j ≤ i} (1 − d_j / n_j). */
  readonly survival: number[];
  /** Greenwood's standard error: Ŝ(t_i) · √(Σ_{j ≤ i} d_j / (n_j (n_j − d_j))). */
  readonly standardError: number[];
  /** Lower bound of the pointwise interval (log(−log) transform, as lifelines and R's `log-log`). */
  readonly lower: number[];
  /** Upper bound of the pointwise interval. */
  readonly upper: number[];
  /** Smallest time with Ŝ(t) ≤ 0.5; `null` when the curve never gets there. */
  readonly medianLifetime: number | null;
  /** Smallest time with `lower` ≤ 0.5 (lifelines' `median_survival_times(confidence_interval_)`). */
  readonly medianLower: number | null;
  /** Smallest time with `upper` ≤ 0.5; `null` when the upper curve stays above one half. */
  readonly medianUpper: number | null;
  /** The confidence level of `lower`/`upper` (e.g. 0.95). */
  readonly confidence: number;
}

export interface KaplanMeierOptions {
  /** Two-sided confidence level of the pointwise interval, in (0, 1). Default 0.95. */
  readonly confidence?: number;
}

/**
 * Kaplan–Meier estimate of the survival function from right-censored durations.
 *
 * At each distinct time t_i with n_i subjects at risk and d_i events,
 * Ŝ(t_i) = Ŝ(t_{i−1}) · (1 − d_i / n_i) (Kaplan & Meier 1958, eq. 2.2). Ties between an event and a
 * censoring at the same time put the event first (the censored subject is still at risk at t_i), the
 * usual convention (Kalbfleisch & Prentice 2002, §1.4.1).
 *
 * Variance: Greenwood's formula Var Ŝ(t) = Ŝ(t)² Σ_{t_j ≤ t} d_j / (n_j (n_j − d_j)). A term with
 * n_j = d_j (everyone left fails, Ŝ drops to 0) is infinite; like lifelines we count it as 0, so the
 * standard error and both bounds are 0 once Ŝ = 0.
 *
 * Interval: not the plain Ŝ ± z·SE (it leaves [0, 1] and is poor in the tails) but the exponential
 * Greenwood interval on log(−log Ŝ), exactly as lifelines' `KaplanMeierFitter` and R's
 * `survfit(conf.type = "log-log")`: with v = log Ŝ(t) and σ² = Σ d_j / (n_j (n_j − d_j)),
 * bounds = exp(−exp(log(−v) ± z σ / v)). While Ŝ = 1 (no event yet) the interval is [1, 1].
 *
 * Median lifetime: the smallest t with Ŝ(t) ≤ 0.5 (lifelines' `median_survival_time_`); its
 * interval applies the same rule to the lower and upper curves.
 *
 * `observed[i]` is true (or non-zero) when subject i's event (churn) was seen, false/0 when censored.
 * Complexity: O(n log n) for the sort, then one pass. Durations must be finite and ≥ 0.
 *
 * @example
 * kaplanMeier([1, 2, 2, 3], [1, 1, 0, 1]).survival // [0.75, 0.5, 0]
 */
export function kaplanMeier(
  durations: ArrayLike<number>,
  observed: ArrayLike<boolean | number>,
  options: KaplanMeierOptions = {},
): KaplanMeierCurve {
  const length = durations.length;
  if (observed.length !== length) {
    throw new RangeError(`durations has ${length} values but observed has ${observed.length}`);
  }
  const confidence = options.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1))
    throw new InvalidInputError(`confidence must be in (0, 1), got ${confidence}`);
  const z = standardNormalQuantile(1 - (1 - confidence) / 2);

  const order = new Int32Array(length);
  for (let i = 0; i < length; i++) {
    const duration = durations[i]!;
    if (!(Number.isFinite(duration) && duration >= 0)) {
      throw new InvalidInputError(`duration ${i} must be a finite number ≥ 0, got ${duration}`);
    }
    order[i] = i;
  }
  order.sort((a, b) => durations[a]! - durations[b]!);

  const times: number[] = [];
  const atRisk: number[] = [];
  const events: number[] = [];
  const censored: number[] = [];
  const survival: number[] = [];
  const standardError: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];

  let remaining = length;
  let survivalSoFar = 1;
  let greenwoodSum = 0;
  let position = 0;
  while (position < length) {
    const time = durations[order[position]!]!;
    let eventCount = 0;
    let censoredCount = 0;
    while (position < length && durations[order[position]!]! === time) {
      if (observed[order[position]!]) eventCount++;
      else censoredCount++;
      position++;
    }
    if (eventCount > 0) {
      survivalSoFar *= 1 - eventCount / remaining;
      // d = n makes the Greenwood term infinite; lifelines counts it as 0 (see the doc comment).
      if (remaining > eventCount) greenwoodSum += eventCount / (remaining * (remaining - eventCount));
    }
    times.push(time);
    atRisk.push(remaining);
    events.push(eventCount);
    censored.push(censoredCount);
    survival.push(survivalSoFar);
    standardError.push(survivalSoFar * Math.sqrt(greenwoodSum));
    const [low, high] = logLogBounds(survivalSoFar, greenwoodSum, z);
    lower.push(low);
    upper.push(high);
    remaining -= eventCount + censoredCount;
  }

  return {
    times,
    atRisk,
    events,
    censored,
    survival,
    standardError,
    lower,
    upper,
    medianLifetime: firstTimeAtOrBelow(times, survival, 0.5),
    medianLower: firstTimeAtOrBelow(times, lower, 0.5),
    medianUpper: firstTimeAtOrBelow(times, upper, 0.5),
    confidence,
  };
}

/** exp(−exp(log(−log S) ± z σ / log S)), with the degenerate ends S = 1 and S = 0 pinned. */
function logLogBounds(survivalValue: number, greenwoodSum: number, z: number): [number, number] {
  if (survivalValue >= 1) return [1, 1];
  if (survivalValue <= 0) return [0, 0];
  const logSurvival = Math.log(survivalValue);
  const center = Math.log(-logSurvival);
  const halfWidth = (z * Math.sqrt(greenwoodSum)) / logSurvival; // negative, since log S < 0
  return [Math.exp(-Math.exp(center - halfWidth)), Math.exp(-Math.exp(center + halfWidth))];
}

function firstTimeAtOrBelow(
  times: readonly number[],
  curve: readonly number[],
  level: number,
): number | null {
  for (let i = 0; i < curve.length; i++) if (curve[i]! <= level) return times[i]!;
  return null;
}

/**
 * Ŝ(t) read off a fitted curve: the value at the last listed time ≤ t (1 before the first one).
 * O(log k) by binary search over the k listed times.
 *
 * @example
 * survivalAt(kaplanMeier([1, 2, 3], [1, 1, 1]), 2.5) // 1/3
 */
export function survivalAt(curve: Pick<KaplanMeierCurve, 'times' | 'survival'>, time: number): number {
  const { times, survival } = curve;
  let low = 0;
  let high = times.length; // first index with times[index] > time
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (times[middle]! <= time) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? 1 : survival[low - 1]!;
}

/** One group's curve from `kaplanMeierBy`. */
export interface GroupCurve {
  readonly group: string;
  /** Number of subjects in the group. */
  readonly size: number;
  readonly curve: KaplanMeierCurve;
}

/**
 * One Kaplan–Meier curve per group (e.g. per plan or acquisition cohort), groups sorted by label.
 * `groups[i]` is subject i's group: a label, or an integer code with `labels` naming the codes.
 *
 * Complexity: O(n log n) overall (one bucket pass, then each group's sort).
 *
 * @example
 * kaplanMeierBy(['a', 'b', 'a'], [1, 2, 3], [1, 1, 0]).map((g) => g.group) // ['a', 'b']
 */
export function kaplanMeierBy(
  groups: readonly string[] | Int32Array,
  durations: ArrayLike<number>,
  observed: ArrayLike<boolean | number>,
  options: KaplanMeierOptions & { readonly labels?: readonly string[] } = {},
): GroupCurve[] {
  const length = durations.length;
  if (groups.length !== length)
    throw new RangeError(`groups has ${groups.length} values but durations has ${length}`);
  const members = new Map<string, number[]>();
  for (let i = 0; i < length; i++) {
    const value = groups[i]!;
    const label = typeof value === 'number' ? (options.labels?.[value] ?? String(value)) : value;
    let list = members.get(label);
    if (list === undefined) {
      list = [];
      members.set(label, list);
    }
    list.push(i);
  }
  const curveOptions: KaplanMeierOptions =
    options.confidence === undefined ? {} : { confidence: options.confidence };
  return [...members.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([group, rows]) => {
      const groupDurations = new Float64Array(rows.length);
      const groupObserved = new Uint8Array(rows.length);
      rows.forEach((row, index) => {
        groupDurations[index] = durations[row]!;
        groupObserved[index] = observed[row] ? 1 : 0;
      });
      return { group, size: rows.length, curve: kaplanMeier(groupDurations, groupObserved, curveOptions) };
    });
}

/** Time unit of the durations produced by `survivalFromSubscriptions`. */
export type SurvivalUnit = 'day' | 'month';

/** Per-customer lifetimes ready for `kaplanMeier` / `kaplanMeierBy`. */
export interface SubscriptionLifetimes {
  /** Index into the table's `customerIds` of each included customer. */
  readonly customer: Int32Array;
  readonly customerIds: string[];
  /** Tenure in `unit`s: first start → last end, or → `asOf` when still active (censored). */
  readonly durations: Float64Array;
  /** 1 when the customer had churned by `asOf` (an event), 0 when still active (censored). */
  readonly observed: Uint8Array;
  /** Row of each customer's first subscription (read any attribute at acquisition from it). */
  readonly firstSubscriptionRow: Int32Array;
  /** Value of the `groupBy` attribute on each customer's first subscription (when asked). */
  readonly groups?: string[];
}

/**
 * Customer lifetimes from paid subscriptions, as of an instant, for survival curves by plan.
 *
 * Only subscriptions started before `asOf` are seen (a customer with none is left out: not yet
 * acquired). Tenure runs from the customer's first start to their last end; gaps between
 * subscriptions count as tenure (a customer who paused and came back never churned). A customer
 * whose last end is after `asOf` (or open) is still active at `asOf` (metrics.md §1: active while
 * `started_at ≤ t < ended_at`): censored at `asOf − first start`. Otherwise the churn is observed at
 * the last end.
 *
 * Units: `day` = 86,400,000 ms; `month` = the mean Gregorian month (30.436875 days), so durations
 * are fractional and comparable across customers whatever the calendar; read whole months off the
 * curve with `survivalAt`.
 *
 * Complexity: one pass over the rows plus one over the customers.
 *
 * @example
 * const lives = survivalFromSubscriptions(table, { asOf: Date.parse('2024-07-01T00:00:00Z'), unit: 'month', groupBy: 'plan' });
 * kaplanMeierBy(lives.groups!, lives.durations, lives.observed);
 */
export function survivalFromSubscriptions(
  subscriptions: SubscriptionTable,
  options: { readonly asOf: number; readonly unit: SurvivalUnit; readonly groupBy?: string },
): SubscriptionLifetimes {
  const { asOf, unit } = options;
  if (!Number.isFinite(asOf)) throw new InvalidInputError(`asOf must be a finite instant, got ${asOf}`);
  const unitMs = unit === 'day' ? MS_PER_DAY : unit === 'month' ? MS_PER_DAY * DAYS_PER_MONTH : Number.NaN;
  if (Number.isNaN(unitMs))
    throw new InvalidInputError(`Unknown unit "${String(unit)}": use "day" or "month"`);
  const groupColumn =
    options.groupBy === undefined ? undefined : subscriptions.attributes.get(options.groupBy);
  if (options.groupBy !== undefined && groupColumn === undefined) {
    throw new InvalidInputError(`The subscriptions have no attribute "${options.groupBy}"`);
  }

  const customerCount = subscriptions.customerIds.length;
  const firstStart = new Float64Array(customerCount).fill(Number.POSITIVE_INFINITY);
  const lastEnd = new Float64Array(customerCount).fill(Number.NEGATIVE_INFINITY);
  const firstRow = new Int32Array(customerCount).fill(-1);
  for (let row = 0; row < subscriptions.length; row++) {
    const startedAt = subscriptions.startedAt[row]!;
    if (!(startedAt < asOf)) continue;
    const customer = subscriptions.customer[row]!;
    if (startedAt < firstStart[customer]!) {
      firstStart[customer] = startedAt;
      firstRow[customer] = row;
    }
    const endedAt = subscriptions.endedAt[row]!;
    if (endedAt > lastEnd[customer]!) lastEnd[customer] = endedAt;
  }

  let included = 0;
  for (let customer = 0; customer < customerCount; customer++) if (firstRow[customer]! >= 0) included++;
  const customer = new Int32Array(included);
  const customerIds: string[] = [];
  const durations = new Float64Array(included);
  const observed = new Uint8Array(included);
  const firstSubscriptionRow = new Int32Array(included);
  const groups: string[] | undefined = groupColumn ? [] : undefined;
  let next = 0;
  for (let index = 0; index < customerCount; index++) {
    const row = firstRow[index]!;
    if (row < 0) continue;
    const churned = lastEnd[index]! <= asOf;
    customer[next] = index;
    customerIds.push(subscriptions.customerIds[index]!);
    durations[next] = ((churned ? lastEnd[index]! : asOf) - firstStart[index]!) / unitMs;
    observed[next] = churned ? 1 : 0;
    firstSubscriptionRow[next] = row;
    if (groups && groupColumn) groups.push(groupColumn.labels[groupColumn.codes[row]!] ?? '');
    next++;
  }
  return { customer, customerIds, durations, observed, firstSubscriptionRow, ...(groups ? { groups } : {}) };
}

/**
 * Φ⁻¹(p), the standard normal quantile, by Acklam's rational approximation (relative error below
 * 1.2e-9, ample for an interval's z). O(1).
 *
 * @example
 * standardNormalQuantile(0.975) // 1.95996…
 */
export function standardNormalQuantile(probability: number): number {
  if (!(probability > 0 && probability < 1))
    throw new InvalidInputError(`probability must be in (0, 1), got ${probability}`);
  const lowTail = 0.02425;
  if (probability < lowTail) {
    const q = Math.sqrt(-2 * Math.log(probability));
    return tailRatio(q);
  }
  if (probability > 1 - lowTail) {
    const q = Math.sqrt(-2 * Math.log(1 - probability));
    return -tailRatio(q);
  }
  const q = probability - 0.5;
  const r = q * q;
  return (
    ((((((-39.69683028665376 * r + 220.9460984245205) * r - 275.9285104469687) * r + 138.357751867269) * r -
      30.66479806614716) *
      r +
      2.506628277459239) *
      q) /
    (((((-54.47609879822406 * r + 161.5858368580409) * r - 155.6989798598866) * r + 66.80131188771972) * r -
      13.28068155288572) *
      r +
      1)
  );
}

function tailRatio(q: number): number {
  return (
    (((((-0.007784894002430293 * q - 0.3223964580411365) * q - 2.400758277161838) * q - 2.549732539343734) *
      q +
      4.374664141464968) *
      q +
      2.938163982698783) /
    ((((0.007784695709041462 * q + 0.3224671290700398) * q + 2.445134137142996) * q + 3.754408661907416) * q +
      1)
  );
}
