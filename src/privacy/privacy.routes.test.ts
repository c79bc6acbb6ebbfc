/**
 * Export and erasure through the API, over real API keys, on both databases: the export holds
 * everything about the customer; erasure leaves no trace of their personal data in any table of
 * the workspace while revenue per month is unchanged; it is audited once, idempotent, owner/admin
 * only, and another workspace's customer is 404.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { listAudit } from '../audit/index.js';
import {
  upsertCustomers,
  upsertEvents,
  upsertOrders,
  upsertRefunds,
  upsertSubscriptions,
} from '../customers/index.js';
import { createSurvey, recordAnswer, sendSurvey } from '../feedback/index.js';
import { listJobs } from '../jobs/index.js';
import {
  createSegment,
  listSegmentEvents,
  recomputeWorkspaceSegments,
  SEGMENT_RECOMPUTE_JOB,
  segmentsOfCustomer,
} from '../segments/index.js';

const NOW = Date.UTC(2024, 6, 1);
const JAN_5 = Date.UTC(2024, 0, 5);
const FEB_7 = Date.UTC(2024, 1, 7);
const MAR_9 = Date.UTC(2024, 2, 9);

/** Strings that identify Ada; none may survive erasure anywhere in the workspace. */
const ADA_PERSONAL = [
  'cust-ada',
  'ada@example.com',
  'Ada Lovelace',
  '+44 20 7946 0000',
  'anon-ada',
  'Analytical St',
];

