/**
 * One test body, every database: `describeEachDatabase` runs the same tests on a fresh SQLite
 * file and on a fresh PostgreSQL schema, both migrated to the latest schema.
 *
 *     describeEachDatabase('customers', (getDb) => {
 *       it('round-trips', async () => {
 *         const { db } = getDb();
 *         …
 *       });
 *     });
 *
 * The database is made once per block (not per test) to keep the suite fast: tests in a block
 * share it, so each should create its own workspace and look only at it (which is also how the
 * application scopes every query).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe } from 'vitest';
import {
  type Database,
  type DatabaseConnection,
  type DialectName,
  migrateToLatest,
  openDatabase,
} from '../../src/db/index.js';
import { copyMigratedSqlite, createMigratedPostgresDatabase } from './db/templates.js';

/** The dialects every storage test runs on. */
export const TEST_DIALECTS: readonly DialectName[] = ['sqlite', 'postgres'];

/** A migrated test database, open for the duration of a `describeEachDatabase` block. */
export interface TestDatabase {
  readonly dialect: DialectName;
  readonly db: Kysely<Database>;
  /** A URL that `openDatabase` (or a child process) can use to reach the same database. */
  readonly url: string;
  /** Opens another connection (pool) to the same database; it is closed when the block ends. */
  open(): DatabaseConnection;
}

/**
 * Declares `describe('<name> [sqlite]')` and `describe('<name> [postgres]')`, each running `body`
 * against its own fresh database (a copy of a migrated template). `getDb()` is valid inside tests
 * and hooks, not while declaring. PostgreSQL that cannot be reached fails the block (never skipped).
 */
export function describeEachDatabase(name: string, body: (getDb: () => TestDatabase) => void): void {
  for (const dialect of TEST_DIALECTS) describeOnDatabase(dialect, name, body);
}

/**
 * `describeEachDatabase` for one engine: for behaviour that exists on that engine only (row locks
 * and concurrent transactions are PostgreSQL's; SQLite has one writer at a time).
 */
export function describeOnDatabase(
  dialect: DialectName,
  name: string,
  body: (getDb: () => TestDatabase) => void,
): void {
  describe(`${name} [${dialect}]`, () => {
    let current: TestDatabase | undefined;
    const opened: DatabaseConnection[] = [];
    let cleanup: () => Promise<void> = async () => {};

    beforeAll(async () => {
      let url: string;
      // Copies of a migrated template (test/support/db/templates.ts): migrating every block's
      // database from scratch was a large part of the suite's time.
      if (dialect === 'sqlite') {
        const directory = mkdtempSync(join(tmpdir(), 'retain-test-'));
        await copyMigratedSqlite(join(directory, 'retain.db'));
        url = `sqlite:${join(directory, 'retain.db')}`;
        cleanup = async () => rmSync(directory, { recursive: true, force: true });
      } else {
        const database = await createMigratedPostgresDatabase();
        url = database.url;
        cleanup = () => database.drop();
      }
      const open = (): DatabaseConnection => {
        const connection = openDatabase(url);
        opened.push(connection);
        return connection;
      };
      const main = open();
      await migrateToLatest(main.db);
      current = { dialect, db: main.db, url, open };
    }, 60_000);

    afterAll(async () => {
      for (const connection of opened.splice(0)) await connection.close();
      current = undefined;
      await cleanup();
    }, 60_000);

    body(() => {
      if (current === undefined) throw new Error('getDb() called outside a test of describeEachDatabase');
      return current;
    });
  });
}
