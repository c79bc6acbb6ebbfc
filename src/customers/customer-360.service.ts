/**
 * Customer 360: one customer's profile, value to date, stored predictions with their reasons, RFM,
 * the latest orders with refunds, events, subscriptions and notes — one request for the dashboard's
 * customer page, every list in it bounded. And the notes: who may write and delete them, audited.
 */
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/index.js';
import type { Role } from '../auth/roles.js';
import type { CustomerRow, Database, RowId } from '../db/index.js';
import { parseRowId } from '../db/index.js';
import { notFound, RetainError } from '../errors/index.js';
import { getWorkspace } from '../workspaces/workspace.repository.js';
import { findCustomer } from './customer.repository.js';
import type { CustomerScoreSummary, ScoresAsOf } from './customer-list.service.js';
import {
  type Customer,
  isoOrNull,
  type Order,
  type Subscription,
  type TrackedEvent,
  toCustomer,
  toSubscription,
  toTrackedEvent,
  withItemsAndRefunds,
} from './customers.service.js';
import { latestEventsOfCustomer } from './event.repository.js';
import { deleteNote, findNote, getNote, insertNote, listNotes, type NoteRow } from './note.repository.js';
import { listOrders } from './order.repository.js';
import { findCustomerScore, latestScoreRun, riskBand, type StoredCustomerScore } from './score.repository.js';
import { listSubscriptionsOfCustomer } from './subscription.repository.js';
import type { Executor } from './upsert-batch.js';

/** Orders, events and notes the overview includes (the latest of each). */
export const OVERVIEW_ORDERS = 100;
export const OVERVIEW_EVENTS = 50;
export const OVERVIEW_NOTES = 20;

/** Who is calling, for the notes: the logged-in user (null for an API key) and the role. */
export interface NoteCaller {
  readonly userId: RowId | null;
  readonly apiKeyId: RowId | null;
  readonly role: Role;
}

export interface CustomerNote {
  readonly id: string;
  readonly customerId: string;
  readonly text: string;
  readonly author: { readonly id: string; readonly name: string | null; readonly email: string | null };
  readonly createdAt: string;
  /** Whether the caller may delete it: its author, an owner or an admin. */
  readonly deletable: boolean;
}

export interface CustomerOverview {
  readonly customer: Customer;
  readonly currency: string;
  readonly totals: {
    readonly orders: number;
    readonly valueCents: number;
    readonly refundedCents: number;
    readonly firstOrderAt: string | null;
    readonly lastOrderAt: string | null;
  };
  readonly score: CustomerScoreSummary | null;
  readonly scores: ScoresAsOf | null;
  readonly orders: Order[];
  readonly ordersTotal: number;
  readonly subscriptions: Subscription[];
  readonly events: TrackedEvent[];
  readonly notes: CustomerNote[];
  readonly notesCursor: string | null;
}

const mayManageEveryNote = (role: Role) => role === 'owner' || role === 'admin';

function toNote(row: NoteRow, caller: NoteCaller): CustomerNote {
  return {
    id: String(row.id),
    customerId: String(row.customerId),
    text: row.text,
    author: { id: String(row.authorId), name: row.authorName, email: row.authorEmail },
    createdAt: isoOrNull(row.createdAt) ?? '',
    deletable: mayManageEveryNote(caller.role) || (caller.userId !== null && caller.userId === row.authorId),
  };
}

/** The stored scores as the API shows them. */
export function toScoreSummary(score: StoredCustomerScore): CustomerScoreSummary {
  return {
    riskScore: score.riskScore,
    riskBand: score.riskScore === null ? null : riskBand(score.riskScore),
    reasons: [...score.reasons],
    pAlive: score.pAlive,
    expectedPurchases: score.expectedPurchases,
    predictedClvCents: score.predictedClvCents,
    rfm:
      score.rfmSegment === null
        ? null
        : { segment: score.rfmSegment, r: score.rfmR ?? 0, f: score.rfmF ?? 0, m: score.rfmM ?? 0 },
    ordersCount: score.ordersCount,
    valueCents: score.valueCents,
    firstOrderAt: isoOrNull(score.firstOrderAt),
    lastOrderAt: isoOrNull(score.lastOrderAt),
    computedAt: isoOrNull(score.computedAt) ?? '',
  };
}

