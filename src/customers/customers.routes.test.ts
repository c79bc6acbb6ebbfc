/**
 * The customer data API over real API keys and the real middleware chain, on both databases:
 * pagination visits every row once, search and filters, workspace isolation (404), roles, and the
 * customer view. Data is written with the batch upserts the importers use.
 */
import { expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { upsertCustomers, upsertEvents, upsertOrders, upsertRefunds, upsertSubscriptions } from './index.js';

const NOW = Date.UTC(2024, 6, 1);
const day = (n: number) => Date.UTC(2024, 0, 1) + n * 86_400_000;

describeEachDatabase('customer data API', (getDb) => {
  /** A workspace with 23 customers c00…c22 and a few orders, subscriptions and events. */
  const seeded = async () => {
    const { db } = getDb();
    const api = await apiWorkspace(getDb(), NOW);
    const ws = api.workspaceId;
    const customers = Array.from({ length: 23 }, (_, index) => {
      const number = String(index).padStart(2, '0');
      return {
        externalId: `c${number}`,
        email: `person${number}@example.com`,
        name: `Person ${number}`,
        country: index % 2 === 0 ? 'fr' : 'DE',
        signedUpAt: day(index),
        consentEmailMarketing: index % 3 === 0,
      };
    });
    customers[5] = { ...customers[5]!, name: 'Ada LOVELACE', email: 'ada_100%@example.com' };
    const ids = (await upsertCustomers(db, ws, customers, { now: NOW })).ids;
    // c00: orders on days 10 and 40 (the latter cancelled); c01: 12 orders, several on the same
    // instant (ties must not break pagination); c02: one pending order on day 100.
    await upsertOrders(
      db,
      ws,
      [
        {
          externalId: 'o-a',
          customerExternalId: 'c00',
          orderedAt: day(10),
          currency: 'EUR',
          amountCents: 1500,
          items: [{ productId: 'p1', productName: 'Tea', quantity: 3, unitPriceCents: 500 }],
        },
        {
          externalId: 'o-b',
          customerExternalId: 'c00',
          orderedAt: day(40),
          currency: 'EUR',
          amountCents: 900,
          status: 'cancelled',
        },
        ...Array.from({ length: 12 }, (_, index) => ({
          externalId: `o-c${index}`,
          customerExternalId: 'c01',
          orderedAt: day(20 + Math.floor(index / 4)),
          currency: 'EUR',
          amountCents: 100 * (index + 1),
        })),
        {
          externalId: 'o-d',
          customerExternalId: 'c02',
          orderedAt: day(100),
          currency: 'EUR',
          amountCents: 4200,
          status: 'pending',
        },
      ],
      { now: NOW },
    );
    await upsertRefunds(
      db,
      ws,
      [{ externalId: 'r-a', orderExternalId: 'o-a', refundedAt: day(12), currency: 'EUR', amountCents: 500 }],
      { now: NOW },
    );
    await upsertSubscriptions(
      db,
      ws,
      [
        {
          externalId: 's1',
          customerExternalId: 'c03',
          plan: 'pro',
          interval: 'month',
          amountCents: 900,
          currency: 'EUR',
          status: 'active',
          startedAt: day(3),
        },
        {
          externalId: 's2',
          customerExternalId: 'c04',
          plan: 'basic',
          interval: 'year',
          amountCents: 9000,
          currency: 'EUR',
          status: 'ended',
          startedAt: day(4),
          endedAt: day(50),
        },
      ],
      { now: NOW },
    );
    await upsertEvents(
      db,
      ws,
      Array.from({ length: 7 }, (_, index) => ({
        messageId: `m${index}`,
        userId: 'c00',
        name: index < 4 ? 'Viewed Product' : 'Signed In',
        properties: { index },
        occurredAt: day(10 + index),
        receivedAt: day(10 + index),
      })),
      { now: NOW },
    );
    return { api, ids };
  };

  /** Follows `nextCursor` from `path` (which has a query string) and returns every item's id. */
  const walk = async (api: Awaited<ReturnType<typeof seeded>>['api'], path: string) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = cursor === null ? path : `${path}&cursor=${encodeURIComponent(cursor)}`;
      const { status, body } = await api.request(url);
      expect(status).toBe(200);
      seen.push(...body.data.map((item: { id: string }) => item.id));
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 100);
    return { seen, pages };
  };

  it('walks every customer exactly once with cursor pagination', async () => {
    const { api, ids } = await seeded();
    // 23 customers, 5 per page → pages of 5, 5, 5, 5, 3.
    const { seen, pages } = await walk(api, '/api/v1/customers?limit=5');
    expect(pages).toBe(5);
    expect(seen).toHaveLength(23);
    expect(new Set(seen)).toEqual(new Set([...ids.values()].map(String)));
  });

  it('walks orders and events exactly once, also across equal instants', async () => {
    const { api } = await seeded();
    // 2 + 12 + 1 = 15 orders; c01's come four to an instant. Pages of 4 → 4 pages.
    const orders = await walk(api, '/api/v1/orders?limit=4');
    expect(orders.seen).toHaveLength(15);
    expect(new Set(orders.seen).size).toBe(15);
    expect(orders.pages).toBe(4);
    const events = await walk(api, '/api/v1/events?limit=3');
    expect(events.seen).toHaveLength(7);
    expect(new Set(events.seen).size).toBe(7);
  });

  it('searches e-mail, name and external id case-insensitively, with % taken literally', async () => {
    const { api } = await seeded();
    const names = async (query: string) =>
      (await api.request(`/api/v1/customers?q=${encodeURIComponent(query)}`)).body.data
        .map((customer: { externalId: string }) => customer.externalId)
        .sort();
    expect(await names('lovelace')).toEqual(['c05']);
    expect(await names('ADA_100%@')).toEqual(['c05']);
    // "%" and "_" are literal: "0%" only matches the e-mail that contains "0%".
    expect(await names('0%')).toEqual(['c05']);
    expect(await names('C2')).toEqual(['c20', 'c21', 'c22']);
    expect(await names('PERSON1')).toHaveLength(10); // person10 … person19
  });

  it('filters customers by country, sign-up, last order, subscription and consent', async () => {
    const { api } = await seeded();
    const externalIds = async (query: string) => {
      const { status, body } = await api.request(`/api/v1/customers?limit=200&${query}`);
      expect(status).toBe(200);
      return body.data.map((customer: { externalId: string }) => customer.externalId).sort();
    };
    // Even indexes 0, 2, …, 22 are FR: 12 customers.
    expect(await externalIds('country=fr')).toHaveLength(12);
    // Signed up on days 0..22: [day 3, day 6) → c03, c04, c05.
    expect(
      await externalIds(
        `createdFrom=${new Date(day(3)).toISOString()}&createdTo=${new Date(day(6)).toISOString()}`,
      ),
    ).toEqual(['c03', 'c04', 'c05']);
    // Latest non-cancelled order: c00 day 10 = Jan 11 (day 40 is cancelled), c01 day 22 = Jan 23,
    // c02 day 100 = Apr 10.
    expect(await externalIds('lastOrderFrom=2024-01-11&lastOrderTo=2024-01-20')).toEqual(['c00']);
    expect(await externalIds('lastOrderFrom=2024-01-12')).toEqual(['c01', 'c02']);
    // Only s1 (active) is live; s2 ended.
    expect(await externalIds('hasSubscription=true')).toEqual(['c03']);
    expect(await externalIds('hasSubscription=false')).toHaveLength(22);
    // Consent on multiples of 3 among 0..22: 0, 3, …, 21 → 8 customers.
    expect(await externalIds('consentEmail=true')).toHaveLength(8);
    expect(await externalIds('consentEmail=true&country=DE')).toEqual(['c03', 'c09', 'c15', 'c21']);
  });

  it('filters orders, subscriptions and events', async () => {
    const { api, ids } = await seeded();
    const c00 = ids.get('c00')!;
    const orders = (await api.request(`/api/v1/orders?customerId=${c00}`)).body.data;
    expect(orders.map((order: { externalId: string }) => order.externalId)).toEqual(['o-b', 'o-a']);
    expect(orders[1]).toMatchObject({
      amountCents: 1500,
      currency: 'EUR',
      orderedAt: new Date(day(10)).toISOString(),
      items: [{ productId: 'p1', quantity: 3, unitPriceCents: 500 }],
      refunds: [{ externalId: 'r-a', amountCents: 500, refundedAt: new Date(day(12)).toISOString() }],
    });
    const pending = (await api.request('/api/v1/orders?status=pending')).body.data;
    expect(pending.map((order: { externalId: string }) => order.externalId)).toEqual(['o-d']);
    // c01's orders on days 20, 21, 22 (4 each): [day 21, day 22) → 4.
    const ranged = await api.request(
      `/api/v1/orders?from=${new Date(day(21)).toISOString()}&to=${new Date(day(22)).toISOString()}`,
    );
    expect(ranged.body.data).toHaveLength(4);
    const subscriptions = (await api.request('/api/v1/subscriptions?status=active&plan=pro')).body.data;
    expect(subscriptions).toEqual([
      expect.objectContaining({
        externalId: 's1',
        amountCents: 900,
        interval: 'month',
        customerId: String(ids.get('c03')),
      }),
    ]);
    expect((await api.request('/api/v1/subscriptions?plan=none')).body.data).toEqual([]);
    // Events on days 10..16; "Signed In" are indexes 4..6 (days 14..16); from day 15 → 2.
    const events = await api.request(
      `/api/v1/events?name=Signed%20In&from=${new Date(day(15)).toISOString()}&customerId=${c00}`,
    );
    expect(events.body.data.map((event: { messageId: string }) => event.messageId)).toEqual(['m6', 'm5']);
  });

  it('shows one customer with orders, lines, refunds, subscriptions and latest events', async () => {
    const { api, ids } = await seeded();
    const { status, body } = await api.request(`/api/v1/customers/${ids.get('c00')}`, { role: 'agent' });
    expect(status).toBe(200);
    expect(body.customer).toMatchObject({
      externalId: 'c00',
      email: 'person00@example.com',
      country: 'FR',
      consent: { emailMarketing: true, smsMarketing: false, updatedAt: null },
      signedUpAt: new Date(day(0)).toISOString(),
      erasedAt: null,
    });
    expect(body.orders).toHaveLength(2);
    expect(body.orders[1].refunds).toHaveLength(1);
    expect(body.subscriptions).toEqual([]);
    expect(body.latestEvents).toHaveLength(7);
    expect(body.latestEvents[0].occurredAt).toBe(new Date(day(16)).toISOString());
  });

  it('answers 404 for another workspace’s customer and never lists its rows', async () => {
    const { ids } = await seeded();
    const other = await apiWorkspace(getDb(), NOW);
    const response = await other.request(`/api/v1/customers/${ids.get('c00')}`);
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
    for (const path of ['/api/v1/orders', '/api/v1/subscriptions', '/api/v1/events']) {
      expect((await other.request(path)).body).toEqual({ data: [], nextCursor: null });
    }
    expect((await other.request('/api/v1/customers')).body).toMatchObject({
      data: [],
      nextCursor: null,
      total: 0,
      totalCapped: false,
    });
    expect((await other.request(`/api/v1/orders?customerId=${ids.get('c00')}`)).body.data).toEqual([]);
  });

  it('lets every role read, and rejects missing keys, bad limits and bad cursors', async () => {
    const { api } = await seeded();
    for (const role of ['owner', 'admin', 'analyst', 'marketer', 'agent'] as const) {
      expect((await api.request('/api/v1/customers?limit=1', { role })).status).toBe(200);
    }
    const { db, dialect } = getDb();
    const { buildApp } = await import('../server/index.js');
    const anonymous = await buildApp({ db, dialect, now: () => NOW }).request('/api/v1/customers');
    expect(anonymous.status).toBe(401);
    const tooMany = await api.request('/api/v1/customers?limit=201');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.issues[0].path).toEqual(['query', 'limit']);
    expect((await api.request('/api/v1/customers?cursor=not-a-cursor')).status).toBe(400);
    expect((await api.request('/api/v1/orders?from=yesterday')).status).toBe(400);
    // Instants outside the supported dates (1970-01-01 … 2100-12-31 UTC) are refused as filters too.
    for (const query of [
      'orders?from=0001-01-01',
      'events?to=9999-12-31',
      'customers?createdFrom=0000-01-01',
    ]) {
      const outside = await api.request(`/api/v1/${query}`);
      expect(outside.status, query).toBe(400);
      expect(JSON.stringify(outside.body), query).toContain('1970-01-01 to 2100-12-31');
    }
  });

  it('documents the routes in the OpenAPI document', async () => {
    const { api } = await seeded();
    const { body } = await api.request('/api/openapi.json');
    for (const path of [
      '/api/v1/customers',
      '/api/v1/customers/{id}',
      '/api/v1/orders',
      '/api/v1/subscriptions',
      '/api/v1/events',
      '/api/v1/customers/{id}/export',
      '/api/v1/customers/{id}/erase',
    ]) {
      expect(body.paths[path], path).toBeDefined();
    }
    expect(body.components.schemas.Order.properties.amountCents.type).toBe('integer');
  });
});
