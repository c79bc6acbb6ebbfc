/**
 * Property tests: the matrices against a direct transcription of metrics.md §3 (sets per customer,
 * one cell at a time), and the invariants the definitions imply.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type OrderRecord, orderTableFromRecords } from '../data/order-table.js';
import { type SubscriptionRecord, subscriptionTableFromRecords } from '../data/subscription-table.js';
import { type Granularity, PeriodGrid, type WeekStart } from '../time/periods.js';
import type { CohortKind, CohortMatrix, CohortMeasure, CohortOptions } from './cohort-matrix.js';
import { orderCohorts, orderCohortsBy } from './order-cohorts.js';
import { subscriptionCohorts, subscriptionCohortsBy } from './subscription-cohorts.js';

const DAY = 86_400_000;
const DATA_FROM = Date.parse('2023-11-01T00:00:00Z');
const DATA_TO = Date.parse('2024-08-01T00:00:00Z');
const GRID_FROM = Date.parse('2024-01-01T00:00:00Z');
const GRID_TO = Date.parse('2024-07-01T00:00:00Z');

interface Setting {
  granularity: Granularity;
  timeZone: string;
  weekStartsOn: WeekStart;
  dataEnd: number;
  kind: CohortKind;
  measure: CohortMeasure;
}

const settingArbitrary: fc.Arbitrary<Setting> = fc.record({
  granularity: fc.constantFrom<Granularity>('day', 'week', 'month', 'quarter'),
  timeZone: fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York'),
  weekStartsOn: fc.constantFrom<WeekStart>('monday', 'sunday'),
  dataEnd: fc.integer({ min: Date.parse('2023-12-15T00:00:00Z'), max: Date.parse('2024-08-15T00:00:00Z') }),
  kind: fc.constantFrom<CohortKind>('first-time', 'recurring'),
  measure: fc.constantFrom<CohortMeasure>('classic', 'rolling'),
});

function optionsOf(setting: Setting): CohortOptions {
  const grid = PeriodGrid.covering(GRID_FROM, GRID_TO, setting.granularity, {
    timeZone: setting.timeZone,
    weekStartsOn: setting.weekStartsOn,
  });
  return { grid, dataEnd: setting.dataEnd, kind: setting.kind, measure: setting.measure };
}

// Times on a coarse lattice (whole hours) so that ties and period boundaries are hit often.
const instantArbitrary = fc
  .integer({ min: 0, max: Math.floor((DATA_TO - DATA_FROM) / 3_600_000) })
  .map((hours) => DATA_FROM + hours * 3_600_000);

const orderArbitrary: fc.Arbitrary<OrderRecord> = fc.record({
  customerId: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
  orderedAt: instantArbitrary,
  amountCents: fc.integer({ min: -300, max: 3000 }),
  attributes: fc.record({ country: fc.constantFrom('FR', 'DE', 'US', '') }),
});
const ordersArbitrary = fc.array(orderArbitrary, { maxLength: 40 });

const subscriptionArbitrary: fc.Arbitrary<SubscriptionRecord> = fc
  .record({
    customerId: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
    startedAt: instantArbitrary,
    days: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
    amountCents: fc.integer({ min: 0, max: 5000 }),
    interval: fc.constantFrom('day', 'week', 'month', 'year') as fc.Arbitrary<
      'day' | 'week' | 'month' | 'year'
    >,
    plan: fc.constantFrom('basic', 'pro'),
  })
  .map((draft) => ({
    customerId: draft.customerId,
    subscriptionId: `${draft.customerId}-${draft.startedAt}`,
    startedAt: draft.startedAt,
    endedAt: draft.days === undefined ? null : draft.startedAt + draft.days * DAY,
    amountCents: draft.amountCents,
    interval: draft.interval,
    attributes: { plan: draft.plan },
  }));
const subscriptionsArbitrary = fc.array(subscriptionArbitrary, { maxLength: 25 });

/** What the definitions say, customer by customer: the inputs of the reference matrix. */
interface CustomerFacts {
  acquisitionPeriod: number | null; // grid index of the acquisition instant, null without one
  active: Set<number>; // grid periods with activity
  revenue: Map<number, number>; // grid period → revenue (cents; annual cents for subscriptions)
}