/** The customer of `customerIdText` in the workspace, or `not_found`. */
export async function customerOf(
  db: Executor,
  workspaceId: number,
  customerIdText: string,
): Promise<CustomerRow> {
  const customerId = parseRowId(customerIdText);
  const row = customerId === undefined ? undefined : await findCustomer(db, workspaceId, customerId);
  if (row === undefined) throw notFound('Customer');
  return row;
}

/** Completed orders (count, net value, first and last) and refunds of one customer, now. */
async function totalsOf(db: Executor, workspaceId: number, customerId: RowId) {
  const orders = await db
    .selectFrom('customer_order')
    .select((eb) => [
      eb.fn.countAll<number>().as('orders'),
      eb.fn.sum<number>('amount_cents').as('amount'),
      eb.fn.min<number>('ordered_at').as('first'),
      eb.fn.max<number>('ordered_at').as('last'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where('status', '=', 'completed')
    .executeTakeFirstOrThrow();
  const refunds = await db
    .selectFrom('refund')
    .select((eb) => eb.fn.sum<number>('amount_cents').as('refunded'))
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirstOrThrow();
  const refunded = Number(refunds.refunded ?? 0);
  return {
    orders: Number(orders.orders),
    valueCents: Number(orders.amount ?? 0) - refunded,
    refundedCents: refunded,
    firstOrderAt: isoOrNull(orders.first === null ? null : Number(orders.first)),
    lastOrderAt: isoOrNull(orders.last === null ? null : Number(orders.last)),
  };
}

/** Encodes a notes cursor (the last note's instant and id). */
function notesCursor(row: NoteRow): string {
  return Buffer.from(JSON.stringify({ at: row.createdAt, id: row.id }), 'utf8').toString('base64url');
}

function decodeNotesCursor(text: string): { at: number; id: RowId } {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as {
      at?: unknown;
      id?: unknown;
    };
    const id = parseRowId(value.id);
    if (id !== undefined && typeof value.at === 'number' && Number.isSafeInteger(value.at))
      return { at: value.at, id };
  } catch {
    // answered below
  }
  throw new RetainError('invalid_input', 'The cursor is not valid.', [
    { path: ['query', 'cursor'], message: 'Pass back a nextCursor from an earlier page, unchanged.' },
  ]);
}

/**
 * The customer page's data (see the file comment). A customer of another workspace is
 * `not_found`. O(the latest orders, events and notes) plus two aggregates over the customer's
 * orders and refunds (served by their `(workspace_id, customer_id, …)` indexes).
 */
export async function getCustomerOverview(
  db: Kysely<Database>,
  workspaceId: number,
  customerIdText: string,
  caller: NoteCaller,
): Promise<CustomerOverview> {
  const row = await customerOf(db, workspaceId, customerIdText);
  const [workspace, totals, score, run] = [
    await getWorkspace(db, workspaceId),
    await totalsOf(db, workspaceId, row.id),
    await findCustomerScore(db, workspaceId, row.id),
    await latestScoreRun(db, workspaceId),
  ];
  const orderRows = await listOrders(db, workspaceId, { customerId: row.id }, { limit: OVERVIEW_ORDERS });
  const ordersTotal = await db
    .selectFrom('customer_order')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', row.id)
    .executeTakeFirstOrThrow();
  const notes = await listNotes(db, workspaceId, row.id, { limit: OVERVIEW_NOTES });
  const shownNotes = notes.slice(0, OVERVIEW_NOTES);
  return {
    customer: toCustomer(row),
    currency: workspace?.settings.currency ?? 'USD',
    totals,
    score: score === undefined ? null : toScoreSummary(score),
    scores:
      run === undefined
        ? null
        : { asOf: run.asOf, computedAt: isoOrNull(run.finishedAt ?? run.startedAt) ?? '' },
    orders: await withItemsAndRefunds(db, workspaceId, orderRows.slice(0, OVERVIEW_ORDERS)),
    ordersTotal: Number(ordersTotal.count),
    subscriptions: (await listSubscriptionsOfCustomer(db, workspaceId, row.id)).map(toSubscription),
    events: (await latestEventsOfCustomer(db, workspaceId, row.id, OVERVIEW_EVENTS)).map(toTrackedEvent),
    notes: shownNotes.map((note) => toNote(note, caller)),
    notesCursor: notes.length > OVERVIEW_NOTES ? notesCursor(shownNotes.at(-1)!) : null,
  };
}

/** One page of the customer's notes, newest first. */
export async function listCustomerNotes(
  db: Kysely<Database>,
  workspaceId: number,
  customerIdText: string,
  caller: NoteCaller,
  request: { readonly limit?: number; readonly cursor?: string },
): Promise<{ data: CustomerNote[]; nextCursor: string | null }> {
  const row = await customerOf(db, workspaceId, customerIdText);
  const limit = Math.min(200, Math.max(1, request.limit ?? 50));
  const after = request.cursor === undefined ? undefined : decodeNotesCursor(request.cursor);
  const notes = await listNotes(db, workspaceId, row.id, {
    limit,
    ...(after === undefined ? {} : { after }),
  });
  const page = notes.slice(0, limit);
  return {
    data: page.map((note) => toNote(note, caller)),
    nextCursor: notes.length > limit ? notesCursor(page.at(-1)!) : null,
  };
}

/** The audit actor of a caller. */
function actorOf(caller: NoteCaller) {
  if (caller.userId !== null) return { type: 'user' as const, id: caller.userId };
  if (caller.apiKeyId !== null) return { type: 'api_key' as const, id: caller.apiKeyId };
  return { type: 'system' as const };
}

/**
 * Adds a note by the logged-in user (its author): `forbidden` for an API key (a note has a person
 * as author), `not_found` for an unknown customer, `invalid_input` for an erased one (whose
 * personal data is gone and stays gone). Text trimmed; its length was bounded by the route. Recorded as
 * `customer.note_added` (the note's id and length, not its text) in the same transaction.
 */
export async function addCustomerNote(
  db: Kysely<Database>,
  workspaceId: number,
  customerIdText: string,
  text: string,
  caller: NoteCaller,
  now: number,
): Promise<CustomerNote> {
  const authorId = caller.userId;
  if (authorId === null) {
    throw new RetainError('forbidden', 'A note is written by a person: log in to add one (API keys cannot).');
  }
  const trimmed = text.trim();
  return db.transaction().execute(async (trx) => {
    const row = await customerOf(trx, workspaceId, customerIdText);
    if (row.erased_at !== null) {
      throw new RetainError('invalid_input', 'This customer was erased: no notes can be added.', [
        { path: ['param', 'id'], message: 'The customer was erased.' },
      ]);
    }
    const id = await insertNote(trx, workspaceId, { customerId: row.id, authorId, text: trimmed, now });
    await recordAudit(trx, {
      workspaceId,
      actor: actorOf(caller),
      action: 'customer.note_added',
      entity: 'customer',
      entityId: row.id,
      details: { noteId: String(id), length: trimmed.length },
      at: now,
    });
    return toNote((await getNote(trx, workspaceId, id))!, caller);
  });
}

/**
 * Deletes a note: its author, an owner or an admin may (else `forbidden`); `not_found` when the
 * customer or the note is not there. Recorded as `customer.note_deleted`.
 */
export async function deleteCustomerNote(
  db: Kysely<Database>,
  workspaceId: number,
  customerIdText: string,
  noteIdText: string,
  caller: NoteCaller,
  now: number,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await customerOf(trx, workspaceId, customerIdText);
    const noteId = parseRowId(noteIdText);
    const note = noteId === undefined ? undefined : await findNote(trx, workspaceId, row.id, noteId);
    if (note === undefined) throw notFound('Note');
    if (!mayManageEveryNote(caller.role) && caller.userId !== note.authorId) {
      throw new RetainError('forbidden', 'Only the note’s author, an owner or an admin may delete it.');
    }
    await deleteNote(trx, workspaceId, note.id);
    await recordAudit(trx, {
      workspaceId,
      actor: actorOf(caller),
      action: 'customer.note_deleted',
      entity: 'customer',
      entityId: row.id,
      details: { noteId: String(note.id) },
      at: now,
    });
  });
}
