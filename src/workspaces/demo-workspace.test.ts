/**
 * The demo workspace on both databases: the whole CDNOW sample arrives (counts and total from
 * samples/README.md: 23,570 customers, 69,659 orders, $2,500,315.63), a demo login exists, and a
 * second call finds the demo instead of importing again.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { login } from '../auth/index.js';
import { DEMO_ADMIN_EMAIL, loadDemoWorkspace } from './demo-workspace.js';

const NOW = Date.UTC(2026, 0, 1);

describeEachDatabase('demo workspace', (getDb) => {
  it('imports the CDNOW sample once, with a demo login, and is found again on the next call', async () => {
    const { db } = getDb();
    const first = await loadDemoWorkspace(db, { now: NOW });
    expect(first.workspace.name).toBe('Demo (CDNOW)');
    expect(first.created).toBe(true);
    expect(first.importRun).toMatchObject({ status: 'succeeded', rowsWritten: 69_659 });
    expect(first.adminEmail).toBe(DEMO_ADMIN_EMAIL);
    expect(first.adminPassword).toMatch(/^[\w-]{16}$/);

    const totals = await db
      .selectFrom('customer_order')
      .select([sql<number>`count(*)`.as('orders'), sql<number>`sum(amount_cents)`.as('cents')])
      .where('workspace_id', '=', first.workspace.id)
      .executeTakeFirstOrThrow();
    expect({ orders: Number(totals.orders), cents: Number(totals.cents) }).toEqual({
      orders: 69_659,
      cents: 250_031_563,
    });
    const customers = await db
      .selectFrom('customer')
      .select(sql<number>`count(*)`.as('count'))
      .where('workspace_id', '=', first.workspace.id)
      .executeTakeFirstOrThrow();
    expect(Number(customers.count)).toBe(23_570);

    const session = await login(db, {
      workspace: first.workspace.slug,
      email: DEMO_ADMIN_EMAIL,
      password: first.adminPassword!,
      now: NOW,
    });
    expect(session).toBeTruthy();

    const second = await loadDemoWorkspace(db, { now: NOW + 1 });
    expect(second).toMatchObject({ created: false, adminEmail: DEMO_ADMIN_EMAIL });
    expect(second.workspace.id).toBe(first.workspace.id);
    expect(second.adminPassword).toBeUndefined();
    expect(second.importRun?.id).toBe(first.importRun?.id);
  }, 120_000);
});
