/**
 * Earning, on SQLite and PostgreSQL: orders earn once whichever way they arrive (the API, an
 * import, a tracked `Order Completed`), pending through the returns window and spendable after;
 * refunds reverse proportionally, from pending points inside the window and from the balance
 * after it, the rest as debt the next earnings absorb; tiers' and promotions' multipliers apply;
 * FIFO expiry with its notice. Expected points are worked out in each test's comments.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { accountOf, expectLedgerConsistent, newCustomer } from '../../test/loyalty/ledger.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import type { Database, RowId } from '../db/index.js';
import { runImport } from '../imports/index.js';
import { listJobs } from '../jobs/index.js';
import { LOYALTY_PROCESS_JOB, processLoyalty } from './loyalty.jobs.js';
import { ensureProgramme, writeProgrammeSettings } from './loyalty.repository.js';
import { adjustPoints, earnOrderThroughApi, expirePoints, redeemPoints } from './loyalty.service.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 10, 12);

async function insertOrder(
  db: Kysely<Database>,
  workspaceId: number,
  customerId: RowId,
  order: { externalId: string | null; cents: number; at: number; status?: 'completed' | 'pending' },
): Promise<RowId> {
  const row = await db
    .insertInto('customer_order')
    .values({
      workspace_id: workspaceId,
      customer_id: customerId,
      external_id: order.externalId,
      ordered_at: order.at,
      currency: 'USD',
      amount_cents: order.cents,
      status: order.status ?? 'completed',
      created_at: order.at,
      updated_at: order.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function insertRefund(
  db: Kysely<Database>,
  workspaceId: number,
  customerId: RowId,
  orderId: RowId,
  cents: number,
  at: number,
) {
  await db
    .insertInto('refund')
    .values({
      workspace_id: workspaceId,
      order_id: orderId,
      customer_id: customerId,
      refunded_at: at,
      currency: 'USD',
      amount_cents: cents,
      created_at: at,
    })
    .execute();
}

describeEachDatabase('earning points', (getDb) => {
  async function programme(settings: Record<string, unknown>) {
    const api = await apiWorkspace(getDb(), T0);
    const { db } = getDb();
    await ensureProgramme(db, api.workspaceId, T0);
    await writeProgrammeSettings(db, api.workspaceId, settings, T0);
    return { api, db, workspaceId: api.workspaceId };
  }

  it('earns each order once, by any path; pending until the returns window ends', async () => {
    const { db, workspaceId } = await programme({ pointsPerCurrencyUnit: 2, returnsWindowDays: 14 });
    const ann = await newCustomer(db, workspaceId);
    // The API first: ⌊80.50 × 2⌋ = 161 points, pending until T0 + 14 days.
    await earnOrderThroughApi(db, workspaceId, ann, { orderId: 'W-1', amountCents: 8050, orderedAt: T0 }, T0);
    // The same order arriving by import later, and a new order (≠ completed ones earn nothing).
    await insertOrder(db, workspaceId, ann, { externalId: 'W-1', cents: 8050, at: T0 });
    await insertOrder(db, workspaceId, ann, { externalId: 'W-2', cents: 1999, at: T0 + DAY }); // ⌊19.99 × 2⌋ = 39
    await insertOrder(db, workspaceId, ann, {
      externalId: 'W-3',
      cents: 5000,
      at: T0 + DAY,
      status: 'pending',
    });
    const first = await processLoyalty(db, workspaceId, T0 + DAY);
    expect(first).toMatchObject({ ordersRead: 3, ordersEarned: 1 });
    expect(await accountOf(db, workspaceId, ann)).toMatchObject({ balance: 0, pending: 200, earned: 200 });
    expect((await processLoyalty(db, workspaceId, T0 + 2 * DAY)).ordersRead).toBe(0);

    // Day 14: W-1 settles (161); day 15: W-2 too (39).
    await processLoyalty(db, workspaceId, T0 + 14 * DAY);
    expect(await accountOf(db, workspaceId, ann)).toMatchObject({ balance: 161, pending: 39 });
    await processLoyalty(db, workspaceId, T0 + 15 * DAY);
    expect(await accountOf(db, workspaceId, ann)).toMatchObject({ balance: 200, pending: 0 });
    await expectLedgerConsistent(db, workspaceId, ann);
  });

  it('reverses refunds proportionally: from pending, then from the balance, the rest as debt the next earnings absorb', async () => {
    const { db, workspaceId } = await programme({ returnsWindowDays: 10 });
    const bo = await newCustomer(db, workspaceId);
    const inWindow = await insertOrder(db, workspaceId, bo, { externalId: 'R-1', cents: 10_000, at: T0 }); // 100 points
    await processLoyalty(db, workspaceId, T0);
    // 25 % refunded inside the window: ⌊100 × 2500 / 10000⌋ = 25 pending points go.
    await insertRefund(db, workspaceId, bo, inWindow, 2_500, T0 + DAY);
    await processLoyalty(db, workspaceId, T0 + DAY);
    expect(await accountOf(db, workspaceId, bo)).toMatchObject({ balance: 0, pending: 75 });
    await processLoyalty(db, workspaceId, T0 + 10 * DAY);
    expect(await accountOf(db, workspaceId, bo)).toMatchObject({ balance: 75, pending: 0 });

    // 70 of 75 spent; then a further 50 % refund (75 % in all: ⌊100 × 0.75⌋ = 75 → 50 more):
    // 5 from the balance, 45 as debt.
    expect(
      (await redeemPoints(db, workspaceId, bo, { points: 70, idempotencyKey: 'spend' }, T0 + 11 * DAY))
        .status,
    ).toBe(201);
    await insertRefund(db, workspaceId, bo, inWindow, 5_000, T0 + 12 * DAY);
    await processLoyalty(db, workspaceId, T0 + 12 * DAY);
    expect(await accountOf(db, workspaceId, bo)).toMatchObject({ balance: 0, debt: 45 });
    // Next earnings (an adjustment of 60) absorb the debt first: balance 15, debt 0.
    await adjustPoints(
      db,
      workspaceId,
      bo,
      { points: 60, reason: 'Goodwill', idempotencyKey: 'g' },
      T0 + 13 * DAY,
    );
    expect(await accountOf(db, workspaceId, bo)).toMatchObject({ balance: 15, debt: 0 });
    await expectLedgerConsistent(db, workspaceId, bo);
    // A refund read twice (the job rerun) reverses nothing more.
    await processLoyalty(db, workspaceId, T0 + 13 * DAY);
    expect(await accountOf(db, workspaceId, bo)).toMatchObject({ balance: 15, debt: 0 });
  });

  it('applies the tier’s and the promotion window’s multipliers', async () => {
    const { db, workspaceId } = await programme({
      returnsWindowDays: 0,
      tiers: { levels: [{ name: 'Gold', threshold: 0, multiplier: 1.5 }] },
      promotions: [
        {
          name: 'Double',
          startsAt: new Date(T0).toISOString(),
          endsAt: new Date(T0 + DAY).toISOString(),
          multiplier: 2,
        },
      ],
    });
    const cy = await newCustomer(db, workspaceId);
    await db
      .insertInto('loyalty_account')
      .values({ workspace_id: workspaceId, customer_id: cy, tier: 'Gold', created_at: T0, updated_at: T0 })
      .execute();
    await insertOrder(db, workspaceId, cy, { externalId: 'M-1', cents: 1000, at: T0 + 1000 }); // ⌊10 × 1.5 × 2⌋ = 30
    await insertOrder(db, workspaceId, cy, { externalId: 'M-2', cents: 1000, at: T0 + 2 * DAY }); // ⌊10 × 1.5⌋ = 15
    await processLoyalty(db, workspaceId, T0 + 3 * DAY);
    expect(await accountOf(db, workspaceId, cy)).toMatchObject({ balance: 45, pending: 0 });
  });

  it('earns imported orders through the job the import asks for, and tracked Order Completed events', async () => {
    const { api, db, workspaceId } = await programme({ returnsWindowDays: 0 });
    const file = join(mkdtempSync(join(tmpdir(), 'retain-loyalty-')), 'orders.csv');
    writeFileSync(
      file,
      'order_id,customer_id,ordered_at,amount,currency\nI-1,imp-1,2026-01-05,12.00,USD\nI-2,imp-1,2026-01-06,30.50,USD\n',
    );
    await runImport(db, { workspaceId, path: file, type: 'orders' });
    const jobs = await listJobs(db, workspaceId, { type: LOYALTY_PROCESS_JOB, limit: 5 });
    expect(jobs.length).toBeGreaterThanOrEqual(1);

    const tracked = await api.app.request('/v1/track', {
      method: 'POST',
      headers: { Authorization: `Bearer ${api.writeKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        userId: 'imp-1',
        event: 'Order Completed',
        properties: { order_id: 'T-1', revenue: 7.25, total: 9.99, currency: 'USD' },
        messageId: 'm-1',
      }),
    });
    expect(tracked.status).toBe(200);
    // The same order tracked again under another message id, and an order the import also had.
    for (const [messageId, orderId] of [
      ['m-2', 'T-1'],
      ['m-3', 'I-2'],
    ]) {
      await api.app.request('/v1/track', {
        method: 'POST',
        headers: { Authorization: `Bearer ${api.writeKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          userId: 'imp-1',
          event: 'Order Completed',
          properties: { order_id: orderId, revenue: 100 },
          messageId,
        }),
      });
    }
    const outcome = await processLoyalty(db, workspaceId, T0);
    // I-1 12 + I-2 30 (imported first) + T-1 7 (revenue 7.25, not the total) = 49.
    expect(outcome).toMatchObject({ ordersRead: 2, eventsRead: 3, ordersEarned: 3 });
    const customer = await db
      .selectFrom('customer')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('external_id', '=', 'imp-1')
      .executeTakeFirstOrThrow();
    expect(await accountOf(db, workspaceId, customer.id)).toMatchObject({ balance: 49 });
    await expectLedgerConsistent(db, workspaceId, customer.id);
  });

  it('expires FIFO after N months, with the notice before, never what was spent', async () => {
    const { db, workspaceId } = await programme({
      returnsWindowDays: 0,
      expiry: { mode: 'after_earning', months: 6, noticeDays: 30 },
    });
    const di = await newCustomer(db, workspaceId);
    // Jan: +100; Mar: +50; Apr: −120 spent (takes the January 100 and 20 of March's 50).
    await adjustPoints(
      db,
      workspaceId,
      di,
      { points: 100, reason: 'a', idempotencyKey: 'a' },
      Date.UTC(2026, 0, 10),
    );
    await adjustPoints(
      db,
      workspaceId,
      di,
      { points: 50, reason: 'b', idempotencyKey: 'b' },
      Date.UTC(2026, 2, 10),
    );
    await redeemPoints(db, workspaceId, di, { points: 120, idempotencyKey: 'c' }, Date.UTC(2026, 3, 1));
    // Jul 15: January's points are 6 months old but all spent: nothing expires; March's 30 left
    // expire on Sep 10, within 30 days of Aug 15 → a notice then.
    expect((await expirePoints(db, workspaceId, Date.UTC(2026, 6, 15))).points).toBe(0);
    const noticed = await expirePoints(db, workspaceId, Date.UTC(2026, 7, 15));
    expect(noticed).toMatchObject({ points: 0, notices: 1 });
    const notices = await db
      .selectFrom('loyalty_notice')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .execute();
    expect(notices).toMatchObject([{ customer_id: di, kind: 'points_expiring', points: 30 }]);
    // Sep 11: March's remaining 30 expire.
    expect((await expirePoints(db, workspaceId, Date.UTC(2026, 8, 11))).points).toBe(30);
    expect(await accountOf(db, workspaceId, di)).toMatchObject({ balance: 0 });
    await expectLedgerConsistent(db, workspaceId, di);
  });
});
