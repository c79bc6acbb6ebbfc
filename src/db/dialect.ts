/**
 * The few places where SQLite and PostgreSQL differ, kept in one file so that repositories can
 * write one query for both.
 *
 * Storage conventions (the same on both dialects):
 * - Instants are epoch milliseconds in a BIGINT column (INTEGER affinity on SQLite). No native
 *   timestamp types: they differ between the two engines, and the analytics code works in epoch
 *   milliseconds anyway (`src/core` convention).
 * - Money is integer cents in a BIGINT column.
 * - JSON documents are TEXT on SQLite and JSONB on PostgreSQL. Both drivers hand back the JSON
 *   *text* (the PostgreSQL pool is configured not to parse it), so `toJson` / `fromJson` are the
 *   only way in and out, and behave identically.
 * - Booleans are INTEGER 0/1 on both (better-sqlite3 cannot bind a JS boolean): `toFlag` / `fromFlag`.
 */
import { type Kysely, PostgresAdapter, SqliteAdapter, sql } from 'kysely';

/** The two supported engines. */
export type DialectName = 'sqlite' | 'postgres';

declare const jsonTextBrand: unique symbol;

/**
 * JSON text as stored in a JSON column. Branded so that a column cannot be written with an
 * arbitrary string by mistake: produce it with `toJson`, read it with `fromJson`.
 */
export type JsonText<T = unknown> = string & { readonly [jsonTextBrand]: T };

/** A value that survives `JSON.stringify` → `JSON.parse` unchanged. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/**
 * Which engine a Kysely instance (or a transaction from it) talks to, read from its adapter.
 *
 * O(1). Example: `dialectOf(openDatabase('sqlite::memory:').db) === 'sqlite'`.
 */
// biome-ignore lint/suspicious/noExplicitAny: works for any table map, including migrations' Kysely<any>.
export function dialectOf(db: Kysely<any>): DialectName {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof SqliteAdapter) return 'sqlite';
  throw new Error(`Unsupported Kysely dialect adapter: ${adapter.constructor.name}`);
}

/**
 * Runs `work` in a write transaction that holds the write lock from its start: PostgreSQL's
 * ordinary (read committed) transaction — the caller locks the rows it needs — or SQLite's
 * `BEGIN IMMEDIATE` on the one connection, so that another process waits for the lock
 * (busy_timeout) instead of failing when a read snapshot turns stale at its first write. Kysely
 * hands the one SQLite connection to one caller at a time, so nothing else joins the transaction.
 * Example: `await inWriteTransaction(db, (trx) => debit(trx, …))`.
 */
export async function inWriteTransaction<DB, T>(
  db: Kysely<DB>,
  work: (trx: Kysely<DB>) => Promise<T>,
): Promise<T> {
  if (dialectOf(db) === 'postgres') return db.transaction().execute((trx) => work(trx));
  return db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    try {
      const result = await work(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => undefined);
      throw error;
    }
  });
}

/**
 * Serialises `value` for a JSON column (TEXT on SQLite, JSONB on PostgreSQL: PostgreSQL casts the
 * text parameter to JSONB on insert).
 *
 * O(size of value). Example: `toJson({ plan: 'pro' })` → `'{"plan":"pro"}'`.
 */
export function toJson<T>(value: T): JsonText<T> {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('Value cannot be stored as JSON (undefined or a function)');
  return text as JsonText<T>;
}

/**
 * Parses a JSON column as read from either driver (both return the text; see the pool's type
 * parsers in `database.ts`). The type parameter is trusted, not checked: validate untrusted shapes.
 *
 * O(size of text). Example: `fromJson(toJson([1, 2]))` → `[1, 2]`.
 */
export function fromJson<T>(text: JsonText<T> | string): T {
  return JSON.parse(text) as T;
}

/** Boolean → INTEGER 0/1 for flag columns. Example: `toFlag(true)` → `1`. */
export function toFlag(value: boolean): 0 | 1 {
  return value ? 1 : 0;
}

