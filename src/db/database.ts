/**
 * Opening the store: `DATABASE_URL` picks SQLite (embedded default) or PostgreSQL (production),
 * and the rest of the code sees one `Kysely<Database>`.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  type Driver,
  Kysely,
  type DatabaseConnection as KyselyConnection,
  PostgresDialect,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { closeWatcher, watchPostgres, watchSqlite } from './change-watch.js';
import type { DialectName } from './dialect.js';
import type { Database } from './schema.js';
import { startSqliteCheckpointer } from './sqlite-checkpointer.js';

/** The URL used when neither an argument nor `DATABASE_URL` is given. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/retain.db';

/** How long a SQLite writer waits for another writer's lock before failing with SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/** Where the data lives, parsed from a database URL. */
export type DatabaseLocation =
  | { readonly dialect: 'sqlite'; readonly path: string }
  | { readonly dialect: 'postgres'; readonly connectionString: string; readonly schema?: string };

/** An open store. `close()` ends the pool (PostgreSQL) or closes the file (SQLite); it is idempotent. */
export interface DatabaseConnection {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** The PostgreSQL schema selected through `search_path`, when one was asked for. */
  readonly schema?: string;
  close(): Promise<void>;
  /**
   * Writes a consistent copy of a SQLite database to `destinationPath` while it stays in use
   * (SQLite's online backup API). PostgreSQL rejects: use `pg_dump` (docs/operations.md).
   */
  backup(destinationPath: string): Promise<void>;
}

export interface OpenDatabaseOptions {
  /**
   * PostgreSQL only: the schema every unqualified table name resolves to (sets `search_path` on
   * each pooled connection). Overrides a `?schema=` in the URL. Must be a plain identifier.
   */
  readonly schema?: string;
  /** PostgreSQL only: the pool size (default 10). */
  readonly maxConnections?: number;
  /**
   * SQLite only: run the WAL checkpoints on a thread of their own (default true; see
   * sqlite-checkpointer.ts). A connection opened in a worker thread passes false: its commits are
   * off the event loop already, and SQLite's automatic checkpoints cost no extra thread.
   */
  readonly checkpointThread?: boolean;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses a database URL: `sqlite:<path>` (also `sqlite://<path>`, `sqlite::memory:`), or
 * `postgres://…` / `postgresql://…` with an optional `?schema=<name>` that Retain itself reads
 * (it is removed before the URL reaches the driver).
 *
 * Example: `parseDatabaseUrl('sqlite:./data/retain.db')` → `{ dialect: 'sqlite', path: './data/retain.db' }`.
 */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  if (url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') throw new Error(`The SQLite URL "${url}" names no file (e.g. sqlite:./data/retain.db)`);
    return { dialect: 'sqlite', path };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema');
    if (schema === null) return { dialect: 'postgres', connectionString: url };
    parsed.searchParams.delete('schema');
    return { dialect: 'postgres', connectionString: parsed.toString(), schema };
  }
  throw new Error(
    `Unsupported DATABASE_URL "${redact(url)}": use sqlite:<path> (e.g. ${DEFAULT_DATABASE_URL}) or postgres://user@host:5432/db`,
  );
}

/**
 * Opens the store named by `url`, else `DATABASE_URL`, else `sqlite:./data/retain.db`.
 *
 * SQLite: creates the file's directory, then turns on WAL (readers do not block the writer),
 * foreign keys (off by default in SQLite) and a busy timeout (a second process waits for the write
 * lock instead of failing at once). PostgreSQL: a `pg` pool whose BIGINT and NUMERIC results come
 * back as JS numbers (an error if a BIGINT exceeds 2^53, so precision is never lost silently) and
 * whose JSON results come back as text, like SQLite's (see `fromJson`).
 *
 * Does not run migrations: call `migrateToLatest(connection.db)`.
 * Example: `const { db, close } = openDatabase('sqlite:/tmp/retain.db');`
 */
export function openDatabase(url?: string, options: OpenDatabaseOptions = {}): DatabaseConnection {
  const location = parseDatabaseUrl(url ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
  return location.dialect === 'sqlite'
    ? openSqlite(location.path, options.checkpointThread ?? true)
    : openPostgres(location, options);
}

/**
 * SQLite transactions take the write lock when they begin (`BEGIN IMMEDIATE`), not at their first
 * write. Why: the store has other writing connections — the score refresh's thread, `retain import`
 * or `retain worker` in another process — and a deferred transaction that has read before it writes
 * cannot wait for them: SQLite answers its first write SQLITE_BUSY at once (waiting could deadlock,
 * or its snapshot is already stale), so a request failed the moment a refresh was writing. Taking the
 * lock first makes it wait (busy_timeout) like any other writer. In this process Kysely hands the one
 * connection to one caller at a time, so nothing changes for readers here; readers elsewhere never
 * wait for the lock (WAL).
 */
class WriteLockingSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: KyselyConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class WriteLockingSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new WriteLockingSqliteDriver(this.#config);
  }
}

