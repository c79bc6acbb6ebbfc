/**
 * The ledger tables of migration 012 — `loyalty_programme`, `loyalty_account`, `loyalty_entry`,
 * `loyalty_request`, `loyalty_order` — and the only code that queries them. Every statement
 * carries the workspace.
 *
 * The ledger's rules, kept here so no caller can break them:
 * - entries are only ever inserted; the account row is changed in the same transaction by the
 *   same amount (`balance` = the sum of the customer's settled entries, `pending` = the sum of the
 *   pending ones);
 * - a debit is one conditional UPDATE (`balance = balance - n WHERE balance >= n`), checked by the
 *   rows it changed, so two concurrent debits can never both pass on a balance that covers one
 *   (PostgreSQL re-checks the condition on the row it waited for; SQLite runs one writer at a
 *   time); the CHECK `balance >= 0` is the second guard;
 * - every entry's idempotency key is unique per workspace: a second write with the key inserts
 *   nothing.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import {
  type Database,
  type DialectName,
  dialectOf,
  fromJson,
  inWriteTransaction,
  type LoyaltyEntryKind,
  type RowId,
  toJson,
} from '../db/index.js';
import { type LoyaltySettings, readSettings } from './loyalty-settings.js';

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * Runs `work` in a write transaction holding the write lock from its start: PostgreSQL's ordinary
 * (read committed) transaction — each debit's conditional UPDATE locks the account row it changes
 * — or SQLite's `BEGIN IMMEDIATE` on the one connection, so another process waits for the lock
 * (busy_timeout) instead of failing when a read snapshot turns stale at its first write.
 */
export async function inLedgerTransaction<T>(
  db: Kysely<Database>,
  work: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return inWriteTransaction(db, work);
}

/**
 * Where the settings document keeps the earning job's cursor over tracked order events (the
 * highest `event.id` read). Migration 012 has columns for the order and refund cursors only; this
 * one lives beside the rules, is never shown (the settings schema drops it) and is kept when the
 * rules are replaced.
 */
const EVENTS_CURSOR_KEY = '$eventsReadThrough';

/** The programme of a workspace as the services see it. */
export interface Programme {
  readonly settings: LoyaltySettings;
  readonly storefrontSecret: string;
  readonly ordersReadThrough: number;
  readonly refundsReadThrough: number;
  readonly eventsReadThrough: number;
}

/** A new storefront secret: 32 random bytes, base64url. */
export function newStorefrontSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The workspace's programme, created with the default rules when it has none (the first ledger
 * write or settings read makes it). The order and refund cursors of a new programme start at the
 * newest order and refund: orders placed before it existed do not earn.
 */
