/**
 * Migration 001: the initial schema. Runs unchanged on SQLite and PostgreSQL; the only dialect
 * branch is the JSON column type (TEXT / JSONB).
 *
 * Shape rules (so the schema can be distributed by workspace on Citus): every table but
 * `workspace` has `workspace_id` leading its primary key; unique constraints and foreign keys
 * include it; `bigint` holds epoch milliseconds and cents (INTEGER affinity on SQLite).
 */
import { type CreateTableBuilder, type Kysely, type Migration, sql } from 'kysely';
import { dialectOf, jsonColumnType } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow later table types.
type AnyDb = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: the builder's table/column type parameters are irrelevant here.
type AnyTableBuilder = CreateTableBuilder<any, any>;

/** The tables this migration creates, parents before children (foreign-key order). */
export const INITIAL_TABLES = [
  'workspace',
  'app_user',
  'session',
  'api_key',
  'customer',
  'customer_order',
  'order_item',
  'refund',
  'subscription',
  'event',
  'job',
  'audit_log',
] as const;

/** The two key columns every scoped table starts with. */
function scoped(builder: AnyTableBuilder): AnyTableBuilder {
  return builder
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('id', 'text', (column) => column.notNull());
}

/** `(workspace_id, id)` as the primary key, and the cascade from `workspace`. */
function scopedKeys(table: string, builder: AnyTableBuilder): AnyTableBuilder {
  return builder
    .addPrimaryKeyConstraint(`${table}_pkey`, ['workspace_id', 'id'])
    .addForeignKeyConstraint(`${table}_workspace_fkey`, ['workspace_id'], 'workspace', ['id'], (constraint) =>
      constraint.onDelete('cascade'),
    );
}

/** A foreign key to another workspace-scoped table, through (workspace_id, column). */
function scopedReference(
  builder: AnyTableBuilder,
  table: string,
  column: string,
  target: string,
  onDelete: 'cascade' | 'no action',
): AnyTableBuilder {
  return builder.addForeignKeyConstraint(
    `${table}_${column}_fkey`,
    ['workspace_id', column],
    target,
    ['workspace_id', 'id'],
    (constraint) => constraint.onDelete(onDelete),
  );
}

