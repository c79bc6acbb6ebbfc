/**
 * The data version (data-version.repository.ts) on SQLite and PostgreSQL: every way the store's
 * customers, orders, refunds and subscriptions change — the repositories, the import's fast path,
 * tracking (identify, alias rename and merge), privacy erasure — moves it, in the writer's own
 * transaction; an identical re-write and another workspace's writes do not.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { newId } from '../db/index.js';
import { runImport } from '../imports/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { ensureCustomers, upsertCustomers } from './customer.repository.js';
import { bumpDataVersion, DATA_VERSION_SLOTS, dataVersion } from './data-version.repository.js';
import { upsertOrders, upsertRefunds } from './order.repository.js';
import { upsertSubscriptions } from './subscription.repository.js';

const NOW = Date.UTC(2024, 4, 1, 12);
const directory = mkdtempSync(join(tmpdir(), 'retain-data-version-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const basic = (writeKey: string) => `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;

describeEachDatabase('the data version', (getDb) => {
  it('is 0 before any change and counts each bump, over its slots, in O(1) rows', async () => {
    const { db } = getDb();
    const { workspace } = await createWorkspace(db, { name: 'V', slug: `v-${newId()}` });
    expect(await dataVersion(db, workspace.id)).toBe(0);
    for (let bump = 0; bump < 100; bump++) await bumpDataVersion(db, workspace.id);
    expect(await dataVersion(db, workspace.id)).toBe(100);
    const slots = await db
      .selectFrom('data_version')
      .select('slot')
      .where('workspace_id', '=', workspace.id)
      .execute();
    expect(slots.length).toBeGreaterThan(1);
    expect(slots.length).toBeLessThanOrEqual(DATA_VERSION_SLOTS);
  });

  it('a rolled-back write rolls its bump back', async () => {
    const { db } = getDb();
    const { workspace } = await createWorkspace(db, { name: 'V', slug: `v-${newId()}` });
    await expect(
      db.transaction().execute(async (trx) => {
        await upsertCustomers(trx, workspace.id, [{ externalId: 'c1' }], { now: NOW });
        expect(await dataVersion(trx, workspace.id)).toBe(1);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await dataVersion(db, workspace.id)).toBe(0);
  });

  it('moves with every repository write that changes a row, not with an identical one', async () => {
    const { db } = getDb();
    const { workspace } = await createWorkspace(db, { name: 'V', slug: `v-${newId()}` });
    const other = (await createWorkspace(db, { name: 'W', slug: `w-${newId()}` })).workspace;
    const ws = workspace.id;
    let version = await dataVersion(db, ws);
    /** Runs `write` and says whether the version moved (and the other workspace's did not). */
    const moves = async (write: () => Promise<unknown>) => {
      const otherBefore = await dataVersion(db, other.id);
      await write();
      const after = await dataVersion(db, ws);
      expect(await dataVersion(db, other.id)).toBe(otherBefore);
      const moved = after > version;
      version = after;
      return moved;
    };
    const customer = { externalId: 'c1', email: 'c1@example.com' };
    expect(await moves(() => upsertCustomers(db, ws, [customer], { now: NOW }))).toBe(true);
    expect(await moves(() => upsertCustomers(db, ws, [customer], { now: NOW + 1 }))).toBe(false);
    expect(await moves(() => upsertCustomers(db, ws, [{ ...customer, name: 'Ann' }], { now: NOW }))).toBe(
      true,
    );
    expect(await moves(() => ensureCustomers(db, ws, ['c1'], { now: NOW }))).toBe(false);
    expect(await moves(() => ensureCustomers(db, ws, ['c2'], { now: NOW }))).toBe(true);
    const order = {
      externalId: 'o1',
      customerExternalId: 'c1',
      orderedAt: Date.UTC(2024, 0, 5),
      currency: 'EUR',
      amountCents: 1999,
    };
    expect(await moves(() => upsertOrders(db, ws, [order], { now: NOW }))).toBe(true);
    expect(await moves(() => upsertOrders(db, ws, [order], { now: NOW }))).toBe(false);
    expect(await moves(() => upsertOrders(db, ws, [{ ...order, amountCents: 2999 }], { now: NOW }))).toBe(
      true,
    );
    const refund = {
      externalId: 'r1',
      orderExternalId: 'o1',
      refundedAt: Date.UTC(2024, 0, 9),
      currency: 'EUR',
      amountCents: 500,
    };
    expect(await moves(() => upsertRefunds(db, ws, [refund], { now: NOW }))).toBe(true);
    expect(await moves(() => upsertRefunds(db, ws, [refund], { now: NOW }))).toBe(false);
    const subscription = {
      externalId: 'sub_1',
      customerExternalId: 'c1',
      interval: 'month' as const,
      amountCents: 900,
      currency: 'USD',
      status: 'active' as const,
      startedAt: Date.UTC(2024, 0, 1),
    };
    expect(await moves(() => upsertSubscriptions(db, ws, [subscription], { now: NOW }))).toBe(true);
    expect(await moves(() => upsertSubscriptions(db, ws, [subscription], { now: NOW }))).toBe(false);
    expect(
      await moves(() =>
        upsertSubscriptions(db, ws, [{ ...subscription, status: 'cancelled' }], { now: NOW }),
      ),
    ).toBe(true);
  });

  it("moves with an import's batches (the orders fast path), not with a re-import of the same file", async () => {
    const { db } = getDb();
    const { workspace } = await createWorkspace(db, { name: 'V', slug: `v-${newId()}` });
    const path = join(directory, `orders-${newId()}.csv`);
    writeFileSync(
      path,
      'customer_id,order_id,ordered_at,amount\nc1,o1,2024-01-05,19.99\nc2,o2,2024-01-06,5.00\n',
    );
    const imported = await runImport(db, { workspaceId: workspace.id, path, type: 'orders' });
    expect(imported.run.status).toBe('succeeded');
    const afterImport = await dataVersion(db, workspace.id);
    expect(afterImport).toBeGreaterThan(0);
    await runImport(db, { workspaceId: workspace.id, path, type: 'orders' });
    expect(await dataVersion(db, workspace.id)).toBe(afterImport);
    writeFileSync(path, 'customer_id,order_id,ordered_at,amount\nc1,o1,2024-01-05,29.99\n');
    await runImport(db, { workspaceId: workspace.id, path, type: 'orders' });
    expect(await dataVersion(db, workspace.id)).toBeGreaterThan(afterImport);
  });

  it('moves with tracking (identify, a changed trait, alias) and with an erasure', async () => {
    const database = getDb();
    const { db } = database;
    const api = await apiWorkspace(database, NOW);
    const ws = api.workspaceId;
    const send = async (path: string, body: unknown) => {
      const response = await api.app.request(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: basic(api.writeKey) },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
    };
    let version = await dataVersion(db, ws);
    const moved = async () => {
      const now = await dataVersion(db, ws);
      const result = now > version;
      version = now;
      return result;
    };
    await send('/v1/identify', { userId: 'u1', traits: { email: 'u1@example.com' }, messageId: 'i1' });
    expect(await moved()).toBe(true);
    await send('/v1/identify', { userId: 'u1', traits: { email: 'u1@example.com' }, messageId: 'i2' });
    expect(await moved()).toBe(false);
    await send('/v1/identify', { userId: 'u1', traits: { name: 'Una' }, messageId: 'i3' });
    expect(await moved()).toBe(true);
    await send('/v1/track', { userId: 'u1', event: 'Viewed', messageId: 't1' });
    expect(await moved()).toBe(false); // events are not analysed
    // Alias to a new id: the customer is renamed.
    await send('/v1/alias', { previousId: 'u1', userId: 'user-1', messageId: 'a1' });
    expect(await moved()).toBe(true);
    // Alias onto another existing customer: merged.
    await send('/v1/identify', { userId: 'user-2', traits: { email: 'u2@example.com' }, messageId: 'i4' });
    await moved();
    await send('/v1/alias', { previousId: 'user-2', userId: 'user-1', messageId: 'a2' });
    expect(await moved()).toBe(true);

    const customer = await db
      .selectFrom('customer')
      .select('id')
      .where('workspace_id', '=', ws)
      .where('external_id', '=', 'user-1')
      .executeTakeFirstOrThrow();
    const erased = await api.request(`/api/v1/customers/${customer.id}/erase`, {
      method: 'POST',
      role: 'owner',
    });
    expect(erased.status).toBe(200);
    expect(await moved()).toBe(true);
  });
});
