/**
 * Earning from the orders however they arrived (import, API, tracking): the `loyalty.process` job
 * reads the workspace's orders, refunds and tracked `Order Completed` events past the programme's
 * cursors — in id order, a batch per
 * transaction that also moves the cursor, so a crash resumes where the last commit left off and no
 * order earns twice (each order's reference is also unique in `loyalty_order`). The writers of
 * orders only ask for the job (one row in the job table per import or per minute of tracking):
 * nothing is added to their per-row path.
 *
 * Orders are read once, when the cursor passes them: a completed order earns; a cancelled one does
 * not; one still `pending` is remembered (waiting-order.ts) and earns when a later run finds it
 * completed. The events pass also earns `Signed Up` and `Product Reviewed` (loyalty-events.ts).
 */
import type { Kysely } from 'kysely';
import { type Database, fromJson, type RowId } from '../db/index.js';
import {
  advanceEventsCursor,
  advanceReadCursors,
  findProgramme,
  inLedgerTransaction,
  type Programme,
} from './loyalty.repository.js';
import { earnOnOrder, orderRefOf, reverseOnRefund } from './loyalty.service.js';
import { EARNING_EVENT_NAMES, earnForEvent } from './loyalty-events.js';
import { earnWaitingOrders, rememberWaitingOrder } from './waiting-order.js';

/** Orders (and refunds) read per transaction. */
export const EARNING_BATCH = 1_000;

/**
 * Orders of the workspace above `afterId`, oldest id first. Read-only use of the customers'
 * tables (their writers stay in src/customers).
 */
