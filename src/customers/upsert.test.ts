/**
 * Batch upserts on both databases: idempotent on natural keys (the same batch twice leaves the
 * same rows, not even `updated_at` moves), a changed row updates, batches larger than one
 * statement are chunked, and another workspace's rows are never touched.
 */
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { newId } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import {
  type CustomerInput,
  type OrderInput,
  ROWS_PER_STATEMENT,
  upsertCustomers,
  upsertEvents,
  upsertOrders,
  upsertRefunds,
  upsertSubscriptions,
} from './index.js';

const T0 = Date.UTC(2024, 0, 1);

describeEachDatabase('customer data upserts', (getDb) => {
  const workspace = async () =>
    (await createWorkspace(getDb().db, { name: 'Shop', slug: `shop-${newId()}` })).workspace.id;

  const allRows = async (workspaceId: number) => {
    const { db } = getDb();
    const tables = ['customer', 'customer_order', 'order_item', 'refund', 'subscription', 'event'] as const;
    const result: Record<string, unknown[]> = {};
    for (const table of tables) {
      result[table] = await db
        .selectFrom(table)
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .orderBy('id')
        .execute();
    }
    return result;
  };

  const batch = (): { customers: CustomerInput[]; orders: OrderInput[] } => ({
    customers: [
      {
        externalId: 'c1',
        email: 'ada@example.com',
        name: 'Ada',
        country: 'gb',
        attributes: { tier: 'gold' },
      },
      { externalId: 'c2', email: 'bob@example.com', name: 'Bob', consentEmailMarketing: true },
    ],
    orders: [
      {
        externalId: 'o1',
        customerExternalId: 'c1',
        orderedAt: T0,
        currency: 'eur',
        amountCents: 2500,
        items: [
          { productId: 'p1', productName: 'Tea', quantity: 2, unitPriceCents: 1000 },
          { productId: 'p2', productName: 'Cup', unitPriceCents: 500 },
        ],
      },
      // A customer with no profile yet: created bare.
      { externalId: 'o2', customerExternalId: 'c3', orderedAt: T0 + 1000, currency: 'EUR', amountCents: 700 },
    ],
  });

  const writeAll = async (workspaceId: number, now: number) => {
    const { db } = getDb();
    const { customers, orders } = batch();
    const written = [
      (await upsertCustomers(db, workspaceId, customers, { now })).written,
      (await upsertOrders(db, workspaceId, orders, { now })).written,
      (
        await upsertRefunds(
          db,
          workspaceId,
          [
            {
              externalId: 'r1',
              orderExternalId: 'o1',
              refundedAt: T0 + 5,
              currency: 'EUR',
              amountCents: 500,
            },
          ],
          { now },
        )
      ).written,
      (
        await upsertSubscriptions(
          db,
          workspaceId,
          [
            {
              externalId: 's1',
              customerExternalId: 'c2',
              interval: 'month',
              amountCents: 900,
              currency: 'USD',
              status: 'active',
              startedAt: T0,
            },
          ],
          { now },
        )
      ).written,
      await upsertEvents(
        db,
        workspaceId,
        [
          { messageId: 'm1', userId: 'c1', name: 'Viewed', occurredAt: T0, receivedAt: T0 },
          { messageId: 'm1', userId: 'c1', name: 'Viewed', occurredAt: T0, receivedAt: T0 },
        ],
        { now },
      ),
    ];
    return written;
  };

  it('writes a batch, and the same batch again changes nothing', async () => {
    const workspaceId = await workspace();
    // First run: 3 customers (c1, c2 and bare c3) — customers are counted by upsertCustomers (2)
    // only, ensureCustomers' bare insert is not counted; 2 orders + 2 lines = 4; 1 refund;
    // 1 subscription; 1 event (the repeated message id is stored once).
    expect(await writeAll(workspaceId, T0)).toEqual([2, 4, 1, 1, 1]);
    const first = await allRows(workspaceId);
    expect(first.customer).toHaveLength(3);
    expect(first.order_item).toHaveLength(2);
    expect(first.event).toHaveLength(1);
    // Second run, later: nothing written, every row identical (updated_at included).
    expect(await writeAll(workspaceId, T0 + 60_000)).toEqual([0, 0, 0, 0, 0]);
    expect(await allRows(workspaceId)).toEqual(first);
  });

  it('updates a changed row, keeps its id, and leaves fields the batch does not carry alone', async () => {
    const { db } = getDb();
    const workspaceId = await workspace();
    const first = await upsertCustomers(db, workspaceId, batch().customers, { now: T0 });
    const later = T0 + 60_000;
    const second = await upsertCustomers(
      db,
      workspaceId,
      [{ externalId: 'c1', email: 'ada@new.example.com' }],
      { now: later },
    );
    expect(second.written).toBe(1);
    expect(second.ids.get('c1')).toBe(first.ids.get('c1'));
    const row = await db
      .selectFrom('customer')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('external_id', '=', 'c1')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      email: 'ada@new.example.com',
      name: 'Ada',
      country: 'GB',
      updated_at: later,
    });
    expect(row.created_at).toBe(T0);
  });

  it('replaces order lines in place and drops lines beyond the new count', async () => {
    const { db } = getDb();
    const workspaceId = await workspace();
    await upsertOrders(db, workspaceId, batch().orders, { now: T0 });
    const [order] = batch().orders;
    const result = await upsertOrders(
      db,
      workspaceId,
      [{ ...order!, amountCents: 2000, items: [{ productId: 'p1', quantity: 2, unitPriceCents: 1000 }] }],
      { now: T0 + 1 },
    );
    // The order's amount changed (1), line 1 lost its name (1), line 2 was deleted (1).
    expect(result.written).toBe(3);
    const items = await db
      .selectFrom('order_item')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .execute();
    expect(items).toEqual([expect.objectContaining({ product_id: 'p1', product_name: null, quantity: 2 })]);
  });

  it('chunks batches larger than one statement', async () => {
    const { db } = getDb();
    const workspaceId = await workspace();
    // 5,000 rows a statement (upsert-batch.ts), so 6,000 rows take 2 statements.
    expect(ROWS_PER_STATEMENT).toBe(5000);
    const rows = Array.from({ length: 6000 }, (_, index) => ({
      externalId: `c${index}`,
      email: `c${index}@example.com`,
      name: `Customer ${index}`,
      phone: null,
      language: 'en',
      country: 'US',
      timeZone: 'UTC',
      attributes: {},
      consentEmailMarketing: false,
      consentSmsMarketing: false,
      consentUpdatedAt: null,
      signedUpAt: T0,
    }));
    const result = await upsertCustomers(db, workspaceId, rows, { now: T0 });
    expect(result.written).toBe(6000);
    expect(result.ids.size).toBe(6000);
    expect((await upsertCustomers(db, workspaceId, rows, { now: T0 + 1 })).written).toBe(0);
  });

  it('keeps workspaces apart: the same external ids are different customers', async () => {
    const { db } = getDb();
    const first = await workspace();
    const second = await workspace();
    const a = await upsertCustomers(db, first, batch().customers, { now: T0 });
    const b = await upsertCustomers(db, second, [{ externalId: 'c1', name: 'Other' }], { now: T0 });
    expect(b.written).toBe(1);
    expect(b.ids.get('c1')).not.toBe(a.ids.get('c1'));
    const ada = await db
      .selectFrom('customer')
      .select('name')
      .where('workspace_id', '=', first)
      .where('external_id', '=', 'c1')
      .executeTakeFirstOrThrow();
    expect(ada.name).toBe('Ada');
  });

  it('rejects refunds of unknown orders, naming the row', async () => {
    const { db } = getDb();
    const workspaceId = await workspace();
    await expect(
      upsertRefunds(db, workspaceId, [
        { externalId: 'r9', orderExternalId: 'nope', refundedAt: T0, currency: 'EUR', amountCents: 1 },
      ]),
    ).rejects.toMatchObject({ code: 'invalid_input', issues: [{ path: ['rows', 0, 'orderExternalId'] }] });
  });
});
