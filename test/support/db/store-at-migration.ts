/**
 * A fresh store on `dialect` migrated up to `migration` and no further, for the tests that carry
 * a store written by an earlier schema over to the latest (test/db/*-migration.test.ts): a SQLite
 * file in a directory of its own, or a PostgreSQL schema of its own. `cleanup` removes it (close the
 * connection first).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, Migrator, sql } from 'kysely';
import {
  type DatabaseConnection,
  type DialectName,
  migrationProvider,
  openDatabase,
} from '../../../src/db/index.js';
import { createTestSchema, dropTestSchema, postgresUrlForSchema } from './postgres-schema.js';

export async function openStoreAtMigration(
  dialect: DialectName,
  migration: string,
): Promise<{ connection: DatabaseConnection; cleanup: () => Promise<void> }> {
  let connection: DatabaseConnection;
  let cleanup: () => Promise<void>;
  if (dialect === 'sqlite') {
    const directory = mkdtempSync(join(tmpdir(), 'retain-migrate-'));
    connection = openDatabase(`sqlite:${join(directory, 'retain.db')}`);
    cleanup = async () => rmSync(directory, { recursive: true, force: true });
  } else {
    const schema = await createTestSchema();
    connection = openDatabase(postgresUrlForSchema(schema));
    cleanup = () => dropTestSchema(schema);
  }
  // biome-ignore lint/suspicious/noExplicitAny: the store is at an earlier migration than today's types.
  const db = connection.db as Kysely<any>;
  // Kysely's migration tables go to the connection's schema (its default is `public`).
  const migrationTableSchema =
    dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined;
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    ...(migrationTableSchema === undefined ? {} : { migrationTableSchema }),
  });
  const { error } = await migrator.migrateTo(migration);
  if (error !== undefined) throw error;
  return { connection, cleanup };
}