export async function ensureProgramme(db: Executor, workspaceId: number, now: number): Promise<Programme> {
  const found = await findProgramme(db, workspaceId);
  if (found !== undefined) return found;
  const latestOrder = await db
    .selectFrom('customer_order')
    .select((eb) => eb.fn.max<number>('id').as('id'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  const latestRefund = await db
    .selectFrom('refund')
    .select((eb) => eb.fn.max<number>('id').as('id'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  const latestEvent = await db
    .selectFrom('event')
    .select((eb) => eb.fn.max<number>('id').as('id'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  await db
    .insertInto('loyalty_programme')
    .values({
      workspace_id: workspaceId,
      settings: toJson({ [EVENTS_CURSOR_KEY]: Number(latestEvent?.id ?? 0) }),
      storefront_secret: newStorefrontSecret(),
      orders_read_through: Number(latestOrder?.id ?? 0),
      refunds_read_through: Number(latestRefund?.id ?? 0),
      created_at: now,
      updated_at: now,
    })
    .onConflict((conflict) => conflict.column('workspace_id').doNothing())
    .execute();
  const created = await findProgramme(db, workspaceId);
  if (created === undefined) throw new Error('The loyalty programme row vanished after its insert');
  return created;
}

export async function findProgramme(db: Executor, workspaceId: number): Promise<Programme | undefined> {
  const row = await db
    .selectFrom('loyalty_programme')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const stored = fromJson<Record<string, unknown>>(row.settings);
  return {
    settings: readSettings(stored),
    storefrontSecret: row.storefront_secret,
    ordersReadThrough: Number(row.orders_read_through),
    refundsReadThrough: Number(row.refunds_read_through),
    eventsReadThrough: Number(stored[EVENTS_CURSOR_KEY] ?? 0),
  };
}

/**
 * Replaces the stored rules (as given: defaults are filled when read), keeping the events cursor.
 * Run it in a ledger transaction (the cursor is read, then written back).
 */
export async function writeProgrammeSettings(
  db: Executor,
  workspaceId: number,
  settings: Record<string, unknown>,
  now: number,
): Promise<void> {
  const current = await findProgramme(db, workspaceId);
  await db
    .updateTable('loyalty_programme')
    .set({
      settings: toJson({ ...settings, [EVENTS_CURSOR_KEY]: current?.eventsReadThrough ?? 0 }),
      updated_at: now,
    })
    .where('workspace_id', '=', workspaceId)
    .execute();
}

/** Moves the events cursor (inside the ledger transaction that earned the events read). */
export async function advanceEventsCursor(db: Executor, workspaceId: number, eventId: number): Promise<void> {
  const row = await db
    .selectFrom('loyalty_programme')
    .select('settings')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  if (row === undefined) return;
  const stored = fromJson<Record<string, unknown>>(row.settings);
  await db
    .updateTable('loyalty_programme')
    .set({ settings: toJson({ ...stored, [EVENTS_CURSOR_KEY]: eventId }) })
    .where('workspace_id', '=', workspaceId)
    .execute();
}

export async function rotateStorefrontSecret(
  db: Executor,
  workspaceId: number,
  now: number,
): Promise<string> {
  const secret = newStorefrontSecret();
  await db
    .updateTable('loyalty_programme')
    .set({ storefront_secret: secret, updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .execute();
  return secret;
}

export async function advanceReadCursors(
  db: Executor,
  workspaceId: number,
  cursors: { readonly orders?: number; readonly refunds?: number },
): Promise<void> {
  if (cursors.orders === undefined && cursors.refunds === undefined) return;
  await db
    .updateTable('loyalty_programme')
    .set({
      ...(cursors.orders === undefined ? {} : { orders_read_through: cursors.orders }),
      ...(cursors.refunds === undefined ? {} : { refunds_read_through: cursors.refunds }),
    })
    .where('workspace_id', '=', workspaceId)
    .execute();
}

/** A customer's cached position. */
export interface Account {
  readonly customerId: RowId;
  readonly balance: number;
  readonly pending: number;
  readonly debt: number;
  readonly earned: number;
  readonly tier: string | null;
  readonly tierSince: number | null;
  readonly referralCode: string | null;
  readonly lastActivityAt: number | null;
  readonly createdAt: number;
}

const EMPTY_ACCOUNT = {
  balance: 0,
  pending: 0,
  debt: 0,
  earned: 0,
  tier: null,
  tierSince: null,
  referralCode: null,
  lastActivityAt: null,
} as const;

/** The customer's account, or an empty one (not stored) when the customer has none yet. */
export async function findAccount(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
): Promise<Account | undefined> {
  const row = await db
    .selectFrom('loyalty_account')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    customerId: row.customer_id,
    balance: Number(row.balance),
    pending: Number(row.pending),
    debt: Number(row.debt),
    earned: Number(row.earned),
    tier: row.tier,
    tierSince: row.tier_since,
    referralCode: row.referral_code,
    lastActivityAt: row.last_activity_at,
    createdAt: row.created_at,
  };
}

export function emptyAccount(customerId: RowId, now: number): Account {
  return { customerId, ...EMPTY_ACCOUNT, createdAt: now };
}

/**
 * Whether the customer is live (not erased), read under a key-share lock on PostgreSQL: erasure
 * holds the row `FOR UPDATE` (privacy.service.ts), so a write that adds points waits for an
 * erasure in progress and then sees it, and an erasure that starts later waits for the write (and
 * forfeits its points). SQLite's ledger transaction holds the write lock from its start, so the
 * plain read is enough there. Call it inside the ledger transaction, before any credit.
 */
export async function lockLiveCustomer(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
): Promise<boolean> {
  const row = await db
    .selectFrom('customer')
    .select('erased_at')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', customerId)
    .$if(dialectOf(db) === 'postgres', (query) => query.forKeyShare())
    .executeTakeFirst();
  return row !== undefined && row.erased_at === null;
}

/** Makes the customer's account row if it has none (a no-op otherwise). */
export async function ensureAccount(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
  now: number,
): Promise<void> {
  await db
    .insertInto('loyalty_account')
    .values({ workspace_id: workspaceId, customer_id: customerId, created_at: now, updated_at: now })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'customer_id']).doNothing())
    .execute();
}

/** One ledger entry as the API shows it. */
export interface Entry {
  readonly id: RowId;
  readonly customerId: RowId;
  readonly kind: LoyaltyEntryKind;
  readonly points: number;
  readonly pending: boolean;
  readonly availableAt: number | null;
  readonly reason: string | null;
  readonly source: string;
  readonly sourceRef: string | null;
  readonly createdAt: number;
}

export interface NewEntry {
  readonly customerId: RowId;
  readonly kind: LoyaltyEntryKind;
  /** Signed: positive credits, negative debits. Never 0. */
  readonly points: number;
  readonly pending?: boolean;
  readonly availableAt?: number | null;
  readonly reason?: string | null;
  readonly source: string;
  readonly sourceRef?: string | null;
  readonly orderId?: RowId | null;
  /** Unique per workspace (`<source>:<key>`). */
  readonly idempotencyKey: string;
  readonly now: number;
}

/** Inserts an entry; `undefined` when one with its idempotency key exists (nothing inserted). */
async function insertEntry(db: Executor, workspaceId: number, entry: NewEntry): Promise<Entry | undefined> {
  const row = await db
    .insertInto('loyalty_entry')
    .values({
      workspace_id: workspaceId,
      customer_id: entry.customerId,
      kind: entry.kind,
      points: entry.points,
      pending: entry.pending ? 1 : 0,
      available_at: entry.availableAt ?? null,
      reason: entry.reason ?? null,
      source: entry.source,
      source_ref: entry.sourceRef ?? null,
      order_id: entry.orderId ?? null,
      idempotency_key: entry.idempotencyKey,
      created_at: entry.now,
    })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'idempotency_key']).doNothing())
    .returning(['id'])
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    id: row.id,
    customerId: entry.customerId,
    kind: entry.kind,
    points: entry.points,
    pending: entry.pending ?? false,
    availableAt: entry.availableAt ?? null,
    reason: entry.reason ?? null,
    source: entry.source,
    sourceRef: entry.sourceRef ?? null,
    createdAt: entry.now,
  };
}

