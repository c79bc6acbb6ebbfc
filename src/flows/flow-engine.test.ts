/**
 * The flow engine on simulated time, both engines: triggers (a tracked event through the real
 * tracking service, a segment entered, days since the last order, a sign-up anniversary, a
 * schedule), waits (a duration, a time of day in the customer's zone), branches, exit conditions
 * and the exit step, attribute updates, re-entry (once, every N days), the holdout, and crash
 * safety (an e-mail queued but not recorded is asked again with the same dedupe key).
 */
import type { Kysely } from 'kysely';
import { expect, it, vi } from 'vitest';
import {
  acceptTemplates,
  addCustomer,
  addCustomers,
  addOrder,
  DAY,
  HOUR,
  newWorkspace,
  recordingEffects,
} from '../../test/flows/support.js';
import { describeEachDatabase, describeOnDatabase } from '../../test/support/databases.js';
import { isInHoldout } from '../core/index.js';
import { type Database, fromJson, type RowId } from '../db/index.js';
import { listJobs, Worker } from '../jobs/index.js';
import {
  createSegment,
  recomputeSegment,
  requestSegmentRecompute,
  segmentJobHandlersWith,
} from '../segments/index.js';
import { TrackingService } from '../tracking/index.js';
import {
  FLOW_IDLE_TICK_MS,
  FLOW_TICK_JOB,
  flowTickJobHandler,
  requestFlowTickAfterSegmentChange,
} from './flow.jobs.js';
import { listRuns } from './flow.repository.js';
import { activateFlow, createFlow, deactivateFlow, getFlowReport } from './flow.service.js';
import type { FlowEffects } from './flow-effects.js';
import { enterCustomers, RETRY_FAILED_RUN_MS, runFlowTick } from './flow-engine.js';

const T0 = Date.UTC(2025, 5, 2, 10); // a Monday, 10:00 UTC
const ACTOR = { type: 'system' } as const;

async function newFlow(
  db: Kysely<Database>,
  workspaceId: number,
  definition: Record<string, unknown>,
  now = T0,
) {
  const flow = await createFlow(db, {
    workspaceId,
    name: `Flow ${Math.random()}`,
    definition: { holdoutPercent: 0, ...definition },
    createdBy: null,
    actor: ACTOR,
    now,
    checkTemplate: acceptTemplates,
  });
  return activateFlow(db, { workspaceId, id: flow.id, actor: ACTOR, now });
}

async function runsOf(db: Kysely<Database>, workspaceId: number, flowId: RowId) {
  return (await listRuns(db, workspaceId, flowId, { limit: 1000 })).reverse();
}

const WELCOME = {
  trigger: { type: 'event', event: 'Signed Up' },
  steps: [
    { type: 'wait', duration: { days: 1 } },
    { type: 'send_email', subject: 'Welcome {{ customer.name }}', html: '<p>Hi</p>' },
  ],
};

