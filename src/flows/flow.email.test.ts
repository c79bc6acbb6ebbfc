/**
 * A flow end to end through the real parts, both engines: created and activated through the API,
 * triggered by a call to `/v1/track`, advanced by the `flows.tick` job with the production effects
 * (e-mail's `queueEmail`), the message rendered and kept in the built-in outbox by e-mail's
 * `email.send` job (no SMTP configured), and the report's e-mail counts from `flowEmailCounts`.
 * Templates that do not compile are refused at save time, naming the step and the line.
 */
import { expect, it } from 'vitest';
import { type ApiWorkspace, apiWorkspace } from '../../test/customers/api.js';
import { addCustomer } from '../../test/flows/support.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { emailEnvironment, emailJobHandlers } from '../email/index.js';
import { Worker } from '../jobs/index.js';
import { FLOW_TICK_JOB, flowTickJobHandler } from './flow.jobs.js';
import { productionFlowEffects } from './flow-production.js';

const NOW = Date.UTC(2025, 5, 16, 9);

async function call(api: ApiWorkspace, method: string, path: string, body?: unknown) {
  const response = await api.app.request(path, {
    method,
    headers: {
      Authorization: path.startsWith('/v1/')
        ? `Basic ${Buffer.from(`${api.writeKey}:`).toString('base64')}`
        : `Bearer ${api.keys.marketer}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: answers are asserted shape by shape.
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as any };
}

describeEachDatabase('a flow through tracking, the job queue and e-mail', (getDb) => {
  it('sends the welcome e-mail to the outbox once, skips the customer without consent, and reports both', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    await addCustomer(db, api.workspaceId, { externalId: 'ann', email: 'ann@example.com', now: NOW });
    await addCustomer(db, api.workspaceId, {
      externalId: 'bob',
      email: 'bob@example.com',
      consent: false,
      now: NOW,
    });
    const created = await call(api, 'POST', '/api/v1/flows', {
      name: 'Welcome',
      trigger: { type: 'event', event: 'Signed Up' },
      steps: [
        {
          type: 'send_email',
          subject: 'Welcome, {{ customer.email }}',
          html: '<p>Hello {{ customer.email }}</p>',
        },
      ],
      holdoutPercent: 0,
    });
    expect(created.status).toBe(201);
    expect((await call(api, 'POST', `/api/v1/flows/${created.body.id}/activate`)).status).toBe(200);

    for (const userId of ['ann', 'bob']) {
      const tracked = await call(api, 'POST', '/v1/track', {
        userId,
        event: 'Signed Up',
        messageId: `signup-${userId}`,
      });
      expect(tracked.status).toBe(200);
    }
    const worker = new Worker({
      db,
      handlers: {
        [FLOW_TICK_JOB]: flowTickJobHandler(productionFlowEffects),
        ...emailJobHandlers(emailEnvironment({})),
      },
      now: () => NOW + 5_000,
    });
    expect(await worker.drain()).toBeGreaterThanOrEqual(2); // the tick, then Ann's e-mail

    const messages = await db
      .selectFrom('email_message')
      .select(['dedupe_key', 'status', 'skip_reason', 'to_address', 'subject', 'origin_flow_id'])
      .where('workspace_id', '=', api.workspaceId)
      .orderBy('id')
      .execute();
    const runs = (await call(api, 'GET', `/api/v1/flows/${created.body.id}/runs`)).body.items;
    const runOf = (customerId: string) =>
      runs.find((run: { customerId: string }) => run.customerId === customerId).id;
    const customers = await db
      .selectFrom('customer')
      .select(['id', 'external_id'])
      .where('workspace_id', '=', api.workspaceId)
      .execute();
    const idOf = (externalId: string) =>
      String(customers.find((customer) => customer.external_id === externalId)!.id);
    expect(messages).toEqual([
      {
        dedupe_key: `flow:${runOf(idOf('ann'))}:s1`,
        status: 'outbox',
        skip_reason: null,
        to_address: 'ann@example.com',
        subject: 'Welcome, ann@example.com',
        origin_flow_id: created.body.id,
      },
      expect.objectContaining({
        dedupe_key: `flow:${runOf(idOf('bob'))}:s1`,
        status: 'skipped',
        skip_reason: 'no_consent',
      }),
    ]);
    expect(runs.map((run: { status: string }) => run.status)).toEqual(['completed', 'completed']);

    const report = await call(api, 'GET', `/api/v1/flows/${created.body.id}/report`);
    expect(report.body).toMatchObject({
      entered: 2,
      holdout: 0,
      sent: 1,
      delivered: 0, // the outbox is not a delivery
      bounced: 0,
      opened: 0,
      clicked: 0,
      unsubscribed: 0,
      skipped: 1,
    });
  });

  it('refuses a template that does not compile at save time, naming the step and the line', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const refused = await call(api, 'POST', '/api/v1/flows', {
      name: 'Broken',
      trigger: { type: 'event', event: 'Signed Up' },
      steps: [
        { type: 'wait', duration: { hours: 1 } },
        { type: 'send_email', subject: 'Fine', html: '<p>Hi</p>\n{% if customer.email %}never closed' },
      ],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.issues[0]).toMatchObject({
      path: ['json', 'steps', 1, 'html'],
      code: 'invalid_template',
      message: expect.stringMatching(/^steps\[1\]\.html: the template does not compile \(line 2/),
    });
  });
});
