/**
 * The stored scores, on both databases: the `scores.refresh` job run through the real queue and
 * worker on the CDNOW sample (2,357 customers, test/fixtures/CDNOW_sample.txt) plus customers
 * without orders and a refund. The reference is the analytics API's own computation for the same
 * workspace — `/analytics/at-risk`, `/clv`, `/rfm` — customer by customer; the reasons' words are
 * the API's, rebuilt from the stored data. Also: the refresh is debounced (one waiting job), and a
 * run never brings back an erased customer's scores.
 */
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { dollarsToCents, loadCdnowSampleTransactions } from '../../test/support/fixtures.js';
import { describeAtRiskReason } from '../core/index.js';
import {
  findCustomerScore,
  latestScoreRun,
  requestScoreRefresh,
  rfmSegmentCode,
  upsertCustomers,
  upsertOrders,
  upsertRefunds,
} from '../customers/index.js';
import type { Database } from '../db/index.js';
import { listJobs, Worker } from '../jobs/index.js';
import { eraseCustomer } from '../privacy/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { atRiskReport, clvReport, rfmReport } from './analytics.service.js';
import { scoreJobHandlers } from './scores.job.js';

const NOW = Date.UTC(1998, 6, 15);

/** A workspace with the CDNOW sample's orders, two customers without any, and one refund. */
async function cdnowWorkspace(db: Kysely<Database>) {
  const { workspace } = await createWorkspace(db, {
    name: 'CDNOW',
    slug: `cdnow-${Math.random().toString(36).slice(2, 10)}`,
    settings: { timeZone: 'UTC', currency: 'USD' },
    now: NOW,
  });
  const transactions = loadCdnowSampleTransactions();
  await upsertOrders(
    db,
    workspace.id,
    transactions.map((transaction, index) => ({
      externalId: `o${index}`,
      customerExternalId: transaction.customerId,
      orderedAt: Date.parse(`${transaction.date}T00:00:00Z`),
      currency: 'USD',
      amountCents: dollarsToCents(transaction.dollars),
    })),
    { now: NOW },
  );
  await upsertRefunds(
    db,
    workspace.id,
    [
      {
        externalId: 'r1',
        orderExternalId: 'o0',
        refundedAt: Date.UTC(1997, 0, 20),
        currency: 'USD',
        amountCents: 500,
      },
    ],
    { now: NOW },
  );
  const { ids } = await upsertCustomers(
    db,
    workspace.id,
    [
      { externalId: 'no-orders-1', email: 'one@example.com' },
      { externalId: 'no-orders-2', email: 'two@example.com' },
    ],
    { now: NOW },
  );
  return {
    workspaceId: workspace.id,
    customers: new Set(transactions.map((row) => row.customerId)).size,
    ids,
  };
}

/** Runs the due score jobs with the real worker (a fixed clock), the runs in their own thread. */
async function drainScoreJobs(db: Kysely<Database>, databaseUrl: string): Promise<number> {
  const handlers = scoreJobHandlers({ databaseUrl, now: () => NOW });
  return new Worker({ db, handlers, now: () => NOW, onError: () => undefined }).drain();
}

