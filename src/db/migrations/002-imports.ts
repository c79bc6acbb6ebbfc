/**
 * Migration 002: `import_run`, one row per file import (CLI or API). It holds the import's
 * progress (rows read, written, rejected), its problems, and the checkpoint that makes a crashed
 * import resumable: `committed_records` is advanced in the same transaction as each written batch,
 * so after a crash a re-run of the same file (same `fingerprint`) skips what is already committed.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import { dialectOf, jsonColumnType } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow later table types.
type AnyDb = Kysely<any>;

export const importsMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    const json = jsonColumnType(dialectOf(db));
    await db.schema
      .createTable('import_run')
      .addColumn('workspace_id', 'text', (column) => column.notNull())
      .addColumn('id', 'text', (column) => column.notNull())
      .addColumn('type', 'text', (column) => column.notNull())
      .addColumn('format', 'text', (column) => column.notNull())
      .addColumn('file_name', 'text', (column) => column.notNull())
      /** SHA-256 (hex) of the file's bytes: identifies "the same file" for resuming. */
      .addColumn('fingerprint', 'text')
      .addColumn('skip_invalid', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('status', 'text', (column) => column.notNull())
      .addColumn('rows_read', 'bigint', (column) => column.notNull().defaultTo(0))
      .addColumn('rows_written', 'bigint', (column) => column.notNull().defaultTo(0))
      .addColumn('rows_rejected', 'bigint', (column) => column.notNull().defaultTo(0))
      .addColumn('committed_records', 'bigint', (column) => column.notNull().defaultTo(0))
      .addColumn('problems', json, (column) => column.notNull().defaultTo(sql`'[]'`))
      .addColumn('error', 'text')
      .addColumn('job_id', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('started_at', 'bigint')
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addColumn('finished_at', 'bigint')
      .addPrimaryKeyConstraint('import_run_pkey', ['workspace_id', 'id'])
      .addForeignKeyConstraint(
        'import_run_workspace_fkey',
        ['workspace_id'],
        'workspace',
        ['id'],
        (constraint) => constraint.onDelete('cascade'),
      )
      .addCheckConstraint(
        'import_run_status_check',
        sql`status in ('queued', 'running', 'succeeded', 'rejected', 'failed')`,
      )
      .execute();
    await db.schema
      .createIndex('import_run_fingerprint_idx')
      .on('import_run')
      .columns(['workspace_id', 'fingerprint', 'status'])
      .execute();
    await db.schema
      .createIndex('import_run_created_idx')
      .on('import_run')
      .columns(['workspace_id', 'created_at'])
      .execute();
  },

  async down(db: AnyDb): Promise<void> {
    await db.schema.dropTable('import_run').execute();
  },
};
