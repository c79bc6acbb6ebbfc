import { type Kysely, Migrator, sql } from 'kysely';
import { dialectOf } from './dialect.js';
import { migrationProvider } from './migrations/index.js';

/**
 * Brings the schema to the latest migration (those in `migrations/index.ts`) and returns the names
 * of the migrations it ran, in order ([] when already up to date). Throws the first migration
 * error; a failed migration is rolled back on PostgreSQL (transactional DDL) and on SQLite.
 *
 * On PostgreSQL the bookkeeping tables (`kysely_migration`, `kysely_migration_lock`) go in the
 * connection's current schema (its `search_path`), so several schemas can each hold a full copy.
 * Example: `await migrateToLatest(openDatabase().db)` → `['001_initial']` the first time.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations work on any table map.
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  let migrationTableSchema: string | undefined;
  if (dialectOf(db) === 'postgres') {
    // Without this, Kysely's check for an existing migration table looks in every schema and
    // could find another schema's table.
    const result = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    migrationTableSchema = result.rows[0]?.schema;
  }
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    // Capabilities are built side by side, each migration creating its own tables: a store that
    // ran a later-numbered one first (say 012 before 011 landed) must still take 011 when it comes.
    allowUnorderedMigrations: true,
    ...(migrationTableSchema === undefined ? {} : { migrationTableSchema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${describe(error)}`, {
      cause: error,
    });
  }
  return (results ?? [])
    .filter((result) => result.status === 'Success')
    .map((result) => result.migrationName);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
