import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { type Database, newId, withPostgresSession } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { writeOrderBatch } from './order-batch.js';
import {
  type EncodedOrderBatch,
  encodeOrderBatch,
  OrderBatchEncoder,
  type OrderBatchRecord,
} from './order-batch-rows.js';

const T0 = Date.UTC(2024, 0, 5);

function order(externalId: string, overrides: Partial<OrderBatchRecord> = {}): OrderBatchRecord {
  return {
    externalId,
    customerExternalId: 'c1',
    customerEmail: 'c1@example.com',
    orderedAt: T0,
    currency: 'eur',
    amountCents: 1_000,
    status: 'completed',
    source: 'csv',
    items: [],
    refund: null,
    ...overrides,
  };
}

const line = (productName: string, quantity = 1) => ({
  productId: null,
  productName,
  category: null,
  quantity,
  unitPriceCents: 250,
});

it('encodes rows as JSON or COPY text, escaping COPY specials, once per customer, last record of an order', () => {
  const known = new Set<string>();
  const records = [
    order('o1', { amountCents: 1 }),
    order('o2', {
      customerExternalId: 'c2',
      customerEmail: null,
      items: [line('tab\there'), line('a\\b\nc')],
    }),
    order('o1', { amountCents: 2, refund: { refundedAt: T0 + 1, amountCents: 2 } }),
  ];
  const json = encodeOrderBatch(records, 'json', known);
  expect(JSON.parse(json.orders)).toEqual([
    ['o2', 'c2', T0, 'EUR', 1_000, 'completed', 'csv'],
    ['o1', 'c1', T0, 'EUR', 2, 'completed', 'csv'],
  ]);
  expect(JSON.parse(json.customers)).toEqual([
    ['c2', null],
    ['c1', 'c1@example.com'],
  ]);
  expect(JSON.parse(json.refunds)).toEqual([['o1:refund', 'o1', T0 + 1, 'EUR', 2]]);
  expect(JSON.parse(json.lineCounts)).toEqual([['o2', 2]]);
  expect([json.orderCount, json.customerCount, json.itemCount, json.refundCount]).toEqual([2, 2, 2, 1]);
  // The customers are known now: a later batch of the run does not send them again.
  expect(encodeOrderBatch([order('o3')], 'json', known).customerCount).toBe(0);
  const copy = encodeOrderBatch(records, 'copy', new Set());
  // COPY text: tab-separated, \N for null, backslash, tab and newline escaped (PostgreSQL docs, COPY text format).
  expect(copy.customers).toBe('c2\t\\N\nc1\tc1@example.com\n');
  expect(copy.items).toBe('o2\t1\t\\N\ttab\\there\t\\N\t1\t250\no2\t2\t\\N\ta\\\\b\\nc\t\\N\t1\t250\n');
});

it('encodes as records arrive: a replaced record leaves no row, customer, line or refund; each batch starts empty', () => {
  const encoder = new OrderBatchEncoder('json');
  encoder.add(
    order('o1', {
      customerExternalId: 'c9',
      customerEmail: 'c9@example.com',
      items: [line('gone')],
      refund: { refundedAt: T0, amountCents: 5 },
    }),
  );
  encoder.add(order('o2', { currency: 'usd' }));
  encoder.add(order('o1', { customerExternalId: 'c2', customerEmail: null, amountCents: 7 }));
  expect(encoder.count).toBe(3);
  const known = new Set<string>();
  const first = encoder.finish(known);
  // o1's first record named c9, with a line and a refund: its last record keeps none of them.
  expect(JSON.parse(first.orders)).toEqual([
    ['o2', 'c1', T0, 'USD', 1_000, 'completed', 'csv'],
    ['o1', 'c2', T0, 'EUR', 7, 'completed', 'csv'],
  ]);
  expect(JSON.parse(first.customers)).toEqual([
    ['c1', 'c1@example.com'],
    ['c2', null],
  ]);
  expect([first.itemCount, first.refundCount, first.items, first.lineCounts]).toEqual([0, 0, '[]', '[]']);
  expect([...known].sort()).toEqual(['c1', 'c2']);
  // The next batch of the same encoder holds only its own records.
  expect(encoder.count).toBe(0);
  encoder.add(order('o1', { customerExternalId: 'c3', customerEmail: null }));
  const second = encoder.finish(known);
  expect(JSON.parse(second.orders)).toEqual([['o1', 'c3', T0, 'EUR', 1_000, 'completed', 'csv']]);
  expect(JSON.parse(second.customers)).toEqual([['c3', null]]);
});

