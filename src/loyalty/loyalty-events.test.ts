/**
 * Event points and the pending-order fix, on SQLite and PostgreSQL, through the real tracking API
 * and the `loyalty.process` job: a sign-up earns once per customer, a review once per review, a
 * birthday (the identify trait) once a year; a promotion window multiplies orders placed inside it
 * only; an order that is pending when the job first reads it earns once it completes (the bug of
 * issue 13), less refunds the job read while it waited, and a cancelled one never earns.
 */
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { type ApiWorkspace, apiWorkspace } from '../../test/customers/api.js';
import { accountOf, expectLedgerConsistent, newCustomer } from '../../test/loyalty/ledger.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import type { Database, RowId } from '../db/index.js';
import { processLoyalty } from './loyalty.jobs.js';
import { ensureProgramme, writeProgrammeSettings } from './loyalty.repository.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 5, 9);

async function track(api: ApiWorkspace, path: string, body: Record<string, unknown>) {
  const response = await api.app.request(path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${api.writeKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

async function customerId(db: Kysely<Database>, workspaceId: number, externalId: string): Promise<RowId> {
  const row = await db
    .selectFrom('customer')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('external_id', '=', externalId)
    .executeTakeFirstOrThrow();
  return row.id;
}

async function insertOrder(
  db: Kysely<Database>,
  workspaceId: number,
  customer: RowId,
  order: { externalId: string; cents: number; at: number; status: 'completed' | 'pending' | 'cancelled' },
) {
  const row = await db
    .insertInto('customer_order')
    .values({
      workspace_id: workspaceId,
      customer_id: customer,
      external_id: order.externalId,
      ordered_at: order.at,
      currency: 'USD',
      amount_cents: order.cents,
      status: order.status,
      created_at: order.at,
      updated_at: order.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function setStatus(
  db: Kysely<Database>,
  workspaceId: number,
  orderId: RowId,
  status: 'completed' | 'cancelled',
) {
  await db
    .updateTable('customer_order')
    .set({ status })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', orderId)
    .execute();
}

describeEachDatabase('loyalty event points and waiting orders', (getDb) => {
  async function programme(settings: Record<string, unknown>) {
    const api = await apiWorkspace(getDb(), T0);
    const { db } = getDb();
    await ensureProgramme(db, api.workspaceId, T0);
    await writeProgrammeSettings(db, api.workspaceId, settings, T0);
    return { api, db, workspaceId: api.workspaceId };
  }

  it('a sign-up earns once per customer, a review once per review', async () => {
    const { api, db, workspaceId } = await programme({ events: { signUp: 50, review: 20, birthday: 0 } });
    await track(api, '/v1/track', { userId: 'ev-1', event: 'Signed Up', messageId: 's-1' });
    await track(api, '/v1/track', { userId: 'ev-1', event: 'Signed Up', messageId: 's-2' });
    for (const [messageId, reviewId] of [
      ['r-1', 'REV-1'],
      ['r-2', 'REV-1'],
      ['r-3', 'REV-2'],
    ]) {
      await track(api, '/v1/track', {
        userId: 'ev-1',
        event: 'Product Reviewed',
        messageId,
        properties: { review_id: reviewId, product_id: 'P-1' },
      });
    }
    const outcome = await processLoyalty(db, workspaceId, T0);
    // 50 (one sign-up) + 20 × 2 (two reviews) = 90.
    expect(outcome).toMatchObject({ eventsRead: 5, eventsEarned: 3 });
    const ev = await customerId(db, workspaceId, 'ev-1');
    expect(await accountOf(db, workspaceId, ev)).toMatchObject({ balance: 90, earned: 90 });
    // A rerun reads nothing; the same events again (new message ids) earn nothing.
    await track(api, '/v1/track', { userId: 'ev-1', event: 'Signed Up', messageId: 's-3' });
    expect((await processLoyalty(db, workspaceId, T0 + DAY)).eventsEarned).toBe(0);
    expect(await accountOf(db, workspaceId, ev)).toMatchObject({ balance: 90 });
    await expectLedgerConsistent(db, workspaceId, ev);
  });

  it('a member’s birthday (the identify trait) earns once a year', async () => {
    const { api, db, workspaceId } = await programme({ events: { signUp: 10, review: 0, birthday: 100 } });
    await track(api, '/v1/identify', {
      userId: 'bd-1',
      traits: { birthday: '1990-03-06' },
      messageId: 'i-1',
    });
    await track(api, '/v1/identify', {
      userId: 'bd-2',
      traits: { birthday: '1985-07-01' },
      messageId: 'i-2',
    });
    await track(api, '/v1/track', { userId: 'bd-1', event: 'Signed Up', messageId: 's-1' });
    await track(api, '/v1/track', { userId: 'bd-2', event: 'Signed Up', messageId: 's-2' });
    const first = await customerId(db, workspaceId, 'bd-1');
    const second = await customerId(db, workspaceId, 'bd-2');
    await processLoyalty(db, workspaceId, T0); // 5 March: sign-ups only
    expect(await accountOf(db, workspaceId, first)).toMatchObject({ balance: 10 });
    await processLoyalty(db, workspaceId, Date.UTC(2026, 2, 6, 1)); // 6 March: bd-1's birthday
    await processLoyalty(db, workspaceId, Date.UTC(2026, 2, 6, 5)); // the same day again
    await processLoyalty(db, workspaceId, Date.UTC(2026, 2, 7, 5));
    expect(await accountOf(db, workspaceId, first)).toMatchObject({ balance: 110 });
    expect(await accountOf(db, workspaceId, second)).toMatchObject({ balance: 10 });
    // A missed day is caught up (the job did not run on 6 March 2027, it runs on the 8th).
    await processLoyalty(db, workspaceId, Date.UTC(2027, 2, 5, 1));
    await processLoyalty(db, workspaceId, Date.UTC(2027, 2, 8, 1));
    expect(await accountOf(db, workspaceId, first)).toMatchObject({ balance: 210 });
    await expectLedgerConsistent(db, workspaceId, first);
  });

  it('a promotion window multiplies orders placed inside it only', async () => {
    const { db, workspaceId } = await programme({
      returnsWindowDays: 0,
      promotions: [
        {
          name: 'Weekend',
          startsAt: new Date(T0).toISOString(),
          endsAt: new Date(T0 + 2 * DAY).toISOString(),
          multiplier: 3,
        },
      ],
    });
    const pm = await newCustomer(db, workspaceId);
    await insertOrder(db, workspaceId, pm, {
      externalId: 'W-0',
      cents: 1000,
      at: T0 - 1,
      status: 'completed',
    }); // 10
    await insertOrder(db, workspaceId, pm, { externalId: 'W-1', cents: 1000, at: T0, status: 'completed' }); // 30
    await insertOrder(db, workspaceId, pm, {
      externalId: 'W-2',
      cents: 1000,
      at: T0 + 2 * DAY,
      status: 'completed',
    }); // 10
    await processLoyalty(db, workspaceId, T0 + 3 * DAY);
    expect(await accountOf(db, workspaceId, pm)).toMatchObject({ balance: 50 });
  });

  it('an order pending at the first read earns once it completes; a cancelled one never', async () => {
    const { db, workspaceId } = await programme({ returnsWindowDays: 0 });
    const po = await newCustomer(db, workspaceId);
    const pending = await insertOrder(db, workspaceId, po, {
      externalId: 'P-1',
      cents: 8000,
      at: T0,
      status: 'pending',
    });
    const cancelled = await insertOrder(db, workspaceId, po, {
      externalId: 'P-2',
      cents: 5000,
      at: T0,
      status: 'pending',
    });
    expect(await processLoyalty(db, workspaceId, T0)).toMatchObject({ ordersRead: 2, ordersEarned: 0 });
    expect(await accountOf(db, workspaceId, po)).toMatchObject({ balance: 0 });
    // Still pending at the next run: nothing; then P-1 completes (with a 25 % refund the job read
    // meanwhile) and P-2 is cancelled.
    await processLoyalty(db, workspaceId, T0 + DAY);
    await db
      .insertInto('refund')
      .values({
        workspace_id: workspaceId,
        order_id: pending,
        customer_id: po,
        refunded_at: T0 + DAY,
        currency: 'USD',
        amount_cents: 2000,
        created_at: T0 + DAY,
      })
      .execute();
    await processLoyalty(db, workspaceId, T0 + DAY);
    await setStatus(db, workspaceId, pending, 'completed');
    await setStatus(db, workspaceId, cancelled, 'cancelled');
    expect((await processLoyalty(db, workspaceId, T0 + 2 * DAY)).ordersEarned).toBe(1);
    // 80 points, less ⌊80 × 2000 / 8000⌋ = 20 for the refund: 60.
    expect(await accountOf(db, workspaceId, po)).toMatchObject({ balance: 60, earned: 60 });
    expect((await processLoyalty(db, workspaceId, T0 + 3 * DAY)).ordersEarned).toBe(0);
    expect(await accountOf(db, workspaceId, po)).toMatchObject({ balance: 60 });
    const waiting = await db
      .selectFrom('loyalty_waiting_order')
      .select('order_id')
      .where('workspace_id', '=', workspaceId)
      .execute();
    expect(waiting).toEqual([]);
    await expectLedgerConsistent(db, workspaceId, po);
  });
});