function openSqlite(path: string, checkpointThread: boolean): DatabaseConnection {
  const inMemory = path === ':memory:';
  if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  if (!inMemory) sqlite.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only an OS crash or power loss can
  // lose the last transactions (never corrupt the file).
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  const db = new Kysely<Database>({
    dialect: new WriteLockingSqliteDialect({ database: withStatementCache(sqlite) }),
  });
  sqliteHandles.set(db, sqlite);
  const dataVersion = sqlite.prepare('pragma data_version').pluck();
  watchSqlite(db, () => dataVersion.get() as number);
  // WAL checkpoints on a thread of their own, not inside this connection's commits (why: the module).
  const checkpointer = inMemory || !checkpointThread ? null : startSqliteCheckpointer(sqlite, path);
  return {
    db,
    dialect: 'sqlite',
    close: closeOnce(db, () => checkpointer?.close()),
    backup: async (destinationPath) => {
      mkdirSync(dirname(resolve(destinationPath)), { recursive: true });
      await sqlite.backup(destinationPath);
    },
  };
}

function openPostgres(
  location: Extract<DatabaseLocation, { dialect: 'postgres' }>,
  options: OpenDatabaseOptions,
): DatabaseConnection {
  const schema = options.schema ?? location.schema;
  if (schema !== undefined && !IDENTIFIER.test(schema)) {
    throw new Error(`Invalid PostgreSQL schema name "${schema}" (letters, digits and _ only)`);
  }
  const pool = new pg.Pool({
    connectionString: location.connectionString,
    max: options.maxConnections ?? 10,
    types: postgresTypes,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  postgresPools.set(db, pool);
  watchPostgres(db, {
    connectionString: location.connectionString,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  return {
    db,
    dialect: 'postgres',
    ...(schema === undefined ? {} : { schema }),
    close: closeOnce(db),
    backup: () => Promise.reject(new Error('Online backup is for SQLite; back up PostgreSQL with pg_dump')),
  };
}

/** Most prepared statements kept per SQLite store (the app's distinct queries number a few hundred). */
const SQLITE_STATEMENT_CACHE = 500;

/**
 * The SQLite handle Kysely uses, with its prepared statements kept by SQL text (least recently
 * used dropped beyond `SQLITE_STATEMENT_CACHE`): preparing parses and plans the SQL, which cost as
 * much as running a small indexed statement. Kysely runs one statement at a time on the one
 * connection; a statement still busy (an open iteration) is never handed out twice.
 */
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      statements.clear();
      sqlite.close();
    },
    prepare: (text: string) => {
      const cached = statements.get(text);
      if (cached !== undefined && !cached.busy) {
        statements.delete(text);
        statements.set(text, cached);
        return cached;
      }
      const statement = sqlite.prepare(text);
      if (cached === undefined) {
        statements.set(text, statement);
        if (statements.size > SQLITE_STATEMENT_CACHE) statements.delete(statements.keys().next().value!);
      }
      return statement;
    },
  };
}

/**
 * `close()` may be called more than once (a second call waits for the first). `before` runs first
 * (SQLite: the checkpoint thread's last checkpoint, while the connection is still open).
 */
function closeOnce(db: Kysely<Database>, before?: () => Promise<void> | undefined): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= Promise.resolve(before?.())
      .then(() => closeWatcher(db))
      .then(() => db.destroy());
    return closing;
  };
}

const { builtins } = pg.types;

/**
 * Parses a BIGINT. Instants (≈1.7e12 ms) and cents fit well within 2^53; a larger value would be
 * rounded by `Number`, so it is an error instead.
 */
function parseBigint(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`BIGINT ${text} does not fit a JS number exactly`);
  return value;
}

/**
 * Per-pool type parsers (not pg's global registry, which other code in the process may rely on):
 * BIGINT (also what COUNT(*) returns) → number; NUMERIC (what SUM(bigint) and AVG return) →
 * number, as the analytics need a double anyway; JSON/JSONB → the text itself.
 */
const postgresTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === undefined || format === 'text') {
      if (oid === builtins.INT8) return parseBigint;
      if (oid === builtins.NUMERIC) return (text: string) => Number(text);
      if (oid === builtins.JSON || oid === builtins.JSONB) return (text: string) => text;
    }
    return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** The URL with its password hidden, for error messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** The better-sqlite3 handle behind each SQLite `Kysely` that `openDatabase` made (for `sqliteRows`). */