async function ordersAfter(db: Kysely<Database>, workspaceId: number, afterId: RowId, limit: number) {
  return db
    .selectFrom('customer_order')
    .select(['id', 'external_id', 'customer_id', 'amount_cents', 'ordered_at', 'status'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Refunds above `afterId` with their order's reference and the order's refunded total so far. */
async function refundsAfter(db: Kysely<Database>, workspaceId: number, afterId: RowId, limit: number) {
  return db
    .selectFrom('refund as r')
    .innerJoin('customer_order as o', (join) =>
      join.onRef('o.workspace_id', '=', 'r.workspace_id').onRef('o.id', '=', 'r.order_id'),
    )
    .select((eb) => [
      'r.id',
      'o.id as order_id',
      'o.external_id',
      eb
        .selectFrom('refund as all_refunds')
        .select((inner) => inner.fn.sum<number>('all_refunds.amount_cents').as('total'))
        .whereRef('all_refunds.workspace_id', '=', 'r.workspace_id')
        .whereRef('all_refunds.order_id', '=', 'r.order_id')
        .whereRef('all_refunds.id', '<=', 'r.id')
        .as('refunded_cents'),
    ])
    .where('r.workspace_id', '=', workspaceId)
    .where('r.id', '>', afterId)
    .orderBy('r.id')
    .limit(limit)
    .execute();
}

/** What one processing pass did. */
export interface EarningOutcome {
  readonly ordersRead: number;
  readonly ordersEarned: number;
  readonly refundsRead: number;
  readonly pointsReversed: number;
  readonly eventsRead: number;
  /** Events (sign-up, review) that earned points. */
  readonly eventsEarned: number;
}

/**
 * Earns every order and reverses every refund the workspace's programme has not read yet, as of
 * `now`. Does nothing for a workspace without a programme. Idempotent: a second pass reads nothing.
 */
export async function earnFromNewOrders(
  db: Kysely<Database>,
  workspaceId: number,
  now: number,
  batch = EARNING_BATCH,
): Promise<EarningOutcome> {
  let ordersRead = 0;
  let ordersEarned = 0;
  let refundsRead = 0;
  let pointsReversed = 0;
  for (;;) {
    const read = await inLedgerTransaction(db, async (trx) => {
      const programme = await findProgramme(trx, workspaceId);
      if (programme === undefined) return 0;
      const orders = await ordersAfter(trx, workspaceId, programme.ordersReadThrough, batch);
      for (const order of orders) {
        if (order.status === 'pending') await rememberWaitingOrder(trx, workspaceId, order.id, now);
        if (order.status !== 'completed') continue;
        if ((await earnOnOrder(trx, workspaceId, programme, orderOf(order), now)) !== undefined)
          ordersEarned += 1;
      }
      const last = orders[orders.length - 1];
      if (last !== undefined) await advanceReadCursors(trx, workspaceId, { orders: last.id });
      return orders.length;
    });
    ordersRead += read;
    if (read < batch) break;
  }
  for (;;) {
    const read = await inLedgerTransaction(db, async (trx) => {
      const programme = await findProgramme(trx, workspaceId);
      if (programme === undefined) return 0;
      const refunds = await refundsAfter(trx, workspaceId, programme.refundsReadThrough, batch);
      for (const refund of refunds) {
        pointsReversed += await reverseOnRefund(
          trx,
          workspaceId,
          {
            orderRef: orderRefOf({ externalId: refund.external_id, id: refund.order_id }),
            refundedCents: Number(refund.refunded_cents ?? 0),
            refundKey: `row:${refund.id}`,
          },
          now,
        );
      }
      const last = refunds[refunds.length - 1];
      if (last !== undefined) await advanceReadCursors(trx, workspaceId, { refunds: last.id });
      return refunds.length;
    });
    refundsRead += read;
    if (read < batch) break;
  }
  let eventsRead = 0;
  let eventsEarned = 0;
  for (;;) {
    const read = await inLedgerTransaction(db, async (trx) => {
      const programme = await findProgramme(trx, workspaceId);
      if (programme === undefined) return 0;
      const currency = await workspaceCurrency(trx, workspaceId);
      const events = await orderEventsAfter(trx, workspaceId, programme.eventsReadThrough, batch);
      for (const event of events) {
        if (event.name !== 'Order Completed') {
          if (await earnForEvent(trx, workspaceId, programme, event, now)) eventsEarned += 1;
          continue;
        }
        const order = trackedOrder(event, currency);
        if (order === undefined) continue;
        if ((await earnOnOrder(trx, workspaceId, programme, order, now)) !== undefined) ordersEarned += 1;
      }
      const last = events[events.length - 1];
      if (last !== undefined) await advanceEventsCursor(trx, workspaceId, last.id);
      return events.length;
    });
    eventsRead += read;
    if (read < batch) break;
  }
  const waitingEarned = await earnWaitingOrders(db, workspaceId, now);
  return {
    ordersRead,
    ordersEarned: ordersEarned + waitingEarned,
    refundsRead,
    pointsReversed,
    eventsRead,
    eventsEarned,
  };
}

/** Tracked events that earn (EARNING_EVENT_NAMES) above `afterId` (read-only use of the events table). */
async function orderEventsAfter(db: Kysely<Database>, workspaceId: number, afterId: RowId, limit: number) {
  return db
    .selectFrom('event')
    .select(['id', 'name', 'customer_id', 'message_id', 'properties', 'occurred_at'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '>', afterId)
    .where('name', 'in', EARNING_EVENT_NAMES)
    .orderBy('id')
    .limit(limit)
    .execute();
}

async function workspaceCurrency(db: Kysely<Database>, workspaceId: number): Promise<string> {
  const row = await db
    .selectFrom('workspace')
    .select('settings')
    .where('id', '=', workspaceId)
    .executeTakeFirst();
  const currency = row === undefined ? undefined : fromJson<{ currency?: unknown }>(row.settings).currency;
  return typeof currency === 'string' ? currency.toUpperCase() : 'USD';
}

/**
 * The order a tracked `Order Completed` event describes (Segment's e-commerce spec): `order_id`
 * (else the event's message id) and the net amount — `revenue` (excluding shipping and tax), else
 * `subtotal`, else `total`. `undefined` — it earns nothing — for an anonymous event, one without a
 * usable amount, or one in a currency other than the workspace's.
 */
export function trackedOrder(
  event: {
    id: RowId;
    customer_id: RowId | null;
    message_id: string | null;
    properties: string;
    occurred_at: number;
  },
  workspaceCurrencyCode: string,
) {
  if (event.customer_id === null) return undefined;
  const properties = fromJson<Record<string, unknown>>(event.properties);
  const currency = properties.currency;
  if (typeof currency === 'string' && currency.toUpperCase() !== workspaceCurrencyCode) return undefined;
  const amount = [properties.revenue, properties.subtotal, properties.total]
    .map((value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value))
    .find((value): value is number => typeof value === 'number' && Number.isFinite(value));
  if (amount === undefined || amount <= 0 || amount > 1e10) return undefined;
  const orderId = properties.order_id ?? properties.orderId;
  const reference =
    typeof orderId === 'string' || typeof orderId === 'number'
      ? `ext:${String(orderId)}`
      : `event:${event.message_id ?? event.id}`;
  return {
    orderRef: reference,
    orderId: null,
    customerId: event.customer_id,
    amountCents: Math.round(amount * 100),
    orderedAt: event.occurred_at,
  };
}

function orderOf(order: {
  id: RowId;
  external_id: string | null;
  customer_id: RowId;
  amount_cents: number;
  ordered_at: number;
}) {
  return {
    orderRef: orderRefOf({ externalId: order.external_id, id: order.id }),
    orderId: order.id,
    customerId: order.customer_id,
    amountCents: Number(order.amount_cents),
    orderedAt: order.ordered_at,
  };
}

export type { Programme };