/** The matrix by metrics.md §3, one cell at a time, from each customer's facts. */
function referenceMatrix(
  facts: readonly CustomerFacts[],
  options: CohortOptions,
  mode: CohortMatrix['mode'],
  revenueDivisor: number,
): CohortMatrix {
  const { grid, dataEnd } = options;
  const kind = options.kind ?? 'first-time';
  const measure = options.measure ?? 'classic';
  const periodCount = grid.count;
  const complete = (period: number) => grid.end(period) <= dataEnd;
  const averageSizes = new Array<number>(periodCount).fill(0);
  const averageCounts = new Array<number>(periodCount).fill(0);
  const rows = [];
  for (let cohort = 0; cohort < periodCount; cohort++) {
    const members = facts.filter((customer) =>
      kind === 'first-time' ? customer.acquisitionPeriod === cohort : customer.active.has(cohort),
    );
    const size = members.length;
    const counts: (number | null)[] = [];
    const rates: (number | null)[] = [];
    const revenueCents: (number | null)[] = [];
    for (let period = cohort; period < periodCount; period++) {
      if (!complete(period)) {
        counts.push(null);
        rates.push(null);
        revenueCents.push(null);
        continue;
      }
      const count = members.filter((customer) =>
        measure === 'classic'
          ? customer.active.has(period)
          : [...customer.active].some((activePeriod) => activePeriod >= period),
      ).length;
      counts.push(count);
      rates.push(size === 0 ? null : (count / size) * 100);
      revenueCents.push(
        members.reduce((sum, customer) => sum + (customer.revenue.get(period) ?? 0), 0) / revenueDivisor + 0,
      );
      averageSizes[period - cohort]! += size;
      averageCounts[period - cohort]! += count;
    }
    rows.push({ cohort: grid.label(cohort), start: grid.start(cohort), size, counts, rates, revenueCents });
  }
  return {
    granularity: grid.granularity,
    kind,
    measure,
    mode,
    rows,
    average: {
      sizes: averageSizes,
      counts: averageCounts,
      rates: averageSizes.map((size, offset) => (size === 0 ? null : (averageCounts[offset]! / size) * 100)),
    },
  };
}

function orderFacts(records: readonly OrderRecord[], options: CohortOptions): CustomerFacts[] {
  const { grid, dataEnd } = options;
  const inGrid = (period: number) => period >= 0 && period < grid.count;
  const byCustomer = new Map<string, OrderRecord[]>();
  for (const record of records) {
    if ((record.orderedAt as number) > dataEnd) continue; // after the data's end
    byCustomer.set(record.customerId, [...(byCustomer.get(record.customerId) ?? []), record]);
  }
  return [...byCustomer.values()].map((orders) => {
    const purchases = orders.filter((order) => order.amountCents >= 0); // refunds are not orders
    const firstPurchase = Math.min(...purchases.map((order) => order.orderedAt as number));
    const active = new Set(purchases.map((order) => grid.indexOf(order.orderedAt as number)).filter(inGrid));
    const revenue = new Map<number, number>();
    for (const order of orders) {
      const period = grid.indexOf(order.orderedAt as number);
      if (inGrid(period)) revenue.set(period, (revenue.get(period) ?? 0) + order.amountCents);
    }
    return {
      acquisitionPeriod: purchases.length === 0 ? null : grid.indexOf(firstPurchase),
      active,
      revenue,
    };
  });
}

function subscriptionFacts(records: readonly SubscriptionRecord[], options: CohortOptions): CustomerFacts[] {
  const { grid, dataEnd } = options;
  const table = subscriptionTableFromRecords(records); // for the annualised amounts
  const byCustomer = new Map<string, number[]>();
  records.forEach((record, row) => {
    if ((record.startedAt as number) > dataEnd) return;
    byCustomer.set(record.customerId, [...(byCustomer.get(record.customerId) ?? []), row]);
  });
  return [...byCustomer.values()].map((subscriptionRows) => {
    const active = new Set<number>();
    const revenue = new Map<number, number>();
    for (const row of subscriptionRows) {
      const startedAt = table.startedAt[row]!;
      const endedAt = table.endedAt[row]!;
      for (let period = 0; period < grid.count; period++) {
        // Activity: some instant of the period is in [startedAt, endedAt). MRR: its last instant is.
        const overlapStart = Math.max(startedAt, grid.start(period));
        if (overlapStart < Math.min(endedAt, grid.end(period))) active.add(period);
        if (startedAt < grid.end(period) && grid.end(period) <= endedAt) {
          revenue.set(period, (revenue.get(period) ?? 0) + table.annualCents[row]!);
        }
      }
    }
    const acquiredAt = Math.min(...subscriptionRows.map((row) => table.startedAt[row]!));
    return { acquisitionPeriod: grid.indexOf(acquiredAt), active, revenue };
  });
}

/** The records in ascending order of an instant field (a stable sort). */
const byTime = <T extends Record<K, unknown>, K extends string>(records: readonly T[], field: K): T[] =>
  [...records].sort((left, right) => (left[field] as number) - (right[field] as number));

const permutation = <T>(items: readonly T[]) =>
  fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length });

