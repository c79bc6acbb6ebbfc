/**
 * The programme report on both engines, against a population worked by hand (the expected numbers
 * are counted in the comments): points flows, liability, redemption rate, and the repeat rate and
 * retention of members against non-members.
 */
import { expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { newCustomer } from '../../test/loyalty/ledger.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import type { RowId } from '../db/index.js';
import { adjustPoints, redeemPoints } from './loyalty.service.js';

const FROM = Date.UTC(2026, 0, 1);
const TO = Date.UTC(2026, 3, 1); // 90 days; the previous window is the 90 days before FROM
const DAY = 86_400_000;

describeEachDatabase('the loyalty report', (getDb) => {
  it('counts flows, liability, and members’ against non-members’ repeat rate and retention', async () => {
    const { db } = getDb();
    const api = await apiWorkspace(getDb(), FROM + 31 * DAY);
    const ws = api.workspaceId;
    const order = async (customerId: RowId, at: number) =>
      db
        .insertInto('customer_order')
        .values({
          workspace_id: ws,
          customer_id: customerId,
          ordered_at: at,
          currency: 'USD',
          amount_cents: 1000,
          created_at: at,
          updated_at: at,
        })
        .execute();
    const [m1, m2, n1, n2] = [
      await newCustomer(db, ws),
      await newCustomer(db, ws),
      await newCustomer(db, ws),
      await newCustomer(db, ws),
    ];
    // M1: 2 orders now (repeat), 1 before (retained). M2: 1 before, none now (lost).
    await order(m1, FROM + DAY);
    await order(m1, FROM + 2 * DAY);
    await order(m1, FROM - 10 * DAY);
    await order(m2, FROM - 20 * DAY);
    // N1: 1 now, 1 before (retained, not repeat). N2: 3 now (repeat), none before. N3: outside both windows.
    await order(n1, FROM + 5 * DAY);
    await order(n1, FROM - 5 * DAY);
    for (const day of [3, 4, 6]) await order(n2, FROM + day * DAY);
    await order(await newCustomer(db, ws), FROM - 200 * DAY);
    // Points: +500 (M1), +300 (M2), −200 redeemed (M1): issued 800, redeemed 200, outstanding 600.
    const at = FROM + 30 * DAY;
    await adjustPoints(db, ws, m1, { points: 500, reason: 'a', idempotencyKey: 'a' }, at);
    await adjustPoints(db, ws, m2, { points: 300, reason: 'b', idempotencyKey: 'b' }, at);
    await redeemPoints(db, ws, m1, { points: 200, idempotencyKey: 'c' }, at);

    const report = await api.request(
      `/api/v1/loyalty/report?from=${new Date(FROM).toISOString()}&to=${new Date(TO).toISOString()}`,
    );
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({
      members: 2,
      points: { issued: 800, redeemed: 200, expired: 0, reversed: 0 },
      outstanding: { balance: 600, pending: 0 },
      liability: { spendable: '6.00', includingPending: '6.00' },
      redemptionRate: 0.25,
      // Members: buyers {M1}, repeat {M1} → 1; before {M1, M2}, retained {M1} → 0.5.
      membersGroup: {
        buyers: 1,
        repeatBuyers: 1,
        repeatRate: 1,
        previousBuyers: 2,
        retained: 1,
        retention: 0.5,
      },
      // Non-members: buyers {N1, N2}, repeat {N2} → 0.5; before {N1}, retained {N1} → 1.
      nonMembersGroup: {
        buyers: 2,
        repeatBuyers: 1,
        repeatRate: 0.5,
        previousBuyers: 1,
        retained: 1,
        retention: 1,
      },
    });
    expect(report.body.caveat).toContain('association');
    const bad = await api.request(
      `/api/v1/loyalty/report?from=${new Date(TO).toISOString()}&to=${new Date(FROM).toISOString()}`,
    );
    expect(bad.status).toBe(400);
  });
});