/** Whether an entry with this idempotency key exists. */
export async function entryKeyExists(db: Executor, workspaceId: number, key: string): Promise<boolean> {
  const row = await db
    .selectFrom('loyalty_entry')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  return row !== undefined;
}

/** The outcome of a credit: the entry (undefined when its key was used) and the debt it paid off. */
export interface CreditOutcome {
  readonly entry: Entry | undefined;
  readonly absorbed: number;
  /** The account after a pending credit (read back by the same statement); else not read. */
  readonly position?: { readonly balance: number; readonly pending: number };
}

/**
 * Adds `entry.points` (> 0) to the customer: to `pending` when the entry is pending, else to the
 * balance — less the debt it pays off first (written as a `reverse` entry of that many points, so
 * the balance stays the sum of the settled entries). `earned` grows by the points of `earn`
 * entries. Inside a ledger transaction.
 */
export async function credit(db: Executor, workspaceId: number, entry: NewEntry): Promise<CreditOutcome> {
  if (!(entry.points > 0)) throw new RangeError(`A credit needs points > 0, not ${entry.points}`);
  const inserted = await insertEntry(db, workspaceId, entry);
  if (inserted === undefined) return { entry: undefined, absorbed: 0 };
  const earned = entry.kind === 'earn' ? entry.points : 0;
  if (entry.pending) {
    // One statement makes or updates the account and reads it back (the hot path of earning).
    const row = await db
      .insertInto('loyalty_account')
      .values({
        workspace_id: workspaceId,
        customer_id: entry.customerId,
        pending: entry.points,
        earned,
        last_activity_at: entry.now,
        created_at: entry.now,
        updated_at: entry.now,
      })
      .onConflict((conflict) =>
        conflict.columns(['workspace_id', 'customer_id']).doUpdateSet((eb) => ({
          pending: eb('loyalty_account.pending', '+', entry.points),
          earned: eb('loyalty_account.earned', '+', earned),
          last_activity_at: entry.now,
          updated_at: entry.now,
        })),
      )
      .returning(['balance', 'pending'])
      .executeTakeFirstOrThrow();
    return {
      entry: inserted,
      absorbed: 0,
      position: { balance: Number(row.balance), pending: Number(row.pending) },
    };
  }
  await ensureAccount(db, workspaceId, entry.customerId, entry.now);
  const absorbed = await settle(db, workspaceId, entry.customerId, entry.points, {
    earned,
    now: entry.now,
    absorbKey: `debt:${inserted.id}`,
  });
  return { entry: inserted, absorbed };
}

