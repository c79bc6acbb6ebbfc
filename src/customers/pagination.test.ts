/**
 * Property (fast-check), on both databases: for any number of rows, any page size and any pattern
 * of equal instants, following `nextCursor` visits every row exactly once, in the documented order.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { newId } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { listCustomersPage } from './customer-list.service.js';
import { listOrdersPage, type Page } from './customers.service.js';
import { upsertOrders } from './index.js';

async function walk<T extends { id: string }>(fetch: (cursor?: string) => Promise<Page<T>>): Promise<T[]> {
  const seen: T[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages += 1) {
    const page = await fetch(cursor);
    seen.push(...page.data);
    if (page.nextCursor === null) return seen;
    cursor = page.nextCursor;
  }
  throw new Error('pagination did not end');
}

describeEachDatabase('keyset pagination (property)', (getDb) => {
  it('visits every order and customer exactly once, in order, whatever the ties and page size', async () => {
    const { db } = getDb();
    await fc.assert(
      fc.asyncProperty(
        // Each order's instant is one of 4 values, so ties are frequent.
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 25 }),
        fc.integer({ min: 1, max: 7 }),
        async (instants, limit) => {
          const { workspace } = await createWorkspace(db, { name: 'P', slug: `p-${newId()}` });
          const { ids } = await upsertOrders(
            db,
            workspace.id,
            instants.map((instant, index) => ({
              externalId: `o${index}`,
              customerExternalId: `c${index % 5}`,
              orderedAt: Date.UTC(2024, 0, 1 + instant),
              currency: 'EUR',
              amountCents: index,
            })),
          );
          const orders = await walk((cursor) =>
            listOrdersPage(db, workspace.id, {}, { limit, ...(cursor === undefined ? {} : { cursor }) }),
          );
          // Ids travel as decimal strings.
          expect(orders.map((order) => Number(order.id)).sort()).toEqual([...ids.values()].sort());
          for (let index = 1; index < orders.length; index += 1) {
            const [previous, current] = [orders[index - 1]!, orders[index]!];
            // (orderedAt desc, id desc): ISO strings of one format compare like the instants.
            const ordered =
              previous.orderedAt > current.orderedAt ||
              (previous.orderedAt === current.orderedAt && Number(previous.id) > Number(current.id));
            expect(ordered).toBe(true);
          }
          const customers = await walk((cursor) =>
            listCustomersPage(db, workspace.id, {}, { limit, ...(cursor === undefined ? {} : { cursor }) }),
          );
          // Customers c0…c4, those used by at least one order: min(5, number of orders).
          expect(new Set(customers.map((customer) => customer.id)).size).toBe(Math.min(5, instants.length));
          expect(customers).toHaveLength(Math.min(5, instants.length));
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});