/** INTEGER 0/1 → boolean (any non-zero is true). Example: `fromFlag(0)` → `false`. */
export function fromFlag(value: number): boolean {
  return value !== 0;
}

/** The column type name used for JSON documents on `dialect` (used by migrations). */
export function jsonColumnType(dialect: DialectName): 'jsonb' | 'text' {
  return dialect === 'postgres' ? 'jsonb' : 'text';
}

/**
 * True when `error` is a unique-constraint violation from either driver (better-sqlite3's
 * `SQLITE_CONSTRAINT_UNIQUE` / `SQLITE_CONSTRAINT_PRIMARYKEY`, PostgreSQL's SQLSTATE 23505), so
 * services can turn a duplicate into a domain error without knowing the engine.
 */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** True when `error` is a foreign-key violation from either driver (SQLite or SQLSTATE 23503). */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/**
 * The store's own tables with their columns (Kysely's bookkeeping tables left out). On PostgreSQL
 * only the current schema's: introspection lists every schema, and a name can exist in several.
 */
// biome-ignore lint/suspicious/noExplicitAny: works on whatever tables the migrations made.
export async function ownTables(db: Kysely<any>): Promise<{ name: string; columns: string[] }[]> {
  let schema: string | undefined;
  if (dialectOf(db) === 'postgres') {
    schema = (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema;
  }
  // SQLite's full-text indexes (virtual tables and their shadow tables) are derived from a table
  // by triggers: not tables of their own to list or copy.
  const virtual: string[] = [];
  if (dialectOf(db) === 'sqlite') {
    const rows = await sql<{ name: string }>`select name from sqlite_master
      where type = 'table' and sql like 'CREATE VIRTUAL TABLE%'`.execute(db);
    virtual.push(...rows.rows.map((row) => row.name));
  }
  const derived = (name: string) => virtual.some((table) => name === table || name.startsWith(`${table}_`));
  return (await db.introspection.getTables())
    .filter(
      (table) =>
        (schema === undefined || table.schema === schema) &&
        !table.name.startsWith('kysely_') &&
        !derived(table.name),
    )
    .map((table) => ({ name: table.name, columns: table.columns.map((column) => column.name) }));
}

/**
 * Why the store cannot take a request right now, when `error` says so — the disk is full, the
 * database is read-only, busy past its lock timeout, or cannot be reached — else `null`. The server answers these with
 * 503 and this sentence instead of a 500: they are the operator's to fix, and nothing was written.
 * (SQLite: SQLITE_FULL, SQLITE_READONLY*, SQLITE_BUSY*, SQLITE_CANTOPEN, SQLITE_IOERR*; PostgreSQL:
 * SQLSTATE classes 53 insufficient resources and 08 connection exception, 25006 read-only
 * transaction, 55P03 lock not available,
 * 57P01–57P03 shutdown; the driver's ECONNREFUSED / ENOTFOUND / ETIMEDOUT; ENOSPC and EROFS on files.)
 */
export function storageUnavailableReason(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (code === 'SQLITE_FULL' || code === '53100' || code === 'ENOSPC') {
    return 'The server’s disk is full: nothing was written. Free some space and retry.';
  }
  if (code.startsWith('SQLITE_READONLY') || code === '25006' || code === 'EROFS') {
    return 'The store is read-only: nothing was written. Retry when it is writable again.';
  }
  // Another connection (another process on the same SQLite file) held the write lock past the
  // busy timeout: nothing was written, and the same request succeeds once it lets go.
  if (code.startsWith('SQLITE_BUSY') || code === '55P03') {
    return 'The store is busy with another write: nothing was written. Retry shortly.';
  }
  if (code.startsWith('53'))
    return 'The database is out of resources (memory or connections); retry shortly.';
  if (
    code === 'SQLITE_CANTOPEN' ||
    code.startsWith('SQLITE_IOERR') ||
    code.startsWith('08') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'ETIMEDOUT' ||
    code === 'ECONNRESET'
  ) {
    return 'The database cannot be reached right now; retry shortly.';
  }
  return null;
}
