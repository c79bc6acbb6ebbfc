/**
 * Pruning `segment_event` and `survey_answer_event` (flow-log-pruning.ts), both engines, on
 * simulated time: the logs written by the real recompute and the real answer path, read by the
 * real flow tick, pruned by `pruneFlowLogs` and by the `flows.prune` job. The ages tested are the
 * documented constants: 30 days' retention (`FLOW_LOG_RETENTION_MS`), 180 days' hard maximum
 * (`FLOW_LOG_MAX_AGE_MS`).
 */
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import {
  acceptTemplates,
  addCustomer,
  addOrder,
  DAY,
  newWorkspace,
  recordingEffects,
} from '../../test/flows/support.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import type { Database, RowId } from '../db/index.js';
import { createSurvey, recordAnswer, sendSurvey } from '../feedback/index.js';
import { listJobs, Worker } from '../jobs/index.js';
import {
  createSegment,
  recomputeSegment,
  requestSegmentRecompute,
  segmentJobHandlersWith,
} from '../segments/index.js';
import {
  afterSegmentRecompute,
  FLOW_LOG_PRUNE_EVERY_MS,
  FLOW_LOG_PRUNE_JOB,
  flowLogPruneJobHandler,
  requestDueFlowLogPruning,
  requestFlowLogPruning,
  startFlowLogPruneSweeps,
} from './flow.jobs.js';
import { listRuns } from './flow.repository.js';
import { activateFlow, createFlow, deactivateFlow } from './flow.service.js';
import { runFlowTick } from './flow-engine.js';
import { FLOW_LOG_MAX_AGE_MS, FLOW_LOG_RETENTION_MS, pruneFlowLogs } from './flow-log-pruning.js';

const T0 = Date.UTC(2025, 5, 2, 10);
const ACTOR = { type: 'system' } as const;

async function activeFlow(
  db: Kysely<Database>,
  workspaceId: number,
  trigger: Record<string, unknown>,
  now: number,
) {
  const flow = await createFlow(db, {
    workspaceId,
    name: `Flow ${Math.random()}`,
    definition: { holdoutPercent: 0, trigger, steps: [{ type: 'send_email', subject: 'Hi', html: 'h' }] },
    createdBy: null,
    actor: ACTOR,
    now,
    checkTemplate: acceptTemplates,
  });
  return activateFlow(db, { workspaceId, id: flow.id, actor: ACTOR, now });
}

async function buyersSegment(db: Kysely<Database>, workspaceId: number, name: string, orders: number) {
  const { segment } = await createSegment(db, {
    workspaceId,
    name,
    rule: { all: [{ field: 'orders_count', op: '>=', value: orders }] },
    createdBy: null,
    actor: ACTOR,
    now: T0,
  });
  return segment.id;
}

/** A customer with `orders` orders at `now`. */
async function buyer(db: Kysely<Database>, workspaceId: number, now: number, orders = 1) {
  const customerId = await addCustomer(db, workspaceId, { now });
  for (let order = 0; order < orders; order++) await addOrder(db, workspaceId, customerId, now);
  return customerId;
}

