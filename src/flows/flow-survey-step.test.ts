/**
 * The `send_survey` step through the real parts, both engines: a flow created and activated
 * through the API, triggered by `/v1/track`, advanced by the `flows.tick` job with the production
 * effects; the survey sends and their e-mails (src/feedback's `sendSurvey` → e-mail's
 * `queueEmail`, kept in the built-in outbox). The flows' rules hold: the holdout gets no send, the
 * e-mail is marketing by default (no consent → skipped, even for a CSAT survey), suppression and
 * the frequency cap apply, a retried step sends nothing twice, and a survey that is not the
 * workspace's is refused at save time.
 */
import { expect, it } from 'vitest';
import { type ApiWorkspace, apiWorkspace } from '../../test/customers/api.js';
import { addCustomer } from '../../test/flows/support.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { isInHoldout } from '../core/index.js';
import { emailEnvironment, emailJobHandlers } from '../email/index.js';
import { Worker } from '../jobs/index.js';
import { FLOW_TICK_JOB, flowTickJobHandler } from './flow.jobs.js';
import { listRuns } from './flow.repository.js';
import { productionFlowEffects } from './flow-production.js';
import { executeSendSurveyStep } from './flow-survey-step.js';

const NOW = Date.UTC(2025, 5, 16, 9);

