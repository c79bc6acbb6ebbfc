/**
 * The ledger across processes, each with its own connection (SQLite: separate files handles
 * waiting on the write lock with busy_timeout; PostgreSQL: separate pools): 4 processes × 50
 * concurrent redemptions against a balance covering 10 → exactly 10 succeed, balance 0. And crash
 * safety: a process killed with SIGKILL inside a redemption's transaction leaves no trace of it,
 * and one killed between redemptions leaves each one whole (entry, balance and stored answer).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { expectLedgerConsistent, newCustomer } from '../../test/loyalty/ledger.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { spawnTypeScript } from '../../test/support/db/child-process.js';
import { newId } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { adjustPoints, redeemPoints } from './loyalty.service.js';

const CHILD_SCRIPT = fileURLToPath(new URL('../../test/support/loyalty-redeem-child.ts', import.meta.url));
const PROCESSES = 4;
const PER_PROCESS = 50;

describeEachDatabase('the loyalty ledger across processes', (getDb) => {
  async function seeded(points: number) {
    const { db } = getDb();
    const workspaceId = (await createWorkspace(db, { name: 'Ledger', slug: `ledger-${newId()}` })).workspace
      .id;
    const customerId = await newCustomer(db, workspaceId);
    await adjustPoints(
      db,
      workspaceId,
      customerId,
      { points, reason: 'Seed', idempotencyKey: 'seed' },
      Date.now(),
    );
    return { workspaceId, customerId };
  }

  it(`${PROCESSES} processes × ${PER_PROCESS} concurrent redemptions against a balance covering 10: exactly 10 succeed`, async () => {
    const { url, db } = getDb();
    const { workspaceId, customerId } = await seeded(10 * 25);
    const goFile = join(mkdtempSync(join(tmpdir(), 'retain-loyalty-')), 'go');
    const children = Array.from({ length: PROCESSES }, (_, index) =>
      spawnTypeScript(CHILD_SCRIPT, {
        CHILD_MODE: 'race',
        CHILD_DATABASE_URL: url,
        CHILD_WORKSPACE_ID: String(workspaceId),
        CHILD_CUSTOMER_ID: String(customerId),
        CHILD_COUNT: String(PER_PROCESS),
        CHILD_POINTS: '25',
        CHILD_PREFIX: `p${index}`,
        CHILD_GO_FILE: goFile,
      }),
    );
    await Promise.all(children.map((child) => child.waitForOutput('READY', 60_000)));
    writeFileSync(goFile, 'go');
    await Promise.all(children.map((child) => child.waitForOutput('RESULT', 60_000)));
    const statuses = children.flatMap(
      (child) => JSON.parse(/RESULT (.*)/.exec(child.output())![1]!) as number[],
    );
    expect(statuses).toHaveLength(PROCESSES * PER_PROCESS);
    expect(statuses.filter((status) => status === 201)).toHaveLength(10);
    expect(statuses.filter((status) => status === 409)).toHaveLength(PROCESSES * PER_PROCESS - 10);
    const { balance } = await expectLedgerConsistent(db, workspaceId, customerId);
    expect(balance).toBe(0);
    const stored = await db
      .selectFrom('loyalty_request')
      .select('idempotency_key')
      .where('workspace_id', '=', workspaceId)
      .execute();
    expect(stored).toHaveLength(PROCESSES * PER_PROCESS + 1); // every answer, and the seed's
  }, 90_000);

  it('kill -9 inside a redemption’s transaction: after restart the redemption never happened', async () => {
    const { url, db } = getDb();
    const { workspaceId, customerId } = await seeded(100);
    const doomed = spawnTypeScript(CHILD_SCRIPT, {
      CHILD_MODE: 'hang',
      CHILD_DATABASE_URL: url,
      CHILD_WORKSPACE_ID: String(workspaceId),
      CHILD_CUSTOMER_ID: String(customerId),
      CHILD_POINTS: '60',
      CHILD_PREFIX: 'doomed',
    });
    await doomed.waitForOutput('DEBITED', 30_000);
    doomed.process.kill('SIGKILL');
    expect((await doomed.exited).signal).toBe('SIGKILL');

    // A new process (this one, with a new connection) finds the balance untouched and spends it.
    const fresh = getDb().open();
    const { balance } = await expectLedgerConsistent(fresh.db, workspaceId, customerId);
    expect(balance).toBe(100);
    const retried = await redeemPoints(
      fresh.db,
      workspaceId,
      customerId,
      { points: 60, idempotencyKey: 'doomed' },
      Date.now(),
    );
    expect(retried.status).toBe(201);
    expect((await expectLedgerConsistent(db, workspaceId, customerId)).balance).toBe(40);
  }, 60_000);

  it('kill -9 between redemptions: each redemption is whole — entry, balance and stored answer', async () => {
    const { url, db } = getDb();
    const { workspaceId, customerId } = await seeded(100_000);
    const doomed = spawnTypeScript(CHILD_SCRIPT, {
      CHILD_MODE: 'loop',
      CHILD_DATABASE_URL: url,
      CHILD_WORKSPACE_ID: String(workspaceId),
      CHILD_CUSTOMER_ID: String(customerId),
      CHILD_PREFIX: 'loop',
    });
    await doomed.waitForOutput('REDEEMED 40 ', 30_000);
    doomed.process.kill('SIGKILL');
    await doomed.exited;

    const fresh = getDb().open();
    const { balance } = await expectLedgerConsistent(fresh.db, workspaceId, customerId);
    const entries = await fresh.db
      .selectFrom('loyalty_entry')
      .select('idempotency_key')
      .where('workspace_id', '=', workspaceId)
      .where('kind', '=', 'redeem')
      .execute();
    const answers = await fresh.db
      .selectFrom('loyalty_request')
      .select('idempotency_key')
      .where('workspace_id', '=', workspaceId)
      .where('operation', '=', 'redeem')
      .execute();
    expect(entries.length).toBeGreaterThanOrEqual(41);
    expect(balance).toBe(100_000 - entries.length);
    // Each committed redemption has its stored answer and each stored answer its entry.
    expect(answers.map((row) => `api:${row.idempotency_key}`).sort()).toEqual(
      entries.map((row) => row.idempotency_key).sort(),
    );
    expect((await expectLedgerConsistent(db, workspaceId, customerId)).balance).toBe(balance);
  }, 60_000);
});
