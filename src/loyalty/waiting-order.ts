/**
 * Orders the earning job read while they were `pending` (issue 13's bug: the job's cursor passed
 * them and a later `completed` never earned). The job remembers each in `loyalty_waiting_order`
 * (migration 017) in the transaction that moves its cursor past it; each run looks at the waiting
 * orders again: a completed one earns (once, by its order reference, as any order) and has the
 * refunds the cursor already passed reversed; a cancelled or deleted one is forgotten, and one
 * still pending after `WAITING_DAYS` too. Read-only use of the customers' tables.
 */
import type { Kysely } from 'kysely';
import type { Database, RowId } from '../db/index.js';
import { findProgramme, inLedgerTransaction } from './loyalty.repository.js';
import { earnOnOrder, orderRefOf, reverseOnRefund } from './loyalty.service.js';

/** How long an order may stay pending and still earn when it completes. */
export const WAITING_DAYS = 365;
const DAY_MS = 86_400_000;

/** Remembers a pending order the job's cursor passes (inside the transaction that moves it). */
export async function rememberWaitingOrder(
  trx: Kysely<Database>,
  workspaceId: number,
  orderId: RowId,
  now: number,
): Promise<void> {
  await trx
    .insertInto('loyalty_waiting_order')
    .values({ workspace_id: workspaceId, order_id: orderId, since: now })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'order_id']).doNothing())
    .execute();
}

/**
 * Looks at the workspace's waiting orders again, `batch` per transaction: earns those completed
 * since. Returns the orders earned.
 */
export async function earnWaitingOrders(
  db: Kysely<Database>,
  workspaceId: number,
  now: number,
  batch = 500,
): Promise<number> {
  let after: RowId = 0;
  let earned = 0;
  for (;;) {
    const read = await inLedgerTransaction(db, async (trx) => {
      const programme = await findProgramme(trx, workspaceId);
      if (programme === undefined) return 0;
      const waiting = await trx
        .selectFrom('loyalty_waiting_order as w')
        .innerJoin('customer_order as o', (join) =>
          join.onRef('o.workspace_id', '=', 'w.workspace_id').onRef('o.id', '=', 'w.order_id'),
        )
        .select([
          'w.order_id',
          'w.since',
          'o.external_id',
          'o.customer_id',
          'o.amount_cents',
          'o.ordered_at',
          'o.status',
        ])
        .where('w.workspace_id', '=', workspaceId)
        .where('w.order_id', '>', after)
        .orderBy('w.order_id')
        .limit(batch)
        .execute();
      const done: RowId[] = [];
      for (const order of waiting) {
        after = order.order_id;
        if (order.status === 'pending') {
          if (now - Number(order.since) > WAITING_DAYS * DAY_MS) done.push(order.order_id);
          continue;
        }
        done.push(order.order_id);
        if (order.status !== 'completed') continue;
        const orderRef = orderRefOf({ externalId: order.external_id, id: order.order_id });
        const outcome = await earnOnOrder(
          trx,
          workspaceId,
          programme,
          {
            orderRef,
            orderId: order.order_id,
            customerId: order.customer_id,
            amountCents: Number(order.amount_cents),
            orderedAt: Number(order.ordered_at),
          },
          now,
        );
        if (outcome === undefined) continue;
        earned += 1;
        // Refunds of the order that the refunds cursor passed while it had not earned yet.
        const refunded = await trx
          .selectFrom('refund')
          .select((eb) => [eb.fn.sum<number>('amount_cents').as('total'), eb.fn.max<number>('id').as('last')])
          .where('workspace_id', '=', workspaceId)
          .where('order_id', '=', order.order_id)
          .executeTakeFirst();
        if (Number(refunded?.total ?? 0) > 0) {
          await reverseOnRefund(
            trx,
            workspaceId,
            { orderRef, refundedCents: Number(refunded!.total), refundKey: `late:${order.order_id}` },
            now,
          );
        }
      }
      if (done.length > 0) {
        await trx
          .deleteFrom('loyalty_waiting_order')
          .where('workspace_id', '=', workspaceId)
          .where('order_id', 'in', done)
          .execute();
      }
      return waiting.length;
    });
    if (read < batch) return earned;
  }
}