describeEachDatabase('the flow engine', (getDb) => {
  it('an event tracked through /v1/track enters the customer; the wait holds the e-mail a day; once ever', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db, T0);
    const flow = await newFlow(db, workspaceId, WELCOME);
    const tracking = new TrackingService(db);
    const effects = recordingEffects();
    await tracking.ingest(
      workspaceId,
      [{ type: 'track', userId: 'ann', event: 'Signed Up', messageId: 'm1' }],
      T0 + 1_000,
    );
    // The same call again (a retry) and an event of another name add nothing.
    await tracking.ingest(
      workspaceId,
      [{ type: 'track', userId: 'ann', event: 'Signed Up', messageId: 'm1' }],
      T0 + 1_500,
    );
    await tracking.ingest(
      workspaceId,
      [{ type: 'track', userId: 'bob', event: 'Viewed Product', messageId: 'm2' }],
      T0 + 1_500,
    );

    const first = await runFlowTick(db, workspaceId, T0 + 2_000, effects);
    expect(first).toMatchObject({ entered: 1, nextWakeAt: T0 + 2_000 + DAY });
    const [run] = await runsOf(db, workspaceId, flow.id);
    expect(run).toMatchObject({
      arm: 'treatment',
      status: 'active',
      currentStep: 's2',
      wakeAt: T0 + 2_000 + DAY,
    });
    expect(effects.sent).toEqual([]);

    await runFlowTick(db, workspaceId, T0 + DAY, effects); // not yet
    expect(effects.sent).toEqual([]);
    await runFlowTick(db, workspaceId, T0 + 2_000 + DAY, effects);
    expect(effects.sent).toEqual([
      expect.objectContaining({
        workspaceId,
        dedupeKey: `flow:${run!.id}:s2`,
        category: 'marketing',
        subject: 'Welcome {{ customer.name }}',
        origin: { kind: 'flow', flowId: String(flow.id), runId: String(run!.id), stepId: 's2' },
      }),
    ]);
    expect((await runsOf(db, workspaceId, flow.id))[0]).toMatchObject({
      status: 'completed',
      currentStep: null,
    });

    // Re-entry `once` (the default): Ann signs up again later; nobody enters.
    await tracking.ingest(
      workspaceId,
      [{ type: 'track', userId: 'ann', event: 'Signed Up', messageId: 'm3' }],
      T0 + 3 * DAY,
    );
    expect((await runFlowTick(db, workspaceId, T0 + 3 * DAY + 1, effects)).entered).toBe(0);
    expect(effects.sent).toHaveLength(1);
  });

  it('re-entry every 7 days: not while a run is active, not within 7 days of the last entry, again after', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db, T0);
    const flow = await newFlow(db, workspaceId, {
      ...WELCOME,
      steps: [{ type: 'wait', duration: { days: 2 } }, { type: 'exit' }],
      reentry: { type: 'every', days: 7 },
    });
    const tracking = new TrackingService(db);
    const effects = recordingEffects();
    const track = async (at: number, messageId: string) => {
      await tracking.ingest(
        workspaceId,
        [{ type: 'track', userId: 'cat', event: 'Signed Up', messageId }],
        at,
      );
      return (await runFlowTick(db, workspaceId, at + 1, effects)).entered;
    };
    expect(await track(T0, 'a')).toBe(1);
    expect(await track(T0 + DAY, 'b')).toBe(0); // its run is still waiting
    expect(await track(T0 + 3 * DAY, 'c')).toBe(0); // finished, but within 7 days
    expect(await track(T0 + 7 * DAY + 2, 'd')).toBe(1);
    const runs = await runsOf(db, workspaceId, flow.id);
    expect(runs.map((run) => [run.status, run.exitReason])).toEqual([
      ['exited', 'exit_step'],
      ['active', null],
    ]);
  });

  it('a branch sends buyers one e-mail and the others another; update_attribute sets the key once', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db, T0);
    const buyer = await addCustomer(db, workspaceId, { externalId: 'buyer', now: T0 });
    const browser = await addCustomer(db, workspaceId, { externalId: 'browser', now: T0 });
    await addOrder(db, workspaceId, buyer, T0 - 10 * DAY);
    const flow = await newFlow(db, workspaceId, {
      trigger: { type: 'event', event: 'Opened App' },
      steps: [
        {
          id: 'has-ordered',
          type: 'branch',
          rule: { all: [{ field: 'orders_count', op: '>=', value: 1 }] },
          yes: [
            { id: 'thanks', type: 'send_email', subject: 'Thanks', html: 'x' },
            { type: 'update_attribute', key: 'vip', value: true },
          ],
          no: [
            {
              id: 'first-order',
              type: 'send_email',
              subject: '10 % off',
              html: 'y',
              category: 'transactional',
            },
          ],
        },
        { id: 'last', type: 'wait', duration: { hours: 1 } },
      ],
    });
    const effects = recordingEffects();
    await enterCustomers(
      db,
      flow,
      [
        { customerId: buyer, entryKey: 'x:1' },
        { customerId: browser, entryKey: 'x:2' },
      ],
      T0,
    );
    await runFlowTick(db, workspaceId, T0, effects);
    const byCustomer = Object.fromEntries(effects.sent.map((email) => [email.customerId, email]));
    expect(byCustomer[buyer]).toMatchObject({ subject: 'Thanks', category: 'marketing' });
    expect(byCustomer[browser]).toMatchObject({ subject: '10 % off', category: 'transactional' });
    expect(effects.sent).toHaveLength(2);
    const attributes = async (id: RowId) =>
      fromJson<Record<string, unknown>>(
        (await db.selectFrom('customer').select('attributes').where('id', '=', id).executeTakeFirstOrThrow())
          .attributes,
      );
    expect(await attributes(buyer)).toEqual({ vip: true });
    expect(await attributes(browser)).toEqual({});
    // Both then wait at `last`, the final step (`current_step` is the end); an hour later both complete.
    const runs = await runsOf(db, workspaceId, flow.id);
    expect(runs.map((run) => [run.status, run.wakeAt])).toEqual([
      ['active', T0 + HOUR],
      ['active', T0 + HOUR],
    ]);
    await runFlowTick(db, workspaceId, T0 + HOUR, effects);
    expect((await runsOf(db, workspaceId, flow.id)).map((run) => run.status)).toEqual([
      'completed',
      'completed',
    ]);
    const steps = await db
      .selectFrom('flow_run_step')
      .select(['run_id', 'step_id', 'outcome'])
      .where('workspace_id', '=', workspaceId)
      .execute();
    expect(
      steps.filter((step) => step.step_id === 'has-ordered').map((step) => fromJson(step.outcome)),
    ).toEqual(expect.arrayContaining([{ matched: true }, { matched: false }]));
  });

  it('an exit condition (placed an order) ends the run before its e-mail; the exit step ends it too', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db, T0);
    const quick = await addCustomer(db, workspaceId, { now: T0 });
    const slow = await addCustomer(db, workspaceId, { now: T0 });
    await addOrder(db, workspaceId, quick, T0 - 40 * DAY); // before entering: does not count
    const flow = await newFlow(db, workspaceId, {
      trigger: { type: 'event', event: 'Cart Abandoned' },
      steps: [
        { type: 'wait', duration: { days: 2 } },
        { type: 'send_email', subject: 'Your cart', html: 'z' },
      ],
      exitWhen: { placedOrder: true },
    });
    const effects = recordingEffects();
    await enterCustomers(
      db,
      flow,
      [
        { customerId: quick, entryKey: 'e:1' },
        { customerId: slow, entryKey: 'e:2' },
      ],
      T0,
    );
    await runFlowTick(db, workspaceId, T0, effects);
    await addOrder(db, workspaceId, quick, T0 + DAY);
    const tick = await runFlowTick(db, workspaceId, T0 + 2 * DAY, effects);
    expect(tick.exited).toBe(1);
    expect(effects.sent.map((email) => email.customerId)).toEqual([slow]);
    const runs = await runsOf(db, workspaceId, flow.id);
    expect(runs.find((run) => run.customerId === quick)).toMatchObject({
      status: 'exited',
      exitReason: 'exit_condition',
    });
    expect(runs.find((run) => run.customerId === slow)).toMatchObject({ status: 'completed' });
  });

  it('waits until 09:00 in the customer’s zone (the workspace’s when the customer has none)', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db, T0, 'America/New_York');
    const tokyo = await addCustomer(db, workspaceId, { timeZone: 'Asia/Tokyo', now: T0 });
    const unknown = await addCustomer(db, workspaceId, { timeZone: null, now: T0 });
    const flow = await newFlow(db, workspaceId, {
      trigger: { type: 'event', event: 'Browsed' },
      steps: [{ type: 'wait', untilTimeOfDay: '09:00' }, { type: 'exit' }],
    });
    await enterCustomers(
      db,
      flow,
      [
        { customerId: tokyo, entryKey: 'a' },
        { customerId: unknown, entryKey: 'b' },
      ],
      T0,
    );
    await runFlowTick(db, workspaceId, T0, recordingEffects());
    const runs = await runsOf(db, workspaceId, flow.id);
    // T0 = 10:00 UTC = 19:00 in Tokyo → next 09:00 Tokyo = 00:00 UTC the next day;
    // = 06:00 in New York (EDT, UTC−4) → 09:00 New York = 13:00 UTC the same day.
    expect(runs.find((run) => run.customerId === tokyo)?.wakeAt).toBe(Date.UTC(2025, 5, 3, 0));
    expect(runs.find((run) => run.customerId === unknown)?.wakeAt).toBe(Date.UTC(2025, 5, 2, 13));
  });

  it('runs at one step execute it together: one e-mail batch a step; a failed e-mail holds only its run', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db, T0);
    const customers = await addCustomers(db, workspaceId, 30, T0);
    for (const customerId of customers.slice(0, 10)) await addOrder(db, workspaceId, customerId, T0 - DAY);
    const flow = await newFlow(db, workspaceId, {
      trigger: { type: 'event', event: 'Batched' },
      steps: [
        {
          type: 'branch',
          rule: { all: [{ field: 'orders_count', op: '>=', value: 1 }] },
          yes: [{ id: 'buyers', type: 'send_email', subject: 'Thanks', html: 't' }],
          no: [{ id: 'others', type: 'send_email', subject: 'Hello', html: 'h' }],
        },
        { id: 'after', type: 'wait', duration: { days: 1 } },
      ],
    });
    const refused = customers[15]!;
    const batches: { stepId: string; size: number }[] = [];
    const recorder = recordingEffects();
    const batching: FlowEffects = {
      sendEmail: recorder.sendEmail,
      emailCounts: recorder.emailCounts,
      async sendEmails(store, emails, options) {
        batches.push({ stepId: emails[0]!.origin.stepId, size: emails.length });
        return Promise.all(
          emails.map(async (email) =>
            email.customerId === refused
              ? { ok: false as const, error: new Error('the queue is down for this one') }
              : { ok: true as const, outcome: await recorder.sendEmail(store, email, options) },
          ),
        );
      },
    };
    await enterCustomers(
      db,
      flow,
      customers.map((customerId) => ({ customerId, entryKey: `b:${customerId}` })),
      T0,
    );
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const outcome = await runFlowTick(db, workspaceId, T0, batching);
    errors.mockRestore();
    // 30 branches, 29 e-mails (10 + 19, one refused), 29 waits: one batch per e-mail step.
    expect(batches.sort((left, right) => left.stepId.localeCompare(right.stepId))).toEqual([
      { stepId: 'buyers', size: 10 },
      { stepId: 'others', size: 20 },
    ]);
    expect(outcome).toMatchObject({ stepsExecuted: 30 + 29 + 29, failed: 1 });
    expect(recorder.sent.filter((email) => email.subject === 'Thanks')).toHaveLength(10);
    const runs = await runsOf(db, workspaceId, flow.id);
    const held = runs.find((run) => run.customerId === refused)!;
    expect(held).toMatchObject({ status: 'active', currentStep: 'others', wakeAt: T0 + RETRY_FAILED_RUN_MS });
    expect(runs.filter((run) => run.currentStep === '$end' && run.wakeAt === T0 + DAY)).toHaveLength(29);
    // Retried later, the held run's e-mail goes, alone in its batch.
    await runFlowTick(db, workspaceId, T0 + RETRY_FAILED_RUN_MS, {
      sendEmail: recorder.sendEmail,
      emailCounts: recorder.emailCounts,
    });
    expect(recorder.sent.filter((email) => email.customerId === refused)).toHaveLength(1);
  });

  it('segment entered: a customer who enters the segment after activation enters the flow', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db, T0);
    const before = await addCustomer(db, workspaceId, { now: T0 });
    await addOrder(db, workspaceId, before, T0 - DAY);
    const { segment } = await createSegment(db, {
      workspaceId,
      name: 'Buyers',
      rule: { all: [{ field: 'orders_count', op: '>=', value: 1 }] },
      createdBy: null,
      actor: ACTOR,
      now: T0,
    });
    await newFlow(db, workspaceId, {
      trigger: { type: 'segment_entered', segmentId: String(segment.id) },
      steps: [{ type: 'send_email', subject: 'Welcome to buyers', html: 'w' }],
    });
    const later = await addCustomer(db, workspaceId, { now: T0 });
    await addOrder(db, workspaceId, later, T0 + HOUR);
    await recomputeSegment(db, { workspaceId, now: T0 + 2 * HOUR }, segment.id);
    const effects = recordingEffects();
    expect((await runFlowTick(db, workspaceId, T0 + 2 * HOUR, effects)).entered).toBe(1);
    expect(effects.sent.map((email) => email.customerId)).toEqual([later]); // not `before`, a member already
  });

  it('segment entered reacts to the recompute job: the job’s hook asks for a tick at once, not in 5 minutes', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db, T0);
    const { segment } = await createSegment(db, {
      workspaceId,
      name: 'Buyers now',
      rule: { all: [{ field: 'orders_count', op: '>=', value: 1 }] },
      createdBy: null,
      actor: ACTOR,
      now: T0,
    });
    const other = await createSegment(db, {
      workspaceId,
      name: 'Big buyers',
      rule: { all: [{ field: 'orders_count', op: '>=', value: 5 }] },
      createdBy: null,
      actor: ACTOR,
      now: T0,
    });
    await newFlow(db, workspaceId, {
      trigger: { type: 'segment_entered', segmentId: String(segment.id) },
      steps: [{ type: 'send_email', subject: 'Welcome to buyers', html: 'w' }],
    });
    const effects = recordingEffects();
    let clock = T0 + HOUR;
    const worker = new Worker({
      db,
      handlers: {
        ...segmentJobHandlersWith({ afterRecompute: requestFlowTickAfterSegmentChange }),
        [FLOW_TICK_JOB]: flowTickJobHandler(effects),
      },
      now: () => clock,
    });
    await worker.drain(); // the activation's tick: nothing to do; the next idle tick is 5 minutes on
    const buyer = await addCustomer(db, workspaceId, { now: clock });
    await addOrder(db, workspaceId, buyer, clock);
    // Nobody entered a segment a flow triggers on: the hook asks for nothing.
    expect(
      await requestFlowTickAfterSegmentChange(
        db,
        workspaceId,
        [{ segmentId: other.segment.id, entered: 3, exited: 0, members: 3, status: 'done' }],
        clock,
      ),
    ).toBe(false);
    clock += 60_000;
    await requestSegmentRecompute(db, workspaceId, { reason: 'tracking', now: clock });
    await worker.drain(); // the recompute, then the tick its hook asked for, at the same instant
    // The clock is a minute past the idle tick's request: only the hook's request made a tick due.
    expect(effects.sent.map((email) => email.customerId)).toEqual([buyer]);
    const [latest] = await listJobs(db, workspaceId, { type: FLOW_TICK_JOB, limit: 1 });
    expect(latest?.runAt).toBe(clock + FLOW_IDLE_TICK_MS);
  });

  it('days since the last order: enters those whose last order was N local days ago, once that day', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db, T0);
    const lapsed = await addCustomer(db, workspaceId, { now: T0 });
    const recent = await addCustomer(db, workspaceId, { now: T0 });
    await addOrder(db, workspaceId, lapsed, T0 - 90 * DAY);
    await addOrder(db, workspaceId, lapsed, T0 - 60 * DAY - 5 * HOUR); // the latest: 60 days ago (local date)
    await addOrder(db, workspaceId, recent, T0 - 60 * DAY);
    await addOrder(db, workspaceId, recent, T0 - 10 * DAY);
    const flow = await newFlow(db, workspaceId, {
      trigger: { type: 'days_since_last_order', days: 60 },
      steps: [{ type: 'send_email', subject: 'We miss you', html: 'm' }],
    });
    const effects = recordingEffects();
    expect((await runFlowTick(db, workspaceId, T0, effects)).entered).toBe(1);
    expect((await runFlowTick(db, workspaceId, T0 + HOUR, effects)).entered).toBe(0);
    expect(effects.sent.map((email) => email.customerId)).toEqual([lapsed]);
    expect((await runsOf(db, workspaceId, flow.id))[0]?.entryKey).toBe(`date:2025-06-02:${lapsed}`);
  });

  it('sign-up anniversary and a scheduled campaign to a segment', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db, T0);
    const veteran = await addCustomer(db, workspaceId, { signedUpAt: Date.UTC(2023, 5, 2, 8), now: T0 });
    await addCustomer(db, workspaceId, { signedUpAt: Date.UTC(2025, 5, 2, 8), now: T0 }); // today: not an anniversary
    await addCustomer(db, workspaceId, { signedUpAt: Date.UTC(2023, 5, 3, 8), now: T0 });
    const anniversary = await newFlow(db, workspaceId, {
      trigger: { type: 'signup_anniversary' },
      steps: [{ type: 'send_email', subject: 'Happy anniversary', html: 'h' }],
    });
    const { segment } = await createSegment(db, {
      workspaceId,
      name: 'Everyone',
      rule: { all: [] },
      createdBy: null,
      actor: ACTOR,
      now: T0,
    });
    const campaign = await newFlow(db, workspaceId, {
      trigger: { type: 'schedule', segmentId: segment.id, at: new Date(T0 + 3 * HOUR).toISOString() },
      steps: [{ type: 'send_email', subject: 'Summer sale', html: 's' }],
    });
    const effects = recordingEffects();
    await runFlowTick(db, workspaceId, T0, effects);
    expect((await runsOf(db, workspaceId, anniversary.id)).map((run) => run.customerId)).toEqual([veteran]);
    expect(await runsOf(db, workspaceId, campaign.id)).toEqual([]); // not its time yet
    await runFlowTick(db, workspaceId, T0 + 3 * HOUR, effects);
    await runFlowTick(db, workspaceId, T0 + 4 * HOUR, effects); // fired once only
    expect(await runsOf(db, workspaceId, campaign.id)).toHaveLength(3);
    expect(effects.sent.filter((email) => email.subject === 'Summer sale')).toHaveLength(3);
  });

  it('puts the holdout share in the holdout by the hash; holdout runs execute no step but are entered', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db, T0);
    const flow = await newFlow(db, workspaceId, {
      ...WELCOME,
      holdoutPercent: 10,
      steps: [{ type: 'send_email', subject: 's', html: 'h' }],
    });
    const customers = await addCustomers(db, workspaceId, 1_000, T0);
    const effects = recordingEffects();
    await enterCustomers(
      db,
      flow,
      customers.map((customerId) => ({ customerId, entryKey: `k:${customerId}` })),
      T0,
    );
    await runFlowTick(db, workspaceId, T0, effects);
    const runs = await runsOf(db, workspaceId, flow.id);
    const held = runs.filter((run) => run.arm === 'holdout');
    // Each run's arm is the hash's; Binomial(1000, 0.1) has sd 9.5: 100 ± 38 (4 sd).
    for (const run of runs) expect(run.arm === 'holdout').toBe(isInHoldout(flow.id, run.customerId, 10));
    expect(held.length).toBeGreaterThan(62);
    expect(held.length).toBeLessThan(138);
    expect(held.every((run) => run.status === 'completed' && run.exitReason === 'holdout')).toBe(true);
    expect(effects.sent).toHaveLength(1_000 - held.length);
    const heldIds = new Set(held.map((run) => run.customerId));
    expect(effects.sent.some((email) => heldIds.has(email.customerId))).toBe(false);
    const report = await getFlowReport(db, workspaceId, flow.id, T0, effects);
    expect(report).toMatchObject({
      entered: 1_000,
      holdout: held.length,
      treatment: 1_000 - held.length,
      sent: 1_000 - held.length,
    });
  });

  it('an e-mail queued but not recorded (a failure between) is asked again later with its dedupe key and sent once', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db, T0);
    const customer = await addCustomer(db, workspaceId, { now: T0 });
    const flow = await newFlow(db, workspaceId, {
      ...WELCOME,
      steps: [{ type: 'send_email', subject: 's', html: 'h' }, { type: 'exit' }],
    });
    await enterCustomers(db, flow, [{ customerId: customer, entryKey: 'k' }], T0);
    const recorder = recordingEffects();
    let crash = true;
    const crashing: FlowEffects = {
      ...recorder,
      async sendEmail(database, email, options) {
        const outcome = await recorder.sendEmail(database, email, options);
        if (crash) {
          crash = false;
          throw new Error('killed after the e-mail was queued');
        }
        return outcome;
      },
    };
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await runFlowTick(db, workspaceId, T0, crashing)).toMatchObject({
      failed: 1,
      nextWakeAt: T0 + RETRY_FAILED_RUN_MS,
    });
    expect(errors).toHaveBeenCalledOnce();
    errors.mockRestore();
    await runFlowTick(db, workspaceId, T0 + RETRY_FAILED_RUN_MS, crashing);
    expect(recorder.calls.map((email) => email.dedupeKey)).toEqual([
      expect.stringMatching(/^flow:\d+:s1$/),
      recorder.calls[0]!.dedupeKey,
    ]);
    expect(recorder.sent).toHaveLength(1);
    const [run] = await runsOf(db, workspaceId, flow.id);
    expect(run).toMatchObject({ status: 'exited', exitReason: 'exit_step' });
    const steps = await db
      .selectFrom('flow_run_step')
      .select(['step_id', 'outcome'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('step_id')
      .execute();
    expect(steps.map((step) => [step.step_id, fromJson(step.outcome)])).toEqual([
      ['s1', { status: 'duplicate', messageId: recorder.calls[0]!.dedupeKey }],
      ['s2', {}],
    ]);
  });

  it('deactivating ends runs in progress and stops entries; another workspace’s runs are untouched', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db, T0);
    const other = await newWorkspace(db, T0);
    const flow = await newFlow(db, workspaceId, WELCOME);
    const otherFlow = await newFlow(db, other, { ...WELCOME, steps: WELCOME.steps.slice(1) });
    const mine = await addCustomer(db, workspaceId, { now: T0 });
    const theirs = await addCustomer(db, other, { now: T0 });
    await enterCustomers(db, flow, [{ customerId: mine, entryKey: 'k' }], T0);
    await enterCustomers(db, otherFlow, [{ customerId: theirs, entryKey: 'k' }], T0);
    await deactivateFlow(db, { workspaceId, id: flow.id, actor: ACTOR, now: T0 + 1 });
    const effects = recordingEffects();
    await runFlowTick(db, workspaceId, T0 + 2 * DAY, effects);
    await runFlowTick(db, other, T0 + 2 * DAY, effects);
    expect((await runsOf(db, workspaceId, flow.id))[0]).toMatchObject({
      status: 'exited',
      exitReason: 'flow_deactivated',
    });
    expect(effects.sent.map((email) => email.workspaceId)).toEqual([other]);
    const tracking = new TrackingService(db);
    await tracking.ingest(
      workspaceId,
      [{ type: 'track', userId: 'x', event: 'Signed Up', messageId: 'late' }],
      T0 + 3 * DAY,
    );
    expect((await runFlowTick(db, workspaceId, T0 + 3 * DAY, effects)).entered).toBe(0);
  });
});

