/**
 * `/api/v1/flows` through the real app (`app.request()`, real API keys per role) on both engines:
 * the contract (create → 201 `{ id, … }`, activate, report `{ entered, holdout, sent, …, uplift }`),
 * list, get, update of drafts only, deactivate, runs; the 400 that names the path of a bad step or
 * field; bounds; roles; another workspace's flow is a 404.
 */
import { expect, it } from 'vitest';
import { type ApiWorkspace, apiWorkspace } from '../../test/customers/api.js';
import { addCustomers, DAY } from '../../test/flows/support.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import type { Role } from '../auth/roles.js';
import { getFlow } from './flow.service.js';
import { enterCustomers } from './flow-engine.js';

const NOW = Date.UTC(2025, 5, 15, 12);

async function call(
  api: ApiWorkspace,
  method: string,
  path: string,
  options: { readonly role?: Role; readonly body?: unknown } = {},
  // biome-ignore lint/suspicious/noExplicitAny: answers are asserted shape by shape.
): Promise<{ status: number; body: any }> {
  const response = await api.app.request(path, {
    method,
    headers: {
      Authorization: `Bearer ${api.keys[options.role ?? 'marketer']}`,
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text) };
}

const WELCOME = {
  name: 'Welcome',
  trigger: { type: 'event', event: 'Signed Up' },
  steps: [
    { type: 'wait', duration: { days: 1 } },
    {
      type: 'branch',
      rule: { all: [{ field: 'orders_count', op: '>=', value: 1 }] },
      yes: [{ type: 'send_email', subject: 'Thanks', html: '<p>Thanks</p>' }],
      no: [{ id: 'nudge', type: 'send_email', subject: 'Your first order', html: '<p>10 % off</p>' }],
    },
  ],
};

describeEachDatabase('the flows API', (getDb) => {
  it('creates a draft, activates it, lists, gets, reports and lists runs (the contract)', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const created = await call(api, 'POST', '/api/v1/flows', { body: WELCOME });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^[1-9][0-9]*$/),
      name: 'Welcome',
      status: 'draft',
      trigger: { type: 'event', event: 'Signed Up' },
      holdoutPercent: 10,
      reentry: { type: 'once' },
      exitWhen: null,
      horizonDays: 30,
      version: 1,
      activatedAt: null,
    });
    expect(created.body.steps.map((step: { id: string }) => step.id)).toEqual(['s1', 's2']);
    expect(created.body.steps[1].yes[0].id).toBe('s3');
    expect(created.body.steps[1].no[0].id).toBe('nudge');
    const id = created.body.id as string;

    const activated = await call(api, 'POST', `/api/v1/flows/${id}/activate`);
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({ status: 'active', activatedAt: new Date(NOW).toISOString() });
    expect((await call(api, 'POST', `/api/v1/flows/${id}/activate`)).body.status).toBe('active'); // idempotent

    expect(
      (await call(api, 'GET', '/api/v1/flows', { role: 'analyst' })).body.items.map(
        (flow: { id: string }) => flow.id,
      ),
    ).toEqual([id]);
    expect((await call(api, 'GET', `/api/v1/flows/${id}`, { role: 'analyst' })).body).toMatchObject({
      id,
      status: 'active',
    });

    const customers = await addCustomers(db, api.workspaceId, 40, NOW);
    const flow = await getFlow(db, api.workspaceId, Number(id));
    await enterCustomers(
      db,
      flow,
      customers.map((customerId) => ({ customerId, entryKey: `t:${customerId}` })),
      NOW,
    );

    const report = await call(api, 'GET', `/api/v1/flows/${id}/report`, { role: 'analyst' });
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({
      entered: 40,
      holdout: expect.any(Number),
      sent: 0,
      delivered: 0,
      bounced: 0,
      opened: 0,
      clicked: 0,
      unsubscribed: 0,
      converted: 0,
      horizonDays: 30,
      uplift: {
        retention: { difference: null, low: null, high: null, reason: 'not_enough_data' },
        revenuePerCustomerCents: { difference: null, reason: 'not_enough_data' },
        measured: { treatment: 0, holdout: 0 },
        minimumPerArm: 30,
      },
    });
    expect(report.body.holdout + report.body.treatment).toBe(40);

    const firstPage = await call(api, 'GET', `/api/v1/flows/${id}/runs?limit=25`, { role: 'analyst' });
    expect(firstPage.status).toBe(200);
    expect(firstPage.body.items).toHaveLength(25);
    expect(firstPage.body.items[0]).toMatchObject({
      id: expect.any(String),
      customerId: expect.any(String),
      arm: expect.stringMatching(/^(treatment|holdout)$/),
      enteredAt: new Date(NOW).toISOString(),
    });
    const secondPage = await call(
      api,
      'GET',
      `/api/v1/flows/${id}/runs?limit=25&cursor=${firstPage.body.nextCursor}`,
    );
    expect(secondPage.body.items).toHaveLength(15);
    expect(secondPage.body.nextCursor).toBeNull();
    const held = await call(api, 'GET', `/api/v1/flows/${id}/runs?status=completed`);
    expect(
      held.body.items.every(
        (run: { arm: string; exitReason: string }) => run.arm === 'holdout' && run.exitReason === 'holdout',
      ),
    ).toBe(true);

    const deactivated = await call(api, 'POST', `/api/v1/flows/${id}/deactivate`);
    expect(deactivated.body).toMatchObject({
      status: 'inactive',
      deactivatedAt: new Date(NOW).toISOString(),
    });
    const ended = await call(api, 'GET', `/api/v1/flows/${id}/runs?status=exited&limit=500`);
    expect(
      ended.body.items.every((run: { exitReason: string }) => run.exitReason === 'flow_deactivated'),
    ).toBe(true);
    expect(ended.body.items.length).toBe(40 - report.body.holdout);

    const audit = await db
      .selectFrom('audit_log')
      .select('action')
      .where('workspace_id', '=', api.workspaceId)
      .where('entity', '=', 'flow')
      .orderBy('id')
      .execute();
    expect(audit.map((entry) => entry.action)).toEqual([
      'flow.created',
      'flow.activated',
      'flow.deactivated',
    ]);
  });

  it('changes drafts only; a field replaced keeps the others', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const id = (await call(api, 'POST', '/api/v1/flows', { body: WELCOME })).body.id;
    const changed = await call(api, 'PATCH', `/api/v1/flows/${id}`, {
      body: { name: 'Welcome v2', holdoutPercent: 20, exitWhen: { placedOrder: true } },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      name: 'Welcome v2',
      holdoutPercent: 20,
      exitWhen: { placedOrder: true },
      version: 2,
    });
    expect(changed.body.steps).toHaveLength(2);
    expect(
      (await call(api, 'PATCH', `/api/v1/flows/${id}`, { body: { exitWhen: null } })).body.exitWhen,
    ).toBeNull();
    await call(api, 'POST', `/api/v1/flows/${id}/activate`);
    const refused = await call(api, 'PATCH', `/api/v1/flows/${id}`, { body: { holdoutPercent: 5 } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/only drafts change/);
    const draft = (await call(api, 'POST', '/api/v1/flows', { body: { ...WELCOME, name: 'Draft' } })).body.id;
    expect((await call(api, 'POST', `/api/v1/flows/${draft}/deactivate`)).status).toBe(409);
    expect(
      (await call(api, 'POST', '/api/v1/flows', { body: { ...WELCOME, name: 'Welcome v2' } })).status,
    ).toBe(409); // name taken
  });

  it('answers 400 naming the path of the bad step or field', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const refusal = async (body: unknown) => {
      const answer = await call(api, 'POST', '/api/v1/flows', { body });
      expect(answer.status).toBe(400);
      return answer.body.error.issues.map((issue: { path: (string | number)[] }) => issue.path.join('.'));
    };
    const nestedBad = structuredClone(WELCOME);
    (nestedBad.steps[1] as { no: unknown[] }).no = [{ type: 'send_email', subject: '', html: 'x' }];
    expect(await refusal(nestedBad)).toEqual(['json.steps.1.no.0.subject']);
    expect(await refusal({ ...WELCOME, steps: [{ type: 'teleport' }] })).toEqual(['json.steps.0.type']);
    expect(await refusal({ ...WELCOME, steps: [{ type: 'wait' }] })).toEqual(['json.steps.0']);
    expect(await refusal({ ...WELCOME, steps: [{ type: 'wait', untilTimeOfDay: '25:00' }] })).toEqual([
      'json.steps.0.untilTimeOfDay',
    ]);
    expect(await refusal({ ...WELCOME, trigger: { type: 'event' } })).toEqual(['json.trigger.event']);
    expect(await refusal({ ...WELCOME, trigger: { type: 'segment_entered', segmentId: '999' } })).toEqual([
      'json.trigger.segmentId',
    ]);
    expect(await refusal({ ...WELCOME, holdoutPercent: 60 })).toEqual(['json.holdoutPercent']);
    const badRule = structuredClone(WELCOME);
    (badRule.steps[1] as { rule: unknown }).rule = { all: [{ field: 'shoe_size', op: '=', value: 42 }] };
    expect(await refusal(badRule)).toEqual(['json.steps.1.rule.all.0.field']);
    expect(
      await refusal({
        ...WELCOME,
        steps: [
          { id: 'a', type: 'exit' },
          { id: 'a', type: 'exit' },
        ],
      }),
    ).toEqual(['json.steps.1.id']);
    // Bounds: 101 steps; branches nested 6 deep.
    const many = Array.from({ length: 101 }, () => ({ type: 'exit' }));
    expect((await call(api, 'POST', '/api/v1/flows', { body: { ...WELCOME, steps: many } })).status).toBe(
      400,
    );
    let deep: unknown[] = [{ type: 'exit' }];
    for (let level = 0; level < 6; level++) deep = [{ type: 'branch', rule: { all: [] }, yes: deep, no: [] }];
    expect(await refusal({ ...WELCOME, steps: deep })).toEqual([
      'json.steps.0.yes.0.yes.0.yes.0.yes.0.yes.0.type',
    ]);
  });

  it('roles: analysts read but do not write; agents do neither; another workspace’s flow is 404', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const other = await apiWorkspace({ db, dialect }, NOW);
    const id = (await call(api, 'POST', '/api/v1/flows', { body: WELCOME })).body.id;
    expect(
      (await call(api, 'POST', '/api/v1/flows', { role: 'analyst', body: { ...WELCOME, name: 'x' } })).status,
    ).toBe(403);
    expect((await call(api, 'POST', `/api/v1/flows/${id}/activate`, { role: 'analyst' })).status).toBe(403);
    expect((await call(api, 'GET', `/api/v1/flows/${id}`, { role: 'agent' })).status).toBe(403);
    expect((await call(api, 'GET', `/api/v1/flows/${id}/report`, { role: 'agent' })).status).toBe(403);
    for (const path of [`/api/v1/flows/${id}`, `/api/v1/flows/${id}/report`, `/api/v1/flows/${id}/runs`]) {
      expect((await call(other, 'GET', path)).status, path).toBe(404);
    }
    expect((await call(other, 'POST', `/api/v1/flows/${id}/activate`)).status).toBe(404);
    expect((await call(other, 'GET', '/api/v1/flows')).body.items).toEqual([]);
    expect((await call(api, 'GET', '/api/v1/flows/abc')).status).toBe(404);
  });

  it('reports converted and the uplift once 30 customers per arm have passed the horizon', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const id = (
      await call(api, 'POST', '/api/v1/flows', { body: { ...WELCOME, holdoutPercent: 50, horizonDays: 7 } })
    ).body.id;
    await call(api, 'POST', `/api/v1/flows/${id}/activate`);
    const flow = await getFlow(db, api.workspaceId, Number(id));
    const entered = NOW - 10 * DAY;
    const customers = await addCustomers(db, api.workspaceId, 120, entered);
    await enterCustomers(
      db,
      flow,
      customers.map((customerId) => ({ customerId, entryKey: `t:${customerId}` })),
      entered,
    );
    // Every third customer orders 2 days after entering (within 7 days); one more orders 8 days after (outside).
    const buyers = customers.filter((_, index) => index % 3 === 0);
    await db
      .insertInto('customer_order')
      .values([
        ...buyers.map((customerId) => ({
          workspace_id: api.workspaceId,
          customer_id: customerId,
          ordered_at: entered + 2 * DAY,
          currency: 'USD',
          amount_cents: 4_000,
          status: 'completed' as const,
          created_at: NOW,
          updated_at: NOW,
        })),
        {
          workspace_id: api.workspaceId,
          customer_id: customers[1]!,
          ordered_at: entered + 8 * DAY,
          currency: 'USD',
          amount_cents: 9_000,
          status: 'completed' as const,
          created_at: NOW,
          updated_at: NOW,
        },
      ])
      .execute();
    const report = (await call(api, 'GET', `/api/v1/flows/${id}/report`)).body;
    expect(report.converted).toBe(40);
    const runs = await db
      .selectFrom('flow_run')
      .select(['customer_id', 'arm'])
      .where('flow_id', '=', Number(id))
      .execute();
    const arm = new Map(runs.map((run) => [run.customer_id, run.arm]));
    const count = (which: string, list: number[]) =>
      list.filter((customerId) => arm.get(customerId) === which).length;
    const treatment = count('treatment', customers);
    const holdout = count('holdout', customers);
    expect(report.uplift.measured).toEqual({ treatment, holdout });
    expect(report.convertedByArm).toEqual({
      treatment: count('treatment', buyers),
      holdout: count('holdout', buyers),
    });
    expect(Math.min(treatment, holdout)).toBeGreaterThanOrEqual(30); // seeded ids: checked, so the estimate is given
    const treatmentRate = count('treatment', buyers) / treatment;
    const holdoutRate = count('holdout', buyers) / holdout;
    expect(report.uplift.retention.treatment).toBeCloseTo(treatmentRate, 12);
    expect(report.uplift.retention.difference).toBeCloseTo(treatmentRate - holdoutRate, 12);
    expect(report.uplift.retention.low).toBeLessThan(report.uplift.retention.difference);
    expect(report.uplift.revenuePerCustomerCents.treatment).toBeCloseTo(4_000 * treatmentRate, 6);
    expect(report.uplift.revenuePerCustomerCents.reason).toBeNull();
  });

  it('sends a test of an e-mail step to the given address, as a chosen customer, marked as a test and not in the report', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const created = await call(api, 'POST', '/api/v1/flows', {
      body: {
        ...WELCOME,
        name: 'Tested',
        steps: [
          { id: 'hello', type: 'send_email', subject: 'Hello {{ customer.email }}', html: '<p>Hi</p>' },
          ...WELCOME.steps,
        ],
      },
    });
    const id = created.body.id as string;
    const [customer] = await addCustomers(db, api.workspaceId, 1, NOW);
    const path = `/api/v1/flows/${id}/steps/nudge/test`;
    const sent = await call(api, 'POST', path, {
      body: { customerId: String(customer), to: 'me@example.com' },
    });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ status: 'queued', messageId: expect.any(String) });
    const messages = await db
      .selectFrom('email_message')
      .select(['to_address', 'subject', 'origin_kind', 'origin_flow_id', 'category', 'customer_id'])
      .where('workspace_id', '=', api.workspaceId)
      .execute();
    expect(messages).toEqual([
      {
        to_address: 'me@example.com',
        subject: '[Test] Your first order',
        origin_kind: 'test',
        origin_flow_id: null,
        category: 'transactional',
        customer_id: customer,
      },
    ]);
    // Rendered as the chosen customer.
    await call(api, 'POST', `/api/v1/flows/${id}/steps/hello/test`, {
      body: { customerId: String(customer), to: 'me@example.com' },
    });
    const hello = await db
      .selectFrom('email_message')
      .select(['subject'])
      .where('workspace_id', '=', api.workspaceId)
      .where('subject', 'like', '[Test] Hello%')
      .executeTakeFirstOrThrow();
    expect(hello.subject).toMatch(/^\[Test\] Hello c?[^@]+@example\.com$/);
    const report = await call(api, 'GET', `/api/v1/flows/${id}/report`);
    expect(report.body).toMatchObject({ sent: 0, skipped: 0, entered: 0 });

    expect(
      (
        await call(api, 'POST', `/api/v1/flows/${id}/steps/nope/test`, {
          body: { customerId: String(customer), to: 'me@example.com' },
        })
      ).status,
    ).toBe(404);
    const wait = await call(api, 'POST', `/api/v1/flows/${id}/steps/s2/test`, {
      body: { customerId: String(customer), to: 'me@example.com' },
    });
    expect(wait.status).toBe(400);
    expect(wait.body.error.issues[0].path).toEqual(['param', 'stepId']);
    const unknown = await call(api, 'POST', path, {
      body: { customerId: '999999999', to: 'me@example.com' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.issues[0].path).toEqual(['json', 'customerId']);
    const badAddress = await call(api, 'POST', path, {
      body: { customerId: String(customer), to: 'not an address' },
    });
    expect(badAddress.status).toBe(400);
    expect(badAddress.body.error.issues[0].path).toEqual(['json', 'to']);
    expect(
      (
        await call(api, 'POST', path, {
          role: 'analyst',
          body: { customerId: String(customer), to: 'me@example.com' },
        })
      ).status,
    ).toBe(403);
  });
});
