/**
 * The tracking capability's queries: the `event` table, and the few `customer` reads and writes
 * that identify/track need (resolving a userId to a customer, creating a bare customer for an
 * unknown userId, applying identify traits). Every query is scoped by `workspace_id`.
 */
import type { Insertable, Kysely, Transaction } from 'kysely';
import { type Database, fromJson, type JsonText, newId, toJson } from '../db/index.js';

/** A Kysely instance or a transaction from it. */
export type Executor = Kysely<Database> | Transaction<Database>;

/** A row of `event` ready to insert. */
export type NewEventRow = Insertable<Database['event']>;

/**
 * Rows per INSERT: 10 parameters a row keeps 500 rows at 5,000 parameters, far below SQLite's
 * 32,766 and PostgreSQL's 65,535, while a batch of 100 events stays one statement.
 */
const EVENT_ROWS_PER_STATEMENT = 500;
/** Ids per `IN (…)` list, for the same parameter limits. */
const IDS_PER_STATEMENT = 1_000;

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

/**
 * The customer id of each external id that exists in the workspace (missing ones are absent from
 * the map). One indexed query per 1,000 ids (unique index on (workspace_id, external_id)).
 */
export async function findCustomerIdsByExternalId(
  db: Executor,
  workspaceId: string,
  externalIds: readonly string[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (let start = 0; start < externalIds.length; start += IDS_PER_STATEMENT) {
    const rows = await db
      .selectFrom('customer')
      .select(['id', 'external_id'])
      .where('workspace_id', '=', workspaceId)
      .where('external_id', 'in', externalIds.slice(start, start + IDS_PER_STATEMENT))
      .execute();
    for (const row of rows) if (row.external_id !== null) found.set(row.external_id, row.id);
  }
  return found;
}

/**
 * Creates a customer with only its external id for each of `externalIds`, skipping ids that exist
 * (`ON CONFLICT DO NOTHING` on (workspace_id, external_id), so concurrent requests creating the
 * same customer both succeed). Ids are inserted sorted, which keeps concurrent PostgreSQL
 * transactions taking row locks in one order (no deadlock).
 */
export async function createBareCustomers(
  db: Executor,
  workspaceId: string,
  externalIds: readonly string[],
  now: number,
): Promise<void> {
  const sorted = [...externalIds].sort();
  for (let start = 0; start < sorted.length; start += EVENT_ROWS_PER_STATEMENT) {
    await db
      .insertInto('customer')
      .values(
        sorted.slice(start, start + EVENT_ROWS_PER_STATEMENT).map((externalId) => ({
          workspace_id: workspaceId,
          id: newId(now),
          external_id: externalId,
          email: null,
          name: null,
          phone: null,
          language: null,
          country: null,
          time_zone: null,
          consent_updated_at: null,
          signed_up_at: null,
          created_at: now,
          updated_at: now,
          erased_at: null,
        })),
      )
      .onConflict((conflict) => conflict.columns(['workspace_id', 'external_id']).doNothing())
      .execute();
  }
}

/** Profile columns an identify call may set; an absent key leaves the stored value alone. */
export interface CustomerProfileColumns {
  email?: string;
  name?: string;
  phone?: string;
  language?: string;
  country?: string;
  time_zone?: string;
  signed_up_at?: number;
}

/** What one identify call changes on one customer. */
export interface CustomerTraitUpdate {
  readonly customerId: string;
  readonly columns: CustomerProfileColumns;
  /** Merged key by key into the stored attributes (a key given here replaces the stored one). */
  readonly attributes: Readonly<Record<string, unknown>>;
}

/**
 * Applies identify traits to customers, in the order given (a later update of the same customer
 * wins key by key). Reads each customer's attributes once, merges in memory, writes once per
 * customer. Erased customers are left untouched: erasure must not be undone by a tracking call.
 *
 * O(customers) statements (identify calls are rare next to track calls).
 */
export async function applyCustomerTraits(
  db: Executor,
  workspaceId: string,
  updates: readonly CustomerTraitUpdate[],
  now: number,
): Promise<void> {
  const merged = new Map<string, { columns: CustomerProfileColumns; attributes: Record<string, unknown> }>();
  for (const update of updates) {
    const current = merged.get(update.customerId);
    if (current === undefined) {
      merged.set(update.customerId, { columns: { ...update.columns }, attributes: { ...update.attributes } });
    } else {
      Object.assign(current.columns, update.columns);
      Object.assign(current.attributes, update.attributes);
    }
  }
  const customerIds = [...merged.keys()].sort();
  for (const customerId of customerIds) {
    const change = merged.get(customerId)!;
    const row = await db
      .selectFrom('customer')
      .select(['attributes', 'erased_at'])
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', customerId)
      .executeTakeFirst();
    if (row === undefined || row.erased_at !== null) continue;
    const hasAttributes = Object.keys(change.attributes).length > 0;
    const attributes = hasAttributes
      ? toJson({ ...fromJson<Record<string, unknown>>(row.attributes as JsonText), ...change.attributes })
      : undefined;
    await db
      .updateTable('customer')
      .set({ ...change.columns, ...(attributes === undefined ? {} : { attributes }), updated_at: now })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', customerId)
      .execute();
  }
}