describeOnDatabase('postgres', 'the flow engine under concurrent ticks', (getDb) => {
  it('two workers ticking the same workspace at once execute each step once per run', async () => {
    const { db, open } = getDb();
    const other = open().db;
    const workspaceId = await newWorkspace(db, T0);
    const flow = await newFlow(db, workspaceId, {
      ...WELCOME,
      steps: [
        { type: 'update_attribute', key: 'welcomed', value: true },
        { type: 'send_email', subject: 's', html: 'h' },
      ],
    });
    const customers = await addCustomers(db, workspaceId, 60, T0);
    await enterCustomers(
      db,
      flow,
      customers.map((customerId) => ({ customerId, entryKey: `k:${customerId}` })),
      T0,
    );
    const effects = recordingEffects();
    const [first, second] = await Promise.all([
      runFlowTick(db, workspaceId, T0, effects),
      runFlowTick(other, workspaceId, T0, effects),
    ]);
    expect(first.failed + second.failed).toBe(0);
    expect(effects.sent).toHaveLength(60);
    expect(new Set(effects.sent.map((email) => email.dedupeKey)).size).toBe(60);
    const steps = await db
      .selectFrom('flow_run_step')
      .select(['run_id', 'step_id'])
      .where('workspace_id', '=', workspaceId)
      .execute();
    expect(steps).toHaveLength(120); // two steps a run, each recorded once
    const runs = await runsOf(db, workspaceId, flow.id);
    expect(runs.every((run) => run.status === 'completed')).toBe(true);
  });
});