async function call(api: ApiWorkspace, method: string, path: string, body?: unknown) {
  const response = await api.app.request(path, {
    method,
    headers: {
      Authorization: path.startsWith('/v1/')
        ? `Basic ${Buffer.from(`${api.writeKey}:`).toString('base64')}`
        : `Bearer ${api.keys[path.startsWith('/api/v1/email/settings') ? 'admin' : 'marketer']}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: answers are asserted shape by shape.
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as any };
}

describeEachDatabase('the send_survey flow step', (getDb) => {
  it('sends the survey to the treatment only, under consent, suppression and the frequency cap', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const survey = await call(api, 'POST', '/api/v1/feedback/surveys', { name: 'After order', kind: 'csat' });
    expect(survey.status).toBe(201);
    // Consenting customers enough for both arms of a 50 % holdout.
    const ids = new Map<string, number>();
    for (let index = 0; index < 12; index++)
      ids.set(
        `c${index}`,
        await addCustomer(db, api.workspaceId, {
          externalId: `c${index}`,
          email: `c${index}@example.com`,
          now: NOW,
        }),
      );
    const created = await call(api, 'POST', '/api/v1/flows', {
      name: 'Ask after sign-up',
      trigger: { type: 'event', event: 'Signed Up' },
      steps: [{ type: 'send_survey', surveyId: survey.body.id }],
      holdoutPercent: 50,
    });
    expect(created.status).toBe(201);
    expect(created.body.steps).toEqual([{ id: 's1', type: 'send_survey', surveyId: survey.body.id }]);
    const flowId = Number(created.body.id);
    expect((await call(api, 'POST', `/api/v1/flows/${flowId}/activate`)).status).toBe(200);
    // Two of the treatment arm (the arm is a hash of flow and customer): one withdraws marketing
    // consent, one is suppressed.
    const treatedFirst = [...ids.keys()].filter((name) => !isInHoldout(flowId, ids.get(name)!, 50));
    expect(treatedFirst.length).toBeGreaterThanOrEqual(2);
    const [nocons, supp] = treatedFirst as [string, string];
    await db
      .updateTable('customer')
      .set({ consent_email_marketing: 0 })
      .where('workspace_id', '=', api.workspaceId)
      .where('id', '=', ids.get(nocons)!)
      .execute();
    expect(
      (await call(api, 'POST', '/api/v1/email/suppressions', { address: `${supp}@example.com` })).status,
    ).toBeLessThan(300);

    const everyone = [...ids.keys()];
    for (const userId of everyone) {
      const tracked = await call(api, 'POST', '/v1/track', {
        userId,
        event: 'Signed Up',
        messageId: `s-${userId}`,
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
    await worker.drain();

    const held = new Set(everyone.filter((name) => isInHoldout(flowId, ids.get(name)!, 50)));
    const treated = everyone.filter((name) => !held.has(name));
    expect(held.size).toBeGreaterThan(0);
    expect(treated.length).toBeGreaterThan(0);

    const sends = await db
      .selectFrom('survey_send')
      .select(['id', 'customer_id', 'delivery', 'delivery_reason', 'dedupe_key', 'message_id'])
      .where('workspace_id', '=', api.workspaceId)
      .execute();
    // One send per treated customer, none for the holdout.
    expect(sends.map((send) => Number(send.customer_id)).sort((a, b) => a - b)).toEqual(
      treated.map((name) => ids.get(name)!).sort((a, b) => a - b),
    );
    const runs = await listRuns(db, api.workspaceId, flowId, { limit: 100 });
    const byCustomer = new Map(sends.map((send) => [Number(send.customer_id), send]));
    for (const name of treated) {
      const send = byCustomer.get(ids.get(name)!)!;
      const run = runs.find((candidate) => candidate.customerId === ids.get(name))!;
      expect(send.dedupe_key).toBe(`flow:${run.id}:s1`);
      const expected =
        name === nocons
          ? { delivery: 'skipped', delivery_reason: 'no_consent' }
          : name === supp
            ? { delivery: 'skipped', delivery_reason: 'suppressed' }
            : { delivery: 'queued', delivery_reason: null };
      expect({ delivery: send.delivery, delivery_reason: send.delivery_reason }, name).toEqual(expected);
      expect(run.status).toBe('completed');
    }
    for (const run of runs.filter((candidate) => candidate.arm === 'holdout'))
      expect(run.exitReason).toBe('holdout');

    // The e-mails: marketing (a flow's default, though CSAT alone would go transactional), in the outbox.
    const messages = await db
      .selectFrom('email_message')
      .select(['customer_id', 'status', 'skip_reason', 'category', 'dedupe_key'])
      .where('workspace_id', '=', api.workspaceId)
      .execute();
    expect(messages.length).toBe(treated.length);
    for (const message of messages) {
      expect(message.category).toBe('marketing');
      expect(message.dedupe_key).toBe(`survey:${byCustomer.get(Number(message.customer_id))!.id}`);
    }
    expect(messages.filter((message) => message.status === 'outbox').length).toBe(treated.length - 2);

    // The step's outcome is recorded on the run.
    const treatedRun = runs.find((run) => run.arm === 'treatment')!;
    const step = await db
      .selectFrom('flow_run_step')
      .select('outcome')
      .where('workspace_id', '=', api.workspaceId)
      .where('run_id', '=', treatedRun.id)
      .executeTakeFirstOrThrow();
    const outcome = typeof step.outcome === 'string' ? JSON.parse(step.outcome) : step.outcome;
    expect(outcome).toMatchObject({
      surveyId: survey.body.id,
      sendId: String(byCustomer.get(treatedRun.customerId)!.id),
    });

    // A retried step (a crash before its record) finds the same send and queues nothing new.
    const again = await executeSendSurveyStep(
      db,
      { id: 's1', type: 'send_survey', surveyId: survey.body.id },
      treatedRun,
      NOW + 6_000,
    );
    expect(again).toMatchObject({ sendId: outcome.sendId, status: outcome.status });
    expect(
      (await db.selectFrom('survey_send').select('id').where('workspace_id', '=', api.workspaceId).execute())
        .length,
    ).toBe(sends.length);

    // The report counts only sends whose e-mail went (a skipped one reached nobody).
    const report = await call(
      api,
      'GET',
      `/api/v1/feedback/report?surveyId=${survey.body.id}&from=2025-06-01&to=2025-06-30`,
    );
    expect(report.status).toBe(200);
    expect(report.body.sent).toBe(treated.length - 2);
  });

  it('applies the frequency cap, and a transactional step skips consent', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const settings = await call(api, 'PATCH', '/api/v1/email/settings', { maxPerDay: 1 });
    expect(settings.status).toBe(200);
    const nps = await call(api, 'POST', '/api/v1/feedback/surveys', { name: 'NPS', kind: 'nps' });
    const ann = await addCustomer(db, api.workspaceId, {
      externalId: 'ann',
      email: 'ann@example.com',
      now: NOW,
    });
    const bob = await addCustomer(db, api.workspaceId, {
      externalId: 'bob',
      email: 'bob@example.com',
      consent: false,
      now: NOW,
    });
    const created = await call(api, 'POST', '/api/v1/flows', {
      name: 'Two surveys',
      trigger: { type: 'event', event: 'Bought' },
      steps: [
        { type: 'send_survey', surveyId: nps.body.id },
        { type: 'send_survey', surveyId: nps.body.id },
        { id: 'tx', type: 'send_survey', surveyId: nps.body.id, category: 'transactional' },
      ],
      holdoutPercent: 0,
    });
    expect(created.status).toBe(201);
    expect((await call(api, 'POST', `/api/v1/flows/${created.body.id}/activate`)).status).toBe(200);
    for (const userId of ['ann', 'bob'])
      await call(api, 'POST', '/v1/track', { userId, event: 'Bought', messageId: `b-${userId}` });
    const worker = new Worker({
      db,
      handlers: {
        [FLOW_TICK_JOB]: flowTickJobHandler(productionFlowEffects),
        ...emailJobHandlers(emailEnvironment({})),
      },
      now: () => NOW + 5_000,
    });
    await worker.drain();
    const sends = await db
      .selectFrom('survey_send')
      .select(['customer_id', 'delivery', 'delivery_reason', 'dedupe_key'])
      .where('workspace_id', '=', api.workspaceId)
      .orderBy('id')
      .execute();
    const of = (customerId: number) =>
      sends
        .filter((send) => Number(send.customer_id) === customerId)
        .map((send) => [send.dedupe_key?.split(':')[2], send.delivery, send.delivery_reason]);
    // Ann: the first marketing survey goes, the second meets the cap of 1 a day; the transactional one goes.
    expect(of(ann)).toEqual([
      ['s1', 'queued', null],
      ['s2', 'skipped', 'frequency_cap'],
      ['tx', 'queued', null],
    ]);
    // Bob never consented: the marketing ones are skipped, the transactional one goes.
    expect(of(bob)).toEqual([
      ['s1', 'skipped', 'no_consent'],
      ['s2', 'skipped', 'no_consent'],
      ['tx', 'queued', null],
    ]);
  });

  it('refuses at save time a survey that is not the workspace’s, naming the step', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const other = await apiWorkspace({ db, dialect }, NOW);
    const theirs = await call(other, 'POST', '/api/v1/feedback/surveys', { name: 'Theirs', kind: 'nps' });
    expect(theirs.status).toBe(201);
    const refused = await call(api, 'POST', '/api/v1/flows', {
      name: 'Bad',
      trigger: { type: 'event', event: 'Signed Up' },
      steps: [
        { type: 'wait', duration: { hours: 1 } },
        {
          type: 'branch',
          rule: { all: [] },
          yes: [{ type: 'send_survey', surveyId: theirs.body.id }],
          no: [],
        },
      ],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.issues).toEqual([
      expect.objectContaining({
        path: ['json', 'steps', 1, 'yes', 0, 'surveyId'],
        code: 'unknown_survey',
        message: `steps[1].yes[0].surveyId: no survey ${theirs.body.id} in this workspace.`,
      }),
    ]);
    const malformed = await call(api, 'POST', '/api/v1/flows', {
      name: 'Bad id',
      trigger: { type: 'event', event: 'Signed Up' },
      steps: [{ type: 'send_survey', surveyId: 'abc' }],
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.issues[0].path).toEqual(['json', 'steps', 0, 'surveyId']);
  });
});
