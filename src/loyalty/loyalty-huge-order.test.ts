/**
 * The largest order the API accepts (999,999,999,999.99) at the highest rate settings allow
 * (10,000 points a unit, a ×100 promotion) asked for ~10^18 points: PostgreSQL answered 500, and
 * SQLite stored a balance past 2^53 where a 1-point redemption no longer changed it. An order
 * earns at most `MAX_POINTS_PER_ORDER`, so the ledger stays exact and alike on both engines.
 */
import { expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { insertCustomers } from '../../test/feedback/support.js';
import { expectLedgerConsistent } from '../../test/loyalty/ledger.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { MAX_POINTS_PER_ORDER } from './loyalty-settings.js';

const NOW = Date.UTC(2026, 0, 1);

describeEachDatabase('an absurdly large order', (getDb) => {
  it('earns at most MAX_POINTS_PER_ORDER, and the balance stays exact', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const [ann] = await insertCustomers(db, api.workspaceId, [{ email: 'ann@example.com' }], NOW);
    const send = async (method: string, path: string, payload: unknown) => {
      const response = await api.app.request(path, {
        method,
        headers: { Authorization: `Bearer ${api.keys.owner}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(payload),
      });
      const body = (await response.json()) as { entry: { points: number }; balance: number };
      return { status: response.status, body };
    };
    const programme = await send('PUT', '/api/v1/loyalty/programme', {
      pointsPerCurrencyUnit: 10_000,
      returnsWindowDays: 0,
      promotions: [
        { name: 'Launch', multiplier: 100, startsAt: '2025-01-01T00:00:00Z', endsAt: '2027-01-01T00:00:00Z' },
      ],
    });
    expect(programme.status, JSON.stringify(programme.body)).toBe(200);
    for (const orderId of ['o1', 'o2']) {
      const earned = await send('POST', `/api/v1/loyalty/customers/${ann}/earn`, {
        orderId,
        amount: '999999999999.99',
      });
      expect(earned.status, JSON.stringify(earned.body)).toBe(201);
      expect(earned.body.entry.points).toBe(MAX_POINTS_PER_ORDER);
    }
    const redeemed = await send('POST', `/api/v1/loyalty/customers/${ann}/redeem`, {
      points: 1,
      idempotencyKey: 'r1',
    });
    expect(redeemed.status, JSON.stringify(redeemed.body)).toBe(201);
    expect(redeemed.body.balance).toBe(2 * MAX_POINTS_PER_ORDER - 1);
    expect(await expectLedgerConsistent(db, api.workspaceId, ann!)).toEqual({
      balance: 2 * MAX_POINTS_PER_ORDER - 1,
      pending: 0,
    });
  });
});
