/**
 * Migration 008: what lets analytics answers be kept and shared at any size.
 *
 * - `data_version`: per workspace, `DATA_VERSION_SLOTS` counters of changes to its customers,
 *   orders, refunds and subscriptions (customers/data-version.repository.ts). Their sum is the
 *   data's version, read in O(1) — it replaces four aggregate scans of the workspace's rows.
 * - `analytics_answer`: the last computed answer of each analytics query (the AnalyticsRunner's key
 *   without the workspace), with the version of the data and settings it was computed for and when,
 *   so a restart or a separate `retain worker` process finds it (analytics-runner.ts).
 *
 * No allocated id: both are keyed by `workspace_id` first (it leads the primary key, as everywhere)
 * and deleted with their workspace.
 */
import type { Kysely, Migration } from 'kysely';
import { dialectOf } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow later table types.
type AnyDb = Kysely<any>;

/** The tables this migration adds. */
export const ANALYTICS_VERSION_TABLES = ['data_version', 'analytics_answer'] as const;

export const analyticsVersionsMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    const key = dialectOf(db) === 'sqlite' ? 'integer' : 'bigint';
    await db.schema
      .createTable('data_version')
      .addColumn('workspace_id', key, (column) => column.notNull())
      .addColumn('slot', 'integer', (column) => column.notNull())
      .addColumn('changes', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('data_version_pkey', ['workspace_id', 'slot'])
      .addForeignKeyConstraint(
        'data_version_workspace_fkey',
        ['workspace_id'],
        'workspace',
        ['id'],
        (constraint) => constraint.onDelete('cascade'),
      )
      .execute();
    await db.schema
      .createTable('analytics_answer')
      .addColumn('workspace_id', key, (column) => column.notNull())
      .addColumn('answer_key', 'text', (column) => column.notNull())
      .addColumn('version', 'text', (column) => column.notNull())
      .addColumn('computed_at', 'bigint', (column) => column.notNull())
      .addColumn('answer', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint('analytics_answer_pkey', ['workspace_id', 'answer_key'])
      .addForeignKeyConstraint(
        'analytics_answer_workspace_fkey',
        ['workspace_id'],
        'workspace',
        ['id'],
        (constraint) => constraint.onDelete('cascade'),
      )
      .execute();
  },

  async down(db: AnyDb): Promise<void> {
    for (const name of [...ANALYTICS_VERSION_TABLES].reverse()) await db.schema.dropTable(name).execute();
  },
};
