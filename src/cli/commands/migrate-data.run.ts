/** The work of `retain migrate-data` (described in `migrate-data.ts`), loaded only when the command runs. */
import { type Kysely, sql } from 'kysely';
import { migrateToLatest, openDatabase, ownTables, TABLES_IN_DEPENDENCY_ORDER } from '../../db/index.js';
import { CliError } from '../cli-error.js';
import { defaultLog, type Log } from '../process.js';

/** Rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits for our widths. */
const BATCH_ROWS = 500;

// biome-ignore lint/suspicious/noExplicitAny: the copy works on whatever tables the migrations made.
type AnyDb = Kysely<any>;

export interface MigrateDataOptions {
  /** Source store (default `DATABASE_URL`). */
  readonly from?: string;
  readonly to: string;
  /** Copy into a target that already holds workspaces. */
  readonly force?: boolean;
  readonly log?: Log;
}

export interface TableCount {
  readonly table: string;
  readonly source: number;
  readonly target: number;
}

/** Every data table of a migrated store, parents first (Kysely's own bookkeeping excluded). */
async function tablesOf(db: AnyDb): Promise<string[]> {
  const names = (await ownTables(db)).map((table) => table.name);
  const unknown = names.filter((name) => !TABLES_IN_DEPENDENCY_ORDER.includes(name));
  if (unknown.length > 0) {
    // A table no migration declared: copying it in an unknown order could break foreign keys.
    throw new CliError(`The source store has tables Retain does not know: ${unknown.join(', ')}`, 1);
  }
  return TABLES_IN_DEPENDENCY_ORDER.filter((name) => names.includes(name));
}

async function columnsOf(db: AnyDb, table: string): Promise<string[]> {
  return (await ownTables(db)).find((entry) => entry.name === table)?.columns ?? [];
}

async function countRows(db: AnyDb, table: string): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Copies the source store into `to` and returns the per-table row counts of both sides; throws a
 * `CliError` when the target already has data (without `force`) or when a count differs.
 * O(rows) reads and writes, one transaction per batch on the target.
 */
export async function migrateData(options: MigrateDataOptions): Promise<TableCount[]> {
  const log = options.log ?? defaultLog;
  let source: ReturnType<typeof openDatabase>;
  let target: ReturnType<typeof openDatabase>;
  try {
    source = openDatabase(options.from);
  } catch (error) {
    throw new CliError(`DATABASE_URL: ${(error as Error).message}`);
  }
  try {
    target = openDatabase(options.to);
  } catch (error) {
    await source.close();
    throw new CliError(`--to: ${(error as Error).message}`);
  }
  try {
    await migrateToLatest(source.db);
    await migrateToLatest(target.db);
    const existing = await countRows(target.db, 'workspace');
    if (existing > 0 && !options.force) {
      throw new CliError(
        `The target already holds ${existing} workspace(s); pass --force to copy into it anyway (rows already there are kept).`,
      );
    }
    const sourceDb = source.db as AnyDb;
    const targetDb = target.db as AnyDb;
    const tables = await tablesOf(sourceDb);
    const scoped: { table: string; orderBy: string[] }[] = [];
    for (const table of tables.filter((name) => name !== 'workspace')) {
      const columns = await columnsOf(sourceDb, table);
      if (!columns.includes('workspace_id')) continue;
      // A stable order for keyset-free paging: the primary key columns every table starts with.
      scoped.push({ table, orderBy: columns.includes('id') ? ['id'] : columns });
    }
    const workspaces = await sourceDb.selectFrom('workspace').selectAll().orderBy('id').execute();
    for (const workspace of workspaces) {
      await targetDb
        .insertInto('workspace')
        .values(workspace)
        .onConflict((conflict) => conflict.doNothing())
        .execute();
      let copied = 0;
      for (const { table, orderBy } of scoped) {
        for (let offset = 0; ; offset += BATCH_ROWS) {
          let query = sourceDb.selectFrom(table).selectAll().where('workspace_id', '=', workspace.id);
          for (const column of orderBy) query = query.orderBy(column);
          const rows = await query.limit(BATCH_ROWS).offset(offset).execute();
          if (rows.length === 0) break;
          await targetDb
            .insertInto(table)
            .values(rows)
            .onConflict((conflict) => conflict.doNothing())
            .execute();
          copied += rows.length;
          if (rows.length < BATCH_ROWS) break;
        }
      }
      log(`Workspace ${workspace.slug} (${workspace.id}): ${copied} rows copied.`);
    }
    const counts: TableCount[] = [];
    for (const table of tables) {
      counts.push({
        table,
        source: await countRows(sourceDb, table),
        target: await countRows(targetDb, table),
      });
    }
    const differing = counts.filter((count) => count.source !== count.target);
    for (const count of counts) log(`  ${count.table}: ${count.source} → ${count.target}`);
    if (differing.length > 0) {
      throw new CliError(
        `Row counts differ after the copy: ${differing.map((count) => `${count.table} ${count.source} ≠ ${count.target}`).join(', ')}`,
        1,
      );
    }
    if (target.dialect === 'postgres') {
      // Rows were copied with their ids: each identity continues after the highest one.
      for (const table of tables) {
        // A table keyed otherwise (a segment's membership: segment and customer) has no id column.
        if (!(await columnsOf(targetDb, table)).includes('id')) continue;
        const { rows } = await sql<{ sequence: string | null }>`select
          pg_get_serial_sequence(${table}, 'id') as sequence`.execute(targetDb);
        const sequence = rows[0]?.sequence;
        if (sequence == null) continue; // no allocated id (the session's is its token hash)
        await sql`select setval(${sequence}::regclass, max(id)) from ${sql.table(table)}
          having max(id) is not null`.execute(targetDb);
      }
      await sql`analyze`.execute(targetDb);
    }
    log('Copy verified: every table has the same number of rows.');
    return counts;
  } finally {
    await source.close();
    await target.close();
  }
}
