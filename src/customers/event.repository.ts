/**
 * The `event` table: idempotent batch inserts (a repeated message id is stored once), the
 * paginated list and the per-customer reads and rewrites that privacy needs. Every query carries
 * the workspace predicate.
 */

import { dialectOf, type EventRow, type RowId, toJson } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { customerIdsByExternalId } from './customer.repository.js';
import type { InstantCursor } from './order.repository.js';
import { chunks, type Executor, type UpsertTarget, upsertRows } from './upsert-batch.js';

/** One behaviour event (Segment's track / identify / page …). */
export interface EventInput {
  /** The sender's deduplication id; an event whose message id is already stored is skipped. */
  readonly messageId?: string | null;
  /** The sender's user id: a customer's external id. Resolves `customer_id` when that customer exists. */
  readonly userId?: string | null;
  readonly anonymousId?: string | null;
  /** The stored customer, when the caller already resolved it (wins over `userId`). */
  readonly customerId?: RowId | null;
  readonly name: string;
  readonly properties?: Readonly<Record<string, unknown>>;
  readonly occurredAt: number;
  readonly receivedAt: number;
}

const EVENT_TARGET: UpsertTarget = {
  table: 'event',
  conflictColumns: ['workspace_id', 'message_id'],
  insertOnlyColumns: [],
  insertOnly: true,
};
const EVENT_COLUMNS = [
  'workspace_id',
  'message_id',
  'customer_id',
  'user_id',
  'anonymous_id',
  'name',
  'properties',
  'occurred_at',
  'received_at',
] as const;

/** What `insertEvents` did. */
export interface EventInsertResult {
  /** Events stored by this call. */
  readonly inserted: number;
  /**
   * With `reportNew`: the message ids this call stored, i.e. new to the workspace (a message id
   * already stored, or repeated earlier in the batch, is absent). Empty otherwise.
   */
  readonly newMessageIds: ReadonlySet<string>;
  /** With `newEventsNamed`: the events this call stored whose name is in that set. Empty otherwise. */
  readonly newEvents: readonly NewEvent[];
}

/** An event `insertEvents` stored, as `newEventsNamed` reports it. */
export interface NewEvent {
  readonly id: RowId;
  readonly name: string;
  readonly customerId: RowId | null;
}

/**
 * Inserts events, once per `(workspace_id, message_id)`: a message id already stored (or repeated
 * in the batch: the first wins) is skipped, so retried deliveries are harmless. Events without a
 * message id are always inserted. `customer_id` is `customerId` when given, else resolved from
 * `userId` against existing customers (unknown users stay unresolved; identify them first with
 * `upsertCustomers`). With `reportNew`, also says which message ids were new (`RETURNING`), which
 * is how the tracking endpoint applies an identify's traits exactly once. With `newEventsNamed`,
 * also returns the stored events of those names with their ids (one `RETURNING` in the same
 * statement): what flows record as trigger occurrences.
 *
 * O(rows): one statement per 5,000 events, plus one customer look-up when some rows name a
 * `userId` without a `customerId`. Ids are allocated by the database.
 * Example: `await insertEvents(db, ws, [{ messageId: 'm1', userId: 'c1', name: 'Signed Up',
 * occurredAt, receivedAt }], { reportNew: true })` → `{ inserted: 1, newMessageIds: Set { 'm1' } }`;
 * again → `{ inserted: 0, newMessageIds: Set {} }`.
 */
export async function insertEvents(
  db: Executor,
  workspaceId: number,
  rows: readonly EventInput[],
  options: {
    readonly now?: number;
    readonly reportNew?: boolean;
    readonly newEventsNamed?: ReadonlySet<string>;
  } = {},
): Promise<EventInsertResult> {
  let unresolved: string[] | null = null;
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index]!;
    if (typeof row.name !== 'string' || row.name === '') {
      throw new RetainError('invalid_input', 'Every event needs a name.', [
        { path: ['rows', index, 'name'], message: 'Required: a non-empty string.' },
      ]);
    }
    if (row.customerId == null && typeof row.userId === 'string') (unresolved ??= []).push(row.userId);
  }
  const customers =
    unresolved === null
      ? new Map<string, RowId>()
      : await customerIdsByExternalId(db, workspaceId, unresolved);
  const seen = new Set<string>();
  const values: unknown[][] = [];
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index]!;
    const messageId = row.messageId ?? null;
    if (messageId !== null) {
      if (seen.has(messageId)) continue;
      seen.add(messageId);
    }
    values.push([
      workspaceId,
      messageId,
      row.customerId ?? (row.userId == null ? null : (customers.get(row.userId) ?? null)),
      row.userId ?? null,
      row.anonymousId ?? null,
      row.name,
      toJson(row.properties ?? {}),
      row.occurredAt,
      row.receivedAt,
    ]);
  }
  const reportNew = options.reportNew === true;
  const named = options.newEventsNamed;
  const wantsEvents = named !== undefined && named.size > 0;
  const result = await upsertRows(db, dialectOf(db), EVENT_TARGET, EVENT_COLUMNS, values, {
    ...(reportNew ? { returning: 'message_id' } : {}),
    ...(wantsEvents ? { returningRows: ['id', 'name', 'customer_id'] } : {}),
  });
  const newMessageIds = new Set<string>();
  for (const messageId of result.returned) if (typeof messageId === 'string') newMessageIds.add(messageId);
  const newEvents: NewEvent[] = [];
  if (wantsEvents) {
    for (const row of result.returnedRows) {
      const name = row.name as string;
      if (!named.has(name)) continue;
      newEvents.push({
        id: Number(row.id),
        name,
        customerId: row.customer_id == null ? null : Number(row.customer_id),
      });
    }
  }
  return { inserted: result.written, newMessageIds, newEvents };
}

