/**
 * The analytics reads: one workspace's orders and refunds aggregated in SQL to one row per
 * (customer, local calendar day), turned into a compact `OrderTable` for the pure core.
 *
 * Why days: every metric the endpoints report depends on orders only through their local day
 * (period boundaries, the activity window `[t − W, t)`, RFM recency and the CLV summary are all
 * whole local days in the workspace's zone), so a day-level aggregate gives the core exactly the
 * answers the per-order rows would, with one row per active customer-day instead of per order.
 * The local day is computed in SQL without time-zone functions: the zone's UTC offset is constant
 * between its transitions, so `(instant + offset) / 86 400 000` with the offset chosen by a `CASE`
 * over the few transitions in the data's range is the local day number, on both dialects.
 *
 * Only instants within the supported dates (1970-01-01 … 2100-12-31 UTC, core/limits.ts) are read:
 * every entrance refuses others, and a row stored before that check (the probe imported orders
 * dated 0000-01-01 and 9999-12-31) is left out rather than stretching the analysed range over
 * millennia.
 */
import { type Kysely, sql } from 'kysely';
import { DateTime } from 'luxon';
import {
  EARLIEST_INSTANT,
  isSupportedInstant,
  LATEST_INSTANT,
  type OrderTable,
  OrderTableBuilder,
  paidCoverage,
  type SubscriptionRecord,
  type SubscriptionTable,
  subscriptionTableFromRecords,
} from '../core/index.js';
import { type Database, dialectOf, eachPostgresRow, fromJson, sqliteRows } from '../db/index.js';

const DAY_MS = 86_400_000;
/** Added before the integer division so that instants before 1970 still floor (not truncate). */
const DAY_BIAS = 1_000_000;

/** One UTC offset, valid from `from` (inclusive) until the next segment's `from`. */
interface OffsetSegment {
  readonly from: number;
  readonly offsetMs: number;
}

/** The first and last instant of a workspace's orders and refunds, or `null` with none. */
export interface DataBounds {
  readonly first: number;
  readonly last: number;
}

/**
 * The UTC offsets of `timeZone` over `[first, last]`: the offset at `first`, then one segment per
 * transition, each found by bisection to the millisecond. O(days + transitions × 40) Luxon calls.
 *
 * Example: `offsetSegments(Date.UTC(2024,0,1), Date.UTC(2024,11,31), 'Europe/Paris')` → three
 * segments (+1 h, +2 h from 31 March 01:00 UTC, +1 h from 27 October 01:00 UTC).
 */
export function offsetSegments(first: number, last: number, timeZone: string): OffsetSegment[] {
  const offsetAt = (instant: number) => DateTime.fromMillis(instant, { zone: timeZone }).offset * 60_000;
  const segments: OffsetSegment[] = [{ from: Number.NEGATIVE_INFINITY, offsetMs: offsetAt(first) }];
  // Zones change offset at most a few times a year and never twice within 12 hours.
  const step = DAY_MS / 2;
  let previous = first;
  let previousOffset = offsetAt(first);
  for (let probe = first + step; previous < last; probe += step) {
    const at = Math.min(probe, last);
    const offset = offsetAt(at);
    if (offset !== previousOffset) {
      let low = previous; // offset(low) = previousOffset
      let high = at; // offset(high) = offset
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (offsetAt(middle) === previousOffset) low = middle;
        else high = middle;
      }
      segments.push({ from: high, offsetMs: offset });
      previousOffset = offset;
    }
    previous = at;
  }
  return segments;
}

function integerLiteral(value: number) {
  if (!Number.isSafeInteger(value)) throw new RangeError(`Not a safe integer: ${value}`);
  return sql.raw(String(value));
}

/** SQL for the local day number of the instant in `column` (see the file comment). */
function localDayExpression(column: 'ordered_at' | 'refunded_at', segments: readonly OffsetSegment[]) {
  const instant = sql.ref(column);
  const [initial, ...transitions] = segments;
  let offset = integerLiteral(initial?.offsetMs ?? 0) as ReturnType<typeof sql.raw> | ReturnType<typeof sql>;
  if (transitions.length > 0) {
    // Latest transition first: the first `>=` that holds picks the segment.
    const branches = [...transitions]
      .reverse()
      .map(
        (segment) =>
          sql`when ${instant} >= ${integerLiteral(segment.from)} then ${integerLiteral(segment.offsetMs)}`,
      );
    offset = sql`(case ${sql.join(branches, sql` `)} else ${integerLiteral(initial?.offsetMs ?? 0)} end)`;
  }
  return sql<number>`((${instant} + ${offset} + ${integerLiteral(DAY_BIAS * DAY_MS)}) / ${integerLiteral(DAY_MS)})`;
}

