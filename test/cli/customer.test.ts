/**
 * `retain customer export|erase` as a user runs them: `main()` with `DATABASE_URL` naming a real
 * temporary SQLite file or PostgreSQL schema, output captured.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/index.js';
import { upsertCustomers, upsertEvents, upsertOrders } from '../../src/customers/index.js';
import { newId } from '../../src/db/index.js';
import { createWorkspace } from '../../src/workspaces/workspace.repository.js';
import { runRetain } from '../support/cli.js';
import { describeEachDatabase } from '../support/databases.js';

// What the runs of the current test printed, in order (tests reset them to look at one run).
let stdout = '';
let stderr = '';
beforeEach(() => {
  stdout = '';
  stderr = '';
});

async function retain(...args: string[]): Promise<number> {
  const result = await runRetain('customer', ...args);
  stdout += result.stdout;
  stderr += result.stderr;
  return result.code;
}

const JAN_5 = Date.UTC(2024, 0, 5);

describeEachDatabase('retain customer export|erase', (getDb) => {
  const previousUrl = process.env.DATABASE_URL;
  beforeAll(() => {
    process.env.DATABASE_URL = getDb().url;
  });
  afterAll(() => {
    if (previousUrl === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = previousUrl;
  });

  const seeded = async () => {
    const { db } = getDb();
    const { workspace } = await createWorkspace(db, { name: 'Shop', slug: `shop-${newId()}` });
    const { ids } = await upsertCustomers(db, workspace.id, [
      {
        externalId: 'cust-ada',
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        attributes: { city: 'London' },
      },
    ]);
    await upsertOrders(db, workspace.id, [
      {
        externalId: 'o1',
        customerExternalId: 'cust-ada',
        orderedAt: JAN_5,
        currency: 'EUR',
        amountCents: 3000,
      },
    ]);
    await upsertEvents(db, workspace.id, [
      {
        messageId: 'm1',
        userId: 'cust-ada',
        name: 'identify',
        properties: { email: 'ada@example.com' },
        occurredAt: JAN_5,
        receivedAt: JAN_5,
      },
    ]);
    // The CLI takes ids as text, and the JSON it prints carries them as decimal strings.
    return { workspaceId: String(workspace.id), ada: String(ids.get('cust-ada')!) };
  };

  it('export prints the customer as JSON and records customer.exported', async () => {
    const { workspaceId, ada } = await seeded();
    expect(await retain('export', 'cust-ada', '--workspace', workspaceId)).toBe(0);
    const printed = JSON.parse(stdout);
    expect(printed.customer).toMatchObject({
      id: ada,
      email: 'ada@example.com',
      attributes: { city: 'London' },
    });
    expect(printed.orders).toEqual([expect.objectContaining({ externalId: 'o1', amountCents: 3000 })]);
    expect(printed.events).toHaveLength(1);
    const audit = await listAudit(getDb().db, Number(workspaceId), { entity: 'customer', entityId: ada });
    expect(audit.map((entry) => [entry.action, entry.actorType])).toEqual([['customer.exported', 'system']]);
  });

  it('erase needs --yes off a terminal, then erases once and is idempotent', async () => {
    const { workspaceId, ada } = await seeded();
    // Under the test runner stdin is not a terminal, so without --yes the command refuses.
    expect(await retain('erase', 'cust-ada', '--workspace', workspaceId)).toBe(2);
    expect(stderr).toMatch(/--yes/);

    expect(await retain('erase', 'cust-ada', '--workspace', workspaceId, '--yes')).toBe(0);
    expect(stdout).toContain(`Erased customer ${ada}`);
    stdout = '';
    expect(await retain('export', `erased:${ada}`, '--workspace', workspaceId)).toBe(0);
    const after = JSON.parse(stdout);
    expect(after.customer).toMatchObject({
      email: null,
      name: null,
      attributes: {},
      externalId: `erased:${ada}`,
    });
    expect(JSON.stringify(after)).not.toContain('ada@example.com');
    expect(after.orders[0].amountCents).toBe(3000);

    stdout = '';
    expect(await retain('erase', `erased:${ada}`, '--workspace', workspaceId, '--yes')).toBe(0);
    expect(stdout).toContain('already erased');
    const audit = await listAudit(getDb().db, Number(workspaceId), { entity: 'customer', entityId: ada });
    expect(audit.filter((entry) => entry.action === 'customer.erased')).toHaveLength(1);
  });

  it('reports an unknown customer or workspace with exit code 2', async () => {
    const { workspaceId } = await seeded();
    expect(await retain('export', 'nobody', '--workspace', workspaceId)).toBe(2);
    expect(stderr).toMatch(/No customer with external id "nobody"/);
    expect(await retain('erase', 'cust-ada', '--workspace', 'no-such-workspace', '--yes')).toBe(2);
  });
});
