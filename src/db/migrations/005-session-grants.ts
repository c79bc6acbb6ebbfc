/**
 * Migration 005: switching workspaces without a second password.
 *
 * A person may have an account (the same e-mail) in several workspaces. When they log in, the
 * password is checked against each of those accounts; `session_grant` records, per workspace
 * whose account it opened, that this login proved it (`session_id`: the SHA-256 of the session's
 * token, as in `session`; `user_id`: the account there). `POST /api/v1/auth/switch` moves the
 * session only into a workspace with such a grant, whose account is still enabled. A grant dies
 * with its account (cascade), its workspace (cascade), the logout, or `expires_at` (the login's
 * 90-day limit).
 *
 * Also an index on `app_user (email)`: the login looks an e-mail up across workspaces.
 *
 * Same layout as migrations 003 and 004 on each engine: SQLite `id INTEGER PRIMARY KEY
 * AUTOINCREMENT`, PostgreSQL `bigint` identity with primary key `(workspace_id, id)`; the foreign
 * keys `(workspace_id, x) → parent (workspace_id, id)`.
 */
import type { CreateTableBuilder, Kysely, Migration } from 'kysely';
import { dialectOf } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow later table types.
type AnyDb = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: the builder's table/column type parameters are irrelevant here.
type AnyTableBuilder = CreateTableBuilder<any, any>;

/** The tables this migration adds, parents first. */
export const SESSION_GRANT_TABLES = ['session_grant'] as const;

export const sessionGrantsMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    const dialect = dialectOf(db);
    let table: AnyTableBuilder = db.schema.createTable('session_grant');
    if (dialect === 'sqlite') {
      table = table
        .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
        .addColumn('workspace_id', 'integer', (column) => column.notNull())
        .addColumn('user_id', 'integer', (column) => column.notNull());
    } else {
      table = table
        .addColumn('workspace_id', 'bigint', (column) => column.notNull())
        .addColumn('id', 'bigint', (column) => column.notNull().generatedByDefaultAsIdentity())
        .addColumn('user_id', 'bigint', (column) => column.notNull())
        .addPrimaryKeyConstraint('session_grant_pkey', ['workspace_id', 'id']);
    }
    await table
      .addColumn('session_id', 'text', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('expires_at', 'bigint', (column) => column.notNull())
      .addForeignKeyConstraint('session_grant_workspace_fkey', ['workspace_id'], 'workspace', ['id'], (fk) =>
        fk.onDelete('cascade'),
      )
      .addForeignKeyConstraint(
        'session_grant_user_id_fkey',
        ['workspace_id', 'user_id'],
        'app_user',
        ['workspace_id', 'id'],
        (fk) => fk.onDelete('cascade'),
      )
      .addUniqueConstraint('session_grant_session_key', ['workspace_id', 'session_id'])
      .execute();
    await db.schema
      .createIndex('session_grant_session_idx')
      .on('session_grant')
      .column('session_id')
      .execute();
    await db.schema
      .createIndex('session_grant_user_idx')
      .on('session_grant')
      .columns(['workspace_id', 'user_id'])
      .execute();
    await db.schema.createIndex('app_user_email_idx').on('app_user').column('email').execute();
  },

  async down(db: AnyDb): Promise<void> {
    await db.schema.dropIndex('app_user_email_idx').execute();
    await db.schema.dropTable('session_grant').execute();
  },
};