/**
 * Moves `points` (> 0) of settled credit into the balance, paying the debt off first (a `reverse`
 * entry keyed `absorbKey` for the part that goes to the debt). Returns the points absorbed.
 */
async function settle(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
  points: number,
  options: {
    readonly earned: number;
    readonly now: number;
    readonly absorbKey: string;
    readonly pendingMoved?: number;
  },
): Promise<number> {
  const account = await lockAccount(db, workspaceId, customerId);
  const absorbed = Math.min(account.debt, points);
  await db
    .updateTable('loyalty_account')
    .set((eb) => ({
      balance: eb('balance', '+', points - absorbed),
      debt: eb('debt', '-', absorbed),
      pending: eb('pending', '-', options.pendingMoved ?? 0),
      earned: eb('earned', '+', options.earned),
      last_activity_at: options.now,
      updated_at: options.now,
    }))
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .execute();
  if (absorbed > 0) {
    await insertEntry(db, workspaceId, {
      customerId,
      kind: 'reverse',
      points: -absorbed,
      reason: 'Absorbs points reversed by an earlier refund that the balance did not cover',
      source: 'refund',
      idempotencyKey: options.absorbKey,
      now: options.now,
    });
  }
  return absorbed;
}

/** The account's debt, read with a row lock on PostgreSQL (SQLite: the transaction holds the write lock). */
async function lockAccount(db: Executor, workspaceId: number, customerId: RowId): Promise<{ debt: number }> {
  const row = await db
    .selectFrom('loyalty_account')
    .select(['debt'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .$if(dialectOf(db) === 'postgres', (query) => query.forUpdate())
    .executeTakeFirst();
  return { debt: Number(row?.debt ?? 0) };
}

/** The outcome of a debit. */
export type DebitOutcome =
  | { readonly ok: true; readonly entry: Entry | undefined }
  | { readonly ok: false; readonly balance: number };

/**
 * Takes `-entry.points` (entry.points < 0) from the balance with one conditional UPDATE; when the
 * balance does not cover it nothing changes and the outcome says so (with the balance read after).
 * `earned` shrinks by the points of a `reverse` entry's order share (`lowersEarned`).
 */
export async function debit(
  db: Executor,
  workspaceId: number,
  entry: NewEntry,
  options: { readonly lowersEarned?: boolean; readonly isActivity?: boolean } = {},
): Promise<DebitOutcome> {
  const amount = -entry.points;
  if (!(amount > 0)) throw new RangeError(`A debit needs points < 0, not ${entry.points}`);
  const result = await db
    .updateTable('loyalty_account')
    .set((eb) => ({
      balance: eb('balance', '-', amount),
      ...(options.lowersEarned ? { earned: eb('earned', '-', amount) } : {}),
      // Expiry is not the customer's activity (it would restart an inactivity clock).
      ...(options.isActivity === false ? {} : { last_activity_at: entry.now }),
      updated_at: entry.now,
    }))
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', entry.customerId)
    .where('balance', '>=', amount)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) {
    const account = await findAccount(db, workspaceId, entry.customerId);
    return { ok: false, balance: account?.balance ?? 0 };
  }
  const inserted = await insertEntry(db, workspaceId, entry);
  if (inserted === undefined) {
    // The key was used: undo by failing the transaction (the caller replays the stored answer).
    throw new DuplicateEntryError(entry.idempotencyKey);
  }
  return { ok: true, entry: inserted };
}

/** A debit whose idempotency key is already in the ledger: the transaction must roll back. */
export class DuplicateEntryError extends Error {
  constructor(readonly key: string) {
    super(`A ledger entry with the idempotency key ${key} exists`);
    this.name = 'DuplicateEntryError';
  }
}

/**
 * Reduces the customer's pending points by `-entry.points` (a refund inside the returns window),
 * as a pending `reverse` entry that settles with the order's earn entry.
 */
export async function debitPending(
  db: Executor,
  workspaceId: number,
  entry: NewEntry,
): Promise<Entry | undefined> {
  const amount = -entry.points;
  const inserted = await insertEntry(db, workspaceId, { ...entry, pending: true });
  if (inserted === undefined) return undefined;
  const result = await db
    .updateTable('loyalty_account')
    .set((eb) => ({
      pending: eb('pending', '-', amount),
      earned: eb('earned', '-', amount),
      updated_at: entry.now,
    }))
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', entry.customerId)
    .where('pending', '>=', amount)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new Error('Pending points do not cover a pending reversal');
  return inserted;
}

/** Adds `amount` to the customer's debt (a reversal the balance did not cover). */
export async function addDebt(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
  amount: number,
  now: number,
): Promise<void> {
  await ensureAccount(db, workspaceId, customerId, now);
  await db
    .updateTable('loyalty_account')
    .set((eb) => ({ debt: eb('debt', '+', amount), earned: eb('earned', '-', amount), updated_at: now }))
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .execute();
}

/**
 * Settles the pending entries due by `now` of the workspace (of one customer when given), at most
 * `limit` customers per call: each customer's due entries leave `pending` for the balance (paying
 * debt off first). Returns the customers settled.
 */
export async function settleDue(
  db: Executor,
  workspaceId: number,
  now: number,
  options: { readonly customerId?: RowId; readonly limit: number },
): Promise<number> {
  const due = await db
    .selectFrom('loyalty_entry')
    .select('customer_id')
    .distinct()
    .where('workspace_id', '=', workspaceId)
    .where('pending', '=', 1)
    .where('available_at', '<=', now)
    .$if(options.customerId !== undefined, (query) => query.where('customer_id', '=', options.customerId!))
    .orderBy('customer_id')
    .limit(options.limit)
    .execute();
  for (const { customer_id: customerId } of due) {
    // The account row first (locked on PostgreSQL): a writer adding a pending entry for this
    // customer updates it too, so it waits, and the flip below sees a fixed set of entries.
    await lockAccount(db, workspaceId, customerId);
    const flipped = await db
      .updateTable('loyalty_entry')
      .set({ pending: 0 })
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', customerId)
      .where('pending', '=', 1)
      .where('available_at', '<=', now)
      .returning(['id', 'points'])
      .execute();
    const points = flipped.reduce((sum, row) => sum + Number(row.points), 0);
    const lastId = flipped.reduce((last, row) => Math.max(last, row.id), 0);
    if (points > 0) {
      await settle(db, workspaceId, customerId, points, {
        earned: 0,
        now,
        absorbKey: `debt:settle:${lastId}`,
        pendingMoved: points,
      });
    }
  }
  return due.length;
}

/** A stored API answer. */
export interface StoredRequest {
  readonly operation: string;
  readonly fingerprint: string;
  readonly status: number;
  readonly response: unknown;
}

export async function findRequest(
  db: Executor,
  workspaceId: number,
  idempotencyKey: string,
): Promise<StoredRequest | undefined> {
  const row = await db
    .selectFrom('loyalty_request')
    .select(['operation', 'fingerprint', 'status', 'response'])
    .where('workspace_id', '=', workspaceId)
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : {
        operation: row.operation,
        fingerprint: row.fingerprint,
        status: row.status,
        response: fromJson(row.response),
      };
}

/** Stores an answer; throws the driver's unique violation when the key was stored meanwhile. */
export async function insertRequest(
  db: Executor,
  workspaceId: number,
  idempotencyKey: string,
  request: StoredRequest,
  now: number,
): Promise<void> {
  await db
    .insertInto('loyalty_request')
    .values({
      workspace_id: workspaceId,
      idempotency_key: idempotencyKey,
      operation: request.operation,
      fingerprint: request.fingerprint,
      status: request.status,
      response: toJson(request.response),
      created_at: now,
    })
    .execute();
}

/** A page of the customer's entries, newest first (ids below `beforeId` when given). */
export async function listEntries(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
  page: { readonly limit: number; readonly beforeId?: RowId },
): Promise<Entry[]> {
  const rows = await db
    .selectFrom('loyalty_entry')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .$if(page.beforeId !== undefined, (query) => query.where('id', '<', page.beforeId!))
    .orderBy('id', 'desc')
    .limit(page.limit)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    customerId: row.customer_id,
    kind: row.kind,
    points: Number(row.points),
    pending: row.pending === 1,
    availableAt: row.available_at,
    reason: row.reason,
    source: row.source,
    sourceRef: row.source_ref,
    createdAt: row.created_at,
  }));
}

