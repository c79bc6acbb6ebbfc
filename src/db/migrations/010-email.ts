/**
 * Migration 010: e-mail (src/email).
 *
 * - `email_message`: every e-mail Retain was asked to send, one row per (workspace, dedupe key) —
 *   the unique key that makes a flow step, a survey send or a test send go out at most once. It
 *   holds the rendered content, the delivery state (`queued` → `sending` under a lease → `sent` /
 *   `outbox` / `bounced` / `failed` / `unknown`, or `skipped` with the reason), and what the
 *   recipient did with it (opened, clicked, unsubscribed).
 * - `email_suppression`: addresses never to mail again (unsubscribes, hard bounces, complaints),
 *   kept as the SHA-256 of the normalised address, without a customer: it outlives the customer's
 *   erasure.
 * - `email_consent`: the history of a customer's e-mail marketing consent — when, given or
 *   withdrawn, and how (an import, the API, an unsubscribe link, an erasure).
 * - `email_settings`: one row per workspace: sender, an SMTP server overriding `SMTP_URL` (its URL
 *   encrypted with the install key), frequency caps, quiet hours, tracking switches, and the
 *   secret that signs unsubscribe, open and click links.
 *
 * Same layout as migrations 003–007 on each engine: SQLite `id INTEGER PRIMARY KEY AUTOINCREMENT`
 * (plus a unique `(workspace_id, id)` where needed), PostgreSQL `bigint` identity with primary
 * key `(workspace_id, id)`; foreign keys `(workspace_id, x) → parent (workspace_id, id)`.
 */
import { type CreateTableBuilder, type Kysely, type Migration, sql } from 'kysely';
import { type DialectName, dialectOf, jsonColumnType } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow later table types.
type AnyDb = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: the builder's table/column type parameters are irrelevant here.
type AnyTableBuilder = CreateTableBuilder<any, any>;

/** The tables this migration adds, parents first. */
export const EMAIL_TABLES = [
  'email_settings',
  'email_message',
  'email_suppression',
  'email_consent',
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

export const emailMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    const dialect = dialectOf(db);
    const json = jsonColumnType(dialect);

    await db.schema
      .createTable('email_settings')
      .addColumn('workspace_id', keyType(dialect), (column) =>
        column.primaryKey().references('workspace.id').onDelete('cascade'),
      )
      .addColumn('from_address', 'text')
      .addColumn('from_name', 'text')
      .addColumn('reply_to', 'text')
      // AES-256-GCM under the install key (RETAIN_SECRET_KEY); never the URL in clear.
      .addColumn('smtp_url_encrypted', 'text')
      .addColumn('max_per_day', 'integer')
      .addColumn('max_per_week', 'integer')
      .addColumn('quiet_start', 'text')
      .addColumn('quiet_end', 'text')
      .addColumn('track_opens', 'integer', (column) => column.notNull().defaultTo(1))
      .addColumn('track_clicks', 'integer', (column) => column.notNull().defaultTo(1))
      .addColumn('signing_secret', 'text', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .execute();

    let message = scoped(db, dialect, 'email_message');
    message = reference(message, dialect, 'email_message', 'customer_id', 'customer');
    await message
      .addColumn('dedupe_key', 'text', (column) => column.notNull())
      .addColumn('category', 'text', (column) => column.notNull())
      .addColumn('origin_kind', 'text')
      .addColumn('origin_flow_id', 'text')
      .addColumn('origin', json)
      .addColumn('status', 'text', (column) => column.notNull())
      .addColumn('skip_reason', 'text')
      .addColumn('to_address', 'text')
      .addColumn('from_address', 'text')
      .addColumn('subject', 'text')
      .addColumn('html', 'text')
      .addColumn('text_body', 'text')
      .addColumn('send_after', 'bigint', (column) => column.notNull())
      .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('sending_until', 'bigint')
      .addColumn('sent_at', 'bigint')
      .addColumn('smtp_message_id', 'text')
      .addColumn('smtp_response', 'text')
      .addColumn('last_error', 'text')
      .addColumn('opened_at', 'bigint')
      .addColumn('clicked_at', 'bigint')
      .addColumn('unsubscribed_at', 'bigint')
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('email_message_dedupe_key', ['workspace_id', 'dedupe_key'])
      .addCheckConstraint('email_message_category_check', sql`category in ('marketing', 'transactional')`)
      .addCheckConstraint(
        'email_message_status_check',
        sql`status in ('queued', 'sending', 'sent', 'outbox', 'bounced', 'failed', 'skipped', 'unknown')`,
      )
      .execute();

    let suppression = scoped(db, dialect, 'email_suppression');
    suppression = suppression
      .addColumn('address_hash', 'text', (column) => column.notNull())
      .addColumn('reason', 'text', (column) => column.notNull())
      .addColumn('source', 'text', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('email_suppression_address_key', ['workspace_id', 'address_hash'])
      .addCheckConstraint(
        'email_suppression_reason_check',
        sql`reason in ('unsubscribe', 'hard_bounce', 'complaint', 'manual')`,
      );
    await suppression.execute();

    let consent = scoped(db, dialect, 'email_consent');
    consent = reference(consent, dialect, 'email_consent', 'customer_id', 'customer');
    await consent
      .addColumn('granted', 'integer', (column) => column.notNull())
      .addColumn('source', 'text', (column) => column.notNull())
      // The message whose unsubscribe link withdrew it, if any (not a foreign key: history stays).
      .addColumn('message_id', keyType(dialect))
      .addColumn('detail', 'text')
      .addColumn('at', 'bigint', (column) => column.notNull())
      .execute();

    // The outbox list (by status, newest first), a customer's recent mail (frequency caps), a
    // flow's counts, and the consent history of a customer.
    const indexes: readonly [name: string, table: string, columns: readonly string[]][] = [
      ['email_message_status_idx', 'email_message', ['workspace_id', 'status', 'id']],
      ['email_message_customer_idx', 'email_message', ['workspace_id', 'customer_id', 'created_at']],
      ['email_message_flow_idx', 'email_message', ['workspace_id', 'origin_flow_id']],
      ['email_consent_customer_idx', 'email_consent', ['workspace_id', 'customer_id', 'id']],
    ];
    for (const [name, table, columns] of indexes) {
      await db.schema
        .createIndex(name)
        .on(table)
        .columns([...columns])
        .execute();
    }
    // The recommendations' "bought together" look-up (customers/product-affinity.repository.ts)
    // finds the orders holding a product: by product id, else by name.
    await sql`create index order_item_product_idx on order_item (workspace_id, (coalesce(product_id, product_name)))`.execute(
      db,
    );
    if (dialect === 'sqlite') {
      await db.schema
        .createIndex('email_message_workspace_id_key')
        .on('email_message')
        .columns(['workspace_id', 'id'])
        .unique()
        .execute();
    }
  },

  async down(db: AnyDb): Promise<void> {
    await db.schema.dropIndex('order_item_product_idx').execute();
    for (const name of [...EMAIL_TABLES].reverse()) await db.schema.dropTable(name).execute();
  },
};
