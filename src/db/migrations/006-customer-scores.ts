/**
 * Migration 006: what the customer list sorts and filters on at a million customers, and the notes
 * agents keep about a customer.
 *
 * - `customer_score_run`: one run of the `scores.refresh` job — when it ran, the last data day it
 *   scored as of, how many customers it wrote, the model behind the expected purchases.
 * - `customer_score`: one row per customer (not erased), written by the latest run: the at-risk
 *   score with its reasons as data (codes and numbers, worded by the dashboard), P(alive), expected
 *   purchases, predicted CLV, the RFM segment and scores, and the order aggregates the list sorts
 *   by (completed orders, net value to date, first and last order). Reading these from one row
 *   makes a sorted, filtered page an index walk instead of an aggregation over every order.
 * - `customer_note`: free text an agent writes about a customer, with its author.
 *
 * The list's sort keys are indexed as `(workspace_id, coalesce(key, -1), customer_id)`: a missing
 * value (a customer not scored, without orders) sorts below every real one (scores, instants and
 * money are ≥ 0), and the keyset cursor compares the same expression, so one index range serves
 * every page in either direction. The customer table gains the expression indexes of the search
 * by prefix (lower-cased e-mail, name and external id; byte order on both engines — PostgreSQL's
 * under the "C" collation) and a `(workspace_id, country, id)` index for the country filter.
 *
 * Same layout as migrations 003–004 on each engine: SQLite `id INTEGER PRIMARY KEY AUTOINCREMENT`
 * (plus a unique `(workspace_id, id)` where a foreign key points), PostgreSQL `bigint` identity with
 * primary key `(workspace_id, id)`; foreign keys `(workspace_id, x) → parent (workspace_id, id)`.
 */
import { type CreateTableBuilder, type Kysely, type Migration, sql } from 'kysely';
import { type DialectName, dialectOf, jsonColumnType } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow later table types.
type AnyDb = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: the builder's table/column type parameters are irrelevant here.
type AnyTableBuilder = CreateTableBuilder<any, any>;

/** The tables this migration adds, parents first. */
export const CUSTOMER_SCORE_TABLES = ['customer_score_run', 'customer_score', 'customer_note'] as const;

/** The sort keys of the customer list held by `customer_score`, each indexed (see the file comment). */
const SORT_KEYS = [
  'risk_score',
  'predicted_clv_cents',
  'last_order_at',
  'orders_count',
  'value_cents',
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

export const customerScoresMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    const dialect = dialectOf(db);
    const json = jsonColumnType(dialect);
    const real = dialect === 'sqlite' ? 'real' : 'double precision';

    await scoped(db, dialect, 'customer_score_run')
      .addColumn('job_id', keyType(dialect))
      .addColumn('status', 'text', (column) => column.notNull())
      .addColumn('as_of', 'text')
      .addColumn('customers', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('scored', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('details', json, (column) => column.notNull().defaultTo(sql`'{}'`))
      .addColumn('error', 'text')
      .addColumn('started_at', 'bigint', (column) => column.notNull())
      .addColumn('finished_at', 'bigint')
      .addCheckConstraint(
        'customer_score_run_status_check',
        sql`status in ('running', 'succeeded', 'failed')`,
      )
      .execute();
    await db.schema
      .createIndex('customer_score_run_started_idx')
      .on('customer_score_run')
      .columns(['workspace_id', 'status', 'started_at'])
      .execute();

    let table = scoped(db, dialect, 'customer_score');
    table = reference(table, dialect, 'customer_score', 'customer_id', 'customer');
    await table
      .addColumn('run_id', keyType(dialect), (column) => column.notNull())
      .addColumn('risk_score', real)
      .addColumn('reasons', json, (column) => column.notNull().defaultTo(sql`'[]'`))
      .addColumn('p_alive', real)
      .addColumn('expected_purchases', real)
      .addColumn('predicted_clv_cents', 'bigint')
      .addColumn('rfm_segment', 'text')
      .addColumn('rfm_r', 'integer')
      .addColumn('rfm_f', 'integer')
      .addColumn('rfm_m', 'integer')
      .addColumn('orders_count', 'integer', (column) => column.notNull())
      .addColumn('value_cents', 'bigint', (column) => column.notNull())
      .addColumn('first_order_at', 'bigint')
      .addColumn('last_order_at', 'bigint')
      .addColumn('computed_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('customer_score_customer_key', ['workspace_id', 'customer_id'])
      .addCheckConstraint(
        'customer_score_risk_check',
        sql`risk_score is null or (risk_score >= 0 and risk_score <= 100)`,
      )
      .execute();
    for (const key of SORT_KEYS) {
      // Raw DDL: Kysely's index builder takes one expression or plain columns, not a mix.
      await sql`create index ${sql.id(`customer_score_${key}_idx`)} on customer_score
        (workspace_id, (coalesce(${sql.ref(key)}, -1)), customer_id)`.execute(db);
    }
    // The at-risk list of one segment: the segment filter with the risk order.
    await sql`create index customer_score_segment_risk_idx on customer_score
      (workspace_id, rfm_segment, (coalesce(risk_score, -1)), customer_id)`.execute(db);

    table = scoped(db, dialect, 'customer_note');
    table = reference(table, dialect, 'customer_note', 'customer_id', 'customer');
    await table
      .addColumn('author_id', keyType(dialect), (column) => column.notNull())
      .addColumn('text', 'text', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addForeignKeyConstraint('customer_note_author_id_fkey', ['workspace_id', 'author_id'], 'app_user', [
        'workspace_id',
        'id',
      ])
      .execute();
    await db.schema
      .createIndex('customer_note_customer_idx')
      .on('customer_note')
      .columns(['workspace_id', 'customer_id', 'created_at'])
      .execute();

    // The customer search by prefix and the country filter (see the file comment).
    const byteOrder = dialect === 'postgres' ? sql` collate "C"` : sql``;
    for (const column of ['email', 'name', 'external_id'] as const) {
      await sql`create index ${sql.id(`customer_${column}_lower_idx`)} on customer
        (workspace_id, (lower(${sql.ref(column)})${byteOrder}))`.execute(db);
    }
    await db.schema
      .createIndex('customer_country_idx')
      .on('customer')
      .columns(['workspace_id', 'country', 'id'])
      .execute();
  },

  async down(db: AnyDb): Promise<void> {
    for (const name of [
      'customer_email_lower_idx',
      'customer_name_lower_idx',
      'customer_external_id_lower_idx',
    ]) {
      await db.schema.dropIndex(name).execute();
    }
    await db.schema.dropIndex('customer_country_idx').execute();
    for (const name of [...CUSTOMER_SCORE_TABLES].reverse()) await db.schema.dropTable(name).execute();
  },
};