/** Sums of a customer's entries: settled and pending (what the cached account must equal). */
export async function ledgerSums(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
): Promise<{ settled: number; pending: number }> {
  const rows = await db
    .selectFrom('loyalty_entry')
    .select(['pending', (eb) => eb.fn.sum<number>('points').as('points')])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .groupBy('pending')
    .execute();
  let settled = 0;
  let pending = 0;
  for (const row of rows) {
    if (Number(row.pending) === 1) pending = Number(row.points);
    else settled = Number(row.points);
  }
  return { settled, pending };
}

/** What an order earned and reversed. */
export interface OrderPoints {
  readonly orderRef: string;
  readonly customerId: RowId;
  readonly amountCents: number;
  readonly points: number;
  readonly refundedCents: number;
  readonly reversedPoints: number;
  readonly availableAt: number;
}

export async function findOrderPoints(
  db: Executor,
  workspaceId: number,
  orderRef: string,
): Promise<OrderPoints | undefined> {
  const row = await db
    .selectFrom('loyalty_order')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('order_ref', '=', orderRef)
    .$if(dialectOf(db) === 'postgres', (query) => query.forUpdate())
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : {
        orderRef: row.order_ref,
        customerId: row.customer_id,
        amountCents: Number(row.amount_cents),
        points: Number(row.points),
        refundedCents: Number(row.refunded_cents),
        reversedPoints: Number(row.reversed_points),
        availableAt: row.available_at,
      };
}

