import { InvalidInputError } from '../input-error.js';
import type { CategoricalColumn } from './order-table.js';
import { toInstant } from './order-table.js';

/** Billing interval of a subscription price. */
export type BillingInterval = 'day' | 'week' | 'month' | 'year';

/**
 * Paid subscriptions as columns (see `OrderTable` for the conventions).
 *
 * - A row covers `[startedAt, endedAt)`; `endedAt` is `Infinity` while the subscription is ongoing.
 *   For a cancelled subscription `endedAt` is the end of its paid period (metrics.md §1).
 * - Only paid subscriptions belong here: trials and free plans are left out by whoever builds the
 *   table (the CSV reader counts and reports them), because they neither make a customer active
 *   nor carry MRR (metrics.md §1, §4).
 * - `annualCents[i]` is the price normalised to a year, in cents: monthly × 12, weekly × 52,
 *   daily × 365, yearly × 1, each divided by the interval count. MRR is `annualCents / 12`, so the
 *   common cases stay exact integers until display (metrics.md §4).
 */
export interface SubscriptionTable {
  readonly length: number;
  readonly customer: Int32Array;
  readonly startedAt: Float64Array;
  readonly endedAt: Float64Array;
  readonly annualCents: Float64Array;
  readonly customerIds: readonly string[];
  readonly subscriptionIds: readonly string[];
  readonly attributes: ReadonlyMap<string, CategoricalColumn>;
}

/** One paid subscription in plain form. */
export interface SubscriptionRecord {
  readonly customerId: string;
  readonly subscriptionId: string;
  readonly startedAt: Date | number | string;
  /** `null` or absent while ongoing. */
  readonly endedAt?: Date | number | string | null;
  /** Price per billing interval, integer cents, net of discounts and excluding tax. */
  readonly amountCents: number;
  readonly interval: BillingInterval;
  /** Bill every `intervalCount` intervals (default 1). */
  readonly intervalCount?: number;
  readonly attributes?: Readonly<Record<string, string>>;
}

const INTERVALS_PER_YEAR: Readonly<Record<BillingInterval, number>> = {
  day: 365,
  week: 52,
  month: 12,
  year: 1,
};

/** The yearly value in cents of a price of `amountCents` every `intervalCount` `interval`s. */
export function annualizedCents(amountCents: number, interval: BillingInterval, intervalCount = 1): number {
  const perYear = INTERVALS_PER_YEAR[interval];
  if (perYear === undefined) throw new InvalidInputError(`Unknown billing interval "${interval}"`);
  if (!(intervalCount > 0))
    throw new InvalidInputError(`Interval count must be positive, got ${intervalCount}`);
  return (amountCents * perYear) / intervalCount;
}

/** Builds a `SubscriptionTable` from plain records; throws a `RangeError` naming the bad record. */
export function subscriptionTableFromRecords(records: readonly SubscriptionRecord[]): SubscriptionTable {
  const customerIndex = new Map<string, number>();
  const customerIds: string[] = [];
  const length = records.length;
  const customer = new Int32Array(length);
  const startedAt = new Float64Array(length);
  const endedAt = new Float64Array(length);
  const annualCents = new Float64Array(length);
  const subscriptionIds: string[] = [];
  const attributeNames = new Set<string>();
  for (const record of records)
    for (const name of Object.keys(record.attributes ?? {})) attributeNames.add(name);
  const attributes = new Map<string, { labels: string[]; index: Map<string, number>; codes: Int32Array }>();
  for (const name of attributeNames)
    attributes.set(name, { labels: [''], index: new Map([['', 0]]), codes: new Int32Array(length) });

  records.forEach((record, row) => {
    let index = customerIndex.get(record.customerId);
    if (index === undefined) {
      index = customerIds.length;
      customerIndex.set(record.customerId, index);
      customerIds.push(record.customerId);
    }
    customer[row] = index;
    startedAt[row] = toInstant(record.startedAt, `startedAt of subscription ${row}`);
    endedAt[row] =
      record.endedAt === null || record.endedAt === undefined
        ? Number.POSITIVE_INFINITY
        : toInstant(record.endedAt, `endedAt of subscription ${row}`);
    if (endedAt[row]! < startedAt[row]!)
      throw new InvalidInputError(`Subscription ${row} ends before it starts`);
    if (!Number.isSafeInteger(record.amountCents) || record.amountCents < 0) {
      throw new InvalidInputError(
        `amountCents of subscription ${row} must be a non-negative integer, got ${record.amountCents}`,
      );
    }
    annualCents[row] = annualizedCents(record.amountCents, record.interval, record.intervalCount ?? 1);
    subscriptionIds.push(record.subscriptionId);
    for (const [name, value] of Object.entries(record.attributes ?? {})) {
      const column = attributes.get(name)!;
      let code = column.index.get(value);
      if (code === undefined) {
        code = column.labels.length;
        column.index.set(value, code);
        column.labels.push(value);
      }
      column.codes[row] = code;
    }
  });

  return {
    length,
    customer,
    startedAt,
    endedAt,
    annualCents,
    customerIds,
    subscriptionIds,
    attributes: new Map(
      [...attributes].map(([name, column]) => [name, { labels: column.labels, codes: column.codes }]),
    ),
  };
}