/**
 * First and last instant over the workspace's completed orders and its refunds (the data's range
 * as `retain analyze` sees it). Two index-only aggregates.
 */
export async function dataBounds(db: Kysely<Database>, workspaceId: number): Promise<DataBounds | null> {
  const orders = await db
    .selectFrom('customer_order')
    .select((eb) => [eb.fn.min<number>('ordered_at').as('first'), eb.fn.max<number>('ordered_at').as('last')])
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'completed')
    .where('ordered_at', '>=', EARLIEST_INSTANT)
    .where('ordered_at', '<=', LATEST_INSTANT)
    .executeTakeFirst();
  const refunds = await db
    .selectFrom('refund')
    .select((eb) => [
      eb.fn.min<number>('refunded_at').as('first'),
      eb.fn.max<number>('refunded_at').as('last'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('refunded_at', '>=', EARLIEST_INSTANT)
    .where('refunded_at', '<=', LATEST_INSTANT)
    .executeTakeFirst();
  const firsts = [orders?.first, refunds?.first].filter((value) => value !== null && value !== undefined);
  const lasts = [orders?.last, refunds?.last].filter((value) => value !== null && value !== undefined);
  if (firsts.length === 0) return null;
  return { first: Math.min(...firsts.map(Number)), last: Math.max(...lasts.map(Number)) };
}

export interface DayOrderTableOptions {
  readonly timeZone: string;
  readonly bounds: DataBounds;
  /**
   * Repeat each customer-day's order row once per order (RFM frequency counts orders, not days).
   * Costs one row per order instead of per customer-day.
   */
  readonly expandOrderCounts?: boolean;
  /** Only rows strictly before this instant (RFM's analysis instant). */
  readonly before?: number;
  /** A customer column (`country`, `language`, `time_zone`) or attribute key to attach to every row. */
  readonly attribute?: string;
}

const CUSTOMER_COLUMNS = ['country', 'language', 'time_zone'] as const;

/**
 * Receives one customer's completed orders of one local day: the customer's store id, the first
 * and last instant, how many orders and their total.
 */
type OrderDayVisitor = (
  customerId: number,
  firstAt: number,
  lastAt: number,
  count: number,
  cents: number,
) => void;

/**
 * The local day number of an instant from the zone's offset segments: the same day
 * `localDayExpression` computes in SQL. O(log segments).
 */
function dayOfInstant(segments: readonly OffsetSegment[]): (instant: number) => number {
  return (instant) => {
    let low = 0;
    let high = segments.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (instant >= segments[middle]!.from) low = middle;
      else high = middle - 1;
    }
    return Math.floor((instant + segments[low]!.offsetMs) / DAY_MS);
  };
}

/**
 * The workspace's completed orders (before `before`) by customer and time: on SQLite served by the
 * covering `customer_order_customer_idx` in its order — no table visit, no sort (a test checks the
 * plan).
 */
export function ordersByCustomerAndTime(db: Kysely<Database>, workspaceId: number, before?: number) {
  return db
    .selectFrom('customer_order')
    .select(['customer_id', 'ordered_at', 'amount_cents'])
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'completed')
    .where('ordered_at', '>=', EARLIEST_INSTANT)
    .where('ordered_at', '<=', LATEST_INSTANT)
    .$if(before !== undefined, (builder) => builder.where('ordered_at', '<', before!))
    .orderBy('customer_id')
    .orderBy('ordered_at');
}

/**
 * The workspace's completed orders as `OrderDay`s, given one by one to `take`, customer by
 * customer (ascending id) and within a customer by day.
 *
 * PostgreSQL: one `GROUP BY customer_id, local_day` (hash-aggregated over a sequential scan).
 * SQLite: the orders streamed in (customer, time) order from `customer_order_customer_idx`, which
 * carries every column read (migration 007), and grouped here — the same groups as the SQL
 * `GROUP BY`. The grouping in SQL visited the table once per order in customer order (random pages)
 * and sorted through a temporary B-tree: 309 s for 10 M orders, against an ordered index scan here
 * (docs/benchmarks.md, "Overview at size").
 */