/** Records what an order earned; false when the order has a row already (it earned before). */
export async function insertOrderPoints(
  db: Executor,
  workspaceId: number,
  order: OrderPoints & { readonly orderId: RowId | null; readonly now: number },
): Promise<boolean> {
  const row = await db
    .insertInto('loyalty_order')
    .values({
      workspace_id: workspaceId,
      order_ref: order.orderRef,
      order_id: order.orderId,
      customer_id: order.customerId,
      amount_cents: order.amountCents,
      points: order.points,
      available_at: order.availableAt,
      created_at: order.now,
    })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'order_ref']).doNothing())
    .returning(['order_ref'])
    .executeTakeFirst();
  return row !== undefined;
}

export async function recordOrderRefund(
  db: Executor,
  workspaceId: number,
  orderRef: string,
  refundedCents: number,
  reversedPoints: number,
): Promise<void> {
  await db
    .updateTable('loyalty_order')
    .set({ refunded_cents: refundedCents, reversed_points: reversedPoints })
    .where('workspace_id', '=', workspaceId)
    .where('order_ref', '=', orderRef)
    .execute();
}

/** The engine of `db` (for services that branch on it). */
export function engineOf(db: Executor): DialectName {
  return dialectOf(db);
}

/** What FIFO expiry needs of one customer: the balance, credits settled before a cutoff, debits. */
export interface ExpiryPosition {
  readonly customerId: RowId;
  readonly balance: number;
  readonly lastActivityAt: number | null;
  /** Settled credits earned before each cutoff asked for, in the order asked. */
  readonly creditsBefore: readonly number[];
  /** Every settled debit ever (redeem, expire, reverse, negative adjust), as a positive sum. */
  readonly debits: number;
}

