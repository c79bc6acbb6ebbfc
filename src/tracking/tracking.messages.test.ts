/**
 * Message by message: what each reproduced defect of issue 10 ("Tracking") and issue 9 (§4,
 * hostile input on /v1) looked like, and what is stored now — on SQLite and PostgreSQL alike.
 */
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { listAudit } from '../audit/index.js';
import { upsertCustomers, upsertOrders } from '../customers/index.js';
import { fromJson, hashSecret } from '../db/index.js';
import { buildApp } from '../server/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';

/** The server's clock in these tests: 2024-05-01T12:00:00Z. */
const NOW = Date.UTC(2024, 4, 1, 12);
const basic = (writeKey: string) => `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;

interface Answer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers are asserted shape by shape.
  readonly body: any;
}

describeEachDatabase('tracking messages', (getDb) => {
  const setUp = async (settings: Record<string, unknown> = {}) => {
    const { db, dialect } = getDb();
    const slug = `msg-${Math.random().toString(36).slice(2)}`;
    const { workspace, writeKey } = await createWorkspace(db, { name: slug, slug, settings });
    const app = buildApp({ db, dialect, now: () => NOW }, { webRoot: false });
    const send = async (
      path: string,
      body: unknown,
      headers: Record<string, string> = {},
    ): Promise<Answer> => {
      const response = await app.request(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: basic(writeKey), ...headers },
        body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? null : JSON.parse(text) };
    };
    const events = () =>
      db.selectFrom('event').selectAll().where('workspace_id', '=', workspace.id).orderBy('id').execute();
    const customers = () =>
      db.selectFrom('customer').selectAll().where('workspace_id', '=', workspace.id).orderBy('id').execute();
    return { db, workspaceId: workspace.id, writeKey, app, send, events, customers };
  };

  it('null means absent: a batch of null fields is stored whole (it was a 400 for the whole batch)', async () => {
    const { send, events, customers } = await setUp();
    const nulls = { anonymousId: null, userId: null, context: null, integrations: null, messageId: null };
    const answer = await send('/v1/batch', {
      batch: [
        { ...nulls, type: 'track', userId: 'u1', event: 'A', properties: null, timestamp: null },
        { ...nulls, type: 'page', anonymousId: 'anon-1', name: null, category: null, properties: null },
        { ...nulls, type: 'identify', userId: 'u1', traits: null, sentAt: null },
        { ...nulls, type: 'screen', userId: 'u1', name: 'Home', category: null },
        { ...nulls, type: 'group', userId: 'u1', groupId: 'g1', traits: null },
      ],
      context: null,
      sentAt: null,
      integrations: null,
    });
    expect(answer).toEqual({ status: 200, body: { success: true } });
    expect((await events()).map((event) => event.name)).toEqual([
      'A',
      '$page',
      '$identify',
      '$screen',
      '$group',
    ]);
    expect((await customers()).map((customer) => customer.external_id)).toEqual(['u1']);
  });

  it('text no store can keep, or JSON nested too deep, drops that message only, the same on both engines', async () => {
    const { send, events } = await setUp();
    // 5,000 levels (30 KB): JSON.stringify of the parsed value overflows the stack, so it is sent as text.
    const deep = `${'{"level":'.repeat(5_000)}"bottom"${'}'.repeat(5_000)}`;
    const batch = JSON.stringify({
      batch: [
        { type: 'track', userId: 'u1', event: 'Fine', messageId: 'ok-1' },
        { type: 'track', userId: 'u1', event: 'Nul', properties: { note: 'a\u0000b' }, messageId: 'bad-1' },
        { type: 'track', userId: 'u1', event: 'Lone \ud800 surrogate', messageId: 'bad-2' },
        { type: 'identify', userId: 'u1', traits: { 'key\u0000': 1 }, messageId: 'bad-3' },
        { type: 'track', userId: 'u1', event: 'Deep', properties: { deep: 'DEEP' }, messageId: 'bad-4' },
        { type: 'track', userId: 'u\u0000x', event: 'Id', messageId: 'bad-5' },
        { type: 'track', userId: 'u1', event: 'Also fine', messageId: 'ok-2' },
      ],
    });
    const answer = await send('/v1/batch', batch.replace('"DEEP"', deep));
    expect(answer.status).toBe(200);
    const rejected = answer.body.rejected as {
      index: number;
      messageId: string;
      issues: { path: unknown[]; code: string }[];
    }[];
    expect(
      rejected.map((entry) => [entry.index, entry.messageId, entry.issues[0]!.code, entry.issues[0]!.path]),
    ).toEqual([
      [1, 'bad-1', 'unstorable_text', ['json', 'batch', 1, 'properties', 'note']],
      [2, 'bad-2', 'unstorable_text', ['json', 'batch', 2, 'event']],
      [3, 'bad-3', 'unstorable_text', ['json', 'batch', 3, 'traits', 'key\u0000']],
      [4, 'bad-4', 'too_deep', ['json', 'batch', 4, 'properties', 'deep', ...Array(30).fill('level')]],
      [5, 'bad-5', 'unstorable_text', ['json', 'batch', 5, 'userId']],
    ]);
    expect((await events()).map((event) => event.message_id)).toEqual(['ok-1', 'ok-2']);
    // A single call with such text is a 400 naming the field.
    const single = await send('/v1/track', { userId: 'u1', event: 'x', properties: { note: '\u0000' } });
    expect(single.status).toBe(400);
    expect(single.body.error.issues[0].path).toEqual(['json', 'properties', 'note']);
  });

  it('numeric ids are stored as strings; ids beyond 2^53 − 1 are refused, naming the field', async () => {
    const { send, customers, events } = await setUp();
    expect((await send('/v1/track', { userId: 42, event: 'Numeric' })).status).toBe(200);
    expect((await send('/v1/identify', { anonymousId: 7, traits: {} })).status).toBe(200);
    expect((await customers()).map((customer) => customer.external_id)).toEqual(['42']);
    expect((await events()).map((event) => [event.user_id, event.anonymous_id])).toEqual([
      ['42', null],
      [null, '7'],
    ]);
    const tooBig = await send('/v1/track', { userId: 2 ** 60, event: 'Big' });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.issues.map((issue: { path: unknown[] }) => issue.path)).toEqual([
      ['json', 'userId'],
    ]);
  });

  it('timestamps with +0000, ±hh, no offset (UTC), microseconds or a date; impossible dates named', async () => {
    const { send, events } = await setUp();
    const cases: [string, number][] = [
      ['2024-05-01T10:00:00.000+0000', Date.UTC(2024, 4, 1, 10)],
      ['2024-05-01T10:00:00.123456+02:00', Date.UTC(2024, 4, 1, 8, 0, 0, 123)],
      ['2024-05-01T10:00:00-05', Date.UTC(2024, 4, 1, 15)],
      ['2024-05-01T10:00:00', Date.UTC(2024, 4, 1, 10)],
      ['2024-05-01 10:00', Date.UTC(2024, 4, 1, 10)],
      ['2024-02-29', Date.UTC(2024, 1, 29)],
      // Outside the supported dates (a wrong device clock): stored as received (core/limits.ts).
      ['1969-12-31T23:59:59Z', NOW],
    ];
    for (const [index, [timestamp]] of cases.entries()) {
      const answer = await send('/v1/track', { userId: 'u', event: 'T', timestamp, messageId: `t${index}` });
      expect(answer.status, timestamp).toBe(200);
    }
    expect((await events()).map((event) => event.occurred_at)).toEqual(cases.map(([, expected]) => expected));
    for (const timestamp of ['2023-02-29T00:00:00Z', '2024-05-01T24:00:00Z', 'yesterday', '2024-13-01']) {
      const answer = await send('/v1/track', { userId: 'u', event: 'T', timestamp });
      expect(answer.status, timestamp).toBe(400);
      expect(answer.body.error.issues.map((issue: { path: unknown[] }) => issue.path)).toEqual([
        ['json', 'timestamp'],
      ]);
    }
  });

  it('gzip bodies are read; a zip bomb is a 413 after the limit, bad gzip a 400, other encodings and types a 415', async () => {
    const { send, events } = await setUp();
    const gzip = { 'Content-Encoding': 'gzip' };
    const track = { userId: 'u', event: 'Zipped', messageId: 'z1' };
    expect((await send('/v1/track', gzipSync(JSON.stringify(track)), gzip)).status).toBe(200);
    // 50 MB of JSON whitespace compress to ~50 KB: inflating stops at 500 KB.
    const bomb = gzipSync(
      Buffer.concat([Buffer.from('{"batch":['), Buffer.alloc(50 * 1024 * 1024, ' '), Buffer.from(']}')]),
    );
    expect(bomb.byteLength).toBeLessThan(100 * 1024);
    const exploded = await send('/v1/batch', bomb, gzip);
    expect(exploded.status).toBe(413);
    expect(exploded.body.error.message).toContain('500 KB');
    expect((await send('/v1/track', Buffer.from('not gzip at all'), gzip)).status).toBe(400);
    const brotli = await send('/v1/track', JSON.stringify(track), { 'Content-Encoding': 'br' });
    expect(brotli.status).toBe(415);
    expect(brotli.body.error.issues[0].path).toEqual(['header', 'content-encoding']);
    const form = await send('/v1/track', 'userId=u&event=x', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    // text/plain is JSON (analytics.js).
    expect(
      (await send('/v1/track', { ...track, messageId: 'p1' }, { 'Content-Type': 'text/plain' })).status,
    ).toBe(200);
    expect((await events()).map((event) => event.message_id)).toEqual(['z1', 'p1']);
  });

  it('page, screen, group, alias and import have their endpoints (and analytics.js its one-letter paths)', async () => {
    const { send, events } = await setUp();
    const calls: [string, Record<string, unknown>][] = [
      ['/v1/page', { userId: 'u', name: 'Pricing', category: 'Marketing', messageId: 'p' }],
      ['/v1/screen', { userId: 'u', name: 'Home', messageId: 's' }],
      ['/v1/group', { userId: 'u', groupId: 'acme', traits: { plan: 'team' }, messageId: 'g' }],
      ['/v1/alias', { userId: 'u', previousId: 'anon-u', messageId: 'a' }],
      ['/v1/t', { type: 'track', userId: 'u', event: 'Short', messageId: 't' }],
    ];
    for (const [path, body] of calls) expect((await send(path, body)).status, path).toBe(200);
    const imported = await send('/v1/import', {
      batch: [
        { type: 'track', userId: 'u', event: 'Old', timestamp: '2019-01-01T00:00:00Z', messageId: 'i1' },
        { type: 'track', userId: 'u', messageId: 'i2' },
      ],
    });
    expect(imported.status).toBe(200);
    expect(imported.body.rejected).toMatchObject([
      { index: 1, messageId: 'i2', issues: [{ path: ['json', 'batch', 1, 'event'] }] },
    ]);
    expect((await events()).map((event) => [event.message_id, event.name])).toEqual([
      ['p', '$page'],
      ['s', '$screen'],
      ['g', '$group'],
      ['a', '$alias'],
      ['t', 'Short'],
      ['i1', 'Old'],
    ]);
    // A route's type wins: a body naming another type is refused, naming `type`.
    const mismatch = await send('/v1/page', { type: 'track', userId: 'u', event: 'x' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.issues).toMatchObject([{ path: ['json', 'type'] }]);
    // Error bodies name every missing field.
    const group = await send('/v1/group', { traits: {} });
    expect(group.body.error.issues.map((issue: { path: unknown[] }) => issue.path.join('.')).sort()).toEqual([
      'json.groupId',
      'json.userId',
    ]);
  });

  it('group stores the group and merges its traits once per call, and links the customer', async () => {
    const { db, workspaceId, send, customers } = await setUp();
    const group = async () =>
      db.selectFrom('customer_group').selectAll().where('workspace_id', '=', workspaceId).execute();
    expect(
      (
        await send('/v1/group', {
          userId: 'u1',
          groupId: 'acme',
          traits: { name: 'Acme', plan: 'team' },
          messageId: 'g1',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await send('/v1/group', {
          userId: 'u2',
          groupId: 'acme',
          traits: { plan: 'enterprise', seats: 50 },
          messageId: 'g2',
        })
      ).status,
    ).toBe(200);
    // A retry of the first call does not bring the old plan back.
    expect(
      (
        await send('/v1/group', {
          userId: 'u1',
          groupId: 'acme',
          traits: { name: 'Acme', plan: 'team' },
          messageId: 'g1',
        })
      ).status,
    ).toBe(200);
    // Without a userId the group is stored, nobody is linked.
    expect(
      (
        await send('/v1/group', {
          anonymousId: 'a9',
          groupId: 'globex',
          traits: { name: 'Globex' },
          messageId: 'g3',
        })
      ).status,
    ).toBe(200);
    const groups = await group();
    expect(groups.map((row) => [row.external_id, row.name, fromJson(row.traits)])).toEqual([
      ['acme', 'Acme', { name: 'Acme', plan: 'enterprise', seats: 50 }],
      ['globex', 'Globex', { name: 'Globex' }],
    ]);
    const members = await db
      .selectFrom('customer_group_member')
      .select(['group_id', 'customer_id'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('customer_id')
      .execute();
    const ids = (await customers()).map((customer) => customer.id);
    expect(members).toEqual(ids.map((customerId) => ({ group_id: groups[0]!.id, customer_id: customerId })));
  });

  it("alias merges two customers' orders, events and attributes into one, audited, and the old id follows", async () => {
    const database = getDb();
    const api = await apiWorkspace(database, NOW);
    const { db } = database;
    const ws = api.workspaceId;
    await upsertCustomers(
      db,
      ws,
      [
        {
          externalId: 'guest-9',
          email: 'guest@example.com',
          attributes: { source: 'ads', plan: 'free' },
          signedUpAt: Date.UTC(2024, 0, 1),
        },
        { externalId: 'user-9', name: 'Gus', attributes: { plan: 'pro' } },
      ],
      { now: NOW },
    );
    await upsertOrders(
      db,
      ws,
      [
        {
          externalId: 'o-guest',
          customerExternalId: 'guest-9',
          orderedAt: Date.UTC(2024, 1, 1),
          currency: 'EUR',
          amountCents: 1000,
        },
        {
          externalId: 'o-user',
          customerExternalId: 'user-9',
          orderedAt: Date.UTC(2024, 2, 1),
          currency: 'EUR',
          amountCents: 2000,
        },
      ],
      { now: NOW },
    );
    const send = (path: string, body: unknown) =>
      api.app.request(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: basic(api.writeKey) },
        body: JSON.stringify(body),
      });
    expect((await send('/v1/track', { userId: 'guest-9', event: 'Browsed', messageId: 'e1' })).status).toBe(
      200,
    );
    expect(
      (await send('/v1/track', { anonymousId: 'anon-9', event: 'Landed', messageId: 'e0' })).status,
    ).toBe(200);
    expect(
      (await send('/v1/alias', { previousId: 'guest-9', userId: 'user-9', messageId: 'al1' })).status,
    ).toBe(200);
    expect(
      (await send('/v1/alias', { previousId: 'anon-9', userId: 'user-9', messageId: 'al2' })).status,
    ).toBe(200);

    const customers = await db.selectFrom('customer').selectAll().where('workspace_id', '=', ws).execute();
    expect(customers).toHaveLength(1);
    const [merged] = customers;
    expect(merged).toMatchObject({
      external_id: 'user-9',
      name: 'Gus',
      email: 'guest@example.com',
      signed_up_at: Date.UTC(2024, 0, 1),
    });
    expect(fromJson(merged!.attributes)).toEqual({ source: 'ads', plan: 'pro' });
    const orders = await db
      .selectFrom('customer_order')
      .select(['external_id', 'customer_id'])
      .where('workspace_id', '=', ws)
      .orderBy('external_id')
      .execute();
    expect(orders).toEqual([
      { external_id: 'o-guest', customer_id: merged!.id },
      { external_id: 'o-user', customer_id: merged!.id },
    ]);
    // The old identity follows the customer: a later call with it lands there, not on a new customer.
    expect((await send('/v1/track', { userId: 'guest-9', event: 'Came Back', messageId: 'e2' })).status).toBe(
      200,
    );
    const events = await db
      .selectFrom('event')
      .selectAll()
      .where('workspace_id', '=', ws)
      .orderBy('id')
      .execute();
    for (const event of events) expect(event.customer_id, event.name).toBe(merged!.id);
    expect(
      await db.selectFrom('customer').select('id').where('workspace_id', '=', ws).execute(),
    ).toHaveLength(1);
    // Audited once (the second alias merged no customer), with no personal data in the details.
    const audit = await listAudit(db, ws, { entity: 'customer', entityId: merged!.id });
    expect(audit.filter((entry) => entry.action === 'customer.merged')).toMatchObject([
      { actorType: 'system', details: { orders: 1, events: 1 } },
    ]);
    expect(JSON.stringify(audit)).not.toContain('guest');
    // A retried alias changes nothing and records nothing.
    expect(
      (await send('/v1/alias', { previousId: 'guest-9', userId: 'user-9', messageId: 'al1' })).status,
    ).toBe(200);
    expect(
      (await listAudit(db, ws, { entity: 'customer' })).filter((entry) => entry.action === 'customer.merged'),
    ).toHaveLength(1);
    // The export lists the merged identities; erasure forgets them.
    const exported = await api.request(`/api/v1/customers/${merged!.id}/export`, { role: 'owner' });
    expect(exported.body.aliases).toEqual(['guest-9', 'anon-9']);
  });

  it('alias of an unknown user renames the previous customer; concurrent aliases and tracks end in one customer', async () => {
    const { send, customers, events } = await setUp();
    expect((await send('/v1/track', { userId: 'temp-1', event: 'A', messageId: 'r1' })).status).toBe(200);
    expect(
      (await send('/v1/alias', { previousId: 'temp-1', userId: 'final-1', messageId: 'r2' })).status,
    ).toBe(200);
    expect((await customers()).map((customer) => customer.external_id)).toEqual(['final-1']);

    for (let round = 0; round < 3; round++) {
      const [left, right] = [`left-${round}`, `right-${round}`];
      await send('/v1/batch', {
        batch: [left, right].map((userId) => ({ type: 'track', userId, event: 'Seen' })),
      });
      const answers = await Promise.all([
        send('/v1/alias', { previousId: left, userId: right }),
        send('/v1/alias', { previousId: left, userId: right }),
        ...Array.from({ length: 4 }, (_, index) =>
          send('/v1/batch', {
            batch: [
              { type: 'track', userId: index % 2 === 0 ? left : right, event: `During ${index}` },
              { type: 'identify', userId: left, traits: { round } },
            ],
          }),
        ),
      ]);
      for (const answer of answers) expect(answer.status).toBe(200);
      const survivors = (await customers()).filter(
        (customer) => customer.external_id === right || customer.external_id === left,
      );
      expect(survivors.map((customer) => customer.external_id)).toEqual([right]);
      // Every event sent under either identity is the survivor's.
      const theirs = (await events()).filter((event) => event.user_id === left || event.user_id === right);
      expect(theirs.length).toBeGreaterThanOrEqual(7);
      for (const event of theirs) expect(event.customer_id).toBe(survivors[0]!.id);
    }
  });

  it('a workspace that refuses erased identities drops their later messages; only a hash is kept', async () => {
    const database = getDb();
    const { db } = database;
    const api = await apiWorkspace(database, NOW);
    // The workspace's owner chooses to refuse data for erased identities (read by tracking within 30 s).
    const changed = await api.app.request('/api/v1/workspace', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${api.keys.owner}` },
      body: JSON.stringify({ settings: { erasedIdentities: 'refuse' } }),
    });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ settings: { erasedIdentities: 'refuse', timeZone: 'UTC' } });
    const app = api.app;
    const send = (path: string, body: unknown) =>
      app.request(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: basic(api.writeKey) },
        body: JSON.stringify(body),
      });
    await send('/v1/identify', { userId: 'carol-1', traits: { email: 'carol@example.com' } });
    await send('/v1/alias', { previousId: 'carol-old', userId: 'carol-1' });
    const [carol] = await db
      .selectFrom('customer')
      .selectAll()
      .where('workspace_id', '=', api.workspaceId)
      .execute();
    const erased = await app.request(`/api/v1/customers/${carol!.id}/erase`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${api.keys.owner}` },
    });
    expect(erased.status).toBe(200);
    const hashes = await db
      .selectFrom('erased_identity')
      .selectAll()
      .where('workspace_id', '=', api.workspaceId)
      .execute();
    expect(hashes.map((row) => row.identity_hash).sort()).toEqual(
      [hashSecret('carol-1'), hashSecret('carol-old')].sort(),
    );
    expect(JSON.stringify(hashes)).not.toContain('carol');

    const batch = await send('/v1/batch', {
      batch: [
        { type: 'identify', userId: 'carol-1', traits: { email: 'carol@example.com' }, messageId: 'c1' },
        { type: 'track', userId: 'carol-old', event: 'Back', messageId: 'c2' },
        { type: 'track', userId: 'dave-1', event: 'Other', messageId: 'd1' },
        { type: 'alias', previousId: 'carol-1', userId: 'dave-1', messageId: 'c3' },
      ],
    });
    expect(batch.status).toBe(200);
    const body = (await batch.json()) as {
      rejected: { index: number; issues: { path: unknown[]; code: string }[] }[];
    };
    expect(
      body.rejected.map((entry) => [
        entry.index,
        entry.issues.map((issue) => [issue.path.join('.'), issue.code]),
      ]),
    ).toEqual([
      [0, [['json.batch.0.userId', 'erased_identity']]],
      [1, [['json.batch.1.userId', 'erased_identity']]],
      [3, [['json.batch.3.previousId', 'erased_identity']]],
    ]);
    const customers = await db
      .selectFrom('customer')
      .select('external_id')
      .where('workspace_id', '=', api.workspaceId)
      .orderBy('id')
      .execute();
    expect(customers.map((customer) => customer.external_id)).toEqual([`erased:${carol!.id}`, 'dave-1']);
    const single = await send('/v1/track', { userId: 'carol-1', event: 'Again' });
    expect(single.status).toBe(400);
    expect(await single.json()).toMatchObject({
      error: { issues: [{ path: ['json', 'userId'], code: 'erased_identity' }] },
    });
  });
});
