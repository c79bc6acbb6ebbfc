import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { fromJson } from '../db/index.js';
import { buildApp } from '../server/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { IDENTIFY_EVENT_NAME } from './tracking.service.js';

/** The server's clock in these tests: 2024-05-01T12:00:00Z. */
const NOW = Date.UTC(2024, 4, 1, 12);

describeEachDatabase('tracking API (Segment-compatible)', (getDb) => {
  const app = () => {
    const { db, dialect } = getDb();
    return buildApp({ db, dialect, now: () => NOW });
  };
  const newWorkspace = async () => {
    const slug = `ws-${randomBytes(6).toString('hex')}`;
    return createWorkspace(getDb().db, { name: slug, slug });
  };
  const basic = (writeKey: string) => `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  const post = (path: string, body: unknown, authorization?: string) =>
    app().request(path, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(authorization === undefined ? {} : { Authorization: authorization }),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const eventsOf = (workspaceId: number) =>
    getDb()
      .db.selectFrom('event')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('occurred_at')
      .orderBy('message_id')
      .execute();
  const customersOf = (workspaceId: number) =>
    getDb().db.selectFrom('customer').selectAll().where('workspace_id', '=', workspaceId).execute();

  it('takes the write key as the Basic user name with an empty password, and answers { success: true }', async () => {
    const { workspace, writeKey } = await newWorkspace();
    const response = await post(
      '/v1/track',
      {
        userId: 'u1',
        event: 'Order Completed',
        properties: { total: 12.5 },
        timestamp: '2024-04-30T08:00:00Z',
        messageId: 'm-1',
      },
      basic(writeKey),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true });
    const [event, ...rest] = await eventsOf(workspace.id);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      name: 'Order Completed',
      user_id: 'u1',
      message_id: 'm-1',
      occurred_at: Date.UTC(2024, 3, 30, 8),
      received_at: NOW,
    });
    expect(fromJson(event!.properties)).toEqual({ total: 12.5 });
  });

  it('takes the write key as a Bearer token, or as writeKey in the body', async () => {
    const { workspace, writeKey } = await newWorkspace();
    expect((await post('/v1/track', { userId: 'u1', event: 'A' }, `Bearer ${writeKey}`)).status).toBe(200);
    expect((await post('/v1/track', { userId: 'u1', event: 'B', writeKey })).status).toBe(200);
    // A Basic value without the colon (older clients) is the key itself.
    const noColon = `Basic ${Buffer.from(writeKey).toString('base64')}`;
    expect((await post('/v1/track', { userId: 'u1', event: 'C' }, noColon)).status).toBe(200);
    expect((await eventsOf(workspace.id)).map((event) => event.name).sort()).toEqual(['A', 'B', 'C']);
  });

  it('answers 401 with the error shape for a missing, unknown or malformed key', async () => {
    const { writeKey } = await newWorkspace();
    const body = { userId: 'u1', event: 'A' };
    for (const authorization of [undefined, basic('wk_nope'), 'Bearer wk_nope', `Token ${writeKey}`]) {
      const response = await post('/v1/track', body, authorization);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    }
    // A wrong key is a 401 even when the body is bad too: the key is checked first.
    expect((await post('/v1/track', { nonsense: true }, 'Bearer wk_nope')).status).toBe(401);
  });

  it('stores a repeated messageId once, within a batch and across batches', async () => {
    const { workspace, writeKey } = await newWorkspace();
    const batch = {
      batch: [
        { type: 'track', userId: 'u1', event: 'A', messageId: 'dup-1' },
        { type: 'track', userId: 'u1', event: 'A again', messageId: 'dup-1' },
        { type: 'track', anonymousId: 'anon-9', event: 'B', messageId: 'dup-2' },
      ],
    };
    expect((await post('/v1/batch', batch, basic(writeKey))).status).toBe(200);
    expect((await post('/v1/batch', batch, basic(writeKey))).status).toBe(200);
    const events = await eventsOf(workspace.id);
    // 3 messages × 2 requests, 2 distinct messageIds → 2 rows; the first copy of dup-1 wins.
    expect(events.map((event) => [event.message_id, event.name])).toEqual([
      ['dup-1', 'A'],
      ['dup-2', 'B'],
    ]);
    expect(events[1]).toMatchObject({ anonymous_id: 'anon-9', user_id: null, customer_id: null });
  });

  it('identify creates the customer, maps reserved traits to columns, and a later identify updates it', async () => {
    const { workspace, writeKey } = await newWorkspace();
    const first = await post(
      '/v1/identify',
      {
        userId: 'cust-42',
        traits: { email: ' Ada@Example.COM ', firstName: 'Ada', lastName: 'Lovelace', plan: 'pro', seats: 3 },
        context: { timezone: 'Europe/London', locale: 'en-GB' },
        messageId: 'id-1',
      },
      basic(writeKey),
    );
    expect(first.status).toBe(200);
    let [customer, ...others] = await customersOf(workspace.id);
    expect(others).toEqual([]);
    expect(customer).toMatchObject({
      external_id: 'cust-42',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      time_zone: 'Europe/London',
      language: 'en-GB',
    });
    expect(fromJson(customer!.attributes)).toEqual({ plan: 'pro', seats: 3 });

    await post(
      '/v1/identify',
      { userId: 'cust-42', traits: { plan: 'enterprise', phone: '+44 20 7946 0000' }, messageId: 'id-2' },
      basic(writeKey),
    );
    [customer] = await customersOf(workspace.id);
    // Traits not sent again keep their values; sent ones replace them.
    expect(customer).toMatchObject({
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      phone: '+44 20 7946 0000',
    });
    expect(fromJson(customer!.attributes)).toEqual({ plan: 'enterprise', seats: 3 });

    // A retry of the first call (same messageId) is not applied again: the plan stays enterprise.
    await post(
      '/v1/identify',
      { userId: 'cust-42', traits: { plan: 'pro' }, messageId: 'id-1' },
      basic(writeKey),
    );
    [customer] = await customersOf(workspace.id);
    expect(fromJson(customer!.attributes)).toEqual({ plan: 'enterprise', seats: 3 });
    const identifies = (await eventsOf(workspace.id)).filter((event) => event.name === IDENTIFY_EVENT_NAME);
    expect(identifies.map((event) => event.message_id).sort()).toEqual(['id-1', 'id-2']);
  });

  it('creates the customer of an unknown userId on track and links the event to it', async () => {
    const { workspace, writeKey } = await newWorkspace();
    await post('/v1/track', { userId: 'new-user', event: 'Signed Up' }, basic(writeKey));
    await post('/v1/track', { userId: 'new-user', event: 'Logged In' }, basic(writeKey));
    const customers = await customersOf(workspace.id);
    expect(customers.map((customer) => customer.external_id)).toEqual(['new-user']);
    const events = await eventsOf(workspace.id);
    expect(events.map((event) => event.customer_id)).toEqual([customers[0]!.id, customers[0]!.id]);
  });

  it('stores a timestamp outside 1970 … 2100 (a wrong device clock) at the time received, keeping the batch', async () => {
    // The probe's values: 0000-01-01, 0001-01-01 and 9999-12-31 as timestamp, originalTimestamp or
    // sentAt. Refusing the message would fail its whole batch; storing the odd year would put an
    // event 8,000 years away from the others. A skew correction that lands in range is kept.
    const { workspace, writeKey } = await newWorkspace();
    const response = await post(
      '/v1/batch',
      {
        batch: [
          { type: 'track', userId: 'u1', event: 'Zero', timestamp: '0000-01-01T00:00:00Z', messageId: 'm-0' },
          {
            type: 'track',
            userId: 'u1',
            event: 'One',
            originalTimestamp: '0001-01-01T00:00:00Z',
            messageId: 'm-1',
          },
          { type: 'track', userId: 'u1', event: 'Far', timestamp: '9999-12-31T23:59:59Z', messageId: 'm-9' },
          // A clock reset to 1970: the call was made 5 s before it was sent, by that clock.
          {
            type: 'track',
            userId: 'u1',
            event: 'Reset',
            timestamp: '1970-01-01T00:00:05Z',
            sentAt: '1970-01-01T00:00:10Z',
            messageId: 'm-r',
          },
          {
            type: 'track',
            userId: 'u1',
            event: 'Fine',
            originalTimestamp: '2024-04-30T08:00:00Z',
            messageId: 'm-f',
          },
          // createdAt in year 9999 is no sign-up date: it stays an attribute.
          { type: 'identify', userId: 'u1', traits: { createdAt: '9999-12-31T00:00:00Z' }, messageId: 'm-i' },
        ],
      },
      basic(writeKey),
    );
    expect(response.status).toBe(200);
    const occurred = new Map((await eventsOf(workspace.id)).map((event) => [event.name, event.occurred_at]));
    expect(Object.fromEntries(occurred)).toEqual({
      Zero: NOW,
      One: NOW,
      Far: NOW,
      Reset: NOW - 5_000,
      Fine: Date.UTC(2024, 3, 30, 8),
      $identify: NOW,
    });
    const [customer] = await customersOf(workspace.id);
    expect(customer!.signed_up_at).toBeNull();
    expect(fromJson(customer!.attributes)).toEqual({ createdAt: '9999-12-31T00:00:00Z' });
  });

  it('a batch mixes identify, track, page, screen and alias; the envelope context and sentAt apply to each', async () => {
    const { workspace, writeKey } = await newWorkspace();
    const response = await post(
      '/v1/batch',
      {
        context: { timezone: 'America/New_York' },
        // The client's clock is 5 s behind the server (sent 11:59:55 by its clock, received 12:00:00).
        sentAt: '2024-05-01T11:59:55Z',
        batch: [
          { type: 'identify', userId: 'u7', traits: { name: 'Grace' }, timestamp: '2024-05-01T11:59:50Z' },
          { type: 'track', userId: 'u7', event: 'Clicked', timestamp: '2024-05-01T11:59:51Z' },
          { type: 'page', userId: 'u7', name: 'Pricing', properties: { path: '/pricing' } },
          { type: 'screen', anonymousId: 'a1', name: 'Home' },
          { type: 'alias', userId: 'u7', previousId: 'a1' },
        ],
      },
      basic(writeKey),
    );
    expect(response.status).toBe(200);
    const [customer] = await customersOf(workspace.id);
    expect(customer).toMatchObject({ external_id: 'u7', name: 'Grace', time_zone: 'America/New_York' });
    const byName = new Map((await eventsOf(workspace.id)).map((event) => [event.name, event]));
    expect([...byName.keys()].sort()).toEqual(['$alias', '$identify', '$page', '$screen', 'Clicked']);
    // The alias made the anonymous screen view u7's.
    expect(byName.get('$screen')).toMatchObject({ anonymous_id: 'a1', customer_id: customer!.id });
    expect(fromJson(byName.get('$alias')!.properties)).toEqual({ previousId: 'a1' });
    // 11:59:51 on the client's clock + 5 s of skew = 11:59:56 on the server's.
    expect(byName.get('Clicked')!.occurred_at).toBe(Date.UTC(2024, 4, 1, 11, 59, 56));
    // No timestamp: the event happened when received.
    expect(byName.get('$page')!.occurred_at).toBe(NOW);
    expect(fromJson(byName.get('$page')!.properties)).toEqual({ name: 'Pricing', path: '/pricing' });
  });

  it('answers 400 naming each bad field', async () => {
    const { writeKey } = await newWorkspace();
    const response = await post(
      '/v1/track',
      { event: 42, timestamp: 'yesterday', messageId: 'x'.repeat(101) },
      basic(writeKey),
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; issues: { path: unknown[] }[] } };
    expect(body.error.code).toBe('invalid_input');
    const paths = body.error.issues.map((issue) => issue.path.join('.')).sort();
    expect(paths).toEqual(['json.event', 'json.messageId', 'json.timestamp', 'json.userId']);

    // In a batch, bad messages are reported and dropped (200: Segment's clients drop a batch on 400).
    const batch = await post(
      '/v1/batch',
      { batch: [{ type: 'track', userId: 'u' }, { type: 'nope' }] },
      basic(writeKey),
    );
    expect(batch.status).toBe(200);
    const { rejected } = (await batch.json()) as {
      rejected: { index: number; issues: { path: unknown[] }[] }[];
    };
    expect(rejected.map((entry) => [entry.index, entry.issues.map((issue) => issue.path.join('.'))])).toEqual(
      [
        [0, ['json.batch.0.event']],
        [1, ['json.batch.1.type']],
      ],
    );
    // An envelope that is not one is the whole request's fault.
    const notBatch = await post('/v1/batch', { batch: 'nope', sentAt: 'yesterday' }, basic(writeKey));
    expect(notBatch.status).toBe(400);
    expect(
      ((await notBatch.json()) as typeof body).error.issues.map((issue) => issue.path.join('.')).sort(),
    ).toEqual(['json.batch', 'json.sentAt']);

    expect((await post('/v1/identify', '{not json', basic(writeKey))).status).toBe(400);
  });

  it('answers 413 over 32 KB per call, 500 KB per batch and 32 KB per message of a batch', async () => {
    const { workspace, writeKey } = await newWorkspace();
    const padding = (bytes: number) => 'x'.repeat(bytes);
    // 33,000 bytes of one property alone exceed 32 × 1024 = 32,768.
    const bigTrack = { userId: 'u', event: 'E', properties: { padding: padding(33_000) } };
    expect((await post('/v1/track', bigTrack, basic(writeKey))).status).toBe(413);
    expect(
      (await post('/v1/identify', { userId: 'u', traits: { p: padding(33_000) } }, basic(writeKey))).status,
    ).toBe(413);
    // The same message is fine under 32 KB: 30,000 bytes.
    const okTrack = { userId: 'u', event: 'E', properties: { padding: padding(30_000) } };
    expect((await post('/v1/track', okTrack, basic(writeKey))).status).toBe(200);
    // A batch may hold it (one message over 32 KB is dropped and reported by its index, the rest stored)…
    const oneTooBig = await post(
      '/v1/batch',
      {
        batch: [
          { ...okTrack, type: 'track' },
          { ...bigTrack, type: 'track' },
        ],
      },
      basic(writeKey),
    );
    expect(oneTooBig.status).toBe(200);
    expect(await oneTooBig.json()).toEqual({
      success: true,
      rejected: [
        {
          index: 1,
          messageId: null,
          issues: [{ path: ['json', 'batch', 1], code: 'too_big', message: 'This message is over 32 KB.' }],
        },
      ],
    });
    // …and 18 messages of 30,000 bytes make 540,000 > 500 × 1024 = 512,000.
    const manyMessages = Array.from({ length: 18 }, (_, index) => ({
      ...okTrack,
      type: 'track',
      messageId: `m${index}`,
    }));
    expect((await post('/v1/batch', { batch: manyMessages }, basic(writeKey))).status).toBe(413);
    // The accepted track call and the batch's accepted message were stored.
    expect(await eventsOf(workspace.id)).toHaveLength(2);
  });

  it("never writes into another workspace: a write key only reaches its own workspace's rows", async () => {
    const a = await newWorkspace();
    const b = await newWorkspace();
    await post('/v1/identify', { userId: 'shared-id', traits: { email: 'a@a.test' } }, basic(a.writeKey));
    await post('/v1/track', { userId: 'shared-id', event: 'In B', messageId: 'same' }, basic(b.writeKey));
    await post('/v1/track', { userId: 'shared-id', event: 'In A', messageId: 'same' }, basic(a.writeKey));
    // The same messageId in two workspaces is two different events.
    expect((await eventsOf(a.workspace.id)).map((event) => event.name).sort()).toEqual(['$identify', 'In A']);
    expect((await eventsOf(b.workspace.id)).map((event) => event.name)).toEqual(['In B']);
    const [customerA] = await customersOf(a.workspace.id);
    const [customerB] = await customersOf(b.workspace.id);
    expect(customerA!.email).toBe('a@a.test');
    expect(customerB!.email).toBeNull();
    expect(customerA!.id).not.toBe(customerB!.id);
    const [eventB] = await eventsOf(b.workspace.id);
    expect(eventB!.customer_id).toBe(customerB!.id);
  });
  it('limits each write key with 429 and Retry-After, which Segment clients honour', async () => {
    const { db, dialect } = getDb();
    // 2 requests a minute, bursts of 2: the third waits 1 token / (2/60 s) = 30 s.
    const limited = buildApp(
      { db, dialect, now: () => NOW },
      { trackingRateLimit: { requestsPerMinute: 2, burst: 2 } },
    );
    const first = await newWorkspace();
    const second = await newWorkspace();
    const send = (writeKey: string) =>
      limited.request('/v1/track', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: basic(writeKey) },
        body: JSON.stringify({ userId: 'u1', event: 'Viewed' }),
      });
    expect((await send(first.writeKey)).status).toBe(200);
    expect((await send(first.writeKey)).status).toBe(200);
    const refused = await send(first.writeKey);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
    // Another workspace's key has its own allowance.
    expect((await send(second.writeKey)).status).toBe(200);
    // The refused call stored nothing.
    expect(await eventsOf(first.workspace.id)).toHaveLength(2);
  });
});