/**
 * Up to `limit` customers with a positive balance and a customer id above `afterCustomerId`, with
 * their FIFO sums for each of `cutoffs` (one grouped query).
 */
export async function expiryPositions(
  db: Executor,
  workspaceId: number,
  cutoffs: readonly number[],
  page: { readonly afterCustomerId: RowId; readonly limit: number },
): Promise<ExpiryPosition[]> {
  const accounts = await db
    .selectFrom('loyalty_account')
    .select(['customer_id', 'balance', 'last_activity_at'])
    .where('workspace_id', '=', workspaceId)
    .where('balance', '>', 0)
    .where('customer_id', '>', page.afterCustomerId)
    .orderBy('customer_id')
    .limit(page.limit)
    .execute();
  if (accounts.length === 0) return [];
  const ids = accounts.map((account) => account.customer_id);
  const sums = await db
    .selectFrom('loyalty_entry')
    .select((eb) => [
      'customer_id',
      eb.fn
        .sum<number>(
          eb
            .case()
            .when('points', '<', 0)
            .then(eb.neg(eb.ref('points')))
            .else(0)
            .end(),
        )
        .as('debits'),
      ...cutoffs.map((cutoff, index) =>
        eb.fn
          .sum<number>(
            eb
              .case()
              .when(eb.and([eb('points', '>', 0), eb('created_at', '<', cutoff)]))
              .then(eb.ref('points'))
              .else(0)
              .end(),
          )
          .as(`credits_${index}`),
      ),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('pending', '=', 0)
    .where('customer_id', 'in', ids)
    .groupBy('customer_id')
    .execute();
  const byCustomer = new Map(sums.map((row) => [row.customer_id, row as Record<string, unknown>]));
  return accounts.map((account) => {
    const row = byCustomer.get(account.customer_id);
    return {
      customerId: account.customer_id,
      balance: Number(account.balance),
      lastActivityAt: account.last_activity_at,
      creditsBefore: cutoffs.map((_, index) => Number(row?.[`credits_${index}`] ?? 0)),
      debits: Number(row?.debits ?? 0),
    };
  });
}

/** Writes an expiry notice row (once per customer and due instant). */
export async function insertNotice(
  db: Executor,
  workspaceId: number,
  notice: {
    readonly customerId: RowId;
    readonly points: number;
    readonly dueAt: number;
    readonly now: number;
  },
): Promise<void> {
  await db
    .insertInto('loyalty_notice')
    .values({
      workspace_id: workspaceId,
      customer_id: notice.customerId,
      kind: 'points_expiring',
      points: notice.points,
      due_at: notice.dueAt,
      created_at: notice.now,
    })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'customer_id', 'kind', 'due_at']).doNothing())
    .execute();
}
