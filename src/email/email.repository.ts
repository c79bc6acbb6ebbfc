/**
 * The e-mail tables (migration 010): the only code that queries them. Every statement names the
 * workspace.
 */
import { createHash } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import {
  type Database,
  dialectOf,
  type EmailCategory,
  type EmailMessageRow,
  type EmailStatus,
  inWriteTransaction,
  type JsonText,
  type RowId,
  type SuppressionReason,
} from '../db/index.js';

/** A connection or a transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;

/** The columns of a new message. */
export interface NewMessage {
  readonly workspaceId: number;
  readonly customerId: RowId;
  readonly dedupeKey: string;
  readonly category: EmailCategory;
  readonly originKind: string | null;
  readonly originFlowId: string | null;
  readonly origin: JsonText<Record<string, unknown>> | null;
  readonly status: EmailStatus;
  readonly skipReason: string | null;
  readonly toAddress: string | null;
  readonly sendAfter: number;
  readonly now: number;
}

/**
 * Inserts a message unless the workspace already has its dedupe key: returns the new id, or
 * `undefined` on a duplicate (the unique key decides, so racing callers insert one row).
 */
export async function insertMessage(db: Executor, message: NewMessage): Promise<RowId | undefined> {
  const row = await db
    .insertInto('email_message')
    .values({
      workspace_id: message.workspaceId,
      customer_id: message.customerId,
      dedupe_key: message.dedupeKey,
      category: message.category,
      origin_kind: message.originKind,
      origin_flow_id: message.originFlowId,
      origin: message.origin,
      status: message.status,
      skip_reason: message.skipReason,
      to_address: message.toAddress,
      send_after: message.sendAfter,
      created_at: message.now,
      updated_at: message.now,
    })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'dedupe_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

/** The message with this dedupe key. */
export async function findMessageByDedupeKey(
  db: Executor,
  workspaceId: number,
  dedupeKey: string,
): Promise<EmailMessageRow | undefined> {
  return db
    .selectFrom('email_message')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('dedupe_key', '=', dedupeKey)
    .executeTakeFirst();
}

export async function findMessage(
  db: Executor,
  workspaceId: number,
  id: RowId,
): Promise<EmailMessageRow | undefined> {
  return db
    .selectFrom('email_message')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Column changes of a message. */
export type MessageChanges = Partial<
  Omit<EmailMessageRow, 'workspace_id' | 'id' | 'customer_id' | 'dedupe_key'>
>;

/**
 * Updates a message while it is in one of `fromStatuses` (a compare-and-set: two workers cannot
 * both move it); returns whether it moved.
 */
export async function updateMessage(
  db: Executor,
  workspaceId: number,
  id: RowId,
  fromStatuses: readonly EmailStatus[],
  changes: MessageChanges,
): Promise<boolean> {
  const result = await db
    .updateTable('email_message')
    .set(changes)
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('status', 'in', fromStatuses)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Statuses of a message that went, or is going, to the recipient (what frequency caps count). */
export const GOING_STATUSES: readonly EmailStatus[] = ['queued', 'sending', 'sent', 'outbox', 'unknown'];

/**
 * Whether the address hash is suppressed and, when `windows` are given, how many marketing
 * messages of the customer going or gone have their send instant (sent, else planned) in each
 * window (`(from, to)`), this one (`exceptId`) left out: one statement, the counts served by the
 * `(workspace_id, customer_id, created_at)` index.
 */
export async function suppressionAndCaps(
  db: Executor,
  workspaceId: number,
  suppressionHash: string,
  caps: {
    readonly customerId: RowId;
    readonly windows: readonly { readonly from: number; readonly to: number }[];
    readonly exceptId: RowId | null;
  } | null,
): Promise<{ suppressed: boolean; counts: number[] }> {
  const at = sql<number>`coalesce(m.sent_at, m.send_after)`;
  const windows = caps?.windows ?? [];
  const earliest = windows.length === 0 ? 0 : Math.min(...windows.map((window) => window.from));
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .exists(
          eb
            .selectFrom('email_suppression as s')
            .select('s.id')
            .where('s.workspace_id', '=', workspaceId)
            .where('s.address_hash', '=', suppressionHash),
        )
        .as('suppressed'),
      ...windows.map((window, index) =>
        eb
          .selectFrom('email_message as m')
          .select(sql<number>`count(*)`.as('count'))
          .where('m.workspace_id', '=', workspaceId)
          .where('m.customer_id', '=', caps?.customerId ?? 0)
          .where('m.category', '=', 'marketing')
          .where('m.status', 'in', GOING_STATUSES)
          // The index's range: a row created over a month before the earliest window cannot count.
          .where('m.created_at', '>', earliest - 31 * 86_400_000)
          .where(at, '>', window.from)
          .where(at, '<', window.to)
          .$if(caps?.exceptId !== null && caps?.exceptId !== undefined, (query) =>
            query.where('m.id', '<>', caps?.exceptId ?? 0),
          )
          .as(`w${index}`),
      ),
    ])
    .executeTakeFirstOrThrow();
  const values = row as Record<string, unknown>;
  const suppressed = values.suppressed === true || Number(values.suppressed) === 1;
  return { suppressed, counts: windows.map((_, index) => Number(values[`w${index}`] ?? 0)) };
}

/** Filters of the message list. */
export interface MessageFilter {
  readonly status?: EmailStatus;
  readonly customerId?: RowId;
  readonly flowId?: string;
  readonly originKind?: string;
}

/** A page of messages, newest first, after the cursor id (exclusive). */
export async function listMessages(
  db: Executor,
  workspaceId: number,
  filter: MessageFilter,
  page: { readonly limit: number; readonly beforeId?: RowId },
): Promise<EmailMessageRow[]> {
  return db
    .selectFrom('email_message')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .$if(filter.status !== undefined, (query) => query.where('status', '=', filter.status ?? 'queued'))
    .$if(filter.customerId !== undefined, (query) => query.where('customer_id', '=', filter.customerId ?? 0))
    .$if(filter.flowId !== undefined, (query) => query.where('origin_flow_id', '=', filter.flowId ?? ''))
    .$if(filter.originKind !== undefined, (query) => query.where('origin_kind', '=', filter.originKind ?? ''))
    .$if(page.beforeId !== undefined, (query) => query.where('id', '<', page.beforeId ?? 0))
    .orderBy('id', 'desc')
    .limit(page.limit)
    .execute();
}

/** Messages by status (all of the workspace, or one flow's). */
export async function countMessagesByStatus(
  db: Executor,
  workspaceId: number,
  flowId: string | null,
): Promise<{
  byStatus: Partial<Record<EmailStatus, number>>;
  opened: number;
  clicked: number;
  unsubscribed: number;
}> {
  const rows = await db
    .selectFrom('email_message')
    .select([
      'status',
      (eb) => eb.fn.countAll<number>().as('count'),
      (eb) => eb.fn.count<number>('opened_at').as('opened'),
      (eb) => eb.fn.count<number>('clicked_at').as('clicked'),
      (eb) => eb.fn.count<number>('unsubscribed_at').as('unsubscribed'),
    ])
    .where('workspace_id', '=', workspaceId)
    .$if(flowId !== null, (query) => query.where('origin_flow_id', '=', flowId ?? ''))
    .groupBy('status')
    .execute();
  const byStatus: Partial<Record<EmailStatus, number>> = {};
  let opened = 0;
  let clicked = 0;
  let unsubscribed = 0;
  for (const row of rows) {
    byStatus[row.status] = Number(row.count);
    opened += Number(row.opened);
    clicked += Number(row.clicked);
    unsubscribed += Number(row.unsubscribed);
  }
  return { byStatus, opened, clicked, unsubscribed };
}

/** Whether the address hash is suppressed in the workspace. */
export async function isSuppressed(db: Executor, workspaceId: number, hash: string): Promise<boolean> {
  const row = await db
    .selectFrom('email_suppression')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('address_hash', '=', hash)
    .executeTakeFirst();
  return row !== undefined;
}

/** Adds a suppression (the first reason stays); returns whether it is new. */
export async function insertSuppression(
  db: Executor,
  workspaceId: number,
  suppression: {
    readonly hash: string;
    readonly reason: SuppressionReason;
    readonly source: string;
    readonly now: number;
  },
): Promise<boolean> {
  const row = await db
    .insertInto('email_suppression')
    .values({
      workspace_id: workspaceId,
      address_hash: suppression.hash,
      reason: suppression.reason,
      source: suppression.source,
      created_at: suppression.now,
    })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'address_hash']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Removes a suppression; returns whether there was one. */
export async function deleteSuppression(db: Executor, workspaceId: number, hash: string): Promise<boolean> {
  const result = await db
    .deleteFrom('email_suppression')
    .where('workspace_id', '=', workspaceId)
    .where('address_hash', '=', hash)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** A page of suppressions, newest first. */
export async function listSuppressions(
  db: Executor,
  workspaceId: number,
  page: { readonly limit: number; readonly beforeId?: RowId; readonly hash?: string },
) {
  return db
    .selectFrom('email_suppression')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .$if(page.hash !== undefined, (query) => query.where('address_hash', '=', page.hash ?? ''))
    .$if(page.beforeId !== undefined, (query) => query.where('id', '<', page.beforeId ?? 0))
    .orderBy('id', 'desc')
    .limit(page.limit)
    .execute();
}

/** Appends a consent record. */
export async function insertConsent(
  db: Executor,
  workspaceId: number,
  record: {
    readonly customerId: RowId;
    readonly granted: boolean;
    readonly source: string;
    readonly messageId: RowId | null;
    readonly detail: string | null;
    readonly at: number;
  },
): Promise<void> {
  await db
    .insertInto('email_consent')
    .values({
      workspace_id: workspaceId,
      customer_id: record.customerId,
      granted: record.granted ? 1 : 0,
      source: record.source,
      message_id: record.messageId,
      detail: record.detail,
      at: record.at,
    })
    .execute();
}

/** The customer's consent records, newest first (at most 1,000). */
export async function listConsents(db: Executor, workspaceId: number, customerId: RowId) {
  return db
    .selectFrom('email_consent')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .orderBy('id', 'desc')
    .limit(1_000)
    .execute();
}

/**
 * Erasure: removes the customer's address and every message's contents (they hold the person's
 * name, address, purchases), keeping statuses and counts; consent records keep no personal data
 * beyond the link to the (anonymised) customer, and stay as proof. Returns messages scrubbed.
 */
export async function scrubMessagesOfCustomer(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
  now: number,
): Promise<number> {
  const result = await db
    .updateTable('email_message')
    .set({
      to_address: null,
      subject: null,
      html: null,
      text_body: null,
      smtp_response: null,
      last_error: null,
      updated_at: now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  await db
    .updateTable('email_consent')
    .set({ detail: null })
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .execute();
  return Number(result.numUpdatedRows);
}

// ——— Batches (email-bulk.ts, email-dispatch.ts): one statement for many messages. ———

/**
 * Inserts many messages of one workspace in one statement, skipping dedupe keys the workspace
 * already has (the unique key decides, so racing callers insert each key once): returns the new
 * ids by dedupe key (a duplicate is absent).
 */
export async function insertMessages(
  db: Executor,
  messages: readonly NewMessage[],
): Promise<Map<string, RowId>> {
  const ids = new Map<string, RowId>();
  if (messages.length === 0) return ids;
  const rows = await db
    .insertInto('email_message')
    .values(
      messages.map((message) => ({
        workspace_id: message.workspaceId,
        customer_id: message.customerId,
        dedupe_key: message.dedupeKey,
        category: message.category,
        origin_kind: message.originKind,
        origin_flow_id: message.originFlowId,
        origin: message.origin,
        status: message.status,
        skip_reason: message.skipReason,
        to_address: message.toAddress,
        send_after: message.sendAfter,
        created_at: message.now,
        updated_at: message.now,
      })),
    )
    .onConflict((conflict) => conflict.columns(['workspace_id', 'dedupe_key']).doNothing())
    .returning(['id', 'dedupe_key'])
    .execute();
  for (const row of rows) ids.set(row.dedupe_key, Number(row.id));
  return ids;
}

/** The ids of the workspace's messages with these dedupe keys, by key. */
export async function findMessageIdsByDedupeKeys(
  db: Executor,
  workspaceId: number,
  dedupeKeys: readonly string[],
): Promise<Map<string, RowId>> {
  const ids = new Map<string, RowId>();
  if (dedupeKeys.length === 0) return ids;
  const rows = await db
    .selectFrom('email_message')
    .select(['id', 'dedupe_key'])
    .where('workspace_id', '=', workspaceId)
    .where('dedupe_key', 'in', dedupeKeys)
    .execute();
  for (const row of rows) ids.set(row.dedupe_key, Number(row.id));
  return ids;
}

/** The rendered content of a queued message. */
export interface RenderedContent {
  readonly id: RowId;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly fromAddress: string;
  readonly smtpMessageId: string;
}

/**
 * Writes each queued message's rendered content, one `UPDATE … FROM (VALUES …)` statement for all
 * (PostgreSQL and SQLite ≥ 3.33 alike; `VALUES` columns are `column1`, `column2`… on both).
 */
export async function writeRenderedContents(
  db: Executor,
  workspaceId: number,
  contents: readonly RenderedContent[],
): Promise<void> {
  if (contents.length === 0) return;
  const values = sql.join(
    contents.map(
      (content) =>
        sql`(cast(${content.id} as bigint), ${content.subject}, ${content.html}, ${content.text}, ${content.fromAddress}, ${content.smtpMessageId})`,
    ),
  );
  await sql`update email_message set subject = v.column2, html = v.column3, text_body = v.column4,
      from_address = v.column5, smtp_message_id = v.column6
    from (values ${values}) as v
    where email_message.workspace_id = ${workspaceId} and email_message.id = v.column1
      and email_message.status = 'queued'`.execute(db);
}

/** Which of these address hashes the workspace suppresses (one statement). */
export async function findSuppressedHashes(
  db: Executor,
  workspaceId: number,
  hashes: readonly string[],
): Promise<Set<string>> {
  if (hashes.length === 0) return new Set();
  const rows = await db
    .selectFrom('email_suppression')
    .select('address_hash')
    .where('workspace_id', '=', workspaceId)
    .where('address_hash', 'in', [...new Set(hashes)])
    .execute();
  return new Set(rows.map((row) => row.address_hash));
}

/**
 * The send instants (sent, else planned) in `(from, to)` of the marketing messages going or gone
 * (`GOING_STATUSES`) to each of these customers, `exceptIds` left out: what frequency caps count,
 * for many customers in one statement (the `(workspace_id, customer_id, created_at)` index).
 */
export async function marketingInstantsOf(
  db: Executor,
  workspaceId: number,
  customerIds: readonly RowId[],
  window: { readonly from: number; readonly to: number },
  exceptIds: readonly RowId[] = [],
): Promise<Map<RowId, number[]>> {
  const instants = new Map<RowId, number[]>();
  if (customerIds.length === 0) return instants;
  const at = sql<number>`coalesce(sent_at, send_after)`;
  const rows = await db
    .selectFrom('email_message')
    .select(['customer_id', at.as('at')])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', 'in', [...new Set(customerIds)])
    .where('category', '=', 'marketing')
    .where('status', 'in', GOING_STATUSES)
    .where('created_at', '>', window.from - 31 * 86_400_000)
    .where(at, '>', window.from)
    .where(at, '<', window.to)
    .$if(exceptIds.length > 0, (query) => query.where('id', 'not in', exceptIds))
    .execute();
  for (const row of rows) {
    const customerId = Number(row.customer_id);
    const list = instants.get(customerId) ?? [];
    list.push(Number(row.at));
    instants.set(customerId, list);
  }
  return instants;
}

/**
 * Up to `limit` queued messages of the workspace due at `now`, oldest first (by id: the
 * `(workspace_id, status, id)` index's order, so no sort of every queued row).
 */
export async function findDueMessages(
  db: Executor,
  workspaceId: number,
  now: number,
  limit: number,
): Promise<EmailMessageRow[]> {
  return db
    .selectFrom('email_message')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'queued')
    .where('send_after', '<=', now)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** `updateMessage` for many messages (one statement); returns how many moved. */
export async function updateMessages(
  db: Executor,
  workspaceId: number,
  ids: readonly RowId[],
  fromStatuses: readonly EmailStatus[],
  changes: MessageChanges,
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db
    .updateTable('email_message')
    .set(changes)
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', ids)
    .where('status', 'in', fromStatuses)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The advisory-lock key of a customer's frequency-cap turn: 64 bits of a hash (signed, as PostgreSQL's bigint). */
function capLockKey(workspaceId: number, customerId: RowId): bigint {
  return createHash('sha256')
    .update(`retain:email-cap:${workspaceId}:${customerId}`)
    .digest()
    .readBigInt64BE(0);
}

/**
 * Runs `work` — a frequency-cap decision and the claim (or outbox record) that acts on it, or at
 * queue time the insert of the queued or skipped row — as one transaction holding the cap turn of
 * these customers, so two senders (two dispatch jobs, a dispatch and an `email.send` job, two
 * server processes on one database) or two queueing callers never both count a customer's
 * messages before either has claimed or queued one. A claim writes its hand-over instant to
 * `send_after`, so the next turn counts the message being sent at that instant, not at the
 * instant it was planned (which may be outside the cap's window for a message sent late).
 *
 * PostgreSQL: a transaction-scoped advisory lock per workspace and customer, taken in key order
 * (two senders with overlapping customers cannot deadlock) and released at commit. SQLite: `BEGIN
 * IMMEDIATE` — one writer at a time, and another process waits for it (busy_timeout) rather than
 * failing when its read snapshot turns stale at its first write.
 */
export async function withCapTurn<T>(
  db: Kysely<Database>,
  workspaceId: number,
  customerIds: readonly RowId[],
  work: (trx: Executor) => Promise<T>,
): Promise<T> {
  return inWriteTransaction(db, async (trx) => {
    if (dialectOf(db) === 'postgres') {
      const keys = [...new Set(customerIds.map((customerId) => capLockKey(workspaceId, customerId)))]
        .sort((left, right) => (left < right ? -1 : left > right ? 1 : 0))
        .map(String);
      // `unnest … with ordinality` hands the keys over in array order: the locks are taken sorted.
      if (keys.length > 0)
        await sql`select count(pg_advisory_xact_lock(u.k)) from unnest(cast(${keys} as bigint[]))
          with ordinality as u(k, n)`.execute(trx);
    }
    return work(trx);
  });
}

/**
 * Claims queued messages for sending, one statement: each still `queued` becomes `sending` under
 * a lease ending at `until` (written before any SMTP call), its attempts counted. Returns the rows
 * claimed (a message another sender took meanwhile is absent).
 */
export async function claimMessages(
  db: Executor,
  workspaceId: number,
  ids: readonly RowId[],
  now: number,
  until: number,
): Promise<EmailMessageRow[]> {
  if (ids.length === 0) return [];
  return db
    .updateTable('email_message')
    .set((eb) => ({
      status: 'sending',
      attempts: eb('attempts', '+', 1),
      // The hand-over instant: what frequency caps count until `sent_at` is written (see withCapTurn).
      send_after: now,
      sending_until: until,
      updated_at: now,
    }))
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', ids)
    .where('status', '=', 'queued')
    .returningAll()
    .execute();
}

/**
 * Records the SMTP server's acceptance of many messages, one statement (each still `sending`:
 * one the sweeper declared `unknown` meanwhile stays so). Returns how many were recorded.
 */
export async function recordSentMessages(
  db: Executor,
  workspaceId: number,
  accepted: readonly { readonly id: RowId; readonly response: string }[],
  now: number,
): Promise<number> {
  if (accepted.length === 0) return 0;
  const values = sql.join(
    accepted.map((message) => sql`(cast(${message.id} as bigint), ${message.response.slice(0, 1_000)})`),
  );
  const result = await sql`update email_message set status = 'sent', sent_at = ${now},
      sending_until = null, smtp_response = v.column2, last_error = null, updated_at = ${now}
    from (values ${values}) as v
    where email_message.workspace_id = ${workspaceId} and email_message.id = v.column1
      and email_message.status = 'sending'`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * Messages `sending` whose lease ended before `now`: their sender stopped between the claim and
 * the recorded answer. They become `unknown` (not sent again: at most once). Returns how many.
 */
export async function expireSendingMessages(
  db: Executor,
  workspaceId: number,
  now: number,
  lastError: string,
): Promise<number> {
  const result = await db
    .updateTable('email_message')
    .set({ status: 'unknown', sending_until: null, last_error: lastError, updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'sending')
    .where('sending_until', '<', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The earliest planned instant of the workspace's queued messages, and whether any is sending. */
export async function pendingMessages(
  db: Executor,
  workspaceId: number,
): Promise<{ nextQueuedAt: number | null; sending: number }> {
  const row = await db
    .selectFrom('email_message')
    .select((eb) => [
      eb.fn.min(eb.case().when('status', '=', 'queued').then(eb.ref('send_after')).end()).as('next'),
      eb.fn.sum<number>(eb.case().when('status', '=', 'sending').then(1).else(0).end()).as('sending'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('status', 'in', ['queued', 'sending'])
    .executeTakeFirstOrThrow();
  return {
    nextQueuedAt: row.next === null || row.next === undefined ? null : Number(row.next),
    sending: Number(row.sending ?? 0),
  };
}
