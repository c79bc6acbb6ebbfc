/**
 * Multi-row `INSERT … ON CONFLICT … DO UPDATE` for both dialects, chunked under the engines'
 * bound-parameter limits. The shared engine of every `upsert*` function of this capability.
 *
 * Why raw SQL: the column set of a batch is only known at run time (a batch writes the fields its
 * rows carry and leaves the others alone), which Kysely's typed builders cannot express without
 * casts; `sql` keeps every value a bound parameter and every identifier quoted.
 */
import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { Database } from '../db/index.js';

/** A Kysely instance or a transaction from it. */
export type Executor = Kysely<Database> | Transaction<Database>;

/**
 * Parameters per statement. SQLite's default `SQLITE_MAX_VARIABLE_NUMBER` is 32,766 (since 3.32)
 * and PostgreSQL's protocol allows 65,535; staying well under both keeps statements valid on any
 * build while still writing hundreds of rows per round trip.
 */
export const MAX_PARAMETERS_PER_STATEMENT = 30_000;
/** Also cap rows per statement: beyond this, bigger statements stop paying off. */
export const MAX_ROWS_PER_STATEMENT = 2_000;

/** How one table is upserted. */
export interface UpsertTarget {
  readonly table: keyof Database;
  /** The columns of the unique constraint the rows collide on, e.g. `['workspace_id', 'external_id']`. */
  readonly conflictColumns: readonly string[];
  /** Columns written when a row is inserted and never overwritten (`id`, `created_at`). */
  readonly insertOnlyColumns: readonly string[];
  /** Set from the incoming row only when another column changed (e.g. `updated_at`). */
  readonly touchColumn?: string;
  /** Never update a colliding row (insert-once tables such as `event`). */
  readonly insertOnly?: boolean;
}

/**
 * Splits `items` into slices of at most `size`. O(n). Example: `chunks([1, 2, 3], 2)` → `[[1, 2], [3]]`.
 */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/** Rows per statement for a row of `columnCount` parameters. Example: `rowsPerStatement(12)` → 2000. */
export function rowsPerStatement(columnCount: number): number {
  return Math.max(
    1,
    Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_PARAMETERS_PER_STATEMENT / Math.max(1, columnCount))),
  );
}

/**
 * Keeps the last row of each key, in first-seen order: a batch that names the same natural key
 * twice must not reach PostgreSQL, whose `ON CONFLICT DO UPDATE` refuses to touch a row twice in
 * one statement. O(n). Example: `lastByKey([{k:1,v:1},{k:1,v:2}], r => r.k)` → `[{k:1,v:2}]`.
 */
export function lastByKey<T>(rows: readonly T[], keyOf: (row: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const row of rows) byKey.set(keyOf(row), row);
  return [...byKey.values()];
}

/**
 * Groups rows by the set of columns they define (`undefined` = not given), so each statement writes
 * exactly the columns its rows carry: an absent field leaves the stored value alone, `null` clears
 * it. Imports produce one shape per file, so this is normally a single group. O(n · columns).
 */
export function groupByShape(rows: readonly Record<string, unknown>[]): Record<string, unknown>[][] {
  const groups = new Map<string, Record<string, unknown>[]>();
  for (const row of rows) {
    const shape = Object.keys(row)
      .filter((key) => row[key] !== undefined)
      .sort()
      .join(',');
    let group = groups.get(shape);
    if (group === undefined) groups.set(shape, (group = []));
    group.push(row);
  }
  return [...groups.values()];
}

/**
 * Upserts `rows` (all of one shape: the same defined columns) into `target.table`, chunked.
 * A colliding row is updated only when one of its updatable columns differs (null-safe
 * comparison: `IS DISTINCT FROM` on PostgreSQL, `IS NOT` on SQLite), so re-writing the same batch
 * changes nothing, not even `updated_at`. Returns the number of rows inserted or changed.
 *
 * O(rows) parameters, ⌈rows / rowsPerStatement⌉ statements.
 * Example: `await upsertShape(db, 'sqlite', customerTarget, [{ workspace_id, id, external_id: 'c1', … }])` → 1.
 */
export async function upsertShape(
  db: Executor,
  dialect: 'sqlite' | 'postgres',
  target: UpsertTarget,
  rows: readonly Record<string, unknown>[],
): Promise<number> {
  const first = rows[0];
  if (first === undefined) return 0;
  const columns = Object.keys(first).filter((key) => first[key] !== undefined);
  const fixed = new Set([...target.conflictColumns, ...target.insertOnlyColumns]);
  const compared = columns.filter((column) => !fixed.has(column) && column !== target.touchColumn);
  const assigned =
    target.touchColumn !== undefined && columns.includes(target.touchColumn)
      ? [...compared, target.touchColumn]
      : compared;
  const distinct = dialect === 'postgres' ? sql.raw(' is distinct from ') : sql.raw(' is not ');
  const tableRef = sql.table(target.table);

  let onConflict: RawBuilder<unknown>;
  if (compared.length === 0 || target.insertOnly === true) {
    onConflict = sql`do nothing`;
  } else {
    const assignments = assigned.map((column) => sql`${sql.ref(column)} = excluded.${sql.ref(column)}`);
    const changed = compared.map(
      (column) => sql`${sql.ref(`${target.table}.${column}`)}${distinct}excluded.${sql.ref(column)}`,
    );
    onConflict = sql`do update set ${sql.join(assignments)} where ${sql.join(changed, sql` or `)}`;
  }

  let written = 0;
  for (const chunk of chunks(rows, rowsPerStatement(columns.length))) {
    const values = chunk.map((row) => sql`(${sql.join(columns.map((column) => row[column] ?? null))})`);
    const result = await sql`insert into ${tableRef} (${sql.join(columns.map((column) => sql.ref(column)))})
      values ${sql.join(values)}
      on conflict (${sql.join(target.conflictColumns.map((column) => sql.ref(column)))}) ${onConflict}`.execute(
      db,
    );
    written += Number(result.numAffectedRows ?? 0n);
  }
  return written;
}