export const initialMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    const json = jsonColumnType(dialectOf(db));
    const emptyObject = sql`'{}'`;

    await db.schema
      .createTable('workspace')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('slug', 'text', (column) => column.notNull())
      .addColumn('settings', json, (column) => column.notNull().defaultTo(emptyObject))
      .addColumn('write_key_hash', 'text', (column) => column.notNull())
      .addColumn('write_key_prefix', 'text', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('workspace_slug_key', ['slug'])
      .addUniqueConstraint('workspace_write_key_hash_key', ['write_key_hash'])
      .execute();

    let table = scoped(db.schema.createTable('app_user'))
      .addColumn('email', 'text', (column) => column.notNull())
      .addColumn('name', 'text')
      .addColumn('password_hash', 'text')
      .addColumn('role', 'text', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addColumn('last_login_at', 'bigint')
      .addColumn('disabled_at', 'bigint')
      .addUniqueConstraint('app_user_email_key', ['workspace_id', 'email'])
      .addCheckConstraint(
        'app_user_role_check',
        sql`role in ('owner', 'admin', 'analyst', 'marketer', 'agent')`,
      );
    await scopedKeys('app_user', table).execute();

    table = scoped(db.schema.createTable('session'))
      .addColumn('user_id', 'text', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('expires_at', 'bigint', (column) => column.notNull())
      .addColumn('last_seen_at', 'bigint', (column) => column.notNull())
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text');
    table = scopedReference(table, 'session', 'user_id', 'app_user', 'cascade');
    await scopedKeys('session', table).execute();

    table = scoped(db.schema.createTable('api_key'))
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('key_hash', 'text', (column) => column.notNull())
      .addColumn('key_prefix', 'text', (column) => column.notNull())
      .addColumn('scopes', json, (column) => column.notNull().defaultTo(sql`'[]'`))
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('last_used_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .addUniqueConstraint('api_key_key_hash_key', ['workspace_id', 'key_hash']);
    table = scopedReference(table, 'api_key', 'created_by', 'app_user', 'no action');
    await scopedKeys('api_key', table).execute();

    table = scoped(db.schema.createTable('customer'))
      .addColumn('external_id', 'text')
      .addColumn('email', 'text')
      .addColumn('name', 'text')
      .addColumn('phone', 'text')
      .addColumn('language', 'text')
      .addColumn('country', 'text')
      .addColumn('time_zone', 'text')
      .addColumn('attributes', json, (column) => column.notNull().defaultTo(emptyObject))
      .addColumn('consent_email_marketing', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('consent_sms_marketing', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('consent_updated_at', 'bigint')
      .addColumn('signed_up_at', 'bigint')
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addColumn('erased_at', 'bigint')
      .addUniqueConstraint('customer_external_id_key', ['workspace_id', 'external_id'])
      .addCheckConstraint(
        'customer_consent_check',
        sql`consent_email_marketing in (0, 1) and consent_sms_marketing in (0, 1)`,
      );
    await scopedKeys('customer', table).execute();

    table = scoped(db.schema.createTable('customer_order'))
      .addColumn('external_id', 'text')
      .addColumn('customer_id', 'text', (column) => column.notNull())
      .addColumn('ordered_at', 'bigint', (column) => column.notNull())
      .addColumn('currency', 'text', (column) => column.notNull())
      .addColumn('amount_cents', 'bigint', (column) => column.notNull())
      .addColumn('status', 'text', (column) => column.notNull().defaultTo('completed'))
      .addColumn('source', 'text')
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('customer_order_external_id_key', ['workspace_id', 'external_id'])
      .addCheckConstraint(
        'customer_order_status_check',
        sql`status in ('pending', 'completed', 'cancelled')`,
      );
    table = scopedReference(table, 'customer_order', 'customer_id', 'customer', 'cascade');
    await scopedKeys('customer_order', table).execute();

    table = scoped(db.schema.createTable('order_item'))
      .addColumn('order_id', 'text', (column) => column.notNull())
      .addColumn('product_id', 'text')
      .addColumn('product_name', 'text')
      .addColumn('category', 'text')
      .addColumn('quantity', 'integer', (column) => column.notNull().defaultTo(1))
      .addColumn('unit_price_cents', 'bigint', (column) => column.notNull());
    table = scopedReference(table, 'order_item', 'order_id', 'customer_order', 'cascade');
    await scopedKeys('order_item', table).execute();

    table = scoped(db.schema.createTable('refund'))
      .addColumn('external_id', 'text')
      .addColumn('order_id', 'text', (column) => column.notNull())
      .addColumn('customer_id', 'text', (column) => column.notNull())
      .addColumn('refunded_at', 'bigint', (column) => column.notNull())
      .addColumn('currency', 'text', (column) => column.notNull())
      .addColumn('amount_cents', 'bigint', (column) => column.notNull())
      .addColumn('reason', 'text')
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('refund_external_id_key', ['workspace_id', 'external_id'])
      .addCheckConstraint('refund_amount_check', sql`amount_cents > 0`);
    table = scopedReference(table, 'refund', 'order_id', 'customer_order', 'cascade');
    table = scopedReference(table, 'refund', 'customer_id', 'customer', 'cascade');
    await scopedKeys('refund', table).execute();

    table = scoped(db.schema.createTable('subscription'))
      .addColumn('external_id', 'text')
      .addColumn('customer_id', 'text', (column) => column.notNull())
      .addColumn('plan', 'text')
      .addColumn('interval', 'text', (column) => column.notNull())
      .addColumn('interval_count', 'integer', (column) => column.notNull().defaultTo(1))
      .addColumn('amount_cents', 'bigint', (column) => column.notNull())
      .addColumn('currency', 'text', (column) => column.notNull())
      .addColumn('status', 'text', (column) => column.notNull())
      .addColumn('trial_start', 'bigint')
      .addColumn('trial_end', 'bigint')
      .addColumn('started_at', 'bigint')
      .addColumn('ended_at', 'bigint')
      .addColumn('cancelled_at', 'bigint')
      .addColumn('current_period_end', 'bigint')
      .addColumn('past_due_since', 'bigint')
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('subscription_external_id_key', ['workspace_id', 'external_id'])
      .addCheckConstraint('subscription_interval_check', sql`"interval" in ('day', 'week', 'month', 'year')`)
      .addCheckConstraint('subscription_interval_count_check', sql`interval_count > 0`)
      .addCheckConstraint(
        'subscription_status_check',
        sql`status in ('trialing', 'active', 'past_due', 'paused', 'cancelled', 'ended')`,
      );
    table = scopedReference(table, 'subscription', 'customer_id', 'customer', 'cascade');
    await scopedKeys('subscription', table).execute();

    table = scoped(db.schema.createTable('event'))
      .addColumn('message_id', 'text')
      .addColumn('customer_id', 'text')
      .addColumn('user_id', 'text')
      .addColumn('anonymous_id', 'text')
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('properties', json, (column) => column.notNull().defaultTo(emptyObject))
      .addColumn('occurred_at', 'bigint', (column) => column.notNull())
      .addColumn('received_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('event_message_id_key', ['workspace_id', 'message_id']);
    table = scopedReference(table, 'event', 'customer_id', 'customer', 'cascade');
    await scopedKeys('event', table).execute();

    table = scoped(db.schema.createTable('job'))
      .addColumn('type', 'text', (column) => column.notNull())
      .addColumn('payload', json, (column) => column.notNull())
      .addColumn('status', 'text', (column) => column.notNull().defaultTo('queued'))
      .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('max_attempts', 'integer', (column) => column.notNull())
      .addColumn('run_at', 'bigint', (column) => column.notNull())
      .addColumn('locked_by', 'text')
      .addColumn('locked_until', 'bigint')
      .addColumn('last_error', 'text')
      .addColumn('idempotency_key', 'text')
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addColumn('finished_at', 'bigint')
      .addUniqueConstraint('job_idempotency_key_key', ['workspace_id', 'idempotency_key'])
      .addCheckConstraint('job_status_check', sql`status in ('queued', 'running', 'succeeded', 'dead')`)
      .addCheckConstraint('job_max_attempts_check', sql`max_attempts > 0`);
    await scopedKeys('job', table).execute();

    table = scoped(db.schema.createTable('audit_log'))
      .addColumn('actor_type', 'text', (column) => column.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('action', 'text', (column) => column.notNull())
      .addColumn('entity', 'text')
      .addColumn('entity_id', 'text')
      .addColumn('details', json, (column) => column.notNull().defaultTo(emptyObject))
      .addColumn('at', 'bigint', (column) => column.notNull())
      .addCheckConstraint('audit_log_actor_type_check', sql`actor_type in ('user', 'api_key', 'system')`);
    await scopedKeys('audit_log', table).execute();

    // Indexes for lookups without the workspace (credentials) and for the analytics scans, which
    // read one workspace's rows by customer and time.
    const indexes: readonly [name: string, table: string, columns: readonly string[]][] = [
      ['session_id_idx', 'session', ['id']],
      ['session_user_idx', 'session', ['workspace_id', 'user_id']],
      ['api_key_key_hash_idx', 'api_key', ['key_hash']],
      ['customer_email_idx', 'customer', ['workspace_id', 'email']],
      ['customer_signed_up_at_idx', 'customer', ['workspace_id', 'signed_up_at']],
      ['customer_order_customer_idx', 'customer_order', ['workspace_id', 'customer_id', 'ordered_at']],
      ['customer_order_ordered_at_idx', 'customer_order', ['workspace_id', 'ordered_at']],
      ['order_item_order_idx', 'order_item', ['workspace_id', 'order_id']],
      ['refund_order_idx', 'refund', ['workspace_id', 'order_id']],
      ['refund_customer_idx', 'refund', ['workspace_id', 'customer_id', 'refunded_at']],
      ['subscription_customer_idx', 'subscription', ['workspace_id', 'customer_id', 'started_at']],
      ['event_customer_idx', 'event', ['workspace_id', 'customer_id', 'occurred_at']],
      ['event_name_idx', 'event', ['workspace_id', 'name', 'occurred_at']],
      ['event_user_idx', 'event', ['workspace_id', 'user_id']],
      ['job_claim_idx', 'job', ['status', 'run_at']],
      ['job_lease_idx', 'job', ['status', 'locked_until']],
      ['audit_log_at_idx', 'audit_log', ['workspace_id', 'at']],
      ['audit_log_entity_idx', 'audit_log', ['workspace_id', 'entity', 'entity_id']],
    ];
    for (const [name, tableName, columns] of indexes) {
      await db.schema
        .createIndex(name)
        .on(tableName)
        .columns([...columns])
        .execute();
    }
  },

  async down(db: AnyDb): Promise<void> {
    for (const name of [...INITIAL_TABLES].reverse()) await db.schema.dropTable(name).execute();
  },
};
