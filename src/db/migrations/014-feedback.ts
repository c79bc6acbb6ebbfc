/**
 * Migration 014: feedback surveys (src/feedback).
 *
 * - `survey`: a CSAT, NPS or custom-form survey — its kind and definition (JSON, validated by
 *   feedback/feedback.schemas.ts before it is stored).
 * - `feedback_signing_key`: one 256-bit random key per workspace, the HMAC-SHA256 key of the
 *   signed survey links (feedback/survey-link.ts); made on first use.
 * - `survey_send`: one survey sent to one customer (by e-mail, a flow step, or a link handed
 *   out), with where it came from and how it was delivered; `dedupe_key` makes a retried send
 *   (a segment job, a flow step) a no-op.
 * - `survey_response`: the current answer of a send — at most one per send — with its rating,
 *   comment, reason and form answers, and `negative` (CSAT not satisfied, NPS 0–6) for the
 *   at-risk signal.
 * - `survey_response_history`: every earlier version of an answer, written when a customer
 *   changes it (append-only).
 *
 * Same layout as migrations 003–007: SQLite `id INTEGER PRIMARY KEY AUTOINCREMENT` plus a unique
 * `(workspace_id, id)` where a foreign key points; PostgreSQL `bigint` identity with primary key
 * `(workspace_id, id)`; foreign keys `(workspace_id, x) → parent (workspace_id, id)`.
 */
import { type CreateTableBuilder, type Kysely, type Migration, sql } from 'kysely';
import { type DialectName, dialectOf, jsonColumnType } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow later table types.
type AnyDb = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: the builder's table/column type parameters are irrelevant here.
type AnyTableBuilder = CreateTableBuilder<any, any>;

/** The tables this migration adds, parents first. */
export const FEEDBACK_TABLES = [
  'survey',
  'feedback_signing_key',
  'survey_send',
  'survey_response',
  'survey_response_history',
] as const;

function keyType(dialect: DialectName): 'integer' | 'bigint' {
  return dialect === 'sqlite' ? 'integer' : 'bigint';
}

/** `workspace_id` and an allocated `id` (see migration 003). */
function scoped(db: AnyDb, dialect: DialectName, table: string): AnyTableBuilder {
  let builder: AnyTableBuilder = db.schema.createTable(table);
  if (dialect === 'sqlite') {
    builder = builder
      .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
      .addColumn('workspace_id', 'integer', (column) => column.notNull());
  } else {
    builder = builder
      .addColumn('workspace_id', 'bigint', (column) => column.notNull())
      .addColumn('id', 'bigint', (column) => column.notNull().generatedByDefaultAsIdentity())
      .addPrimaryKeyConstraint(`${table}_pkey`, ['workspace_id', 'id']);
  }
  return builder.addForeignKeyConstraint(
    `${table}_workspace_fkey`,
    ['workspace_id'],
    'workspace',
    ['id'],
    (constraint) => constraint.onDelete('cascade'),
  );
}

/** A non-null integer column naming a row of `target` in the same workspace (deleted with it). */
function reference(
  builder: AnyTableBuilder,
  dialect: DialectName,
  table: string,
  column: string,
  target: string,
): AnyTableBuilder {
  return builder
    .addColumn(column, keyType(dialect), (definition) => definition.notNull())
    .addForeignKeyConstraint(
      `${table}_${column}_fkey`,
      ['workspace_id', column],
      target,
      ['workspace_id', 'id'],
      (constraint) => constraint.onDelete('cascade'),
    );
}

/** SQLite: the unique `(workspace_id, id)` a foreign key may point at (PostgreSQL: the primary key). */
async function idKey(db: AnyDb, dialect: DialectName, table: string): Promise<void> {
  if (dialect !== 'sqlite') return;
  await db.schema
    .createIndex(`${table}_workspace_id_key`)
    .on(table)
    .columns(['workspace_id', 'id'])
    .unique()
    .execute();
}