describeEachDatabase('order import batches', (getDb) => {
  async function write(db: Kysely<Database>, workspaceId: number, records: OrderBatchRecord[]) {
    const encode = (encoding: 'json' | 'copy'): EncodedOrderBatch =>
      encodeOrderBatch(records, encoding, new Set());
    if (getDb().dialect === 'sqlite') {
      return db
        .transaction()
        .execute((trx) => writeOrderBatch(trx, workspaceId, encode('json'), { now: T0 }));
    }
    return withPostgresSession(db, (session) =>
      session.db
        .transaction()
        .execute((trx) => writeOrderBatch(trx, workspaceId, encode('copy'), { now: T0, copy: session.copy })),
    );
  }

  const stored = async (workspaceId: number) => {
    const { db } = getDb();
    const orders = await db
      .selectFrom('customer_order')
      .select(['id', 'external_id', 'amount_cents', 'updated_at'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('external_id')
      .execute();
    const lines = await db
      .selectFrom('order_item')
      .select(['order_id', 'line', 'product_name', 'quantity'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('order_id')
      .orderBy('line')
      .execute();
    const refunds = await db
      .selectFrom('refund')
      .select(['external_id', 'amount_cents', 'order_id'])
      .where('workspace_id', '=', workspaceId)
      .execute();
    return { orders, lines, refunds };
  };

  it('writes orders, their customers, lines and refunds; a re-write changes nothing; lines are replaced', async () => {
    const { db } = getDb();
    const { workspace } = await createWorkspace(db, { name: 'Batch', slug: `batch-${newId()}` });
    const first = [
      order('o1', { items: [line('Beans', 2), line('Mug\twith tab'), line('Filter\\papers\n')] }),
      order('o2', { customerExternalId: 'c2', refund: { refundedAt: T0 + 5, amountCents: 300 } }),
    ];
    expect(await write(db, workspace.id, first)).toEqual({ customersCreated: 2 });
    const before = await stored(workspace.id);
    expect(before.orders.map((row) => [row.external_id, row.amount_cents])).toEqual([
      ['o1', 1_000],
      ['o2', 1_000],
    ]);
    const o1 = before.orders[0]!.id;
    expect(before.lines).toEqual([
      { order_id: o1, line: 1, product_name: 'Beans', quantity: 2 },
      { order_id: o1, line: 2, product_name: 'Mug\twith tab', quantity: 1 },
      { order_id: o1, line: 3, product_name: 'Filter\\papers\n', quantity: 1 },
    ]);
    expect(before.refunds).toEqual([
      { external_id: 'o2:refund', amount_cents: 300, order_id: before.orders[1]!.id },
    ]);

    // The same batch again: no customer created, no row touched (not even updated_at).
    expect(await write(db, workspace.id, first)).toEqual({ customersCreated: 0 });
    expect(await stored(workspace.id)).toEqual(before);

    // o1 now has one line (its stored lines are replaced); o2 has none in this batch (kept as is).
    await write(db, workspace.id, [
      order('o1', { amountCents: 1_500, items: [line('Beans', 3)] }),
      order('o2', { customerExternalId: 'c2', refund: { refundedAt: T0 + 5, amountCents: 300 } }),
    ]);
    const after = await stored(workspace.id);
    expect(after.orders.map((row) => [row.id, row.external_id, row.amount_cents])).toEqual([
      [o1, 'o1', 1_500],
      [before.orders[1]!.id, 'o2', 1_000],
    ]);
    expect(after.lines).toEqual([{ order_id: o1, line: 1, product_name: 'Beans', quantity: 3 }]);
    expect(after.refunds).toEqual(before.refunds);
  });

  it("never reads or writes another workspace's rows with the same natural keys", async () => {
    const { db } = getDb();
    const mine = (await createWorkspace(db, { name: 'Mine', slug: `mine-${newId()}` })).workspace.id;
    const theirs = (await createWorkspace(db, { name: 'Theirs', slug: `theirs-${newId()}` })).workspace.id;
    await write(db, theirs, [order('o1', { amountCents: 7 })]);
    expect(await write(db, mine, [order('o1', { amountCents: 9 })])).toEqual({ customersCreated: 1 });
    expect((await stored(theirs)).orders.map((row) => row.amount_cents)).toEqual([7]);
    expect((await stored(mine)).orders.map((row) => row.amount_cents)).toEqual([9]);
  });
});
