/**
 * The tracking capability's hot write: multi-row event inserts deduplicated by messageId. Customers
 * are read and written through `src/customers` (its repository owns that table).
 */
import type { Insertable, Kysely, Transaction } from 'kysely';
import type { Database } from '../db/index.js';

/** A Kysely instance or a transaction from it. */
export type Executor = Kysely<Database> | Transaction<Database>;

/** A row of `event` ready to insert. */
export type NewEventRow = Insertable<Database['event']>;

/**
 * Rows per INSERT: 10 parameters a row keeps 500 rows at 5,000 parameters, far below SQLite's
 * 32,766 and PostgreSQL's 65,535, while a batch of 100 events stays one statement.
 */
const EVENT_ROWS_PER_STATEMENT = 500;

/**
 * Inserts events with `ON CONFLICT (workspace_id, message_id) DO NOTHING`, so a messageId already
 * stored (or repeated in `rows`) is kept once: the first stored copy wins. When `returnInserted`
 * is set, returns the messageIds actually inserted (to apply an identify's traits only once);
 * otherwise an empty set, and the insert skips its RETURNING clause.
 *
 * O(rows) parameters in ⌈rows / 500⌉ statements.
 * Example: inserting the same row twice → the second call returns an empty set.
 */
export async function insertEvents(
  db: Executor,
  rows: readonly NewEventRow[],
  returnInserted: boolean,
): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (let start = 0; start < rows.length; start += EVENT_ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + EVENT_ROWS_PER_STATEMENT);
    const query = db
      .insertInto('event')
      .values(chunk)
      .onConflict((conflict) => conflict.columns(['workspace_id', 'message_id']).doNothing());
    if (returnInserted) {
      for (const row of await query.returning('message_id').execute()) {
        if (row.message_id !== null) inserted.add(row.message_id);
      }
    } else {
      await query.execute();
    }
  }
  return inserted;
}