const sqliteHandles = new WeakMap<Kysely<Database>, SqliteDatabase.Database>();

/**
 * The rows of a compiled SELECT on a SQLite store, as arrays of column values in select order,
 * read one by one (better-sqlite3's raw `iterate`): for scans of millions of rows, which Kysely
 * would either hold all at once (`execute`) or hand over one awaited object at a time (`stream`,
 * twice as slow). Synchronous: the caller's thread reads until it stops iterating (analytics
 * workers have their own thread). `undefined` when `db` is not a SQLite store from `openDatabase`.
 * Example: `for (const [id, at] of sqliteRows(db, query.compile())!) …`.
 */
export function sqliteRows(
  db: Kysely<Database>,
  query: CompiledQuery,
): IterableIterator<readonly unknown[]> | undefined {
  const sqlite = sqliteHandles.get(db);
  if (sqlite === undefined) return undefined;
  return sqlite
    .prepare(query.sql)
    .raw(true)
    .iterate(...(query.parameters as unknown[])) as IterableIterator<readonly unknown[]>;
}

/** The pool behind each PostgreSQL `Kysely` that `openDatabase` made (for `withPostgresSession`). */
const postgresPools = new WeakMap<Kysely<Database>, pg.Pool>();

/**
 * Gives `visit` the rows of a compiled SELECT on a PostgreSQL store, as arrays of column values in
 * select order (the pool's type parsers applied), `chunkRows` at a time through a cursor in a
 * read-only transaction of one session: for results of millions of rows, which `execute` would
 * hold at once as objects (gigabytes). `false` when `db` is not a PostgreSQL store from
 * `openDatabase`. Example: `await eachPostgresRow(db, query.compile(), ([id, at]) => …)`.
 */
export async function eachPostgresRow(
  db: Kysely<Database>,
  query: CompiledQuery,
  visit: (row: readonly unknown[]) => void,
  chunkRows = 50_000,
): Promise<boolean> {
  const pool = postgresPools.get(db);
  if (pool === undefined) return false;
  if (!(Number.isSafeInteger(chunkRows) && chunkRows > 0)) throw new RangeError(`chunkRows: ${chunkRows}`);
  const client = await pool.connect();
  try {
    await client.query('begin read only');
    // Planned for the whole result (as `execute` would be), not for its first rows.
    await client.query('set local cursor_tuple_fraction = 1');
    await client.query({
      text: `declare retain_rows no scroll cursor for ${query.sql}`,
      values: [...query.parameters],
    });
    for (;;) {
      const chunk = await client.query<unknown[]>({
        text: `fetch ${chunkRows} from retain_rows`,
        rowMode: 'array',
      });
      for (const row of chunk.rows) visit(row);
      if (chunk.rows.length < chunkRows) break;
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  return true;
}

/** One PostgreSQL session held for a while: a `Kysely` bound to it, and COPY into its tables. */
export interface PostgresSession {
  /** Runs every query on this one session (transactions included). */
  readonly db: Kysely<Database>;
  /** Streams COPY text (`text` format) into `table`'s `columns`, on this session. */
  copy(table: string, columns: readonly string[], text: string): Promise<void>;
}

/**
 * Runs `work` on one pooled PostgreSQL connection held until it ends (temporary tables live as
 * long as it; a transaction opened on `session.db` also holds COPY), then gives the connection
 * back. `db` must come from `openDatabase` with a PostgreSQL URL.
 *
 * Example: `await withPostgresSession(db, (session) => session.db.transaction().execute(…))`.
 */
export async function withPostgresSession<T>(
  db: Kysely<Database>,
  work: (session: PostgresSession) => Promise<T>,
): Promise<T> {
  const pool = postgresPools.get(db);
  if (pool === undefined)
    throw new Error('withPostgresSession needs a PostgreSQL store opened by openDatabase');
  const client = await pool.connect();
  // Kysely releases a connection after each use: this one stays checked out until `work` ends.
  const held = new Proxy(client, {
    get(target, property) {
      if (property === 'release') return () => undefined;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const sessionDb = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: { connect: async () => held, end: async () => undefined } }),
  });
  let failed = false;
  try {
    return await work({
      db: sessionDb,
      copy: async (table, columns, text) => {
        const quoted = columns.map((column) => `"${column}"`).join(', ');
        await pipeline(Readable.from([text]), client.query(copyFrom(`copy ${table} (${quoted}) from stdin`)));
      },
    });
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await sessionDb.destroy();
    // A connection left in an unknown state (an error mid-COPY) is closed rather than reused.
    client.release(failed ? true : undefined);
  }
}
