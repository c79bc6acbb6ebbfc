/**
 * The tracking API as real Segment clients use it, against a running server (a real port):
 * - `@segment/analytics-node`, Segment's Node library itself, sending identify, track, page,
 *   group and alias (it always posts batches to `/v1/batch`);
 * - the exact requests of Segment's Python client (`analytics-python` / `segment-analytics-python`:
 *   `segment/analytics/client.py` builds each message with every optional field present, `None`
 *   serialised as null, `timestamp` by `isoformat(timespec='milliseconds')`; `request.py` posts
 *   `{"batch": [...], "sentAt": <isoformat with microseconds>, "writeKey": …}` with `json.dumps`'s
 *   separators, Basic auth, and with `gzip=True` a gzip body and `Content-Encoding: gzip`);
 * - the exact requests of analytics.js (Segment's browser library, analytics-next: its standard
 *   dispatcher posts one event to `<apiHost>/<first letter of the type>` as `text/plain`, its
 *   batching dispatcher posts `{ writeKey, batch, sentAt }` to `<apiHost>/b`; the write key rides
 *   in the body, `userId` is null before identification), from another origin (CORS).
 * Each asserts what was stored, on SQLite and PostgreSQL.
 */
import { gzipSync } from 'node:zlib';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { fromJson } from '../db/index.js';
import { buildApp, type RunningServer, serveApp } from '../server/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';