async function eachOrderDay(
  db: Kysely<Database>,
  workspaceId: number,
  options: DayOrderTableOptions,
  segments: readonly OffsetSegment[],
  take: OrderDayVisitor,
): Promise<void> {
  const before = options.before;
  if (dialectOf(db) === 'postgres') {
    const grouped = db
      .selectFrom('customer_order')
      .select((eb) => [
        'customer_id',
        eb.fn.min<number>('ordered_at').as('first_at'),
        eb.fn.max<number>('ordered_at').as('last_at'),
        eb.fn.countAll<number>().as('order_count'),
        eb.fn.sum<number>('amount_cents').as('amount_cents'),
        localDayExpression('ordered_at', segments).as('local_day'),
      ])
      .where('workspace_id', '=', workspaceId)
      .where('status', '=', 'completed')
      .where('ordered_at', '>=', EARLIEST_INSTANT)
      .where('ordered_at', '<=', LATEST_INSTANT)
      .$if(before !== undefined, (query) => query.where('ordered_at', '<', before!))
      .groupBy(['customer_id', sql`local_day`])
      .compile();
    // Through a cursor, as arrays: ten million groups never held at once as objects.
    const read = await eachPostgresRow(db, grouped, ([customerId, first, last, count, cents]) => {
      take(Number(customerId), Number(first), Number(last), Number(count), Number(cents));
    });
    if (!read) throw new Error('A PostgreSQL Kysely not opened by openDatabase');
    return;
  }
  const dayOf = dayOfInstant(segments);
  const rows = sqliteRows(db, ordersByCustomerAndTime(db, workspaceId, before).compile());
  if (rows === undefined) throw new Error('A SQLite Kysely not opened by openDatabase');
  // One customer's days, in time order, in scratch columns (no object per day); merged by day in
  // the rare case a zone moved its clocks back across midnight, so a later instant fell on an
  // earlier local day.
  let customer = Number.NaN;
  let capacity = 1024;
  let dayOfGroup = new Float64Array(capacity);
  let firstAt = new Float64Array(capacity);
  let lastAt = new Float64Array(capacity);
  let counts = new Float64Array(capacity);
  let cents = new Float64Array(capacity);
  let groups = 0;
  let ordered = true;
  const flush = () => {
    if (ordered) {
      for (let group = 0; group < groups; group++) {
        take(customer, firstAt[group]!, lastAt[group]!, counts[group]!, cents[group]!);
      }
    } else {
      const byDay = Array.from({ length: groups }, (_, group) => group).sort(
        (left, right) => dayOfGroup[left]! - dayOfGroup[right]! || firstAt[left]! - firstAt[right]!,
      );
      for (let index = 0; index < byDay.length; ) {
        const first = byDay[index]!;
        let [from, to, count, total] = [firstAt[first]!, lastAt[first]!, counts[first]!, cents[first]!];
        for (index++; index < byDay.length && dayOfGroup[byDay[index]!] === dayOfGroup[first]; index++) {
          const next = byDay[index]!;
          from = Math.min(from, firstAt[next]!);
          to = Math.max(to, lastAt[next]!);
          count += counts[next]!;
          total += cents[next]!;
        }
        take(customer, from, to, count, total);
      }
    }
    groups = 0;
    ordered = true;
  };
  const grow = () => {
    capacity *= 2;
    const larger = (column: Float64Array<ArrayBuffer>) => {
      const copy = new Float64Array(capacity);
      copy.set(column);
      return copy;
    };
    dayOfGroup = larger(dayOfGroup);
    firstAt = larger(firstAt);
    lastAt = larger(lastAt);
    counts = larger(counts);
    cents = larger(cents);
  };
  for (const [customerId, orderedAt, amount] of rows) {
    const at = Number(orderedAt);
    const id = Number(customerId);
    if (id !== customer) {
      if (groups > 0) flush();
      customer = id;
    }
    const day = dayOf(at);
    const current = groups - 1;
    if (groups > 0 && dayOfGroup[current] === day) {
      lastAt[current] = at;
      counts[current]!++;
      cents[current]! += Number(amount);
      continue;
    }
    if (groups > 0 && day < dayOfGroup[current]!) ordered = false;
    if (groups === capacity) grow();
    dayOfGroup[groups] = day;
    firstAt[groups] = at;
    lastAt[groups] = at;
    counts[groups] = 1;
    cents[groups] = Number(amount);
    groups++;
  }
  if (groups > 0) flush();
}