/**
 * `insertEvents` returning only the number stored. O(rows).
 * Example: `await upsertEvents(db, ws, [{ messageId: 'm1', name: 'Viewed', occurredAt, receivedAt }])`
 * → 1; again → 0.
 */
export async function upsertEvents(
  db: Executor,
  workspaceId: number,
  rows: readonly EventInput[],
  options: { readonly now?: number } = {},
): Promise<number> {
  return (await insertEvents(db, workspaceId, rows, options)).inserted;
}

/** Filters of the event list; the range is half-open `[from, to)` on `occurred_at`. */
export interface EventFilter {
  readonly customerId?: RowId;
  readonly name?: string;
  readonly from?: number;
  readonly to?: number;
}

/**
 * One page of events, latest first (occurred_at desc, id desc), strictly after `after` (keyset).
 * Fetches `limit + 1` rows so the caller knows whether more follow.
 */
export async function listEvents(
  db: Executor,
  workspaceId: number,
  filter: EventFilter,
  page: { readonly limit: number; readonly after?: InstantCursor },
): Promise<EventRow[]> {
  let query = db.selectFrom('event').selectAll().where('workspace_id', '=', workspaceId);
  if (filter.customerId !== undefined) query = query.where('customer_id', '=', filter.customerId);
  if (filter.name !== undefined) query = query.where('name', '=', filter.name);
  if (filter.from !== undefined) query = query.where('occurred_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('occurred_at', '<', filter.to);
  const after = page.after;
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('occurred_at', '<', after.at),
        eb.and([eb('occurred_at', '=', after.at), eb('id', '<', after.id)]),
      ]),
    );
  }
  return query
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .execute();
}

/**
 * Every event that is about one customer: those resolved to it, those sent with its external id
 * as user id (before the customer existed), and anonymous events sharing an anonymous id with any
 * of those (the pre-identification trail). Latest first. The privacy export and erasure use this
 * one definition, so they agree on what "the customer's events" are.
 */
export async function listEventsAboutCustomer(
  db: Executor,
  workspaceId: number,
  customer: { readonly id: RowId; readonly externalId: string | null },
): Promise<EventRow[]> {
  const direct = await db
    .selectFrom('event')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where((eb) =>
      customer.externalId === null
        ? eb('customer_id', '=', customer.id)
        : eb.or([eb('customer_id', '=', customer.id), eb('user_id', '=', customer.externalId)]),
    )
    .execute();
  const anonymousIds = [
    ...new Set(direct.flatMap((event) => (event.anonymous_id === null ? [] : [event.anonymous_id]))),
  ];
  const byId = new Map(direct.map((event) => [event.id, event]));
  for (const chunk of chunks(anonymousIds, 5_000)) {
    const linked = await db
      .selectFrom('event')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('anonymous_id', 'in', chunk)
      .where('customer_id', 'is', null)
      .where((eb) => eb.or([eb('user_id', 'is', null), eb('user_id', '=', customer.externalId ?? '')]))
      .execute();
    for (const event of linked) byId.set(event.id, event);
  }
  return [...byId.values()].sort((left, right) =>
    left.occurred_at === right.occurred_at ? right.id - left.id : right.occurred_at - left.occurred_at,
  );
}

/** The latest `limit` events resolved to one customer. */
export async function latestEventsOfCustomer(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
  limit: number,
): Promise<EventRow[]> {
  return db
    .selectFrom('event')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/**
 * Rewrites events for erasure: each listed event gets the customer, the pseudonymous user and
 * anonymous id, and its new (scrubbed) properties. One statement per event (an erasure touches one
 * customer's events only).
 */
export async function rewriteEvents(
  db: Executor,
  workspaceId: number,
  rewrites: readonly {
    readonly id: RowId;
    readonly customerId: RowId;
    readonly userId: string;
    readonly anonymousId: string | null;
    readonly properties: Record<string, unknown>;
  }[],
): Promise<void> {
  for (const rewrite of rewrites) {
    await db
      .updateTable('event')
      .set({
        customer_id: rewrite.customerId,
        user_id: rewrite.userId,
        anonymous_id: rewrite.anonymousId,
        properties: toJson(rewrite.properties),
      })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', rewrite.id)
      .execute();
  }
}
