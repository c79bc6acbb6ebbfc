/**
 * Migration 011: automated flows (src/flows).
 *
 * - `flow`: a flow's definition (trigger, steps, re-entry, exit conditions, holdout share, horizon)
 *   as validated JSON, its status (`draft` → `active` ⇄ `inactive`), the columns its trigger is
 *   looked up by (`trigger_type`, `trigger_event`, `trigger_segment_id`) and where its trigger
 *   reading stands (`cursor`: the last `flow_trigger` or `segment_event` id consumed;
 *   `last_fired_on`: the local date a date trigger last ran for; `fired_at`: a schedule's run).
 * - `flow_trigger`: tracked events whose name some active flow triggers on, written by tracking in
 *   the transaction of the event itself (unique by messageId, so a retried call adds nothing);
 *   flows read it in id order.
 * - `flow_run`: one customer's pass through a flow — its arm (`treatment` or `holdout`), where it is
 *   (`current_step`), when it wakes (`wake_at`), how it ended. `entry_key` is unique per flow, so
 *   the same trigger occurrence never starts two runs.
 * - `flow_run_step`: the steps a run executed, keyed (run, step): written in the transaction that
 *   moves the run past the step, so no step's database effect happens twice.
 *
 * Same layout as migrations 003–007 on each engine (see 007-segments.ts).
 */
import { type CreateTableBuilder, type Kysely, type Migration, sql } from 'kysely';
import { type DialectName, dialectOf, jsonColumnType } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow later table types.
type AnyDb = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: the builder's table/column type parameters are irrelevant here.
type AnyTableBuilder = CreateTableBuilder<any, any>;

/** The tables this migration adds, parents first. */
export const FLOW_TABLES = ['flow', 'flow_trigger', 'flow_run', 'flow_run_step'] as const;

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

async function uniqueIdOn(db: AnyDb, dialect: DialectName, table: string): Promise<void> {
  if (dialect !== 'sqlite') return;
  await db.schema
    .createIndex(`${table}_workspace_id_key`)
    .on(table)
    .columns(['workspace_id', 'id'])
    .unique()
    .execute();
}

export const flowsMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    const dialect = dialectOf(db);
    const json = jsonColumnType(dialect);

    await scoped(db, dialect, 'flow')
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('status', 'text', (column) => column.notNull().defaultTo('draft'))
      .addColumn('definition', json, (column) => column.notNull())
      .addColumn('version', 'integer', (column) => column.notNull().defaultTo(1))
      .addColumn('trigger_type', 'text', (column) => column.notNull())
      .addColumn('trigger_event', 'text')
      // Not a foreign key: a segment may be deleted under a flow, which then gets no entries.
      .addColumn('trigger_segment_id', keyType(dialect))
      .addColumn('holdout_percent', 'double precision', (column) => column.notNull())
      .addColumn('horizon_days', 'integer', (column) => column.notNull())
      .addColumn('cursor', 'bigint', (column) => column.notNull().defaultTo(0))
      .addColumn('last_fired_on', 'text')
      .addColumn('fired_at', 'bigint')
      .addColumn('activated_at', 'bigint')
      .addColumn('deactivated_at', 'bigint')
      .addColumn('created_by', keyType(dialect))
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('flow_name_key', ['workspace_id', 'name'])
      .addCheckConstraint('flow_status_check', sql`status in ('draft', 'active', 'inactive')`)
      .addCheckConstraint('flow_holdout_percent_check', sql`holdout_percent >= 0 and holdout_percent <= 100`)
      .execute();
    await uniqueIdOn(db, dialect, 'flow');

    let trigger = scoped(db, dialect, 'flow_trigger');
    trigger = reference(trigger, dialect, 'flow_trigger', 'customer_id', 'customer');
    await trigger
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('message_id', 'text', (column) => column.notNull())
      .addColumn('occurred_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('flow_trigger_message_id_key', ['workspace_id', 'message_id'])
      .execute();

    let run = scoped(db, dialect, 'flow_run');
    run = reference(run, dialect, 'flow_run', 'flow_id', 'flow');
    run = reference(run, dialect, 'flow_run', 'customer_id', 'customer');
    await run
      .addColumn('arm', 'text', (column) => column.notNull())
      .addColumn('status', 'text', (column) => column.notNull())
      .addColumn('current_step', 'text')
      .addColumn('wake_at', 'bigint')
      .addColumn('entry_key', 'text', (column) => column.notNull())
      .addColumn('entered_at', 'bigint', (column) => column.notNull())
      .addColumn('finished_at', 'bigint')
      .addColumn('exit_reason', 'text')
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('flow_run_entry_key', ['workspace_id', 'flow_id', 'entry_key'])
      .addCheckConstraint('flow_run_arm_check', sql`arm in ('treatment', 'holdout')`)
      .addCheckConstraint('flow_run_status_check', sql`status in ('active', 'completed', 'exited')`)
      .execute();
    await uniqueIdOn(db, dialect, 'flow_run');

    let step: AnyTableBuilder = db.schema
      .createTable('flow_run_step')
      .addColumn('workspace_id', keyType(dialect), (column) => column.notNull());
    step = reference(step, dialect, 'flow_run_step', 'run_id', 'flow_run');
    step = step
      .addColumn('step_id', 'text', (column) => column.notNull())
      .addColumn('outcome', json, (column) => column.notNull())
      .addColumn('executed_at', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('flow_run_step_pkey', ['workspace_id', 'run_id', 'step_id'])
      .addForeignKeyConstraint('flow_run_step_workspace_fkey', ['workspace_id'], 'workspace', ['id'], (fk) =>
        fk.onDelete('cascade'),
      );
    if (dialect === 'sqlite') step = step.modifyEnd(sql`without rowid`);
    await step.execute();

    // Trigger occurrences of a name after a cursor; due runs; a flow's runs (list, report, the
    // re-entry check per customer); a customer's runs (the cascade when a customer row goes).
    const indexes: readonly [name: string, table: string, columns: readonly string[]][] = [
      ['flow_trigger_name_idx', 'flow_trigger', ['workspace_id', 'name', 'id']],
      ['flow_trigger_customer_idx', 'flow_trigger', ['workspace_id', 'customer_id']],
      ['flow_run_due_idx', 'flow_run', ['workspace_id', 'status', 'wake_at']],
      ['flow_run_flow_idx', 'flow_run', ['workspace_id', 'flow_id', 'id']],
      ['flow_run_customer_idx', 'flow_run', ['workspace_id', 'customer_id', 'flow_id', 'entered_at']],
      ['flow_status_idx', 'flow', ['workspace_id', 'status']],
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
    for (const name of [...FLOW_TABLES].reverse()) await db.schema.dropTable(name).execute();
  },
};