export const feedbackMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    const dialect = dialectOf(db);
    const json = jsonColumnType(dialect);

    await scoped(db, dialect, 'survey')
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('kind', 'text', (column) => column.notNull())
      .addColumn('definition', json, (column) => column.notNull())
      // Not a foreign key (as segment's): a member may go, the survey stays.
      .addColumn('created_by', keyType(dialect))
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('survey_name_key', ['workspace_id', 'name'])
      .addCheckConstraint('survey_kind_check', sql`kind in ('csat', 'nps', 'form')`)
      .execute();
    await idKey(db, dialect, 'survey');

    await scoped(db, dialect, 'feedback_signing_key')
      .addColumn('secret', 'text', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('feedback_signing_key_workspace_key', ['workspace_id'])
      .execute();

    let sends = scoped(db, dialect, 'survey_send');
    sends = reference(sends, dialect, 'survey_send', 'survey_id', 'survey');
    sends = reference(sends, dialect, 'survey_send', 'customer_id', 'customer');
    await sends
      .addColumn('dedupe_key', 'text')
      .addColumn('origin', json, (column) => column.notNull())
      // The segment a segment send went to (not a foreign key: the segment may go, the send stays).
      .addColumn('segment_id', keyType(dialect))
      .addColumn('delivery', 'text', (column) => column.notNull())
      .addColumn('delivery_reason', 'text')
      .addColumn('message_id', 'text')
      .addColumn('sent_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('survey_send_dedupe_key', ['workspace_id', 'dedupe_key'])
      .addCheckConstraint(
        'survey_send_delivery_check',
        sql`delivery in ('link', 'queued', 'duplicate', 'skipped')`,
      )
      .execute();
    await idKey(db, dialect, 'survey_send');

    let responses = scoped(db, dialect, 'survey_response');
    responses = reference(responses, dialect, 'survey_response', 'send_id', 'survey_send');
    responses = reference(responses, dialect, 'survey_response', 'survey_id', 'survey');
    responses = reference(responses, dialect, 'survey_response', 'customer_id', 'customer');
    await responses
      .addColumn('rating', 'integer')
      .addColumn('negative', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('comment', 'text')
      .addColumn('reason', 'text')
      .addColumn('answers', json, (column) => column.notNull())
      .addColumn('source', 'text', (column) => column.notNull())
      .addColumn('revision', 'integer', (column) => column.notNull().defaultTo(1))
      .addColumn('answered_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('survey_response_send_key', ['workspace_id', 'send_id'])
      .addCheckConstraint('survey_response_negative_check', sql`negative in (0, 1)`)
      .addCheckConstraint('survey_response_source_check', sql`source in ('link', 'page', 'api')`)
      .execute();
    await idKey(db, dialect, 'survey_response');

    let history = scoped(db, dialect, 'survey_response_history');
    history = reference(history, dialect, 'survey_response_history', 'response_id', 'survey_response');
    await history
      .addColumn('revision', 'integer', (column) => column.notNull())
      .addColumn('rating', 'integer')
      .addColumn('comment', 'text')
      .addColumn('reason', 'text')
      .addColumn('answers', json, (column) => column.notNull())
      .addColumn('source', 'text', (column) => column.notNull())
      .addColumn('answered_at', 'bigint', (column) => column.notNull())
      .addColumn('replaced_at', 'bigint', (column) => column.notNull())
      .execute();

    // A survey's sends over time (the report), a customer's sends and answers (the at-risk signal,
    // the cascade when a customer row goes), the workspace's answers by time (comment lists).
    const indexes: readonly [name: string, table: string, columns: readonly string[]][] = [
      ['survey_send_survey_idx', 'survey_send', ['workspace_id', 'survey_id', 'sent_at']],
      ['survey_send_sent_idx', 'survey_send', ['workspace_id', 'sent_at']],
      ['survey_send_customer_idx', 'survey_send', ['workspace_id', 'customer_id']],
      ['survey_response_customer_idx', 'survey_response', ['workspace_id', 'customer_id', 'updated_at']],
      ['survey_response_survey_idx', 'survey_response', ['workspace_id', 'survey_id', 'updated_at']],
      ['survey_response_updated_idx', 'survey_response', ['workspace_id', 'updated_at']],
      ['survey_response_history_idx', 'survey_response_history', ['workspace_id', 'response_id']],
    ];
    for (const [name, table, columns] of indexes) {
      await db.schema
        .createIndex(name)
        .on(table)
        .columns([...columns])
        .execute();
    }
  },

  async down(db: AnyDb): Promise<void> {
    for (const name of [...FEEDBACK_TABLES].reverse()) await db.schema.dropTable(name).execute();
  },
};
