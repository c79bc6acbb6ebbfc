/**
 * Migration 004: what tracking learns about identities beyond one customer row.
 *
 * - `customer_group`: a Segment group (an account, a company) by its `groupId`, with its traits;
 *   `customer_group_member` links customers to the groups they were grouped with.
 * - `customer_alias`: an identity merged into a customer by a Segment `alias` call (its
 *   `previousId`), so later calls naming it reach the merged customer.
 * - `erased_identity`: the SHA-256 of external ids whose customer was erased while the workspace
 *   refuses data for erased identities (`erasedIdentities: 'refuse'`). Not linked to any row, so
 *   the erased customer cannot be found from it.
 *
 * Same layout as migration 003 on each engine: SQLite `id INTEGER PRIMARY KEY AUTOINCREMENT` (plus
 * a unique `(workspace_id, id)` where a foreign key points), PostgreSQL `bigint` identity with
 * primary key `(workspace_id, id)`; foreign keys `(workspace_id, x) → parent (workspace_id, id)`.
 */
import { type CreateTableBuilder, type Kysely, type Migration, sql } from 'kysely';
import { type DialectName, dialectOf, jsonColumnType } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow later table types.
type AnyDb = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: the builder's table/column type parameters are irrelevant here.
type AnyTableBuilder = CreateTableBuilder<any, any>;

/** The tables this migration adds, parents first. */
export const IDENTITY_TABLES = [
  'customer_group',
  'customer_group_member',
  'customer_alias',
  'erased_identity',
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

export const identitiesMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    const dialect = dialectOf(db);
    const json = jsonColumnType(dialect);

    await scoped(db, dialect, 'customer_group')
      .addColumn('external_id', 'text', (column) => column.notNull())
      .addColumn('name', 'text')
      .addColumn('traits', json, (column) => column.notNull().defaultTo(sql`'{}'`))
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('customer_group_external_id_key', ['workspace_id', 'external_id'])
      .execute();
    if (dialect === 'sqlite') {
      await db.schema
        .createIndex('customer_group_workspace_id_key')
        .on('customer_group')
        .columns(['workspace_id', 'id'])
        .unique()
        .execute();
    }

    let table = scoped(db, dialect, 'customer_group_member');
    table = reference(table, dialect, 'customer_group_member', 'group_id', 'customer_group');
    table = reference(table, dialect, 'customer_group_member', 'customer_id', 'customer');
    await table
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('customer_group_member_key', ['workspace_id', 'group_id', 'customer_id'])
      .execute();

    table = scoped(db, dialect, 'customer_alias').addColumn('alias', 'text', (column) => column.notNull());
    table = reference(table, dialect, 'customer_alias', 'customer_id', 'customer');
    await table
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('customer_alias_alias_key', ['workspace_id', 'alias'])
      .execute();

    await scoped(db, dialect, 'erased_identity')
      .addColumn('identity_hash', 'text', (column) => column.notNull())
      .addColumn('erased_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('erased_identity_hash_key', ['workspace_id', 'identity_hash'])
      .execute();

    for (const [name, on] of [
      ['customer_group_member_customer_idx', 'customer_group_member'],
      ['customer_alias_customer_idx', 'customer_alias'],
    ] as const) {
      await db.schema.createIndex(name).on(on).columns(['workspace_id', 'customer_id']).execute();
    }
  },

  async down(db: AnyDb): Promise<void> {
    for (const name of [...IDENTITY_TABLES].reverse()) await db.schema.dropTable(name).execute();
  },
};