describeEachDatabase('stored customer scores', (getDb) => {
  it('stores for every customer what the analytics endpoints say about them', async () => {
    const { db } = getDb();
    const { workspaceId, customers, ids } = await cdnowWorkspace(db);
    await requestScoreRefresh(db, workspaceId, { reason: 'on_demand', now: NOW });
    expect(await drainScoreJobs(db, getDb().url)).toBe(1);

    const run = await latestScoreRun(db, workspaceId);
    expect(run).toMatchObject({
      status: 'succeeded',
      asOf: '1998-06-30',
      customers: customers + 2,
      scored: customers,
    });
    expect(run?.details.model).toMatch(/^(bgnbd|mbgnbd|paretonbd)$/);

    // The at-risk list of the API, customer by customer: score, P(alive), expected purchases,
    // value, and the reasons (their words rebuilt from the stored data).
    const atRisk = await atRiskReport(db, workspaceId, {}, 60);
    expect(atRisk.customers.length).toBe(60);
    for (const customer of atRisk.customers) {
      const stored = await findCustomerScore(db, workspaceId, Number(customer.customerId));
      expect(stored, customer.customerId).toBeDefined();
      expect(stored!.riskScore).toBe(customer.score);
      expect(stored!.pAlive).toBe(customer.probabilityAlive);
      expect(stored!.expectedPurchases).toBe(customer.expectedPurchases);
      expect(stored!.valueCents).toBe(Math.round(customer.value * 100));
      expect(stored!.reasons.map(describeAtRiskReason)).toEqual(customer.reasons);
      expect(stored!.reasons.length).toBeGreaterThan(0);
    }
    // Predicted CLV, the CLV endpoint's (cents of its currency-unit figure).
    const clv = await clvReport(db, workspaceId, {}, { limit: 40, offset: 0 });
    for (const customer of clv.customers.items) {
      const stored = await findCustomerScore(db, workspaceId, Number(customer.customerId));
      expect(stored!.predictedClvCents! / 100).toBeCloseTo(customer.clv!, 2);
    }
    // RFM, the RFM endpoint's segment and scores.
    const rfmAnswer = await rfmReport(db, workspaceId, {}, { limit: 40, offset: 1000 });
    for (const customer of rfmAnswer.customers.items) {
      const stored = await findCustomerScore(db, workspaceId, Number(customer.customerId));
      expect(stored).toMatchObject({
        rfmSegment: rfmSegmentCode(customer.segment),
        rfmR: customer.r,
        rfmF: customer.f,
        rfmM: customer.m,
        ordersCount: customer.frequency,
      });
    }
    // Customers without orders have a row (so sorted lists show them) with nothing to score.
    const empty = await findCustomerScore(db, workspaceId, ids.get('no-orders-1')!);
    expect(empty).toMatchObject({
      riskScore: null,
      pAlive: null,
      predictedClvCents: null,
      rfmSegment: null,
      ordersCount: 0,
      valueCents: 0,
      lastOrderAt: null,
      reasons: [],
    });
  }, 180_000);

  it('keeps one refresh waiting per workspace, and never brings back an erased customer’s scores', async () => {
    const { db } = getDb();
    const { workspaceId, ids } = await cdnowWorkspace(db);
    const first = await requestScoreRefresh(db, workspaceId, { reason: 'import', now: NOW });
    const second = await requestScoreRefresh(db, workspaceId, {
      reason: 'tracking',
      now: NOW,
      delayMs: 60_000,
    });
    const concurrent = await Promise.all(
      Array.from({ length: 4 }, () => requestScoreRefresh(db, workspaceId, { reason: 'tracking', now: NOW })),
    );
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, job: { id: first.job.id } });
    for (const answer of concurrent) expect(answer.job.id).toBe(first.job.id);
    expect(await listJobs(db, workspaceId, { type: 'scores.refresh' })).toHaveLength(1);
    expect(await drainScoreJobs(db, getDb().url)).toBe(1);
    // Once it ran, the next change asks for a new one — one, however many ask at once (on
    // PostgreSQL these race on separate connections and meet at the idempotency key).
    const racing = await Promise.all(
      Array.from({ length: 4 }, () => requestScoreRefresh(db, workspaceId, { reason: 'import', now: NOW })),
    );
    expect(new Set(racing.map((answer) => answer.job.id)).size).toBe(1);
    expect(racing.filter((answer) => answer.created)).toHaveLength(1);
    expect(racing[0]!.job.id).not.toBe(first.job.id);

    const customerId = ids.get('no-orders-2')!;
    expect(await findCustomerScore(db, workspaceId, customerId)).toBeDefined();
    await eraseCustomer(db, { workspaceId, customerId, actor: { type: 'system' }, now: NOW });
    expect(await findCustomerScore(db, workspaceId, customerId)).toBeUndefined();
    expect(await drainScoreJobs(db, getDb().url)).toBe(1);
    expect(await findCustomerScore(db, workspaceId, customerId)).toBeUndefined();
    expect((await latestScoreRun(db, workspaceId))?.customers).toBe(2357 + 1);
  }, 180_000);
});
