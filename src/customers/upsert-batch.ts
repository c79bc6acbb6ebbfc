/**
 * Multi-row `INSERT … ON CONFLICT … DO UPDATE` for both dialects, chunked under the engines'
 * bound-parameter limits. The shared engine of every `upsert*` function of this capability.
 *
 * Why hand-built SQL: the column set of a batch is only known at run time (a batch writes the
 * fields its rows carry and leaves the others alone), which Kysely's typed builders cannot express
 * without casts, and building thousands of value nodes costs more than the insert itself. Every
 * value is still a bound parameter and every identifier quoted.
 */
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
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
  const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;
  const distinct = dialect === 'postgres' ? 'is distinct from' : 'is not';
  const table = quote(target.table);

  let onConflict: string;
  if (compared.length === 0 || target.insertOnly === true) {
    onConflict = 'do nothing';
  } else {
    const assignments = assigned.map((column) => `${quote(column)} = excluded.${quote(column)}`);
    const changed = compared.map(
      (column) => `${table}.${quote(column)} ${distinct} excluded.${quote(column)}`,
    );
    onConflict = `do update set ${assignments.join(', ')} where ${changed.join(' or ')}`;
  }
  const head = `insert into ${table} (${columns.map(quote).join(', ')}) values `;
  const tail = ` on conflict (${target.conflictColumns.map(quote).join(', ')}) ${onConflict}`;

  // The SQL text is assembled here (identifiers quoted, every value a bound parameter) rather than
  // through Kysely's builder: for thousands of rows the builder's per-value nodes cost more than
  // the database work. The statement text depends only on the row count, so full chunks repeat it.
  let written = 0;
  const size = rowsPerStatement(columns.length);
  for (let start = 0; start < rows.length; start += size) {
    const chunk = rows.slice(start, start + size);
    const parameters: unknown[] = [];
    const tuples: string[] = [];
    for (const row of chunk) {
      const placeholders: string[] = [];
      for (const column of columns) {
        parameters.push(row[column] ?? null);
        placeholders.push(dialect === 'postgres' ? `$${parameters.length}` : '?');
      }
      tuples.push(`(${placeholders.join(', ')})`);
    }
    const result = await db.executeQuery(CompiledQuery.raw(`${head}${tuples.join(', ')}${tail}`, parameters));
    written += Number(result.numAffectedRows ?? 0n);
  }
  return written;
}
