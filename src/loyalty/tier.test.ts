/**
 * Tiers on SQLite and PostgreSQL: thresholds on points earned (not the balance) or on spend over a
 * rolling 12 months or the calendar year; an upgrade as soon as an earning qualifies, with the
 * tier's multiplier applied by the earning job from then on; a downgrade only after the grace
 * period below the threshold (the job); the history of each change; the API to configure tiers and
 * read a customer's tier. Expected numbers are worked out in the comments.
 */
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { jsonCaller } from '../../test/loyalty/http.js';
import { accountOf, expectLedgerConsistent, newCustomer } from '../../test/loyalty/ledger.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import type { Database, RowId } from '../db/index.js';
import { processLoyalty } from './loyalty.jobs.js';
import { ensureProgramme, writeProgrammeSettings } from './loyalty.repository.js';
import { earnOrderThroughApi, redeemPoints } from './loyalty.service.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 10, 12);

async function tierOf(db: Kysely<Database>, workspaceId: number, customerId: RowId) {
  const row = await db
    .selectFrom('loyalty_account')
    .select(['tier', 'tier_below_since'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return { tier: row?.tier ?? null, belowSince: row?.tier_below_since ?? null };
}

async function historyOf(db: Kysely<Database>, workspaceId: number, customerId: RowId) {
  const rows = await db
    .selectFrom('loyalty_tier_change')
    .select(['from_tier', 'to_tier', 'at'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .orderBy('id')
    .execute();
  return rows.map((row) => [row.from_tier, row.to_tier, Number(row.at)]);
}

describeEachDatabase('loyalty tiers', (getDb) => {
  async function programme(settings: Record<string, unknown>) {
    const api = await apiWorkspace(getDb(), T0);
    const { db } = getDb();
    await ensureProgramme(db, api.workspaceId, T0);
    await writeProgrammeSettings(db, api.workspaceId, settings, T0);
    return { api, db, workspaceId: api.workspaceId };
  }

  const LEVELS = [
    { name: 'Silver', threshold: 100 },
    { name: 'Gold', threshold: 500, multiplier: 2, earlyAccess: true },
  ];

  it('upgrades at once on points earned (not the balance), applies the multiplier, downgrades after the grace period', async () => {
    const { db, workspaceId } = await programme({
      returnsWindowDays: 0,
      tiers: { basis: 'points_earned', window: 'rolling_12_months', downgradeGraceDays: 10, levels: LEVELS },
    });
    const ann = await newCustomer(db, workspaceId);
    // 600.00 earns 600 points: straight to Gold (past Silver), in the earn's own transaction.
    await earnOrderThroughApi(
      db,
      workspaceId,
      ann,
      { orderId: 'A-1', amountCents: 60_000, orderedAt: T0 },
      T0,
    );
    expect(await tierOf(db, workspaceId, ann)).toEqual({ tier: 'Gold', belowSince: null });
    expect(await historyOf(db, workspaceId, ann)).toEqual([[null, 'Gold', T0]]);
    // Spending the balance does not lower the tier: it counts points earned.
    await redeemPoints(db, workspaceId, ann, { points: 600, idempotencyKey: 'spend' }, T0 + DAY);
    await processLoyalty(db, workspaceId, T0 + DAY);
    expect((await tierOf(db, workspaceId, ann)).tier).toBe('Gold');
    // Gold's ×2: 10.00 → 20 points.
    await earnOrderThroughApi(
      db,
      workspaceId,
      ann,
      { orderId: 'A-2', amountCents: 1_000, orderedAt: T0 + DAY },
      T0 + DAY,
    );
    expect(await accountOf(db, workspaceId, ann)).toMatchObject({ balance: 20, earned: 620 });

    // A year and a day after the first order only A-2's 20 points are in the window: below Silver.
    const below = T0 + 366 * DAY;
    await processLoyalty(db, workspaceId, below);
    expect(await tierOf(db, workspaceId, ann)).toEqual({ tier: 'Gold', belowSince: below });
    await processLoyalty(db, workspaceId, below + 9 * DAY);
    expect((await tierOf(db, workspaceId, ann)).tier).toBe('Gold');
    // Ten days below: down to the tier it qualifies for (none), in one step.
    await processLoyalty(db, workspaceId, below + 10 * DAY);
    expect(await tierOf(db, workspaceId, ann)).toEqual({ tier: null, belowSince: null });
    expect(await historyOf(db, workspaceId, ann)).toEqual([
      [null, 'Gold', T0],
      ['Gold', null, below + 10 * DAY],
    ]);
    await expectLedgerConsistent(db, workspaceId, ann);
  });

  it('qualifying again inside the grace period keeps the tier', async () => {
    const { db, workspaceId } = await programme({
      returnsWindowDays: 0,
      tiers: { downgradeGraceDays: 30, levels: LEVELS },
    });
    const bo = await newCustomer(db, workspaceId);
    await earnOrderThroughApi(
      db,
      workspaceId,
      bo,
      { orderId: 'B-1', amountCents: 15_000, orderedAt: T0 },
      T0,
    ); // 150 → Silver
    const below = T0 + 366 * DAY;
    await processLoyalty(db, workspaceId, below);
    expect(await tierOf(db, workspaceId, bo)).toEqual({ tier: 'Silver', belowSince: below });
    // 120 points inside the grace period: Silver again, the clock cleared, no history row.
    await earnOrderThroughApi(
      db,
      workspaceId,
      bo,
      { orderId: 'B-2', amountCents: 12_000, orderedAt: below + DAY },
      below + DAY,
    );
    expect(await tierOf(db, workspaceId, bo)).toEqual({ tier: 'Silver', belowSince: null });
    await processLoyalty(db, workspaceId, below + 40 * DAY);
    expect((await tierOf(db, workspaceId, bo)).tier).toBe('Silver');
    expect(await historyOf(db, workspaceId, bo)).toHaveLength(1);
  });

  it('counts spend over the calendar year; the year turning starts the grace period', async () => {
    const { db, workspaceId } = await programme({
      returnsWindowDays: 0,
      tiers: {
        basis: 'spend',
        window: 'calendar_year',
        downgradeGraceDays: 0,
        levels: [{ name: 'VIP', threshold: 40_000 }],
      },
    });
    const cy = await newCustomer(db, workspaceId);
    const december = Date.UTC(2026, 11, 20);
    // 250.00 + 200.00 = 45 000 cents ≥ 40 000: VIP with the second order.
    await earnOrderThroughApi(
      db,
      workspaceId,
      cy,
      { orderId: 'C-1', amountCents: 25_000, orderedAt: december },
      december,
    );
    expect((await tierOf(db, workspaceId, cy)).tier).toBeNull();
    await earnOrderThroughApi(
      db,
      workspaceId,
      cy,
      { orderId: 'C-2', amountCents: 20_000, orderedAt: december },
      december,
    );
    expect((await tierOf(db, workspaceId, cy)).tier).toBe('VIP');
    // 1 January: the window is empty and the grace is 0 days → no tier.
    await processLoyalty(db, workspaceId, Date.UTC(2027, 0, 1, 1));
    expect((await tierOf(db, workspaceId, cy)).tier).toBeNull();
  });

  it('configures tiers and reads a customer’s tier through the API', async () => {
    const { api, db, workspaceId } = await programme({ returnsWindowDays: 0 });
    const call = jsonCaller(api);
    const duplicate = await call(
      'PUT',
      '/api/v1/loyalty/tiers',
      {
        levels: [
          { name: 'A', threshold: 1 },
          { name: 'A', threshold: 2 },
        ],
      },
      'owner',
    );
    expect(duplicate.status).toBe(400);
    expect(JSON.stringify(duplicate.body.error.issues)).toContain('levels');
    expect((await call('PUT', '/api/v1/loyalty/tiers', { levels: LEVELS }, 'marketer')).status).toBe(403);
    const put = await call(
      'PUT',
      '/api/v1/loyalty/tiers',
      { downgradeGraceDays: 14, levels: [...LEVELS].reverse() },
      'owner',
    );
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      basis: 'points_earned',
      window: 'rolling_12_months',
      downgradeGraceDays: 14,
      levels: [
        { name: 'Silver', threshold: 100, multiplier: 1, earlyAccess: false, members: 0 },
        { name: 'Gold', threshold: 500, multiplier: 2, earlyAccess: true, members: 0 },
      ],
    });
    // The rest of the rules are kept.
    expect(
      (await call('GET', '/api/v1/loyalty/programme', undefined, 'analyst')).body.settings.returnsWindowDays,
    ).toBe(0);

    const di = await newCustomer(db, workspaceId);
    await earnOrderThroughApi(
      db,
      workspaceId,
      di,
      { orderId: 'D-1', amountCents: 12_500, orderedAt: T0 },
      T0,
    );
    const tier = await call('GET', `/api/v1/loyalty/customers/${di}/tier`, undefined, 'analyst');
    expect(tier.status).toBe(200);
    expect(tier.body).toMatchObject({
      customerId: String(di),
      tier: 'Silver',
      since: new Date(T0).toISOString(),
      qualifying: 125,
      benefits: { multiplier: 1, earlyAccess: false },
      nextTier: { name: 'Gold', threshold: 500, remaining: 375 },
      downgradeAt: null,
      history: [{ from: null, to: 'Silver', at: new Date(T0).toISOString() }],
    });
    expect((await call('GET', '/api/v1/loyalty/customers/${di}/tier', undefined, 'analyst')).status).toBe(
      404,
    );
    expect((await call('GET', '/api/v1/loyalty/tiers', undefined, 'analyst')).body.levels[0].members).toBe(1);
    // The customer's position shows progress by the same measure.
    const position = await call('GET', `/api/v1/loyalty/customers/${di}`, undefined, 'analyst');
    expect(position.body.nextTier).toEqual({ name: 'Gold', threshold: 500, remaining: 375 });
    // Another workspace's customer is not found.
    const other = await apiWorkspace(getDb(), T0);
    expect(
      (await jsonCaller(other)('GET', `/api/v1/loyalty/customers/${di}/tier`, undefined, 'analyst')).status,
    ).toBe(404);
  });
});