/**
 * Loads the workspace's orders as an `OrderTable` with, per (customer, local day):
 * - an order row at the day's first order instant carrying the day's order total, and, when the
 *   day has a later order, a zero-amount row at the last instant (so the data's last instant is
 *   exact; a zero amount changes no sum and the day is already active);
 * - for refunds, the same with negative amounts (split −1 cent / −(total − 1) over the first and
 *   last instants so both rows stay refunds).
 * `customerIds` are the store's customer ids. Only `completed` orders count; all refunds do.
 *
 * The orders by `eachOrderDay` (one ordered index scan on SQLite, a `GROUP BY` on PostgreSQL), the
 * refunds by one `GROUP BY customer_id, local_day`; O(orders) work, O(customer-days) rows kept.
 */
export async function loadDayOrderTable(
  db: Kysely<Database>,
  workspaceId: number,
  options: DayOrderTableOptions,
): Promise<OrderTable> {
  const segments = offsetSegments(options.bounds.first, options.bounds.last, options.timeZone);
  const refundDay = localDayExpression('refunded_at', segments);
  const refunds = await db
    .selectFrom('refund')
    .select((eb) => [
      'customer_id',
      refundDay.as('local_day'),
      eb.fn.min<number>('refunded_at').as('first_at'),
      eb.fn.max<number>('refunded_at').as('last_at'),
      eb.fn.sum<number>('amount_cents').as('amount_cents'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('refunded_at', '>=', EARLIEST_INSTANT)
    .where('refunded_at', '<=', LATEST_INSTANT)
    .$if(options.before !== undefined, (query) => query.where('refunded_at', '<', options.before!))
    .groupBy(['customer_id', sql`local_day`])
    .execute();

  const builder = new OrderTableBuilder(1 << 16);
  const attribute = options.attribute;
  const attributeValues =
    attribute === undefined ? undefined : await customerAttribute(db, workspaceId, attribute);
  if (attribute !== undefined) builder.addAttribute(attribute);
  // The core's tables name customers by text: the store id in decimal. `lastId`: the customer of
  // the previous row (orders arrive customer by customer), whose index is reused.
  let lastId = '';
  let lastIndex = -1;
  const add = (customerId: string, at: number, amountCents: number) => {
    if (customerId !== lastId) {
      lastId = customerId;
      lastIndex = builder.customerOf(customerId);
    }
    builder.addIndexed(lastIndex, at, amountCents);
    if (attribute !== undefined) {
      builder.setAttribute(builder.length - 1, attribute, attributeValues?.get(customerId) ?? '');
    }
  };
  let lastNumber = Number.NaN;
  let lastText = '';
  await eachOrderDay(db, workspaceId, options, segments, (customerId, firstAt, lastAt, count, cents) => {
    if (customerId !== lastNumber) {
      lastNumber = customerId;
      lastText = String(customerId);
    }
    add(lastText, firstAt, cents);
    if (options.expandOrderCounts) {
      for (let extra = 1; extra < count; extra++) add(lastText, lastAt, 0);
    } else if (lastAt !== firstAt) {
      add(lastText, lastAt, 0);
    }
  });
  for (const row of refunds) {
    const customer = String(row.customer_id);
    const firstAt = Number(row.first_at);
    const lastAt = Number(row.last_at);
    const total = Number(row.amount_cents);
    if (lastAt === firstAt || total < 2) {
      add(customer, firstAt, -total);
    } else {
      add(customer, firstAt, -1);
      add(customer, lastAt, -(total - 1));
    }
  }
  return builder.build();
}

/** A nullable bigint column as a number (PostgreSQL returns bigints as strings). */
const instantOrNull = (value: number | string | null): number | null =>
  value === null ? null : Number(value);

/**
 * The workspace's paid subscriptions as a `SubscriptionTable`: each stored subscription over its
 * paid coverage, the core's `paidCoverage` of its stored dates and status (metrics.md §1) — the
 * rule `retain analyze` applies to each row of a subscriptions file, whose layouts store exactly
 * those fields — and the ones not paid (trials, paused, free, never paid) left out. `customerIds`
 * are the store's customer ids; with `attribute`, every row carries the customer's value of it.
 *
 * One query over the workspace's subscriptions, ordered by start; O(subscriptions).
 */
export async function loadSubscriptionTable(
  db: Kysely<Database>,
  workspaceId: number,
  options: { readonly attribute?: string } = {},
): Promise<SubscriptionTable> {
  const rows = await db
    .selectFrom('subscription')
    .select([
      'id',
      'customer_id',
      'status',
      'amount_cents',
      'interval',
      'interval_count',
      'started_at',
      'ended_at',
      'past_due_since',
      'current_period_end',
      'cancelled_at',
    ])
    .where('workspace_id', '=', workspaceId)
    .orderBy('started_at')
    .orderBy('id')
    .execute();
  const attribute = options.attribute;
  const attributeValues =
    attribute === undefined ? undefined : await customerAttribute(db, workspaceId, attribute);
  const records: SubscriptionRecord[] = [];
  for (const row of rows) {
    const amountCents = Number(row.amount_cents);
    const dates = {
      startedAt: instantOrNull(row.started_at),
      endedAt: instantOrNull(row.ended_at),
      pastDueSince: instantOrNull(row.past_due_since),
      currentPeriodEnd: instantOrNull(row.current_period_end),
      cancelledAt: instantOrNull(row.cancelled_at),
    };
    // Stored before dates were checked on the way in (see the file comment): left out.
    if (Object.values(dates).some((date) => date !== null && !isSupportedInstant(date))) continue;
    const coverage = paidCoverage({ status: row.status, amountCents, ...dates });
    if (!coverage.paid) continue;
    records.push({
      customerId: String(row.customer_id),
      subscriptionId: String(row.id),
      startedAt: coverage.startedAt,
      endedAt: Number.isFinite(coverage.endedAt) ? coverage.endedAt : null,
      amountCents,
      interval: row.interval,
      intervalCount: Number(row.interval_count),
      ...(attribute === undefined
        ? {}
        : { attributes: { [attribute]: attributeValues?.get(String(row.customer_id)) ?? '' } }),
    });
  }
  return subscriptionTableFromRecords(records);
}

/** Each customer's value of a customer column (`country`…) or `attributes` JSON key. */
async function customerAttribute(
  db: Kysely<Database>,
  workspaceId: number,
  attribute: string,
): Promise<Map<string, string>> {
  const column = (CUSTOMER_COLUMNS as readonly string[]).includes(attribute)
    ? (attribute as (typeof CUSTOMER_COLUMNS)[number])
    : undefined;
  const rows = await db
    .selectFrom('customer')
    .select(['id', 'attributes', 'country', 'language', 'time_zone'])
    .where('workspace_id', '=', workspaceId)
    .execute();
  const values = new Map<string, string>();
  for (const row of rows) {
    let value: unknown;
    if (column) value = row[column];
    else {
      // Own keys only: `constructor` or `toString` must not find the object prototype's functions.
      const attributes = fromJson(row.attributes) as Record<string, unknown>;
      value = Object.hasOwn(attributes, attribute) ? attributes[attribute] : undefined;
    }
    if (value === null || value === undefined) continue;
    values.set(String(row.id), typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return values;
}

/**
 * External id (else the store id) of each customer id — given and keyed in decimal, as the core's
 * tables name customers — for the per-customer pages.
 */
export async function customerLabels(
  db: Kysely<Database>,
  workspaceId: number,
  customerIds: readonly string[],
): Promise<Map<string, { externalId: string | null; email: string | null; name: string | null }>> {
  const labels = new Map<string, { externalId: string | null; email: string | null; name: string | null }>();
  for (let start = 0; start < customerIds.length; start += 500) {
    const chunk = customerIds.slice(start, start + 500).map(Number);
    const rows = await db
      .selectFrom('customer')
      .select(['id', 'external_id', 'email', 'name'])
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', chunk)
      .execute();
    for (const row of rows)
      labels.set(String(row.id), { externalId: row.external_id, email: row.email, name: row.name });
  }
  return labels;
}
