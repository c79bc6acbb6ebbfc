/**
 * Crash safety, with a real process: an import killed with SIGKILL after its first batch commits,
 * then run again to the end, leaves exactly the state of one clean import of the same file into a
 * fresh database (same orders, same customers), on SQLite and on PostgreSQL.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { spawnTypeScript } from '../../test/support/db/child-process.js';
import {
  createTestSchema,
  dropTestSchema,
  postgresUrlForSchema,
} from '../../test/support/db/postgres-schema.js';
import { type Database, migrateToLatest, newId, openDatabase } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { runImport } from './import.service.js';

const CHILD_SCRIPT = fileURLToPath(new URL('../../test/support/import-crash-child.ts', import.meta.url));
const ROWS = 20_000;
const BATCH = 1_000;

/** 20,000 orders of 2,000 customers, with amounts and days that vary by row. */
function writeLargeFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'retain-crash-')), 'orders.csv');
  const lines = ['order_id,customer_id,ordered_at,amount,currency'];
  for (let index = 0; index < ROWS; index++) {
    const day = String(1 + (index % 28)).padStart(2, '0');
    const month = String(1 + (index % 12)).padStart(2, '0');
    lines.push(`ord-${index},cust-${index % 2_000},2024-${month}-${day},${(index % 997) + 0.25},USD`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** What the final state must agree on: every order by natural key, with its customer's. */
async function snapshot(db: Kysely<Database>, workspaceId: number) {
  const orders = await db
    .selectFrom('customer_order as o')
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
    ])
    .where('o.workspace_id', '=', workspaceId)
    .orderBy('o.external_id')
    .execute();
  const customers = await db
    .selectFrom('customer')
    .select(['external_id', 'email'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('external_id')
    .execute();
  return { orders, customers };
}

describeEachDatabase('import crash safety', (getDb) => {
  it('kill -9 after the first batch, then a re-run, gives the state of one clean import', async () => {
    const { db, url } = getDb();
    const file = writeLargeFile();
    const crashed = (await createWorkspace(db, { name: 'Crash', slug: `crash-${newId()}` })).workspace.id;
    const env = {
      CHILD_DATABASE_URL: url,
      CHILD_FILE: file,
      CHILD_WORKSPACE_ID: String(crashed),
      CHILD_BATCH_SIZE: String(BATCH),
    };

    const doomed = spawnTypeScript(CHILD_SCRIPT, { ...env, CHILD_MODE: 'hang' });
    await doomed.waitForOutput('BATCH_COMMITTED', 30_000);
    doomed.process.kill('SIGKILL');
    expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // The first batch is committed, and only it: the import stopped part-way.
    const partial = await snapshot(db, crashed);
    expect(partial.orders.length).toBe(BATCH);
    const run = await db
      .withTables<{ import_run: { workspace_id: number; status: string; committed_records: number } }>()
      .selectFrom('import_run')
      .select(['status', 'committed_records'])
      .where('workspace_id', '=', crashed)
      .executeTakeFirstOrThrow();
    expect(run).toEqual({ status: 'running', committed_records: BATCH });

    const rerun = spawnTypeScript(CHILD_SCRIPT, { ...env, CHILD_MODE: 'finish' });
    const exit = await rerun.exited;
    expect(exit, rerun.output()).toEqual({ code: 0, signal: null });
    expect(rerun.output()).toContain(`DONE {"status":"succeeded","resumed":true,"rowsWritten":${ROWS}}`);
    // The re-run resumed after the checkpoint: its first batch ended at record 2,000, not 1,000.
    expect(rerun.output()).toMatch(/^BATCH_COMMITTED 2000$/m);
    expect(rerun.output()).not.toMatch(/^BATCH_COMMITTED 1000$/m);

    // A clean import of the same file into a second database.
    const fresh = await freshDatabase(getDb().dialect);
    try {
      const clean = (await createWorkspace(fresh.db, { name: 'Clean', slug: `clean-${newId()}` })).workspace
        .id;
      await runImport(fresh.db, { workspaceId: clean, path: file, type: 'orders', batchSize: BATCH });
      const expected = await snapshot(fresh.db, clean);
      expect(expected.orders).toHaveLength(ROWS);
      expect(expected.customers).toHaveLength(2_000);
      expect(await snapshot(db, crashed)).toEqual(expected);
    } finally {
      await fresh.dispose();
    }
  }, 120_000);
});

/** A second, empty, migrated database of the same dialect (SQLite file / PostgreSQL schema). */
async function freshDatabase(dialect: string): Promise<{ db: Kysely<Database>; dispose(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const directory = mkdtempSync(join(tmpdir(), 'retain-clean-'));
    const connection = openDatabase(`sqlite:${join(directory, 'clean.db')}`);
    await migrateToLatest(connection.db);
    return {
      db: connection.db,
      dispose: async () => {
        await connection.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  }
  const schema = await createTestSchema();
  const connection = openDatabase(postgresUrlForSchema(schema));
  await migrateToLatest(connection.db);
  return {
    db: connection.db,
    dispose: async () => {
      await connection.close();
      await dropTestSchema(schema);
    },
  };
}
