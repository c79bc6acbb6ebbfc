/**
 * The version of a workspace's analysed data, so that a computed answer can be kept until the data
 * changes (analytics-runner.ts). Four aggregates, each a scan of the workspace's rows of a table:
 * measured 27–36 ms on the 69,659-order demo (SQLite), which is why it runs in the analytics
 * workers, never on the server's event loop, and why the workers skip it while SQLite says no
 * other connection has committed (`sqliteCommitCount`).
 */
import { type Kysely, sql } from 'kysely';
import { type Database, dialectOf } from '../db/index.js';
import { getWorkspace } from '../workspaces/workspace.repository.js';

/**
 * A string that changes whenever the workspace's orders, refunds, subscriptions or customers
 * change: an insert changes a count, an update moves `updated_at` (a refund is never updated in
 * place, so its count, latest `created_at` and total cover it). Customers count because answers
 * show their external ids, e-mails and names, and `by` reads their attributes.
 */
export async function analyticsDataVersion(db: Kysely<Database>, workspaceId: number): Promise<string> {
  const orders = await db
    .selectFrom('customer_order')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.max<number>('updated_at').as('latest')])
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  const refunds = await db
    .selectFrom('refund')
    .select((eb) => [
      eb.fn.countAll<number>().as('count'),
      eb.fn.max<number>('created_at').as('latest'),
      eb.fn.sum<number>('amount_cents').as('total'),
    ])
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  const subscriptions = await db
    .selectFrom('subscription')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.max<number>('updated_at').as('latest')])
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  const customers = await db
    .selectFrom('customer')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.max<number>('updated_at').as('latest')])
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return [
    orders?.count,
    orders?.latest,
    refunds?.count,
    refunds?.latest,
    refunds?.total,
    subscriptions?.count,
    subscriptions?.latest,
    customers?.count,
    customers?.latest,
  ]
    .map((value) => String(value ?? ''))
    .join(':');
}

/**
 * The version of everything an analytics answer depends on: the workspace's settings (time zone,
 * week start, activity window…) and `analyticsDataVersion`. A missing workspace has version `''`.
 */
export async function analyticsVersion(db: Kysely<Database>, workspaceId: number): Promise<string> {
  const workspace = await getWorkspace(db, workspaceId);
  if (!workspace) return '';
  return `${JSON.stringify(workspace.settings)}|${await analyticsDataVersion(db, workspaceId)}`;
}

/**
 * SQLite's `PRAGMA data_version`: a number that changes whenever *another* connection commits to
 * the database file (its own commits do not count), in O(1). `null` on PostgreSQL. A connection
 * that never writes — an analytics worker's — sees every change of the store through it.
 */
export async function sqliteCommitCount(db: Kysely<Database>): Promise<number | null> {
  if (dialectOf(db) !== 'sqlite') return null;
  const { rows } = await sql<{ data_version: number }>`pragma data_version`.execute(db);
  return rows[0]?.data_version ?? null;
}
