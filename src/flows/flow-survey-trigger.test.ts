/**
 * The `survey_answered` trigger through the real parts, both engines: a flow created and activated
 * through the API; surveys answered by one click on the signed link of the public survey page
 * (feedback's answer log, written in the answer's transaction); the `flows.tick` job entering the
 * customers with the production effects. A negative answer (metrics.md §8: CSAT 1–2 on 1–5) enters
 * the flow, a positive one does not, a changed answer enters once — again only when it turned
 * negative — and the holdout runs no step.
 */
import { expect, it } from 'vitest';
import { type ApiWorkspace, apiWorkspace } from '../../test/customers/api.js';
import { addCustomer } from '../../test/flows/support.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { isInHoldout } from '../core/index.js';
import { sendSurvey } from '../feedback/index.js';
import { listJobs, Worker } from '../jobs/index.js';
import { buildApp } from '../server/index.js';
import { FLOW_TICK_JOB, flowTickJobHandler, TRIGGER_TICK_DELAY_MS } from './flow.jobs.js';
import { listRuns } from './flow.repository.js';
import { productionFlowEffects } from './flow-production.js';

const NOW = Date.UTC(2025, 5, 16, 9);

async function call(api: ApiWorkspace, method: string, path: string, body?: unknown) {
  const response = await api.app.request(path, {
    method,
    headers: {
      Authorization: `Bearer ${api.keys.marketer}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: answers are asserted shape by shape.
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as any };
}

describeEachDatabase('the survey_answered flow trigger', (getDb) => {
  it('a negative answer through the signed link enters the flow, a positive one does not; the holdout holds', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const csat = await call(api, 'POST', '/api/v1/feedback/surveys', { name: 'After order', kind: 'csat' });
    const nps = await call(api, 'POST', '/api/v1/feedback/surveys', { name: 'NPS', kind: 'nps' });
    expect([csat.status, nps.status]).toEqual([201, 201]);

    // A survey that is not the workspace's is refused at save time, naming the field.
    const unknown = await call(api, 'POST', '/api/v1/flows', {
      name: 'Nope',
      trigger: { type: 'survey_answered', surveyId: '999999' },
      steps: [{ type: 'exit' }],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.issues[0].path).toEqual(['json', 'trigger', 'surveyId']);

    const created = await call(api, 'POST', '/api/v1/flows', {
      name: 'Win back the unhappy',
      trigger: { type: 'survey_answered', surveyId: csat.body.id, negativeOnly: true },
      steps: [{ type: 'update_attribute', key: 'followed_up', value: true }],
      holdoutPercent: 50,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.trigger).toEqual({
      type: 'survey_answered',
      surveyId: csat.body.id,
      negativeOnly: true,
    });
    const flowId = Number(created.body.id);
    expect((await call(api, 'POST', `/api/v1/flows/${flowId}/activate`)).status).toBe(200);

    const customers: number[] = [];
    for (let index = 0; index < 14; index++)
      customers.push(
        await addCustomer(db, api.workspaceId, {
          externalId: `c${index}`,
          email: `c${index}@example.com`,
          now: NOW,
        }),
      );
    /** Sends `surveyId` to customer `index`; returns the survey page's path of the signed link. */
    const sendTo = async (surveyId: string, index: number) => {
      const sent = await sendSurvey(db, {
        workspaceId: api.workspaceId,
        surveyId: Number(surveyId),
        customerId: customers[index]!,
        mailer: null,
        now: NOW,
      });
      return new URL(sent.links.url).pathname;
    };
    /** One click on a rating in the e-mail: the signed link with `?r=`. */
    const click = async (page: string, rating: number) => {
      const answered = await api.app.request(`${page}?r=${rating}`);
      expect(answered.status).toBe(200);
    };

    // c0–c9: not satisfied (2 or 1 on 1–5); c10, c11: satisfied (5, 4).
    const pages: string[] = [];
    for (let index = 0; index < 12; index++) pages.push(await sendTo(csat.body.id, index));
    for (let index = 0; index < 10; index++) await click(pages[index]!, index % 2 === 0 ? 2 : 1);
    await click(pages[10]!, 5);
    await click(pages[11]!, 4);
    // c0 changes 2 → 1: still negative, logged once. c10 changes 5 → 4: positive, nothing.
    await click(pages[0]!, 1);
    await click(pages[10]!, 4);
    // c11 changes 4 → 2: turned negative, so it enters.
    await click(pages[11]!, 2);
    // c12 gives an NPS of 0: another survey, not this flow's.
    await click(await sendTo(nps.body.id, 12), 0);

    const worker = new Worker({
      db,
      handlers: { [FLOW_TICK_JOB]: flowTickJobHandler(productionFlowEffects) },
      now: () => NOW + 5_000,
    });
    await worker.drain();

    const runs = await listRuns(db, api.workspaceId, flowId, { limit: 100 });
    const expected = [...customers.slice(0, 10), customers[11]!];
    expect(runs.map((run) => run.customerId).sort((a, b) => a - b)).toEqual(
      [...expected].sort((a, b) => a - b),
    );
    // One run each: c0's change from one negative rating to another entered nothing more.
    expect(new Set(runs.map((run) => run.customerId)).size).toBe(runs.length);
    // The holdout (a hash of flow and customer) ran no step; the treatment got the attribute.
    const held = runs.filter((run) => run.arm === 'holdout');
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBeLessThan(runs.length);
    const attributes = new Map(
      (
        await db
          .selectFrom('customer')
          .select(['id', 'attributes'])
          .where('workspace_id', '=', api.workspaceId)
          .execute()
      ).map((row) => [Number(row.id), JSON.parse(String(row.attributes)) as Record<string, unknown>]),
    );
    for (const run of runs) {
      expect(run.arm === 'holdout').toBe(isInHoldout(flowId, run.customerId, 50));
      if (run.arm === 'holdout') {
        expect(run.exitReason).toBe('holdout');
        expect(attributes.get(run.customerId)?.followed_up).toBeUndefined();
      } else {
        expect(run.status).toBe('completed');
        expect(attributes.get(run.customerId)?.followed_up).toBe(true);
      }
    }
    // The answer log: 13 first answers and the one change that turned negative.
    const logged = await db
      .selectFrom('survey_answer_event')
      .select(['customer_id', 'change', 'negative', 'rating'])
      .where('workspace_id', '=', api.workspaceId)
      .orderBy('id')
      .execute();
    expect(logged.filter((row) => row.change === 'answered')).toHaveLength(13);
    expect(
      logged
        .filter((row) => row.change === 'turned_negative')
        .map((row) => [Number(row.customer_id), Number(row.rating), Number(row.negative)]),
    ).toEqual([[customers[11]!, 2, 1]]);

    // A tick again enters no one twice.
    await db
      .updateTable('job')
      .set({ run_at: NOW })
      .where('workspace_id', '=', api.workspaceId)
      .where('type', '=', FLOW_TICK_JOB)
      .where('status', '=', 'queued')
      .execute();
    await worker.drain();
    expect(await listRuns(db, api.workspaceId, flowId, { limit: 100 })).toHaveLength(runs.length);
  });

  it('with negativeOnly false any survey’s answer enters; answers before activation do not', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const nps = await call(api, 'POST', '/api/v1/feedback/surveys', { name: 'NPS', kind: 'nps' });
    const customers: number[] = [];
    for (let index = 0; index < 3; index++)
      customers.push(await addCustomer(db, api.workspaceId, { externalId: `a${index}`, now: NOW }));
    const answer = async (
      index: number,
      rating: number,
      app: Pick<ApiWorkspace['app'], 'request'> = api.app,
    ) => {
      const sent = await sendSurvey(db, {
        workspaceId: api.workspaceId,
        surveyId: Number(nps.body.id),
        customerId: customers[index]!,
        mailer: null,
        now: NOW,
      });
      expect((await app.request(`${new URL(sent.links.url).pathname}?r=${rating}`)).status).toBe(200);
    };
    await answer(0, 3); // before the flow is active: not its
    const created = await call(api, 'POST', '/api/v1/flows', {
      name: 'Thank everyone',
      trigger: { type: 'survey_answered', negativeOnly: false },
      steps: [{ type: 'exit' }],
      holdoutPercent: 0,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const flowId = Number(created.body.id);
    expect((await call(api, 'POST', `/api/v1/flows/${flowId}/activate`)).status).toBe(200);
    await answer(1, 10); // a promoter
    await answer(2, 6); // a detractor
    let worker = new Worker({
      db,
      handlers: { [FLOW_TICK_JOB]: flowTickJobHandler(productionFlowEffects) },
      now: () => NOW + 5_000,
    });
    await worker.drain();
    const runs = await listRuns(db, api.workspaceId, flowId, { limit: 10 });
    expect(runs.map((run) => run.customerId).sort((a, b) => a - b)).toEqual([customers[1], customers[2]]);

    // The next tick waits its idle period; an answer (a minute on: the page's clock) brings it
    // forward to a second from then — the hook the server hands the survey page.
    const nextTick = async () => (await listJobs(db, api.workspaceId, { type: FLOW_TICK_JOB, limit: 1 }))[0];
    expect((await nextTick())?.runAt).toBeGreaterThan(NOW + 120_000);
    customers.push(await addCustomer(db, api.workspaceId, { externalId: 'a3', now: NOW }));
    await answer(3, 8, buildApp({ db, dialect, now: () => NOW + 60_000 }));
    const expedited = await nextTick();
    expect(expedited?.status).toBe('queued');
    expect(expedited?.runAt).toBeLessThanOrEqual(NOW + 60_000 + TRIGGER_TICK_DELAY_MS);
    worker = new Worker({
      db,
      handlers: { [FLOW_TICK_JOB]: flowTickJobHandler(productionFlowEffects) },
      now: () => NOW + 65_000,
    });
    await worker.drain();
    expect(await listRuns(db, api.workspaceId, flowId, { limit: 10 })).toHaveLength(3);
  });
});
