/**
 * A reward claim is all or nothing across a crash (SQLite and PostgreSQL): a process claiming one
 * reward after another is killed with SIGKILL; afterwards every claim that committed is whole — its
 * ledger entry, its coupon, its claim row, its unit of stock and its stored answer — and nothing of
 * the one in flight remains.
 */
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { expectLedgerConsistent, newCustomer } from '../../test/loyalty/ledger.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { spawnTypeScript } from '../../test/support/db/child-process.js';
import { newId } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { adjustPoints } from './loyalty.service.js';
import { createReward } from './reward.service.js';

const CHILD_SCRIPT = fileURLToPath(new URL('../../test/support/loyalty-claim-child.ts', import.meta.url));

describeEachDatabase('reward claims across a crash', (getDb) => {
  it('kill -9 while claiming: each committed claim is whole, the one in flight left no trace', async () => {
    const { url, db } = getDb();
    const workspaceId = (await createWorkspace(db, { name: 'Claims', slug: `claims-${newId()}` })).workspace
      .id;
    const customerId = await newCustomer(db, workspaceId);
    await adjustPoints(
      db,
      workspaceId,
      customerId,
      { points: 100_000, reason: 'Seed', idempotencyKey: 'seed' },
      Date.now(),
    );
    const reward = await createReward(
      db,
      workspaceId,
      { name: 'Sticker', kind: 'custom', costPoints: 3, stock: 1_000_000 },
      Date.now(),
    );
    const doomed = spawnTypeScript(CHILD_SCRIPT, {
      CHILD_DATABASE_URL: url,
      CHILD_WORKSPACE_ID: String(workspaceId),
      CHILD_CUSTOMER_ID: String(customerId),
      CHILD_REWARD_ID: String(reward.id),
      CHILD_PREFIX: 'loop',
    });
    await doomed.waitForOutput('CLAIMED 30 ', 60_000);
    doomed.process.kill('SIGKILL');
    await doomed.exited;

    const fresh = getDb().open();
    const { balance } = await expectLedgerConsistent(fresh.db, workspaceId, customerId);
    const count = async (query: Promise<unknown[]>) => (await query).length;
    const entries = await fresh.db
      .selectFrom('loyalty_entry')
      .select('idempotency_key')
      .where('workspace_id', '=', workspaceId)
      .where('source', '=', 'reward')
      .execute();
    const claims = await count(
      fresh.db
        .selectFrom('loyalty_reward_claim')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .execute(),
    );
    const coupons = await count(
      fresh.db
        .selectFrom('loyalty_coupon')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('promotion_id', '=', reward.details.promotionId)
        .execute(),
    );
    const answers = await fresh.db
      .selectFrom('loyalty_request')
      .select('idempotency_key')
      .where('workspace_id', '=', workspaceId)
      .where('operation', '=', 'claim_reward')
      .execute();
    const stock = await fresh.db
      .selectFrom('loyalty_reward')
      .select('claimed')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', reward.id)
      .executeTakeFirstOrThrow();
    expect(entries.length).toBeGreaterThanOrEqual(31);
    expect(claims).toBe(entries.length);
    expect(coupons).toBe(entries.length);
    expect(Number(stock.claimed)).toBe(entries.length);
    expect(balance).toBe(100_000 - 3 * entries.length);
    expect(answers.map((row) => `reward:${row.idempotency_key}`).sort()).toEqual(
      entries.map((row) => row.idempotency_key).sort(),
    );
  }, 90_000);
});