describeEachDatabase('privacy: export and erase', (getDb) => {
  const seeded = async () => {
    const { db } = getDb();
    const api = await apiWorkspace(getDb(), NOW);
    const ws = api.workspaceId;
    const { ids } = await upsertCustomers(
      db,
      ws,
      [
        {
          externalId: 'cust-ada',
          email: 'ada@example.com',
          name: 'Ada Lovelace',
          phone: '+44 20 7946 0000',
          language: 'en-GB',
          country: 'GB',
          timeZone: 'Europe/London',
          attributes: { street: '12 Analytical St', vip: true },
          consentEmailMarketing: true,
          consentUpdatedAt: JAN_5,
          signedUpAt: JAN_5,
        },
        { externalId: 'cust-bob', email: 'bob@example.com', name: 'Bob', country: 'FR' },
      ],
      { now: NOW },
    );
    await upsertOrders(
      db,
      ws,
      [
        {
          externalId: 'o1',
          customerExternalId: 'cust-ada',
          orderedAt: JAN_5,
          currency: 'EUR',
          amountCents: 3000,
          items: [{ productId: 'p1', productName: 'Gears', quantity: 2, unitPriceCents: 1500 }],
        },
        {
          externalId: 'o2',
          customerExternalId: 'cust-ada',
          orderedAt: FEB_7,
          currency: 'EUR',
          amountCents: 1200,
        },
        {
          externalId: 'o3',
          customerExternalId: 'cust-bob',
          orderedAt: FEB_7,
          currency: 'EUR',
          amountCents: 800,
        },
      ],
      { now: NOW },
    );
    await upsertRefunds(
      db,
      ws,
      [
        {
          externalId: 'r1',
          orderExternalId: 'o1',
          refundedAt: MAR_9,
          currency: 'EUR',
          amountCents: 1500,
          reason: 'Ada Lovelace said one gear was broken',
        },
      ],
      { now: NOW },
    );
    await upsertSubscriptions(
      db,
      ws,
      [
        {
          externalId: 'sub-ada',
          customerExternalId: 'cust-ada',
          plan: 'pro',
          interval: 'month',
          amountCents: 900,
          currency: 'EUR',
          status: 'active',
          startedAt: JAN_5,
        },
      ],
      { now: NOW },
    );
    await upsertEvents(
      db,
      ws,
      [
        // Before identification: anonymous only, linked to Ada through the anonymous id below.
        {
          messageId: 'm0',
          anonymousId: 'anon-ada',
          name: 'Page Viewed',
          properties: { path: '/' },
          occurredAt: JAN_5 - 1000,
          receivedAt: JAN_5,
        },
        {
          messageId: 'm1',
          userId: 'cust-ada',
          anonymousId: 'anon-ada',
          name: 'identify',
          properties: { email: 'ada@example.com', name: 'Ada Lovelace' },
          occurredAt: JAN_5,
          receivedAt: JAN_5,
        },
        {
          messageId: 'm2',
          userId: 'cust-ada',
          name: 'Order Completed',
          properties: { revenue: 30, currency: 'EUR', note: 'ship to 12 Analytical St' },
          occurredAt: JAN_5 + 1000,
          receivedAt: JAN_5 + 1000,
        },
        {
          messageId: 'm3',
          userId: 'cust-bob',
          name: 'Page Viewed',
          properties: { path: '/x' },
          occurredAt: FEB_7,
          receivedAt: FEB_7,
        },
      ],
      { now: NOW },
    );
    // Ids travel on the API as decimal strings.
    return { api, ws, ada: String(ids.get('cust-ada')!), bob: String(ids.get('cust-bob')!) };
  };

  /** Every row of every table of the workspace, as one JSON text. */
  const dump = async (ws: number) => {
    const { db } = getDb();
    const tables = [
      'customer',
      'customer_order',
      'order_item',
      'refund',
      'subscription',
      'event',
      'audit_log',
      'api_key',
    ] as const;
    const rows: Record<string, unknown[]> = {};
    for (const table of tables) {
      rows[table] = await db
        .selectFrom(table)
        .selectAll()
        .where('workspace_id', '=', ws)
        .orderBy('id')
        .execute();
    }
    return rows;
  };

  /** Net revenue per UTC month (orders − refunds, cents), computed in SQL on either engine. */
  const revenueByMonth = async (ws: number) => {
    const { db, dialect } = getDb();
    const month = (column: string) =>
      dialect === 'sqlite'
        ? sql<string>`strftime('%Y-%m', ${sql.ref(column)} / 1000, 'unixepoch')`
        : sql<string>`to_char(to_timestamp(${sql.ref(column)} / 1000.0) at time zone 'UTC', 'YYYY-MM')`;
    const orders = await db
      .selectFrom('customer_order')
      .select([month('ordered_at').as('month'), (eb) => eb.fn.sum<number>('amount_cents').as('cents')])
      .where('workspace_id', '=', ws)
      .groupBy(month('ordered_at'))
      .execute();
    const refunds = await db
      .selectFrom('refund')
      .select([month('refunded_at').as('month'), (eb) => eb.fn.sum<number>('amount_cents').as('cents')])
      .where('workspace_id', '=', ws)
      .groupBy(month('refunded_at'))
      .execute();
    const net: Record<string, number> = {};
    for (const row of orders) net[row.month] = (net[row.month] ?? 0) + Number(row.cents);
    for (const row of refunds) net[row.month] = (net[row.month] ?? 0) - Number(row.cents);
    return net;
  };

  it('exports everything held about the customer, and audits the export', async () => {
    const { api, ada } = await seeded();
    const { status, body } = await api.request(`/api/v1/customers/${ada}/export`, { role: 'agent' });
    expect(status).toBe(200);
    expect(body.exportedAt).toBe(new Date(NOW).toISOString());
    expect(body.customer).toMatchObject({
      id: ada,
      externalId: 'cust-ada',
      email: 'ada@example.com',
      phone: '+44 20 7946 0000',
      timeZone: 'Europe/London',
      attributes: { street: '12 Analytical St', vip: true },
      consent: { emailMarketing: true, smsMarketing: false, updatedAt: new Date(JAN_5).toISOString() },
    });
    expect(body.orders.map((order: { externalId: string }) => order.externalId)).toEqual(['o2', 'o1']);
    expect(body.orders[1].items).toEqual([expect.objectContaining({ productName: 'Gears', quantity: 2 })]);
    expect(body.orders[1].refunds).toEqual([
      expect.objectContaining({ amountCents: 1500, reason: 'Ada Lovelace said one gear was broken' }),
    ]);
    expect(body.subscriptions).toEqual([expect.objectContaining({ externalId: 'sub-ada', plan: 'pro' })]);
    // m0 (anonymous, same anonymous id), m1 and m2; not Bob's m3.
    expect(body.events.map((event: { messageId: string }) => event.messageId).sort()).toEqual([
      'm0',
      'm1',
      'm2',
    ]);
    expect(body.auditEntries).toEqual([
      expect.objectContaining({
        action: 'customer.exported',
        entity: 'customer',
        entityId: ada,
        actorType: 'api_key',
      }),
    ]);
  });

  it('erases personal data everywhere, keeps revenue per month, audits once and is idempotent', async () => {
    const { api, ws, ada, bob } = await seeded();
    const revenueBefore = await revenueByMonth(ws);
    // Hand-worked: Jan 3000; Feb 1200 + 800 = 2000; Mar −1500 (the refund).
    expect(revenueBefore).toEqual({ '2024-01': 3000, '2024-02': 2000, '2024-03': -1500 });
    const bobBefore = (await api.request(`/api/v1/customers/${bob}`)).body;
    expect(JSON.stringify(await dump(ws))).toContain('ada@example.com');

    const first = await api.request(`/api/v1/customers/${ada}/erase`, { method: 'POST', role: 'admin' });
    expect(first.status).toBe(200);
    // m0 (anonymous trail), m1 and m2 rewritten.
    expect(first.body).toEqual({
      customerId: ada,
      erasedAt: new Date(NOW).toISOString(),
      erasedNow: true,
      eventsScrubbed: 3,
      importFilesDeleted: 0,
    });

    const after = await dump(ws);
    const text = JSON.stringify(after);
    for (const personal of ADA_PERSONAL) expect(text, personal).not.toContain(personal);
    expect(await revenueByMonth(ws)).toEqual(revenueBefore);

    const view = (await api.request(`/api/v1/customers/${ada}`)).body;
    expect(view.customer).toMatchObject({
      id: ada,
      externalId: `erased:${ada}`,
      email: null,
      name: null,
      phone: null,
      language: null,
      timeZone: null,
      country: 'GB',
      attributes: {},
      consent: { emailMarketing: false, smsMarketing: false, updatedAt: new Date(NOW).toISOString() },
      signedUpAt: new Date(JAN_5).toISOString(),
      erasedAt: new Date(NOW).toISOString(),
    });
    expect(view.orders.map((order: { amountCents: number }) => order.amountCents)).toEqual([1200, 3000]);
    expect(view.subscriptions).toHaveLength(1);
    const events = (await api.request(`/api/v1/events?customerId=${ada}`)).body.data;
    expect(events).toHaveLength(3);
    for (const event of events) expect(event.userId === null || event.userId === `erased:${ada}`).toBe(true);
    // Commerce amounts survive; the free-text note does not.
    expect(events.find((event: { messageId: string }) => event.messageId === 'm2').properties).toEqual({
      revenue: 30,
      currency: 'EUR',
    });
    // Bob is untouched.
    expect((await api.request(`/api/v1/customers/${bob}`)).body).toEqual(bobBefore);

    // Audited once, with no personal data in the entry.
    const { db } = getDb();
    const erasures = (await listAudit(db, ws, { entity: 'customer', entityId: ada })).filter(
      (entry) => entry.action === 'customer.erased',
    );
    expect(erasures).toHaveLength(1);
    expect(erasures[0]).toMatchObject({ actorType: 'api_key', details: { eventsScrubbed: 3 } });

    // Again: same answer for the instant, nothing changed, no second audit entry.
    const second = await api.request(`/api/v1/customers/${ada}/erase`, { method: 'POST', role: 'owner' });
    expect(second.body).toEqual({
      customerId: ada,
      erasedAt: new Date(NOW).toISOString(),
      erasedNow: false,
      eventsScrubbed: 0,
      importFilesDeleted: 0,
    });
    // (api_key rows only record when each key was last used.)
    expect({ ...(await dump(ws)), api_key: [] }).toEqual({ ...after, api_key: [] });
  });

  it('exports the segments the customer is in, and erasure moves them out of every segment', async () => {
    const { db } = getDb();
    const { api, ws, ada, bob } = await seeded();
    const { segment } = await createSegment(db, {
      workspaceId: ws,
      name: 'Has e-mail',
      rule: { all: [{ field: 'email', op: 'is_set' }] },
      createdBy: null,
      actor: { type: 'system' },
      now: NOW,
    });
    expect(segment.memberCount).toBe(2);
    const exported = await api.request(`/api/v1/customers/${ada}/export`, { role: 'agent' });
    expect(exported.body.segments).toEqual([
      { segmentId: String(segment.id), name: 'Has e-mail', enteredAt: new Date(NOW).toISOString() },
    ]);

    const later = NOW + 60_000;
    expect(
      (await api.request(`/api/v1/customers/${ada}/erase`, { method: 'POST', role: 'owner' })).status,
    ).toBe(200);
    // The erasure asked for a recompute due now, committed with it (the waiting scheduled one,
    // an hour away, is brought forward) …
    const [job] = await listJobs(db, ws, { type: SEGMENT_RECOMPUTE_JOB, limit: 1 });
    expect(job).toMatchObject({ status: 'queued' });
    expect(job!.runAt).toBeLessThanOrEqual(NOW);
    // … whose run takes Ada out with an `exited` event, and leaves Bob in.
    await recomputeWorkspaceSegments(db, { workspaceId: ws, now: later });
    expect(await segmentsOfCustomer(db, ws, Number(ada))).toEqual([]);
    expect((await segmentsOfCustomer(db, ws, Number(bob))).map((row) => row.segmentId)).toEqual([segment.id]);
    const events = await listSegmentEvents(db, ws, { limit: 10 });
    expect(
      events.filter((event) => event.kind === 'exited').map((event) => String(event.customerId)),
    ).toEqual([ada]);
  });

  it('exports the surveys sent to the customer with their answers and history; erasure clears what they wrote', async () => {
    const { db } = getDb();
    const { api, ws, ada, bob } = await seeded();
    const survey = await createSurvey(db, {
      workspaceId: ws,
      survey: { name: 'After delivery', kind: 'csat', scale: 'five_point', reasons: ['Late'], comment: true },
      createdBy: null,
      actor: { type: 'system' },
      now: NOW,
    });
    const send = (customerId: string, at: number) =>
      sendSurvey(db, {
        workspaceId: ws,
        surveyId: survey.id,
        customerId: Number(customerId),
        now: at,
        mailer: null,
      });
    const first = await send(ada, NOW - 3_000);
    const unanswered = await send(ada, NOW - 2_000);
    const bobs = await send(bob, NOW - 1_000);
    const answer = (token: string, rating: number, comment: string, at: number, reason?: string) =>
      recordAnswer(db, { token, answer: { rating, comment, reason }, source: 'page', now: at });
    await answer(first.links.token, 2, 'Ada Lovelace: the parcel came late', NOW - 2_500, 'Late');
    await answer(first.links.token, 4, 'Fine in the end', NOW - 1_500);
    await answer(bobs.links.token, 5, 'Bob is happy', NOW - 500);

    const exported = await api.request(`/api/v1/customers/${ada}/export`, { role: 'agent' });
    expect(exported.status).toBe(200);
    const iso = (at: number) => new Date(at).toISOString();
    expect(exported.body.surveySends).toEqual([
      {
        sendId: String(first.send.id),
        surveyId: String(survey.id),
        surveyName: 'After delivery',
        sentAt: iso(NOW - 3_000),
        origin: { kind: 'api' },
        delivery: 'link',
        deliveryReason: null,
        answer: {
          revision: 2,
          rating: 4,
          comment: 'Fine in the end',
          reason: null,
          answers: {},
          source: 'page',
          answeredAt: iso(NOW - 2_500),
          updatedAt: iso(NOW - 1_500),
          history: [
            {
              revision: 1,
              rating: 2,
              comment: 'Ada Lovelace: the parcel came late',
              reason: 'Late',
              answers: {},
              source: 'page',
              answeredAt: iso(NOW - 2_500),
              replacedAt: iso(NOW - 1_500),
            },
          ],
        },
      },
      expect.objectContaining({ sendId: String(unanswered.send.id), answer: null }),
    ]);
    expect(JSON.stringify(exported.body)).not.toContain('Bob is happy');

    expect(
      (await api.request(`/api/v1/customers/${ada}/erase`, { method: 'POST', role: 'owner' })).status,
    ).toBe(200);
    const after = (await api.request(`/api/v1/customers/${ada}/export`, { role: 'agent' })).body;
    // What Ada wrote is gone from the answer and its history; the ratings (and the offered reason) stay counted.
    expect(JSON.stringify(after.surveySends)).not.toContain('Ada Lovelace');
    expect(JSON.stringify(after.surveySends)).not.toContain('Fine in the end');
    expect(after.surveySends[0].answer).toMatchObject({ rating: 4, comment: null });
    expect(after.surveySends[0].answer.history[0]).toMatchObject({
      rating: 2,
      comment: null,
      reason: 'Late',
    });
    // Bob's answer is untouched.
    const bobExport = (await api.request(`/api/v1/customers/${bob}/export`, { role: 'agent' })).body;
    expect(bobExport.surveySends[0].answer.comment).toBe('Bob is happy');
  });

  it('lets only owners and admins erase, and owners, admins and agents export', async () => {
    const { api, ada } = await seeded();
    for (const role of ['analyst', 'marketer', 'agent'] as const) {
      const response = await api.request(`/api/v1/customers/${ada}/erase`, { method: 'POST', role });
      expect(response.status, role).toBe(403);
    }
    for (const role of ['analyst', 'marketer'] as const) {
      expect((await api.request(`/api/v1/customers/${ada}/export`, { role })).status, role).toBe(403);
    }
    expect((await api.request(`/api/v1/customers/${ada}`)).body.customer.email).toBe('ada@example.com');
    expect(
      (await api.request(`/api/v1/customers/${ada}/erase`, { method: 'POST', role: 'owner' })).status,
    ).toBe(200);
  });

  it('answers 404 for another workspace’s customer and changes nothing there', async () => {
    const { ws, ada } = await seeded();
    const other = await apiWorkspace(getDb(), NOW);
    const before = await dump(ws);
    expect((await other.request(`/api/v1/customers/${ada}/export`, { role: 'owner' })).status).toBe(404);
    expect(
      (await other.request(`/api/v1/customers/${ada}/erase`, { method: 'POST', role: 'owner' })).status,
    ).toBe(404);
    expect(await dump(ws)).toEqual(before);
  });
});
