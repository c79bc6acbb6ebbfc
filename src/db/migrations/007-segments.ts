/**
 * Migration 007: segments (src/segments).
 *
 * - `segment`: a saved rule tree (JSON, the rule language of docs/api.md) with its name, a
 *   `version` bumped on every rule change, and what the stored membership reflects: the version it
 *   was computed for, when, and how many members it has (kept exact by each recompute step).
 * - `segment_membership`: who is in a segment now, since when. Written only by the recompute, as
 *   the set difference between the rule's answer and the stored rows.
 * - `segment_event`: the append-only history of that difference — one `entered` or `exited` row
 *   per customer and change — that flows trigger on (`segment.entered` / `segment.exited`),
 *   reading it in id order.
 *
 * Same layout as migrations 003–006 on each engine: SQLite `id INTEGER PRIMARY KEY AUTOINCREMENT`
 * (plus a unique `(workspace_id, id)` where a foreign key points), PostgreSQL `bigint` identity
 * with primary key `(workspace_id, id)`; foreign keys `(workspace_id, x) → parent (workspace_id,
 * id)`. The membership has no id of its own: its key is (workspace, segment, customer), and on
 * SQLite it is a WITHOUT ROWID table, so a million members are one B-tree, not two.
 */
import { type CreateTableBuilder, type Kysely, type Migration, sql } from 'kysely';
import { type DialectName, dialectOf, jsonColumnType } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow later table types.
type AnyDb = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: the builder's table/column type parameters are irrelevant here.
type AnyTableBuilder = CreateTableBuilder<any, any>;

/** The tables this migration adds, parents first. */
export const SEGMENT_TABLES = ['segment', 'segment_membership', 'segment_event'] as const;

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

export const segmentsMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    const dialect = dialectOf(db);
    const json = jsonColumnType(dialect);

    await scoped(db, dialect, 'segment')
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('rule', json, (column) => column.notNull())
      .addColumn('version', 'integer', (column) => column.notNull().defaultTo(1))
      .addColumn('computed_version', 'integer')
      .addColumn('computed_at', 'bigint')
      .addColumn('member_count', 'bigint', (column) => column.notNull().defaultTo(0))
      // Not a foreign key (as import_run's): a member may go, the segment stays.
      .addColumn('created_by', keyType(dialect))
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('segment_name_key', ['workspace_id', 'name'])
      .addCheckConstraint('segment_member_count_check', sql`member_count >= 0`)
      .execute();
    if (dialect === 'sqlite') {
      await db.schema
        .createIndex('segment_workspace_id_key')
        .on('segment')
        .columns(['workspace_id', 'id'])
        .unique()
        .execute();
    }

    let membership: AnyTableBuilder = db.schema
      .createTable('segment_membership')
      .addColumn('workspace_id', keyType(dialect), (column) => column.notNull());
    membership = reference(membership, dialect, 'segment_membership', 'segment_id', 'segment');
    membership = reference(membership, dialect, 'segment_membership', 'customer_id', 'customer');
    membership = membership
      .addColumn('entered_at', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('segment_membership_pkey', ['workspace_id', 'segment_id', 'customer_id'])
      .addForeignKeyConstraint(
        'segment_membership_workspace_fkey',
        ['workspace_id'],
        'workspace',
        ['id'],
        (fk) => fk.onDelete('cascade'),
      );
    if (dialect === 'sqlite') membership = membership.modifyEnd(sql`without rowid`);
    await membership.execute();

    let events = scoped(db, dialect, 'segment_event');
    events = reference(events, dialect, 'segment_event', 'segment_id', 'segment');
    events = reference(events, dialect, 'segment_event', 'customer_id', 'customer');
    await events
      .addColumn('kind', 'text', (column) => column.notNull())
      .addColumn('at', 'bigint', (column) => column.notNull())
      .addCheckConstraint('segment_event_kind_check', sql`kind in ('entered', 'exited')`)
      .execute();

    // A customer's memberships and events (the cascade when a customer row goes, a customer's
    // segments); a segment's events in the order flows read them.
    const indexes: readonly [name: string, table: string, columns: readonly string[]][] = [
      ['segment_membership_customer_idx', 'segment_membership', ['workspace_id', 'customer_id']],
      ['segment_event_segment_idx', 'segment_event', ['workspace_id', 'segment_id', 'id']],
      ['segment_event_customer_idx', 'segment_event', ['workspace_id', 'customer_id']],
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
    for (const name of [...SEGMENT_TABLES].reverse()) await db.schema.dropTable(name).execute();
  },
};
