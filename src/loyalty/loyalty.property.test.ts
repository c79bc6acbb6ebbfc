/**
 * Property (issue 13, "Done means"): for any sequence of earn / redeem / refund / expire / adjust
 * (with time passing, pending points settling, and retries), the cached balance equals the sum of
 * the settled ledger entries and pending the sum of the pending ones, neither is ever negative, a
 * redemption succeeds exactly when the balance covers it, and replaying any API request with its
 * idempotency key answers as the first time and changes nothing. On SQLite and PostgreSQL.
 */
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { accountOf, expectLedgerConsistent, newCustomer } from '../../test/loyalty/ledger.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { type Database, newId } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { ensureProgramme, inLedgerTransaction, writeProgrammeSettings } from './loyalty.repository.js';
import {
  adjustPoints,
  earnOrderThroughApi,
  expirePoints,
  type LedgerAnswer,
  redeemPoints,
  reverseOnRefund,
  settleDuePoints,
} from './loyalty.service.js';

const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1);

type Operation =
  | { readonly op: 'earn'; readonly cents: number }
  | { readonly op: 'refund'; readonly order: number; readonly percent: number }
  | { readonly op: 'redeem'; readonly points: number }
  | { readonly op: 'adjust'; readonly points: number }
  | { readonly op: 'settle' }
  | { readonly op: 'expire' }
  | { readonly op: 'replay'; readonly which: number }
  | { readonly op: 'wait'; readonly days: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ op: fc.constant('earn' as const), cents: fc.integer({ min: 0, max: 50_000 }) }),
  fc.record({
    op: fc.constant('refund' as const),
    order: fc.nat({ max: 20 }),
    percent: fc.integer({ min: 1, max: 100 }),
  }),
  fc.record({ op: fc.constant('redeem' as const), points: fc.integer({ min: 1, max: 400 }) }),
  fc.record({
    op: fc.constant('adjust' as const),
    points: fc.integer({ min: -300, max: 300 }).filter((points) => points !== 0),
  }),
  fc.record({ op: fc.constant('settle' as const) }),
  fc.record({ op: fc.constant('expire' as const) }),
  fc.record({ op: fc.constant('replay' as const), which: fc.nat({ max: 30 }) }),
  fc.record({ op: fc.constant('wait' as const), days: fc.integer({ min: 1, max: 40 }) }),
);

/** Every row a request could change, for "a replay changes nothing". */
async function everything(db: Kysely<Database>, workspaceId: number) {
  const count = async (table: 'loyalty_entry' | 'loyalty_request' | 'loyalty_order') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .where('workspace_id', '=', workspaceId)
          .executeTakeFirstOrThrow()
      ).count,
    );
  return {
    entries: await count('loyalty_entry'),
    requests: await count('loyalty_request'),
    orders: await count('loyalty_order'),
  };
}

describeEachDatabase('the ledger under any sequence of operations', (getDb) => {
  it('keeps balance = sum of the ledger, never negative; replays change nothing', async () => {
    const { db } = getDb();
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 25 }), async (operations) => {
        const workspaceId = (await createWorkspace(db, { name: 'Prop', slug: `prop-${newId()}` })).workspace
          .id;
        await ensureProgramme(db, workspaceId, START);
        await writeProgrammeSettings(
          db,
          workspaceId,
          { returnsWindowDays: 10, expiry: { mode: 'after_earning', months: 1, noticeDays: 5 } },
          START,
        );
        const customerId = await newCustomer(db, workspaceId);
        let now = START;
        let key = 0;
        const orders: { id: string; cents: number; refunded: number }[] = [];
        const sent: { send: () => Promise<LedgerAnswer>; first: LedgerAnswer }[] = [];

        for (const step of operations) {
          const before = await accountOf(db, workspaceId, customerId);
          switch (step.op) {
            case 'earn': {
              const id = `o${orders.length}`;
              orders.push({ id, cents: step.cents, refunded: 0 });
              await earnOrderThroughApi(
                db,
                workspaceId,
                customerId,
                { orderId: id, amountCents: step.cents, orderedAt: now },
                now,
              );
              break;
            }
            case 'refund': {
              const order = orders[step.order % Math.max(1, orders.length)];
              if (order === undefined) break;
              order.refunded = Math.min(
                order.cents,
                order.refunded + Math.ceil((order.cents * step.percent) / 100),
              );
              const refundKey = `${order.id}-r${key++}`;
              await inLedgerTransaction(db, (trx) =>
                reverseOnRefund(
                  trx,
                  workspaceId,
                  { orderRef: `ext:${order.id}`, refundedCents: order.refunded, refundKey },
                  now,
                ),
              );
              break;
            }
            case 'redeem':
            case 'adjust': {
              const idempotencyKey = `k${key++}`;
              const at = now;
              const send =
                step.op === 'redeem'
                  ? () =>
                      redeemPoints(db, workspaceId, customerId, { points: step.points, idempotencyKey }, at)
                  : () =>
                      adjustPoints(
                        db,
                        workspaceId,
                        customerId,
                        { points: step.points, reason: 'Prop', idempotencyKey },
                        at,
                      );
              const first = await send();
              sent.push({ send, first });
              const after = await accountOf(db, workspaceId, customerId);
              const taken = step.op === 'redeem' ? step.points : -step.points;
              if (taken > 0) {
                // A debit succeeds exactly when the balance covers it, and takes exactly that.
                expect(first.status).toBe(before.balance >= taken ? 201 : 409);
                expect(after.balance).toBe(first.status === 201 ? before.balance - taken : before.balance);
              } else {
                expect(first.status).toBe(201);
                // A credit pays the debt off first.
                const absorbed = Math.min(before.debt, -taken);
                expect(after.balance).toBe(before.balance - taken - absorbed);
                expect(after.debt).toBe(before.debt - absorbed);
              }
              break;
            }
            case 'settle':
              await settleDuePoints(db, workspaceId, now);
              break;
            case 'expire':
              await expirePoints(db, workspaceId, now);
              break;
            case 'replay': {
              const request = sent[step.which % Math.max(1, sent.length)];
              if (request === undefined) break;
              const rows = await everything(db, workspaceId);
              const again = await request.send();
              expect(again.status).toBe(request.first.status);
              expect(JSON.stringify(again.body)).toBe(JSON.stringify(request.first.body));
              expect(again.replayed).toBe(true);
              expect(await everything(db, workspaceId)).toEqual(rows);
              expect(await accountOf(db, workspaceId, customerId)).toEqual(before);
              break;
            }
            case 'wait':
              now += step.days * DAY;
              break;
          }
          await expectLedgerConsistent(db, workspaceId, customerId);
        }
      }),
      { numRuns: 40 },
    );
  }, 240_000);
});
