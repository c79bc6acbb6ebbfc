/**
 * The import service on both databases: every format into the store, idempotence (a re-import
 * changes nothing, a changed row updates), whole-file rejection with located problems, the
 * skip-invalid rejects file, and workspace isolation. Expected values are read off the small
 * files written in each test (the arithmetic is in the comments).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { newId } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { getImport, runImport } from './import.service.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/csv/', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'retain-import-test-'));
let fileCounter = 0;
function csvFile(text: string): string {
  const path = join(directory, `file-${++fileCounter}.csv`);
  writeFileSync(path, text);
  return path;
}

const ORDERS = [
  'order_id,customer_id,ordered_at,amount,currency',
  'o1,c1,2024-01-05,10.00,EUR',
  'o2,c1,2024-02-05,12.50,EUR',
  'o3,c2,2024-01-20 10:30,7.25,EUR',
].join('\n');

describeEachDatabase('imports', (getDb) => {
  /** A new workspace (USD unless told: ORDERS are in EUR, and a file must be in its workspace's currency). */
  const workspace = async (currency = 'USD') =>
    (await createWorkspace(getDb().db, { name: 'Shop', slug: `shop-${newId()}`, settings: { currency } }))
      .workspace.id;
  const orders = (workspaceId: number) =>
    getDb()
      .db.selectFrom('customer_order as o')
      .innerJoin('customer as c', (join) =>
        join.onRef('c.workspace_id', '=', 'o.workspace_id').onRef('c.id', '=', 'o.customer_id'),
      )
      .select([
        'o.external_id',
        'c.external_id as customer',
        'o.ordered_at',
        'o.amount_cents',
        'o.currency',
        'o.status',
        'o.updated_at',
      ])
      .where('o.workspace_id', '=', workspaceId)
      .orderBy('o.external_id')
      .execute();

  it('imports generic orders, creating the customers they reference, and a re-import changes nothing', async () => {
    const { db } = getDb();
    const workspaceId = await workspace('EUR');
    const path = csvFile(ORDERS);
    const first = await runImport(db, { workspaceId, path, type: 'orders', now: () => 1_000 });
    expect(first.run).toMatchObject({ status: 'succeeded', rowsRead: 3, rowsWritten: 3, rowsRejected: 0 });
    expect(first.customersCreated).toBe(2); // c1 and c2
    const stored = await orders(workspaceId);
    // 10.00 → 1000 cents, 12.50 → 1250, 7.25 → 725; dates are UTC midnights (workspace zone UTC).
    expect(stored.map((row) => [row.external_id, row.customer, row.amount_cents, row.ordered_at])).toEqual([
      ['o1', 'c1', 1000, Date.UTC(2024, 0, 5)],
      ['o2', 'c1', 1250, Date.UTC(2024, 1, 5)],
      ['o3', 'c2', 725, Date.UTC(2024, 0, 20, 10, 30)],
    ]);
    // The file has no item columns (docs/imports.md): the orders are stored without line items.
    const items = await db
      .selectFrom('order_item')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .execute();
    expect(items).toEqual([]);

    const second = await runImport(db, { workspaceId, path, type: 'orders', now: () => 2_000 });
    expect(second.run.status).toBe('succeeded');
    expect(second.customersCreated).toBe(0);
    // Same rows, and not even updated_at moved (it is still the first run's clock, 1,000).
    expect(await orders(workspaceId)).toEqual(stored);
    expect(stored.every((row) => row.updated_at === 1_000)).toBe(true);

    const changed = csvFile(ORDERS.replace('o2,c1,2024-02-05,12.50', 'o2,c1,2024-02-05,13.00'));
    await runImport(db, { workspaceId, path: changed, type: 'orders', now: () => 3_000 });
    const after = await orders(workspaceId);
    expect(after.find((row) => row.external_id === 'o2')).toMatchObject({
      amount_cents: 1300,
      updated_at: 3_000,
    });
    expect(after.find((row) => row.external_id === 'o1')).toMatchObject({
      amount_cents: 1000,
      updated_at: 1_000,
    });
  });

  it('rejects a file with invalid rows whole: nothing written, every problem by line and column', async () => {
    const { db } = getDb();
    const workspaceId = await workspace();
    const path = csvFile(
      [
        'order_id,customer_id,ordered_at,amount',
        'o1,c1,2024-01-05,10.00',
        'o2,c1,2024-02-30,12.50', // line 3: no 30 February
        'o3,,2024-01-20,12.30', // line 4: blank customer id
        'o4,c2,2024-01-21,abc', // line 5: not an amount
      ].join('\n'),
    );
    const outcome = await runImport(db, { workspaceId, path, type: 'orders' });
    expect(outcome.run.status).toBe('rejected');
    expect(outcome.run.rowsRejected).toBe(3);
    expect(outcome.run.problems.map((problem) => [problem.line, problem.column, problem.code])).toEqual([
      [3, 'ordered_at', 'invalid-date'],
      [4, 'customer_id', 'missing-value'],
      [5, 'amount', 'invalid-amount'],
    ]);
    expect(await orders(workspaceId)).toEqual([]);
    expect(
      await db.selectFrom('customer').select('id').where('workspace_id', '=', workspaceId).execute(),
    ).toEqual([]);
  });

  it('refuses a customer time zone that is not an IANA zone, by line and column', async () => {
    const { db } = getDb();
    const workspaceId = await workspace();
    const path = csvFile(
      ['customer_id,email,time_zone', 'c1,a@example.com,Europe/Paris', 'c2,b@example.com,Mars/Olympus'].join(
        '\n',
      ),
    );
    const outcome = await runImport(db, { workspaceId, path, type: 'customers' });
    expect(outcome.run.status).toBe('rejected');
    expect(outcome.run.problems.map((problem) => [problem.line, problem.column, problem.code])).toEqual([
      [3, 'time_zone', 'invalid-time-zone'],
    ]);
  });

  it('with skipInvalid writes the valid rows and lists the others with line and reason in the rejects file', async () => {
    const { db } = getDb();
    const workspaceId = await workspace();
    const path = csvFile(
      [
        'order_id,customer_id,ordered_at,amount',
        'o1,c1,2024-01-05,10.00',
        'o2,c1,2024-01-06,oops',
        'o3,c2,2024-01-07,5',
      ].join('\n'),
    );
    const outcome = await runImport(db, { workspaceId, path, type: 'orders', skipInvalid: true });
    expect(outcome.run).toMatchObject({ status: 'succeeded', rowsWritten: 2, rowsRejected: 1 });
    expect((await orders(workspaceId)).map((row) => row.external_id)).toEqual(['o1', 'o3']);
    expect(outcome.rejectsPath).toBe(`${path}.rejects.csv`);
    expect(readFileSync(`${path}.rejects.csv`, 'utf8')).toBe(
      'line,reason,order_id,customer_id,ordered_at,amount\n3,"column ""amount"": cannot read ""oops"" as an amount",o2,c1,2024-01-06,oops\n',
    );
  });

  it('reads a Shopify orders export: one order per Name, its line items, refunds, and orders without e-mail skipped', async () => {
    const { db } = getDb();
    const workspaceId = await workspace();
    const outcome = await runImport(db, {
      workspaceId,
      path: join(FIXTURES, 'shopify-orders.csv'),
      type: 'orders',
      format: 'shopify',
    });
    // 10 lines: #1001 (2 lines), #1002…#1005, #1006 (3 lines), #1007 → 7 orders; #1005 has no e-mail.
    expect(outcome.run).toMatchObject({ status: 'succeeded', rowsWritten: 6 });
    expect(outcome.skipped).toEqual([{ reason: 'no customer e-mail', count: 1 }]);
    const stored = await orders(workspaceId);
    expect(stored.map((row) => [row.external_id, row.customer, row.status, row.amount_cents])).toEqual([
      ['#1001', 'alice@example.com', 'completed', 8450], // Subtotal 84.50
      ['#1002', 'bob@example.com', 'completed', 2000], // refunded in full: still an order, with a refund
      ['#1003', 'carol@example.com', 'completed', 12000],
      ['#1004', 'dave@example.com', 'cancelled', 3000], // voided, and Cancelled at is set
      ['#1006', 'alice@example.com', 'completed', 4200], // Alice@Example.com lower-cased: the same customer
      ['#1007', 'erin@example.com', 'pending', 1000],
    ]);
    const items = await db
      .selectFrom('order_item as i')
      .innerJoin('customer_order as o', (join) =>
        join.onRef('o.workspace_id', '=', 'i.workspace_id').onRef('o.id', '=', 'i.order_id'),
      )
      .select(['o.external_id', 'i.product_id', 'i.product_name', 'i.quantity', 'i.unit_price_cents'])
      .where('i.workspace_id', '=', workspaceId)
      .orderBy('o.external_id')
      .orderBy('i.id')
      .execute();
    expect(items.filter((item) => item.external_id === '#1001')).toEqual([
      {
        external_id: '#1001',
        product_id: 'NB-1',
        product_name: 'Notebook',
        quantity: 2,
        unit_price_cents: 3000,
      },
      {
        external_id: '#1001',
        product_id: 'PEN-3',
        product_name: 'Pen set',
        quantity: 1,
        unit_price_cents: 2450,
      },
    ]);
    expect(items.filter((item) => item.external_id === '#1006').map((item) => item.product_name)).toEqual([
      'Mug "Classic", 12oz',
      'Tea, Earl Grey',
      'Spoon',
    ]);
    const refunds = await db
      .selectFrom('refund')
      .select(['external_id', 'amount_cents'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('external_id')
      .execute();
    // Refunded Amount: #1002 20.00, #1003 35.25.
    expect(refunds).toEqual([
      { external_id: '#1002:refund', amount_cents: 2000 },
      { external_id: '#1003:refund', amount_cents: 3525 },
    ]);
    // Re-importing keeps one set of items per order (stable ids), not two.
    await runImport(db, {
      workspaceId,
      path: join(FIXTURES, 'shopify-orders.csv'),
      type: 'orders',
      format: 'shopify',
    });
    const again = await db
      .selectFrom('order_item')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .execute();
    expect(again).toHaveLength(items.length);
  });

  it('reads a Shopify customers export keyed by e-mail, and Stripe subscriptions in UTC', async () => {
    const { db } = getDb();
    const workspaceId = await workspace();
    const customers = csvFile(
      [
        'Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,Default Address Address1,Default Address Address2,Default Address City,Default Address Province Code,Default Address Country Code,Default Address Zip,Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,Tax Exempt,Tags',
        "'7210448301122,Ann,Lee,A@Example.com,yes,,1 Main St,,Lyon,,FR,69001,,'+33 6 12 34 56 78,no,120.00,3,,no,vip",
        "'7210448301123,Bo,,,no,,,,,,,,,,no,0.00,0,,no,",
      ].join('\n'),
    );
    const outcome = await runImport(db, {
      workspaceId,
      path: customers,
      type: 'customers',
      format: 'shopify',
    });
    expect(outcome.run).toMatchObject({ status: 'succeeded', rowsWritten: 2 });
    const stored = await db
      .selectFrom('customer')
      .select(['external_id', 'email', 'name', 'phone', 'country', 'consent_email_marketing', 'attributes'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('external_id')
      .execute();
    expect(stored.map(({ attributes, ...rest }) => rest)).toEqual([
      {
        external_id: 'a@example.com',
        email: 'a@example.com',
        name: 'Ann Lee',
        phone: '+33 6 12 34 56 78',
        country: 'FR',
        consent_email_marketing: 1,
      },
      {
        external_id: 'shopify:7210448301123',
        email: null,
        name: 'Bo',
        phone: null,
        country: null,
        consent_email_marketing: 0,
      },
    ]);
    expect(JSON.parse(stored[0]!.attributes)).toMatchObject({
      'Customer ID': '7210448301122',
      Tags: 'vip',
      'Default Address City': 'Lyon',
    });

    const subscriptions = await runImport(db, {
      workspaceId,
      path: join(FIXTURES, 'stripe-subscriptions.csv'),
      type: 'subscriptions',
      format: 'stripe',
    });
    expect(subscriptions.run.status).toBe('succeeded');
    const sub2 = await db
      .selectFrom('subscription')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('external_id', '=', 'sub_2')
      .executeTakeFirstOrThrow();
    // sub_2: 2 seats × 15.00 = 3000 cents; canceled; dates as written, in UTC.
    expect(sub2).toMatchObject({
      amount_cents: 3000,
      status: 'cancelled',
      interval: 'month',
      started_at: Date.UTC(2024, 0, 5, 12),
      cancelled_at: Date.UTC(2024, 1, 20, 8),
      ended_at: Date.UTC(2024, 2, 5, 12),
    });
    // sub_4 had a trial ending 2024-02-15 10:00: that is the start of its first paid period.
    const sub4 = await db
      .selectFrom('subscription')
      .select(['started_at', 'amount_cents'])
      .where('workspace_id', '=', workspaceId)
      .where('external_id', '=', 'sub_4')
      .executeTakeFirstOrThrow();
    expect(sub4).toEqual({ started_at: Date.UTC(2024, 1, 15, 10), amount_cents: 29000 });
  });

  it('reads Stripe invoices as orders and generic events, deduplicating events without a message id', async () => {
    const { db } = getDb();
    const workspaceId = await workspace();
    const invoices = csvFile(
      [
        'id,Amount Due,Amount Paid,Amount Remaining,Currency,Customer,Customer Email,Date (UTC),Number,Paid,Status,Subscription,Subtotal,Tax,Total',
        'in_1,24.00,24.00,0.00,usd,cus_A,a@example.com,2024-03-01 10:00,A-1,true,paid,sub_1,20.00,4.00,24.00',
        'in_2,24.00,0.00,24.00,usd,cus_A,a@example.com,2024-04-01 10:00,A-2,false,open,sub_1,20.00,4.00,24.00',
      ].join('\n'),
    );
    const outcome = await runImport(db, { workspaceId, path: invoices, type: 'orders', format: 'stripe' });
    expect(outcome.run.status).toBe('succeeded');
    // in_1: Amount Paid 24.00 − Tax 4.00 = 2000 cents; in_2: nothing paid yet, pending.
    expect(
      (await orders(workspaceId)).map((row) => [
        row.external_id,
        row.customer,
        row.amount_cents,
        row.status,
        row.currency,
      ]),
    ).toEqual([
      ['in_1', 'cus_A', 2000, 'completed', 'USD'],
      ['in_2', 'cus_A', 0, 'pending', 'USD'],
    ]);

    const events = csvFile(
      [
        'event,user_id,timestamp,message_id,plan',
        'Signed Up,cus_A,2024-03-01T10:00:00Z,m-1,pro',
        'Viewed Page,cus_B,2024-03-02T10:00:00Z,,',
        'Viewed Page,cus_B,2024-03-02T10:00:00Z,,',
      ].join('\n'),
    );
    const eventOutcome = await runImport(db, { workspaceId, path: events, type: 'events' });
    expect(eventOutcome.run.status).toBe('succeeded');
    expect(eventOutcome.customersCreated).toBe(1); // cus_B; cus_A came with the invoices
    const stored = await db
      .selectFrom('event')
      .select(['name', 'user_id', 'properties', 'occurred_at'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('occurred_at')
      .execute();
    // The two identical rows without a message id are one event.
    expect(stored.map((row) => [row.name, row.user_id, JSON.parse(row.properties), row.occurred_at])).toEqual(
      [
        ['Signed Up', 'cus_A', { plan: 'pro' }, Date.UTC(2024, 2, 1, 10)],
        ['Viewed Page', 'cus_B', {}, Date.UTC(2024, 2, 2, 10)],
      ],
    );
  });

  it('keeps workspaces apart: another workspace sees neither the rows nor the import', async () => {
    const { db } = getDb();
    const mine = await workspace('EUR');
    const theirs = await workspace('EUR');
    const outcome = await runImport(db, { workspaceId: mine, path: csvFile(ORDERS), type: 'orders' });
    expect(await orders(theirs)).toEqual([]);
    await expect(getImport(db, theirs, String(outcome.run.id))).rejects.toMatchObject({ code: 'not_found' });
    expect((await getImport(db, mine, String(outcome.run.id))).rowsWritten).toBe(3);
  });

  it('refuses an unknown format for a type and a missing file with invalid_input', async () => {
    const { db } = getDb();
    const workspaceId = await workspace();
    await expect(
      runImport(db, { workspaceId, path: csvFile(ORDERS), type: 'events', format: 'stripe' }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      message: 'events can be imported as: auto, generic.',
    });
    await expect(
      runImport(db, { workspaceId, path: join(directory, 'nope.csv'), type: 'orders' }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
    });
    const header = await runImport(db, {
      workspaceId,
      path: csvFile('order_id,when,amount\no1,2024-01-01,1'),
      type: 'orders',
    });
    expect(header.run.status).toBe('rejected');
    expect(header.run.problems.map((problem) => [problem.line, problem.code])).toEqual([
      [1, 'missing-column'],
      [1, 'missing-column'],
    ]);
  });
});
