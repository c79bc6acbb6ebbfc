/**
 * Migration 019: `survey_answer_event` — an append-only log of the answers that may start a flow
 * (src/feedback writes it, src/flows reads it by id with a cursor per flow, as it reads
 * `segment_event`): one row when a send is first answered, and one when a changed answer turned
 * negative (CSAT not satisfied, NPS 0–6). Other changes add nothing, so an answer edited twice
 * triggers a flow once — again only when it became negative. The rating and `negative` are as
 * recorded at that moment; no text of the customer's is kept. Deleted with the workspace and
 * with the customer (the cascade of an erasure's row deletion).
 *
 * Layout of migration 014: SQLite `id INTEGER PRIMARY KEY AUTOINCREMENT` plus a unique
 * `(workspace_id, id)`; PostgreSQL `bigint` identity with primary key `(workspace_id, id)`.
 */
import { type CreateTableBuilder, type Kysely, type Migration, sql } from 'kysely';
import { dialectOf } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow later table types.
type AnyDb = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: the builder's table/column type parameters are irrelevant here.
type AnyTableBuilder = CreateTableBuilder<any, any>;

/** The tables this migration adds. */
export const SURVEY_ANSWER_EVENT_TABLES = ['survey_answer_event'] as const;

export const surveyAnswerEventsMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    const dialect = dialectOf(db);
    const key = dialect === 'sqlite' ? 'integer' : 'bigint';
    let table: AnyTableBuilder = db.schema.createTable('survey_answer_event');
    if (dialect === 'sqlite') {
      table = table
        .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
        .addColumn('workspace_id', 'integer', (column) => column.notNull());
    } else {
      table = table
        .addColumn('workspace_id', 'bigint', (column) => column.notNull())
        .addColumn('id', 'bigint', (column) => column.notNull().generatedByDefaultAsIdentity())
        .addPrimaryKeyConstraint('survey_answer_event_pkey', ['workspace_id', 'id']);
    }
    await table
      .addColumn('send_id', key, (column) => column.notNull())
      .addColumn('survey_id', key, (column) => column.notNull())
      .addColumn('customer_id', key, (column) => column.notNull())
      .addColumn('kind', 'text', (column) => column.notNull())
      .addColumn('rating', 'integer')
      .addColumn('negative', 'integer', (column) => column.notNull())
      .addColumn('change', 'text', (column) => column.notNull())
      .addColumn('at', 'bigint', (column) => column.notNull())
      .addForeignKeyConstraint(
        'survey_answer_event_workspace_fkey',
        ['workspace_id'],
        'workspace',
        ['id'],
        (constraint) => constraint.onDelete('cascade'),
      )
      .addForeignKeyConstraint(
        'survey_answer_event_send_fkey',
        ['workspace_id', 'send_id'],
        'survey_send',
        ['workspace_id', 'id'],
        (constraint) => constraint.onDelete('cascade'),
      )
      .addForeignKeyConstraint(
        'survey_answer_event_customer_fkey',
        ['workspace_id', 'customer_id'],
        'customer',
        ['workspace_id', 'id'],
        (constraint) => constraint.onDelete('cascade'),
      )
      .addCheckConstraint('survey_answer_event_negative_check', sql`negative in (0, 1)`)
      .addCheckConstraint('survey_answer_event_change_check', sql`change in ('answered', 'turned_negative')`)
      .execute();
    if (dialect === 'sqlite') {
      await db.schema
        .createIndex('survey_answer_event_workspace_id_key')
        .on('survey_answer_event')
        .columns(['workspace_id', 'id'])
        .unique()
        .execute();
    }
    // The cascade when a send or a customer row goes.
    await db.schema
      .createIndex('survey_answer_event_send_idx')
      .on('survey_answer_event')
      .columns(['workspace_id', 'send_id'])
      .execute();
    await db.schema
      .createIndex('survey_answer_event_customer_idx')
      .on('survey_answer_event')
      .columns(['workspace_id', 'customer_id'])
      .execute();
  },

  async down(db: AnyDb): Promise<void> {
    await db.schema.dropTable('survey_answer_event').execute();
  },
};
