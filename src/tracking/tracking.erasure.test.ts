/**
 * Erasure is final for tracking (issue 9 §3): once a customer is erased, a later call with their
 * former userId never reaches the erased row — not through this process's cache, not through
 * another process's, not through the pseudonym, and not while the erasure is committing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { describeEachDatabase, describeOnDatabase, type TestDatabase } from '../../test/support/databases.js';
import { fromJson, toJson } from '../db/index.js';
import { buildApp } from '../server/index.js';

const NOW = Date.UTC(2024, 4, 1, 12);
const basic = (writeKey: string) => `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;

/** What a client sends about Bob: his e-mail and name in clear. */
const bobBatch = (userId: string, tag: string) => ({
  batch: [
    {
      type: 'identify',
      userId,
      messageId: `${tag}-identify`,
      traits: { email: 'bob@example.com', name: 'Bob Two', plan: 'pro' },
    },
    {
      type: 'track',
      userId,
      messageId: `${tag}-track`,
      event: 'Viewed',
      properties: { note: 'bob@example.com' },
    },
  ],
});

/** The tracking side of a workspace on `app`, plus the API to erase and export. */
async function setUp(database: TestDatabase) {
  const api = await apiWorkspace(database, NOW);
  const send = (body: unknown, app = api.app) =>
    app.request('/v1/batch', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: basic(api.writeKey) },
      body: JSON.stringify(body),
    });
  const erase = async (customerId: number, app = api.app) => {
    const response = await app.request(`/api/v1/customers/${customerId}/erase`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${api.keys.owner}` },
    });
    expect(response.status).toBe(200);
  };
  const customers = () =>
    database.db
      .selectFrom('customer')
      .selectAll()
      .where('workspace_id', '=', api.workspaceId)
      .orderBy('id')
      .execute();
  const eventsOf = (customerId: number) =>
    database.db
      .selectFrom('event')
      .selectAll()
      .where('workspace_id', '=', api.workspaceId)
      .where('customer_id', '=', customerId)
      .execute();
  /** Bob's customer row, created (and cached by the tracking service of `app`) by a first call. */
  const trackedBob = async (userId: string, app = api.app) => {
    expect((await send(bobBatch(userId, `${userId}-first`), app)).status).toBe(200);
    const row = (await customers()).find((customer) => customer.external_id === userId);
    expect(row).toBeDefined();
    return row!.id;
  };
  /** Nothing about Bob in clear is linked to the erased row, and its export holds none of it. */
  const expectNothingInClear = async (erasedId: number, userId: string) => {
    const erased = (await customers()).find((customer) => customer.id === erasedId)!;
    expect(erased).toMatchObject({ external_id: `erased:${erasedId}`, email: null, name: null });
    expect(erased.erased_at).not.toBeNull();
    for (const event of await eventsOf(erasedId)) {
      expect(event.user_id).toBe(`erased:${erasedId}`);
      expect(JSON.stringify(fromJson(event.properties))).not.toMatch(/bob|Bob/);
    }
    const exported = await api.request(`/api/v1/customers/${erasedId}/export`, { role: 'owner' });
    expect(exported.status).toBe(200);
    const text = JSON.stringify(exported.body);
    expect(text).not.toContain('bob@example.com');
    expect(text).not.toContain('Bob Two');
    expect(text).not.toContain(`"${userId}"`);
  };
  return { api, send, erase, customers, eventsOf, trackedBob, expectNothingInClear };
}

describeEachDatabase('tracking after erasure', (getDb) => {
  it('a userId tracked again after its customer was erased starts a new customer (the cache of this process)', async () => {
    const { send, erase, customers, trackedBob, expectNothingInClear } = await setUp(getDb());
    const bob = await trackedBob('bob-2');
    await erase(bob);

    expect((await send(bobBatch('bob-2', 'after'))).status).toBe(200);
    await expectNothingInClear(bob, 'bob-2');
    const again = (await customers()).filter((customer) => customer.external_id === 'bob-2');
    expect(again).toHaveLength(1);
    expect(again[0]!.id).not.toBe(bob);
    expect(again[0]).toMatchObject({ email: 'bob@example.com', name: 'Bob Two', erased_at: null });
  });

  it('the cache of another process never resurrects an erased identity', async () => {
    const database = getDb();
    const { api, send, erase, customers, eventsOf, trackedBob, expectNothingInClear } = await setUp(database);
    // "Another process": its own connection and its own tracking service (and cache).
    const other = buildApp({ db: database.open().db, dialect: database.dialect, now: () => NOW });
    const bob = await trackedBob('bob-3', other);
    await erase(bob, api.app);

    expect((await send(bobBatch('bob-3', 'other-after'), other)).status).toBe(200);
    // Track-only calls from known users take the grouped fast path: it verifies its cached ids too.
    const trackOnly = { batch: [{ type: 'track', userId: 'bob-3', event: 'Fast', messageId: 'fast-1' }] };
    expect((await send(trackOnly, other)).status).toBe(200);
    await expectNothingInClear(bob, 'bob-3');
    const renewed = (await customers()).find((customer) => customer.external_id === 'bob-3')!;
    expect(renewed.id).not.toBe(bob);
    expect((await eventsOf(renewed.id)).map((event) => event.message_id).sort()).toEqual([
      'fast-1',
      'other-after-identify',
      'other-after-track',
    ]);
  });

  it("a userId equal to an erased customer's pseudonym is refused, never linked to the erased row", async () => {
    const { send, erase, trackedBob, expectNothingInClear, eventsOf } = await setUp(getDb());
    const bob = await trackedBob('bob-4');
    await erase(bob);
    const before = (await eventsOf(bob)).length;

    const response = await send(bobBatch(`erased:${bob}`, 'pseudonym'));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      success: true,
      rejected: [
        { index: 0, issues: [{ path: ['json', 'batch', 0, 'userId'], code: 'erased_identity' }] },
        { index: 1, issues: [{ path: ['json', 'batch', 1, 'userId'], code: 'erased_identity' }] },
      ],
    });
    expect(await eventsOf(bob)).toHaveLength(before);
    await expectNothingInClear(bob, 'bob-4');
  });

  it('erasure takes the customer out of its groups and forgets its aliases; the groups stay', async () => {
    const database = getDb();
    const { api, send, erase, trackedBob } = await setUp(database);
    const bob = await trackedBob('bob-7');
    const grouped = await send({
      batch: [
        { type: 'group', userId: 'bob-7', groupId: 'bobs-shop', traits: { name: 'Bob’s Shop' } },
        { type: 'alias', userId: 'bob-7', previousId: 'bob-anon-7' },
      ],
    });
    expect(grouped.status).toBe(200);
    const exported = await api.request(`/api/v1/customers/${bob}/export`, { role: 'owner' });
    expect(exported.body.groups).toMatchObject([{ groupId: 'bobs-shop', name: 'Bob’s Shop' }]);
    expect(exported.body.aliases).toEqual(['bob-anon-7']);

    await erase(bob);
    const after = await api.request(`/api/v1/customers/${bob}/export`, { role: 'owner' });
    expect(after.body).toMatchObject({ groups: [], aliases: [] });
    const { db } = database;
    const count = async (table: 'customer_group' | 'customer_group_member' | 'customer_alias') =>
      (await db.selectFrom(table).select('id').where('workspace_id', '=', api.workspaceId).execute()).length;
    expect([
      await count('customer_group'),
      await count('customer_group_member'),
      await count('customer_alias'),
    ]).toEqual([1, 0, 0]);
    // The former identity no longer leads to the erased customer: it starts a new one.
    expect((await send({ batch: [{ type: 'track', userId: 'bob-anon-7', event: 'Later' }] })).status).toBe(
      200,
    );
    const later = await db
      .selectFrom('event')
      .select('customer_id')
      .where('workspace_id', '=', api.workspaceId)
      .where('name', '=', 'Later')
      .executeTakeFirstOrThrow();
    expect(later.customer_id).not.toBe(bob);
  });

  it('batches written while the erasure commits leave nothing in clear on the erased customer', async () => {
    const { send, erase, trackedBob, expectNothingInClear } = await setUp(getDb());
    for (let round = 0; round < 4; round++) {
      const userId = `bob-race-${round}`;
      const bob = await trackedBob(userId);
      const batches = Array.from({ length: 6 }, (_, index) => send(bobBatch(userId, `${userId}-${index}`)));
      const [, ...answers] = await Promise.all([erase(bob), ...batches]);
      for (const answer of answers) expect(answer.status).toBe(200);
      await expectNothingInClear(bob, userId);
    }
  });
});

describeOnDatabase('postgres', 'tracking and erasure in concurrent transactions', (getDb) => {
  it('an erasure waits for a tracking write holding the customer and scrubs what it wrote', async () => {
    const database = getDb();
    const { api, erase, trackedBob, expectNothingInClear } = await setUp(database);
    const bob = await trackedBob('bob-5');
    const writer = database.open().db;
    let erasing: Promise<void> | undefined;
    await writer.transaction().execute(async (trx) => {
      // What a tracking write does: lock the customer it resolved, insert its events in clear.
      await sql`select id from customer where workspace_id = ${api.workspaceId} and id = ${bob}
        and erased_at is null for key share`.execute(trx);
      await trx
        .insertInto('event')
        .values({
          workspace_id: api.workspaceId,
          message_id: 'in-flight',
          customer_id: bob,
          user_id: 'bob-5',
          anonymous_id: null,
          name: 'Viewed',
          properties: toJson({ email: 'bob@example.com' }),
          occurred_at: NOW,
          received_at: NOW,
        })
        .execute();
      erasing = erase(bob);
      await sleep(300); // the erasure is now waiting for this transaction
    });
    await erasing;
    await expectNothingInClear(bob, 'bob-5');
  });

  it('a tracking write that meets a committing erasure goes to a new customer', async () => {
    const database = getDb();
    const { api, send, customers, eventsOf, trackedBob } = await setUp(database);
    const bob = await trackedBob('bob-6'); // cached by the app's tracking service
    const eraser = database.open().db;
    let writes: Promise<Response[]> | undefined;
    await eraser.transaction().execute(async (trx) => {
      // What an erasure does first: lock the customer row, then pseudonymise it.
      await sql`select id from customer where workspace_id = ${api.workspaceId} and id = ${bob} for update`.execute(
        trx,
      );
      await trx
        .updateTable('customer')
        .set({ external_id: `erased:${bob}`, email: null, name: null, erased_at: NOW })
        .where('workspace_id', '=', api.workspaceId)
        .where('id', '=', bob)
        .execute();
      writes = Promise.all([
        send(bobBatch('bob-6', 'during')),
        send({ batch: [{ type: 'track', userId: 'bob-6', event: 'Fast', messageId: 'during-fast' }] }),
      ]);
      await sleep(300); // both writes are now waiting for the lock
    });
    for (const response of await writes!) expect(response.status).toBe(200);
    expect(await eventsOf(bob)).toHaveLength(2); // the two events of the first call only
    const renewed = (await customers()).find((customer) => customer.external_id === 'bob-6')!;
    expect(renewed.id).not.toBe(bob);
    expect(renewed.email).toBe('bob@example.com');
    expect((await eventsOf(renewed.id)).map((event) => event.message_id).sort()).toEqual([
      'during-fast',
      'during-identify',
      'during-track',
    ]);
  });
});