async function segmentEvents(db: Kysely<Database>, workspaceId: number) {
  const rows = await db
    .selectFrom('segment_event')
    .select(['customer_id', 'segment_id'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .execute();
  return rows.map((row) => `${row.segment_id}:${row.customer_id}`);
}

async function answerEvents(db: Kysely<Database>, workspaceId: number) {
  const rows = await db
    .selectFrom('survey_answer_event')
    .select('customer_id')
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .execute();
  return rows.map((row) => Number(row.customer_id));
}

async function enteredCustomers(db: Kysely<Database>, workspaceId: number, flowId: RowId) {
  const runs = await listRuns(db, workspaceId, flowId, { limit: 100 });
  return runs.map((run) => run.customerId).sort((a, b) => a - b);
}

describeEachDatabase('pruning the logs flows read', (getDb) => {
  it('segment events: read and 30 days old go, unread stay (until 180 days), other workspaces untouched, flows fire after', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db, T0);
    const otherWorkspaceId = await newWorkspace(db, T0);
    const buyers = await buyersSegment(db, workspaceId, 'Buyers', 1);
    const loyal = await buyersSegment(db, workspaceId, 'Loyal', 2);
    const otherBuyers = await buyersSegment(db, otherWorkspaceId, 'Buyers', 1);
    const flow = await activeFlow(
      db,
      workspaceId,
      { type: 'segment_entered', segmentId: String(buyers) },
      T0,
    );
    // An inactive flow on `loyal`: its cursor (0, from before the events) holds nothing back, since
    // activation restarts it from the log's latest id.
    const paused = await activeFlow(
      db,
      workspaceId,
      { type: 'segment_exited', segmentId: String(loyal) },
      T0,
    );
    await deactivateFlow(db, { workspaceId, id: paused.id, actor: ACTOR, now: T0 });

    // Day 0: a, b enter `buyers` (b also `loyal`); the tick reads them. The other workspace: c.
    const a = await buyer(db, workspaceId, T0);
    const b = await buyer(db, workspaceId, T0, 2);
    const c = await buyer(db, otherWorkspaceId, T0);
    await recomputeSegment(db, { workspaceId, now: T0 }, buyers);
    await recomputeSegment(db, { workspaceId, now: T0 }, loyal);
    await recomputeSegment(db, { workspaceId: otherWorkspaceId, now: T0 }, otherBuyers);
    const effects = recordingEffects();
    expect((await runFlowTick(db, workspaceId, T0, effects)).entered).toBe(2);
    // Day 1: d enters `buyers`; no tick reads it (the worker is down).
    const d = await buyer(db, workspaceId, T0 + DAY);
    await recomputeSegment(db, { workspaceId, now: T0 + DAY }, buyers);
    expect(await segmentEvents(db, workspaceId)).toEqual([
      `${buyers}:${a}`,
      `${buyers}:${b}`,
      `${loyal}:${b}`,
      `${buyers}:${d}`,
    ]);

    // Day 29: everything is younger than the retention: nothing goes.
    const young = await pruneFlowLogs(db, workspaceId, T0 + FLOW_LOG_RETENTION_MS - 1);
    expect(young.segmentEventsDeleted).toBe(0);

    // Day 40: a, b (read by the flow) and loyal's b (no active reader) go; d (unread) stays.
    const day40 = T0 + 40 * DAY;
    const pruned = await pruneFlowLogs(db, workspaceId, day40);
    expect(pruned).toMatchObject({ segmentEventsDeleted: 3, more: false, rowsLeft: true });
    expect(await segmentEvents(db, workspaceId)).toEqual([`${buyers}:${d}`]);
    // The other workspace's equally old row is untouched — and goes when its own prune runs.
    expect(await segmentEvents(db, otherWorkspaceId)).toEqual([`${otherBuyers}:${c}`]);

    // The flow reads the row it had not read, then a new one after the prune.
    expect((await runFlowTick(db, workspaceId, day40, effects)).entered).toBe(1);
    const e = await buyer(db, workspaceId, day40);
    await recomputeSegment(db, { workspaceId, now: day40 }, buyers);
    expect((await runFlowTick(db, workspaceId, day40, effects)).entered).toBe(1);
    expect(await enteredCustomers(db, workspaceId, flow.id)).toEqual([a, b, d, e].sort((x, y) => x - y));
    expect(effects.sent.map((email) => email.customerId)).toEqual([a, b, d, e]);

    // Reactivated, the inactive flow starts from now: the pruned history is not its to replay.
    const resumed = await activateFlow(db, { workspaceId, id: paused.id, actor: ACTOR, now: day40 });
    const latest = await db
      .selectFrom('segment_event')
      .select((eb) => eb.fn.max('id').as('id'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirstOrThrow();
    expect(resumed.cursor).toBe(Number(latest.id));

    // Day 1 + 31: d was read since and is old enough; e stays (young).
    expect((await pruneFlowLogs(db, workspaceId, T0 + DAY + 31 * DAY)).segmentEventsDeleted).toBe(1);
    expect(await segmentEvents(db, workspaceId)).toEqual([`${buyers}:${e}`]);

    expect((await pruneFlowLogs(db, otherWorkspaceId, day40)).segmentEventsDeleted).toBe(1);
    expect(await segmentEvents(db, otherWorkspaceId)).toEqual([]);
  });

  it('segment events: past the hard maximum a row goes though an active flow has not read it', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db, T0);
    const buyers = await buyersSegment(db, workspaceId, 'Buyers', 1);
    const flow = await activeFlow(
      db,
      workspaceId,
      { type: 'segment_entered', segmentId: String(buyers) },
      T0,
    );
    const a = await buyer(db, workspaceId, T0);
    await recomputeSegment(db, { workspaceId, now: T0 }, buyers);
    // No tick for half a year: the row is unread.
    expect((await pruneFlowLogs(db, workspaceId, T0 + FLOW_LOG_MAX_AGE_MS)).segmentEventsDeleted).toBe(0);
    expect(await segmentEvents(db, workspaceId)).toEqual([`${buyers}:${a}`]);
    const later = T0 + FLOW_LOG_MAX_AGE_MS + 1;
    expect((await pruneFlowLogs(db, workspaceId, later)).segmentEventsDeleted).toBe(1);
    expect(await segmentEvents(db, workspaceId)).toEqual([]);
    // The log pruned empty continues above the flow's cursor: a new entrant still enters.
    const b = await buyer(db, workspaceId, later);
    await recomputeSegment(db, { workspaceId, now: later }, buyers);
    const effects = recordingEffects();
    expect((await runFlowTick(db, workspaceId, later, effects)).entered).toBe(1);
    expect(await enteredCustomers(db, workspaceId, flow.id)).toEqual([b]);
  });

  it('answer events: what a flow read or would never read goes; its unread negative answer stays', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db, T0);
    const otherWorkspaceId = await newWorkspace(db, T0);
    const survey = async (workspace: number) =>
      createSurvey(db, {
        workspaceId: workspace,
        survey: { name: 'After delivery', kind: 'csat', scale: 'five_point', comment: false },
        createdBy: null,
        actor: ACTOR,
        now: T0,
      });
    const csat = await survey(workspaceId);
    const otherCsat = await survey(otherWorkspaceId);
    const flow = await activeFlow(
      db,
      workspaceId,
      { type: 'survey_answered', surveyId: String(csat.id), negativeOnly: true },
      T0,
    );
    const answer = async (workspace: number, surveyId: RowId, rating: number, now: number) => {
      const customerId = await addCustomer(db, workspace, { now });
      const sent = await sendSurvey(db, { workspaceId: workspace, surveyId, customerId, mailer: null, now });
      await recordAnswer(db, { token: sent.links.token, answer: { rating }, source: 'link', now });
      return customerId;
    };

    // Day 0: an unhappy answer (read by the tick), then a happy one after it — past the flow's
    // cursor, but not of its filter (negative only), so no flow needs it.
    const unhappy = await answer(workspaceId, csat.id, 1, T0);
    const happy = await answer(workspaceId, csat.id, 5, T0);
    const other = await answer(otherWorkspaceId, otherCsat.id, 1, T0);
    const effects = recordingEffects();
    expect((await runFlowTick(db, workspaceId, T0, effects)).entered).toBe(1);
    // Day 1: another unhappy answer, unread.
    const unread = await answer(workspaceId, csat.id, 2, T0 + DAY);
    expect(await answerEvents(db, workspaceId)).toEqual([unhappy, happy, unread]);

    const day40 = T0 + 40 * DAY;
    const pruned = await pruneFlowLogs(db, workspaceId, day40);
    expect(pruned).toMatchObject({ answerEventsDeleted: 2, segmentEventsDeleted: 0, rowsLeft: true });
    expect(await answerEvents(db, workspaceId)).toEqual([unread]);
    expect(await answerEvents(db, otherWorkspaceId)).toEqual([other]);

    // The flow reads the kept answer, then a new one after the prune.
    expect((await runFlowTick(db, workspaceId, day40, effects)).entered).toBe(1);
    const fresh = await answer(workspaceId, csat.id, 1, day40);
    expect((await runFlowTick(db, workspaceId, day40, effects)).entered).toBe(1);
    expect(await enteredCustomers(db, workspaceId, flow.id)).toEqual(
      [unhappy, unread, fresh].sort((x, y) => x - y),
    );
    // Past the hard maximum, even an answer no tick read goes.
    await answer(workspaceId, csat.id, 1, day40);
    const outcome = await pruneFlowLogs(db, workspaceId, day40 + FLOW_LOG_MAX_AGE_MS + 1);
    expect(outcome.answerEventsDeleted).toBe(3);
    expect(await answerEvents(db, workspaceId)).toEqual([]);
    expect(await answerEvents(db, otherWorkspaceId)).toEqual([other]);
  });

  it('deletes in bounded windows; the job keeps itself scheduled daily while rows are left, and stops when none are', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db, T0);
    const buyers = await buyersSegment(db, workspaceId, 'Buyers', 1);
    for (let index = 0; index < 5; index++) await buyer(db, workspaceId, T0);
    await recomputeSegment(db, { workspaceId, now: T0 }, buyers);
    const day40 = T0 + 40 * DAY;
    // Windows of 2 rows, 2 a run: 4 of the 5 rows, and more to do.
    expect(await pruneFlowLogs(db, workspaceId, day40, { batchSize: 2, batches: 2 })).toMatchObject({
      segmentEventsDeleted: 4,
      more: true,
    });
    expect(await segmentEvents(db, workspaceId)).toHaveLength(1);

    // The job: a run left nothing old, a row is left (young): the next run a day on.
    await buyer(db, workspaceId, day40);
    await recomputeSegment(db, { workspaceId, now: day40 }, buyers);
    await requestFlowLogPruning(db, workspaceId, { reason: 'written', now: day40 });
    const worker = new Worker({
      db,
      handlers: { [FLOW_LOG_PRUNE_JOB]: flowLogPruneJobHandler },
      now: () => day40,
    });
    await worker.drain();
    expect(await segmentEvents(db, workspaceId)).toHaveLength(1);
    const [next] = await listJobs(db, workspaceId, { type: FLOW_LOG_PRUNE_JOB, limit: 1 });
    expect(next).toMatchObject({ status: 'queued', runAt: day40 + FLOW_LOG_PRUNE_EVERY_MS });

    // 31 days on, the last row (no flow reads the log) goes: the log is empty, nothing is asked for.
    const emptied = new Worker({
      db,
      handlers: { [FLOW_LOG_PRUNE_JOB]: flowLogPruneJobHandler },
      now: () => day40 + 31 * DAY,
    });
    await emptied.drain();
    expect(await segmentEvents(db, workspaceId)).toEqual([]);
    const jobs = await listJobs(db, workspaceId, { type: FLOW_LOG_PRUNE_JOB, limit: 10 });
    expect(jobs.map((job) => job.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('the daily sweep prunes the logs no write scheduled: a store upgraded with old rows, a prune gone dead', async () => {
    const { db } = getDb();
    const day40 = T0 + 40 * DAY;
    // Four workspaces, each with a segment event and a logged answer, written by the real paths
    // and no prune asked for (as on a store upgraded with them, or written before a process's hook).
    const workspaces: number[] = [];
    for (const age of ['upgraded', 'dead', 'young', 'waiting']) {
      const workspaceId = await newWorkspace(db, T0);
      workspaces.push(workspaceId);
      const at = age === 'young' ? day40 - 10 * DAY : T0;
      const buyers = await buyersSegment(db, workspaceId, `Buyers ${age}`, 1);
      await buyer(db, workspaceId, at);
      await recomputeSegment(db, { workspaceId, now: at }, buyers);
      const { id: surveyId } = await createSurvey(db, {
        workspaceId,
        survey: { name: 'After delivery', kind: 'csat', scale: 'five_point', comment: false },
        createdBy: null,
        actor: ACTOR,
        now: at,
      });
      const customerId = await addCustomer(db, workspaceId, { now: at });
      const sent = await sendSurvey(db, { workspaceId, surveyId, customerId, mailer: null, now: at });
      await recordAnswer(db, { token: sent.links.token, answer: { rating: 1 }, source: 'link', now: at });
    }
    const [upgraded, dead, young, waiting] = workspaces as [number, number, number, number];
    // `dead`'s last prune failed every attempt on day 1; `waiting` has its next one queued (day 41).
    await requestFlowLogPruning(db, dead, { reason: 'written', now: T0 + DAY });
    const failing = new Worker({
      db,
      handlers: {
        [FLOW_LOG_PRUNE_JOB]: async () => {
          throw new Error('disk full');
        },
      },
      backoff: { baseMs: 0, maxMs: 0 },
      onError: () => {},
      now: () => T0 + DAY,
    });
    await failing.drain();
    expect((await listJobs(db, dead, { type: FLOW_LOG_PRUNE_JOB, limit: 1 }))[0]?.status).toBe('dead');
    await requestFlowLogPruning(db, waiting, { reason: 'schedule', now: day40, delayMs: DAY });

    // Day 40, the logs unchanged since: the sweep asks for the two prunes nothing else would.
    const sweeps = startFlowLogPruneSweeps(db, { now: () => day40 });
    await sweeps.stop();
    const pruneJobs = async (workspaceId: number) =>
      (await listJobs(db, workspaceId, { type: FLOW_LOG_PRUNE_JOB, limit: 10 })).map((job) => job.status);
    expect(await pruneJobs(upgraded)).toEqual(['queued']);
    expect(await pruneJobs(dead)).toEqual(['queued', 'dead']);
    expect(await pruneJobs(young)).toEqual([]);
    expect(await pruneJobs(waiting)).toEqual(['queued']);
    // A second sweep the same day finds them waiting.
    expect(await requestDueFlowLogPruning(db, day40)).toEqual([]);

    const worker = new Worker({
      db,
      handlers: { [FLOW_LOG_PRUNE_JOB]: flowLogPruneJobHandler },
      now: () => day40,
    });
    await worker.drain();
    for (const workspaceId of [upgraded, dead]) {
      expect(await segmentEvents(db, workspaceId)).toEqual([]);
      expect(await answerEvents(db, workspaceId)).toEqual([]);
    }
    for (const workspaceId of [young, waiting]) {
      expect(await segmentEvents(db, workspaceId)).toHaveLength(1);
      expect(await answerEvents(db, workspaceId)).toHaveLength(1);
    }
  });

  it('a segment recompute that wrote events schedules the prune; one that wrote none does not', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db, T0);
    await buyersSegment(db, workspaceId, 'Buyers', 1);
    const worker = new Worker({
      db,
      handlers: segmentJobHandlersWith({ afterRecompute: afterSegmentRecompute }),
      now: () => T0,
    });
    const pruneJobs = async () => listJobs(db, workspaceId, { type: FLOW_LOG_PRUNE_JOB, limit: 10 });
    // Nobody in the segment: the recompute writes no event, and no prune is asked for.
    await requestSegmentRecompute(db, workspaceId, { reason: 'segment_changed', now: T0 });
    await worker.drain();
    expect(await pruneJobs()).toEqual([]);
    await buyer(db, workspaceId, T0);
    await requestSegmentRecompute(db, workspaceId, { reason: 'segment_changed', now: T0 });
    await worker.drain();
    expect(await segmentEvents(db, workspaceId)).toHaveLength(1);
    expect((await pruneJobs()).map((job) => [job.status, job.runAt])).toEqual([['queued', T0]]);
  });
});