describe('cohort matrices agree with the definitions (reference implementation)', () => {
  it('order cohorts, every kind and measure', () => {
    fc.assert(
      fc.property(ordersArbitrary, settingArbitrary, (records, setting) => {
        const options = optionsOf(setting);
        const expected = referenceMatrix(orderFacts(records, options), options, 'transactional', 1);
        // As generated (usually not in time order: read grouped by customer) and in time order
        // (read in table order): the two ways the engine walks the rows.
        expect(orderCohorts(orderTableFromRecords(records), options)).toEqual(expected);
        expect(orderCohorts(orderTableFromRecords(byTime(records, 'orderedAt')), options)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('subscription cohorts, every kind and measure', () => {
    fc.assert(
      fc.property(subscriptionsArbitrary, settingArbitrary, (records, setting) => {
        const options = optionsOf(setting);
        const expected = referenceMatrix(subscriptionFacts(records, options), options, 'subscription', 12);
        expect(subscriptionCohorts(subscriptionTableFromRecords(records), options)).toEqual(expected);
        const sorted = subscriptionTableFromRecords(byTime(records, 'startedAt'));
        expect(subscriptionCohorts(sorted, options)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('cohort matrix invariants', () => {
  it('counts never exceed the cohort size; rolling is non-increasing in k and ≥ classic', () => {
    fc.assert(
      fc.property(ordersArbitrary, settingArbitrary, (records, setting) => {
        const orders = orderTableFromRecords(records);
        const classic = orderCohorts(orders, { ...optionsOf(setting), measure: 'classic' });
        const rolling = orderCohorts(orders, { ...optionsOf(setting), measure: 'rolling' });
        // Collected rather than asserted cell by cell: one expect per run keeps the test fast.
        const violations: string[] = [];
        rolling.rows.forEach((row, cohort) => {
          const classicRow = classic.rows[cohort]!;
          row.counts.forEach((count, offset) => {
            const classicCount = classicRow.counts[offset]!;
            if (count === null || classicCount === null) {
              if (count !== classicCount) violations.push(`${row.cohort}+${offset}: null mismatch`);
              return;
            }
            if (count > row.size || classicCount > row.size)
              violations.push(`${row.cohort}+${offset}: > size`);
            if (count < classicCount) violations.push(`${row.cohort}+${offset}: rolling < classic`);
            const previous = row.counts[offset - 1];
            if (offset > 0 && previous !== null && previous !== undefined && count > previous) {
              violations.push(`${row.cohort}+${offset}: rolling increases`);
            }
          });
        });
        expect(violations).toEqual([]);
      }),
    );
  });

  it('first-time order cohorts are whole in period 0 when it is complete', () => {
    fc.assert(
      fc.property(ordersArbitrary, settingArbitrary, (records, setting) => {
        const matrix = orderCohorts(orderTableFromRecords(records), {
          ...optionsOf(setting),
          kind: 'first-time',
        });
        for (const row of matrix.rows) if (row.counts[0] !== null) expect(row.counts[0]).toBe(row.size);
      }),
    );
  });

  it('a shuffled input gives the same matrix', () => {
    fc.assert(
      fc.property(
        ordersArbitrary.chain((records) => fc.tuple(fc.constant(records), permutation(records))),
        settingArbitrary,
        ([records, shuffled], setting) => {
          const options = optionsOf(setting);
          expect(orderCohorts(orderTableFromRecords(shuffled), options)).toEqual(
            orderCohorts(orderTableFromRecords(records), options),
          );
        },
      ),
    );
    fc.assert(
      fc.property(
        subscriptionsArbitrary.chain((records) => fc.tuple(fc.constant(records), permutation(records))),
        settingArbitrary,
        ([records, shuffled], setting) => {
          const options = optionsOf(setting);
          expect(subscriptionCohorts(subscriptionTableFromRecords(shuffled), options)).toEqual(
            subscriptionCohorts(subscriptionTableFromRecords(records), options),
          );
        },
      ),
    );
  });

  it('breakdown sizes and counts add up to the overall matrix', () => {
    /** Per cohort: the size and the counts summed over the breakdown (null cells stay null). */
    const summed = (parts: readonly { matrix: CohortMatrix }[], like: CohortMatrix) =>
      like.rows.map((row, cohort) => ({
        size: parts.reduce((sum, part) => sum + part.matrix.rows[cohort]!.size, 0),
        counts: row.counts.map((count, offset) =>
          count === null
            ? null
            : parts.reduce((sum, part) => sum + part.matrix.rows[cohort]!.counts[offset]!, 0),
        ),
      }));
    const addsUp = (overall: CohortMatrix, parts: readonly { matrix: CohortMatrix }[]) => {
      expect(summed(parts, overall)).toEqual(overall.rows.map(({ size, counts }) => ({ size, counts })));
    };
    fc.assert(
      // At least one row, so that the attribute column exists.
      fc.property(
        fc.array(orderArbitrary, { minLength: 1, maxLength: 40 }),
        settingArbitrary,
        (records, setting) => {
          const orders = orderTableFromRecords(records);
          const options = optionsOf(setting);
          addsUp(orderCohorts(orders, options), orderCohortsBy(orders, 'country', options));
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.array(subscriptionArbitrary, { minLength: 1, maxLength: 25 }),
        settingArbitrary,
        (records, setting) => {
          const subscriptions = subscriptionTableFromRecords(records);
          const options = optionsOf(setting);
          addsUp(
            subscriptionCohorts(subscriptions, options),
            subscriptionCohortsBy(subscriptions, 'plan', options),
          );
        },
      ),
    );
  });
});
