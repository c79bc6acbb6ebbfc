/**
 * The version of a workspace's customer data (customers, orders, refunds, subscriptions): a
 * number that grows with every committed change of them, read in O(1), so that an analytics answer
 * computed from the data can be kept until it no longer holds (analytics-runner.ts).
 *
 * Every writer of those tables in this capability calls `bumpDataVersion` after its write, with the
 * same executor — inside the caller's transaction when there is one — so the version and the data
 * commit together. (After, never before: a reader that saw the new version must see the new data.)
 *
 * The version is the sum of `DATA_VERSION_SLOTS` counters per workspace, each write incrementing
 * one chosen at random: one counter row would serialise every concurrent writer of a workspace on
 * its row lock until commit (PostgreSQL; SQLite has one writer at a time anyway), while sixteen
 * let tracking batches commit side by side. Reading sums at most sixteen rows of the primary key.
 * A change made by hand in SQL must bump it too (docs/operations.md, "Kept analytics answers").
 */
import { sql } from 'kysely';
import type { Executor } from './upsert-batch.js';

/** Counter rows per workspace. */
export const DATA_VERSION_SLOTS = 16;

/**
 * Counts one change of the workspace's customer data: +1 on one of its counters (created on first
 * use). One upsert statement. Example: `await bumpDataVersion(trx, ws)`; then `dataVersion(db, ws)`
 * is one more.
 */
export async function bumpDataVersion(db: Executor, workspaceId: number): Promise<void> {
  const slot = Math.floor(Math.random() * DATA_VERSION_SLOTS);
  await db
    .insertInto('data_version')
    .values({ workspace_id: workspaceId, slot, changes: 1 })
    .onConflict((conflict) =>
      conflict.columns(['workspace_id', 'slot']).doUpdateSet({ changes: sql`data_version.changes + 1` }),
    )
    .execute();
}

/**
 * The workspace's data version: the number of changes counted so far (0 before the first). Sums
 * at most `DATA_VERSION_SLOTS` rows of the primary key: O(1). Example: `await dataVersion(db, ws)` → 42.
 */
export async function dataVersion(db: Executor, workspaceId: number): Promise<number> {
  const row = await db
    .selectFrom('data_version')
    .select((eb) => eb.fn.sum<number | string | null>('changes').as('changes'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return Number(row?.changes ?? 0);
}
