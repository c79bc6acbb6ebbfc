/**
 * The analytics' read of a workspace's orders (analytics.repository.ts) on SQLite and PostgreSQL:
 * one row per customer and local day (expanded to one per order when asked), the local day cut in
 * the workspace's zone — also where the zone moves its clocks back across midnight — and, on
 * SQLite, read from the covering index in its order (no table visit, no sort).
 */
import { CompiledQuery } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { LocalDayMapper } from '../core/index.js';
import { upsertOrders } from '../customers/index.js';
import { newId } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { dataBounds, loadDayOrderTable, ordersByCustomerAndTime } from './analytics.repository.js';

// Casey station moved from UTC+11 to UTC+8 at 2010-03-04 15:00 UTC: 02:00 on 03-05 became 23:00
// on 03-04, so a later instant can fall on an earlier local day.
const ZONE = 'Antarctica/Casey';
const orders = [
  // c1: two orders on one day, one the next day.
  { customer: 'c1', at: Date.UTC(2010, 1, 10, 1), cents: 1_000 },
  { customer: 'c1', at: Date.UTC(2010, 1, 10, 4), cents: 500 },
  { customer: 'c1', at: Date.UTC(2010, 1, 11, 1), cents: 700 },
  // c2: 01:30 on 03-05 (+11), then 23:30 on 03-04 and 00:30 on 03-05 (+8).
  { customer: 'c2', at: Date.UTC(2010, 2, 4, 14, 30), cents: 100 },
  { customer: 'c2', at: Date.UTC(2010, 2, 4, 15, 30), cents: 200 },
  { customer: 'c2', at: Date.UTC(2010, 2, 4, 16, 30), cents: 300 },
  // c3: a cancelled order does not count.
  { customer: 'c3', at: Date.UTC(2010, 1, 1, 2), cents: 900, status: 'cancelled' as const },
  { customer: 'c3', at: Date.UTC(2010, 1, 2, 2), cents: 800 },
];

/** The rows expected, by the definition: per customer and local day, the first instant with the day's total, then a zero row per further order at the last instant. */
function expectedRows(ids: ReadonlyMap<string, number>) {
  const days = new LocalDayMapper(ZONE);
  const groups = new Map<
    string,
    { customer: string; first: number; last: number; count: number; cents: number }
  >();
  for (const order of orders) {
    if (order.status === 'cancelled') continue;
    const key = `${order.customer}|${days.dayNumber(order.at)}`;
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, {
        customer: order.customer,
        first: order.at,
        last: order.at,
        count: 1,
        cents: order.cents,
      });
    } else {
      group.first = Math.min(group.first, order.at);
      group.last = Math.max(group.last, order.at);
      group.count++;
      group.cents += order.cents;
    }
  }
  const rows: [string, number, number][] = [];
  for (const group of groups.values()) {
    const id = String(ids.get(group.customer));
    rows.push([id, group.first, group.cents]);
    for (let extra = 1; extra < group.count; extra++) rows.push([id, group.last, 0]);
  }
  return rows.sort();
}

describeEachDatabase('the analytics read of orders', (getDb) => {
  it('gives one row per customer and local day (per order when expanded), across a midnight clock change', async () => {
    const { db } = getDb();
    const { workspace } = await createWorkspace(db, { name: 'Days', slug: `days-${newId()}` });
    await upsertOrders(
      db,
      workspace.id,
      orders.map((order, index) => ({
        externalId: `o${index}`,
        customerExternalId: order.customer,
        orderedAt: order.at,
        currency: 'AUD',
        amountCents: order.cents,
        ...(order.status === undefined ? {} : { status: order.status }),
      })),
    );
    const customers = await db
      .selectFrom('customer')
      .select(['id', 'external_id'])
      .where('workspace_id', '=', workspace.id)
      .execute();
    const ids = new Map(customers.map((customer) => [customer.external_id!, customer.id]));
    const bounds = (await dataBounds(db, workspace.id))!;
    const table = await loadDayOrderTable(db, workspace.id, {
      timeZone: ZONE,
      bounds,
      expandOrderCounts: true,
    });
    const rows: [string, number, number][] = [];
    for (let row = 0; row < table.length; row++) {
      rows.push([table.customerIds[table.customer[row]!]!, table.orderedAt[row]!, table.amountCents[row]!]);
    }
    expect(rows.sort()).toEqual(expectedRows(ids));
    // c2's three orders fall on two local days: 03-05 (the first and the last: 400 cents) and 03-04.
    const c2 = rows.filter(([id]) => id === String(ids.get('c2')));
    expect(c2.map(([, at, cents]) => [at, cents]).sort()).toEqual(
      [
        [Date.UTC(2010, 2, 4, 14, 30), 400],
        [Date.UTC(2010, 2, 4, 15, 30), 200],
        [Date.UTC(2010, 2, 4, 16, 30), 0],
      ].sort(),
    );
  });

  it('reads the orders from the covering index in its order on SQLite (no table visit, no sort)', async () => {
    const { db, dialect } = getDb();
    if (dialect !== 'sqlite') return;
    for (const before of [undefined, Date.UTC(2024, 0, 1)]) {
      const query = ordersByCustomerAndTime(db, 1, before).compile();
      const plan = await db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
      );
      const details = plan.rows.map((row) => row.detail).join('; ');
      expect(details).toContain('COVERING INDEX customer_order_customer_idx');
      expect(details).not.toContain('TEMP B-TREE');
    }
  });
});