describeEachDatabase('tracking with real Segment clients', (getDb) => {
  let server: RunningServer;
  let url: string;
  /** The server's clock: real time, unless a test pins it. */
  let clock: (() => number) | undefined;

  beforeAll(async () => {
    const { db, dialect } = getDb();
    const app = buildApp({ db, dialect, now: () => (clock ?? Date.now)() }, { webRoot: false });
    server = await serveApp(app, { port: 0, hostname: '127.0.0.1' });
    url = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.close();
  });

  const newWorkspace = async () => {
    const slug = `clients-${Math.random().toString(36).slice(2)}`;
    return createWorkspace(getDb().db, { name: slug, slug });
  };
  const eventsOf = (workspaceId: number) =>
    getDb()
      .db.selectFrom('event')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('id')
      .execute();
  const customersOf = (workspaceId: number) =>
    getDb()
      .db.selectFrom('customer')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('id')
      .execute();
  const groupsOf = (workspaceId: number) =>
    getDb()
      .db.selectFrom('customer_group')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('id')
      .execute();
  const membersOf = (workspaceId: number) =>
    getDb()
      .db.selectFrom('customer_group_member')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .execute();

  it('@segment/analytics-node: identify, track, page, group and alias are stored', async () => {
    const { workspace, writeKey } = await newWorkspace();
    const errors: unknown[] = [];
    const analytics = new Analytics({ writeKey, host: url, flushAt: 50, flushInterval: 100, maxRetries: 0 });
    analytics.on('error', (error) => errors.push(error));
    analytics.track({ anonymousId: 'anon-node', event: 'Pricing Viewed', properties: { plan: 'pro' } });
    analytics.identify({
      userId: 'node-1',
      traits: { email: 'Node@Example.com', name: 'Nora Node', plan: 'pro' },
      context: { timezone: 'Europe/Paris' },
    });
    analytics.track({
      userId: 'node-1',
      event: 'Order Completed',
      properties: { total: 49.5, currency: 'EUR' },
    });
    analytics.page({
      userId: 'node-1',
      category: 'Docs',
      name: 'Install',
      properties: { path: '/docs/install' },
    });
    analytics.screen({ userId: 'node-1', name: 'Home' });
    analytics.group({ userId: 'node-1', groupId: 'acme', traits: { name: 'Acme Inc', employees: 120 } });
    analytics.alias({ userId: 'node-1', previousId: 'anon-node' });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(errors).toEqual([]);

    const [customer, ...others] = await customersOf(workspace.id);
    expect(others).toEqual([]);
    expect(customer).toMatchObject({
      external_id: 'node-1',
      email: 'node@example.com',
      name: 'Nora Node',
      time_zone: 'Europe/Paris',
    });
    expect(fromJson(customer!.attributes)).toEqual({ plan: 'pro' });
    const events = await eventsOf(workspace.id);
    expect(events.map((event) => event.name).sort()).toEqual(
      ['$alias', '$group', '$identify', '$page', '$screen', 'Order Completed', 'Pricing Viewed'].sort(),
    );
    // Every event is the customer's: the anonymous one too, through the alias.
    for (const event of events) expect(event.customer_id, event.name).toBe(customer!.id);
    for (const event of events) expect(event.message_id).toMatch(/^node-next-/);
    const page = events.find((event) => event.name === '$page')!;
    expect(fromJson(page.properties)).toEqual({ name: 'Install', category: 'Docs', path: '/docs/install' });
    const [group] = await groupsOf(workspace.id);
    expect(group).toMatchObject({ external_id: 'acme', name: 'Acme Inc' });
    expect(fromJson(group!.traits)).toEqual({ name: 'Acme Inc', employees: 120 });
    expect(await membersOf(workspace.id)).toMatchObject([{ group_id: group!.id, customer_id: customer!.id }]);
  });

  /** One message as analytics-python's `Client` builds it (every field present, None → null). */
  const pythonMessage = (fields: Record<string, unknown>) => ({
    integrations: {},
    anonymousId: null,
    timestamp: '2024-05-01T11:59:48.123000+00:00',
    context: { library: { name: 'analytics-python', version: '2.3.4' } },
    userId: null,
    messageId: null,
    ...fields,
  });
  /** `json.dumps(body)`: Python's default separators are ", " and ": ". */
  const pythonJson = (value: unknown) => JSON.stringify(value).replace(/","/g, '", "').replace(/":/g, '": ');

  it("the Python client's batch, gzip=True, with its nulls and its clock 10 s behind", async () => {
    const { workspace, writeKey } = await newWorkspace();
    // The server's clock: 12:00:00. The client's: 10 s behind (it sent at 11:59:50.000 by its clock).
    clock = () => Date.UTC(2024, 4, 1, 12);
    try {
      const body = {
        batch: [
          pythonMessage({
            type: 'identify',
            userId: 'py-1',
            traits: { email: 'py@example.com', name: 'Pia Python' },
            messageId: '0f8fad5b-d9cb-469f-a165-70867728950e',
          }),
          pythonMessage({
            type: 'track',
            userId: 'py-1',
            event: 'Order Completed',
            properties: { revenue: 12.5 },
            messageId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
          }),
          pythonMessage({
            type: 'page',
            userId: 'py-1',
            name: null,
            category: null,
            properties: {},
            messageId: 'a8098c1a-f86e-11da-bd1a-00112444be1e',
          }),
          pythonMessage({
            type: 'group',
            userId: 'py-1',
            groupId: 4242, // an int id: the client sends it as given
            traits: { name: 'Py Co' },
            messageId: '6fa459ea-ee8a-3ca4-894e-db77e160355e',
          }),
          // Older clients send properties, context and traits as null too.
          {
            ...pythonMessage({ type: 'track', event: 'Anonymous Visit', anonymousId: 'anon-py' }),
            properties: null,
            context: null,
            messageId: '16fd2706-8baf-433b-82eb-8c7fada847da',
          },
          pythonMessage({
            type: 'identify',
            userId: 1234567, // numeric userIds are stored as strings
            traits: null,
            messageId: '886313e1-3b8a-5372-9b90-0c9aee199e5d',
          }),
          pythonMessage({
            type: 'alias',
            previousId: 'anon-py',
            userId: 'py-1',
            messageId: 'c56a4180-65aa-42ec-a945-5fd21dec0538',
          }),
        ],
        sentAt: '2024-05-01T11:59:50.000000+00:00',
        writeKey,
      };
      const response = await fetch(`${url}/v1/batch`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'analytics-python/2.3.4',
          Authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
          'Content-Encoding': 'gzip',
        },
        body: gzipSync(pythonJson(body)),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ success: true });
    } finally {
      clock = undefined;
    }

    const customers = await customersOf(workspace.id);
    expect(customers.map((customer) => customer.external_id).sort()).toEqual(['1234567', 'py-1']);
    const py = customers.find((customer) => customer.external_id === 'py-1')!;
    expect(py).toMatchObject({ email: 'py@example.com', name: 'Pia Python' });
    const events = await eventsOf(workspace.id);
    expect(events).toHaveLength(7);
    // 11:59:48.123 by the client's clock + 10 s of skew = 11:59:58.123 by the server's.
    for (const event of events) expect(event.occurred_at).toBe(Date.UTC(2024, 4, 1, 11, 59, 58, 123));
    const anonymous = events.find((event) => event.name === 'Anonymous Visit')!;
    expect(anonymous).toMatchObject({ anonymous_id: 'anon-py', user_id: null, customer_id: py.id });
    expect(fromJson(anonymous.properties)).toEqual({});
    const page = events.find((event) => event.name === '$page')!;
    expect(fromJson(page.properties)).toEqual({});
    const [group] = await groupsOf(workspace.id);
    expect(group).toMatchObject({ external_id: '4242', name: 'Py Co' });
  });

  it('analytics.js from another origin: CORS preflight, text/plain single calls and batches', async () => {
    const { workspace, writeKey } = await newWorkspace();
    const origin = 'https://shop.example';
    // A browser asks first when the page sets headers beyond the simple ones.
    const preflight = await fetch(`${url}/v1/t`, {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');

    const context = {
      page: {
        path: '/pricing',
        referrer: '',
        search: '',
        title: 'Pricing',
        url: 'https://shop.example/pricing',
      },
      userAgent:
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      locale: 'en-GB',
      library: { name: 'analytics.js', version: 'next-1.84.3' },
    };
    const metadata = { bundled: ['Segment.io'], unbundled: [], bundledIds: [] };
    /** What analytics.js's normalize() sends: writeKey, userId (null when anonymous), anonymousId, sentAt, _metadata. */
    const browserEvent = (fields: Record<string, unknown>) => ({
      timestamp: '2024-05-01T11:59:59.000Z',
      integrations: {},
      ...fields,
      context,
      writeKey,
      userId: fields.userId ?? null,
      anonymousId: '2f1e8c0a-4d8b-4f64-9b0f-3c3f0f2b7d11',
      sentAt: '2024-05-01T11:59:59.100Z',
      _metadata: metadata,
    });
    const send = (path: string, body: unknown, contentType = 'text/plain') =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { Origin: origin, 'Content-Type': contentType },
        body: JSON.stringify(body),
      });

    const page = await send(
      '/v1/p',
      browserEvent({
        type: 'page',
        properties: { path: '/pricing', url: 'https://shop.example/pricing', title: 'Pricing' },
        messageId: 'ajs-next-1714564799000-1',
      }),
    );
    expect(page.status).toBe(200);
    expect(page.headers.get('access-control-allow-origin')).toBe('*');
    expect(page.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    const track = await send(
      '/v1/t',
      browserEvent({
        type: 'track',
        event: 'Plan Selected',
        properties: { plan: 'pro' },
        messageId: 'ajs-next-1714564799000-2',
      }),
      'text/plain;charset=UTF-8', // navigator.sendBeacon's label for a string body
    );
    expect(track.status).toBe(200);
    const identify = await send(
      '/v1/i',
      browserEvent({
        type: 'identify',
        userId: 'web-1',
        traits: { email: 'web@example.com' },
        messageId: 'ajs-next-1714564799000-3',
      }),
    );
    expect(identify.status).toBe(200);
    // The batching dispatcher: sentAt removed from each event, one for the batch. analytics.js's
    // alias names the anonymous id as previousId.
    const batch = await send('/v1/b', {
      writeKey,
      batch: [
        browserEvent({ type: 'track', userId: 'web-1', event: 'Checkout Started', messageId: 'ajs-next-b1' }),
        browserEvent({
          type: 'alias',
          userId: 'web-1',
          previousId: '2f1e8c0a-4d8b-4f64-9b0f-3c3f0f2b7d11',
          messageId: 'ajs-next-b2',
        }),
        // A page title no store can keep (a NUL): this message is dropped and reported, not the batch.
        browserEvent({ type: 'page', properties: { title: 'Bad\u0000title' }, messageId: 'ajs-next-b3' }),
      ].map(({ sentAt: _sentAt, ...event }) => event),
      sentAt: '2024-05-01T11:59:59.200Z',
    });
    expect(batch.status).toBe(200);
    expect(batch.headers.get('access-control-allow-origin')).toBe('*');
    expect(await batch.json()).toEqual({
      success: true,
      rejected: [
        {
          index: 2,
          messageId: 'ajs-next-b3',
          issues: [
            {
              path: ['json', 'batch', 2, 'properties', 'title'],
              code: 'unstorable_text',
              message: 'The text contains a NUL character (U+0000), which cannot be stored.',
            },
          ],
        },
      ],
    });
    // An answer the page cannot read would make analytics.js retry: errors carry CORS headers too.
    const refused = await fetch(`${url}/v1/t`, {
      method: 'POST',
      headers: { Origin: origin, 'Content-Type': 'text/plain' },
      body: JSON.stringify({ ...browserEvent({ type: 'track', event: 'X' }), writeKey: 'wk_wrong' }),
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');

    const events = await eventsOf(workspace.id);
    expect(events.map((event) => [event.name, event.message_id])).toEqual([
      ['$page', 'ajs-next-1714564799000-1'],
      ['Plan Selected', 'ajs-next-1714564799000-2'],
      ['$identify', 'ajs-next-1714564799000-3'],
      ['Checkout Started', 'ajs-next-b1'],
      ['$alias', 'ajs-next-b2'],
    ]);
    expect(events[0]).toMatchObject({ user_id: null, anonymous_id: '2f1e8c0a-4d8b-4f64-9b0f-3c3f0f2b7d11' });
    const [customer, ...others] = await customersOf(workspace.id);
    expect(others).toEqual([]);
    expect(customer).toMatchObject({ external_id: 'web-1', email: 'web@example.com', language: 'en-GB' });
    // The alias made the anonymous page view and track the customer's.
    for (const event of events) expect(event.customer_id, event.name).toBe(customer!.id);
  });
});
