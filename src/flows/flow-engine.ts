/**
 * The flow engine: turning trigger occurrences into runs (with the holdout and the re-entry
 * policy), and advancing due runs step by step — batched across runs: a tick takes the due runs a
 * batch at a time (`ADVANCE_BATCH`), and the runs of a flow at one step execute it together (one
 * query for a branch's rule or the customers' zones, one e-mail batch, one transaction for their
 * moves and step records). Everything takes `now`, so tests drive it on
 * simulated time; the `flows.tick` job (flow.jobs.ts) calls `runFlowTick` with the worker's clock.
 *
 * Crash safety. Entering: the runs and the flow's new cursor commit in one transaction, and each
 * run's `entry_key` is unique per flow, so a replay enters nobody twice. Advancing: a step's
 * database effects (branch decision, attribute, exit), its `flow_run_step` records and the runs'
 * moves to the next step commit in one transaction that first moves the runs conditionally (still
 * active, still at that step) — a second worker on the same run finds it moved and does nothing.
 * An e-mail leaves the database: it is queued first with the dedupe key `flow:<runId>:<stepId>`,
 * then recorded; a crash in between queues it again on the next tick, which e-mail answers
 * `duplicate` — so each step's e-mail is queued at most once per run.
 */
import type { Kysely } from 'kysely';
import { isInHoldout, MS_PER_DAY } from '../core/index.js';
import { setCustomerAttribute } from '../customers/index.js';
import type { Database, RowId } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { listAnswerEvents } from '../feedback/index.js';
import {
  customersMatchingRule,
  listSegmentEvents,
  listSegmentMembers,
  MAX_MATCH_CUSTOMERS,
} from '../segments/index.js';
import { getWorkspace } from '../workspaces/index.js';
import {
  clearTriggers,
  deleteTriggers,
  dueRuns,
  entryHistory,
  type Flow,
  type FlowRun,
  findFlow,
  insertRuns,
  latestId,
  listFlows,
  liveCustomers,
  moveRun,
  moveRuns,
  type NewRun,
  nextWake,
  pendingTriggers,
  type RunChange,
  recordSteps,
  setFlowState,
} from './flow.repository.js';
import {
  branchTarget,
  compileProgram,
  type FlowDefinition,
  type FlowProgram,
  type FlowStep,
} from './flow-definition.js';
import type { FlowEffects, FlowEmail, FlowEmailResult } from './flow-effects.js';
import { executeSendSurveyStep } from './flow-survey-step.js';
import { afterDuration, isAnniversary, localDate, nextLocalTime, startOfLocalDate } from './flow-time.js';

/** Trigger occurrences read per flow per batch, and runs advanced per batch. */
export const ENTRY_BATCH = 500;
export const ADVANCE_BATCH = 500;
/** Steps one run may take in one pass (a bound on a flow of many instant steps). */
const MAX_STEPS_PER_PASS = 120;
/** Batches of trigger occurrences one tick reads at most (the next tick reads on). */
const MAX_TRIGGER_BATCHES_PER_TICK = 200;
/**
 * Where a run waits when its last step is a wait: no step has this id (ids have no `$`), so the
 * run completes when it wakes.
 */
export const END_STEP = '$end';

/** A customer to enter into a flow, and the occurrence that makes them enter. */
export interface Entry {
  readonly customerId: RowId;
  /** Unique per flow per occurrence: `track:<event id>`, `segment:<id>`, `date:<day>:<customer>`, `schedule:<customer>`. */
  readonly entryKey: string;
}

/** Why a customer was not entered. */
export interface EnterOutcome {
  readonly entered: number;
  readonly holdout: number;
  readonly skipped: number;
}

/**
 * The flow's compiled program, cached per flow object: a tick reads each flow once, so its runs
 * share one compilation (a cache keyed by ids would mix up flows of two databases in one process).
 */
const programs = new WeakMap<FlowDefinition, FlowProgram>();
function programOf(flow: Pick<Flow, 'definition'>): FlowProgram {
  let program = programs.get(flow.definition);
  if (program === undefined) {
    program = compileProgram(flow.definition.steps);
    programs.set(flow.definition, program);
  }
  return program;
}

/**
 * Enters customers into an active flow at `now`, applying the re-entry policy — `once`: never
 * again after a first entry; `every N days`: not within N days of their latest entry — and never
 * while a run of theirs is still active; erased customers are skipped. Each entrant is in the
 * holdout or the treatment by `isInHoldout(flow, customer, holdoutPercent)`: a holdout run is
 * recorded as entered and finishes at once (`exit_reason` `holdout`), running no step; a treatment
 * run starts at the first step, due now. Pass a transaction to commit with a cursor move. One read
 * of the customers' history, one of their liveness, one insert.
 */
export async function enterCustomers(
  db: Kysely<Database>,
  flow: Flow,
  entries: readonly Entry[],
  now: number,
): Promise<EnterOutcome> {
  if (entries.length === 0) return { entered: 0, holdout: 0, skipped: 0 };
  const customerIds = [...new Set(entries.map((entry) => entry.customerId))];
  const [history, live] = await Promise.all([
    entryHistory(db, flow.workspaceId, flow.id, customerIds),
    liveCustomers(db, flow.workspaceId, customerIds),
  ]);
  const program = programOf(flow);
  const { reentry, holdoutPercent } = flow.definition;
  const runs: NewRun[] = [];
  const thisBatch = new Set<RowId>();
  for (const entry of entries) {
    const past = history.get(entry.customerId);
    if (!live.has(entry.customerId) || thisBatch.has(entry.customerId)) continue;
    if (past !== undefined) {
      if (past.active || reentry.type === 'once') continue;
      if (now - past.lastEnteredAt < reentry.days * MS_PER_DAY) continue;
    }
    thisBatch.add(entry.customerId);
    const held = isInHoldout(flow.id, entry.customerId, holdoutPercent);
    const finished = held || program.first === null;
    runs.push({
      flowId: flow.id,
      customerId: entry.customerId,
      arm: held ? 'holdout' : 'treatment',
      status: finished ? 'completed' : 'active',
      currentStep: finished ? null : program.first,
      wakeAt: finished ? null : now,
      entryKey: entry.entryKey,
      enteredAt: now,
      finishedAt: finished ? now : null,
      exitReason: held ? 'holdout' : null,
    });
  }
  const inserted = await insertRuns(db, flow.workspaceId, runs);
  const holdout = runs.filter((run) => run.arm === 'holdout').length;
  return {
    entered: inserted,
    holdout: inserted === runs.length ? holdout : Math.min(holdout, inserted),
    skipped: entries.length - inserted,
  };
}

/**
 * Reads the workspace's recorded trigger occurrences (tracked events, oldest first, a batch at a
 * time) and enters each occurrence's customer into every active event flow of its name activated
 * before the event (`cursor`: the last event id before activation), then deletes the batch — the
 * entries and the deletion in one transaction. Entry keys `track:<event id>` are unique per flow,
 * so a tick racing this one, or a replay after a crash before the commit, enters nobody twice;
 * and since occurrences are consumed by deletion, not by an id cursor, one whose transaction
 * commits after a later id's (PostgreSQL allocates ids before commit) is read by the next tick
 * rather than skipped. Only occurrences of events up to `upTo` — the latest event id read before
 * the active flows were listed — are read: a flow activated after the listing has its cursor at
 * or above it, so no occurrence of its is consumed by a tick that does not know it. With no active
 * event flow those occurrences are deleted. Returns how many entered.
 */
async function readEventTriggers(
  db: Kysely<Database>,
  workspaceId: number,
  eventFlows: readonly Flow[],
  upTo: number,
  now: number,
): Promise<number> {
  if (eventFlows.length === 0) {
    await clearTriggers(db, workspaceId, upTo);
    return 0;
  }
  const flowsByName = new Map<string, Flow[]>();
  for (const flow of eventFlows) {
    const trigger = flow.definition.trigger;
    if (trigger.type !== 'event') continue;
    flowsByName.set(trigger.event, [...(flowsByName.get(trigger.event) ?? []), flow]);
  }
  let entered = 0;
  for (let batches = 0; batches < MAX_TRIGGER_BATCHES_PER_TICK; batches++) {
    const occurrences = await pendingTriggers(db, workspaceId, ENTRY_BATCH, upTo);
    if (occurrences.length === 0) break;
    entered += await db.transaction().execute(async (trx) => {
      let enteredNow = 0;
      for (const [name, flows] of flowsByName) {
        const named = occurrences.filter(
          (occurrence) => occurrence.name === name && occurrence.customerId !== null,
        );
        if (named.length === 0) continue;
        for (const flow of flows) {
          const entries = named
            .filter((occurrence) => occurrence.eventId > flow.cursor)
            .map((occurrence) => ({
              customerId: occurrence.customerId!,
              entryKey: `track:${occurrence.eventId}`,
            }));
          enteredNow += (await enterCustomers(trx, flow, entries, now)).entered;
        }
      }
      await deleteTriggers(
        trx,
        workspaceId,
        occurrences.map((occurrence) => occurrence.eventId),
      );
      return enteredNow;
    });
    if (occurrences.length < ENTRY_BATCH) break;
  }
  return entered;
}

/** Reads one flow's new trigger occurrences and enters their customers. Returns how many entered. */
async function readFlowTrigger(
  db: Kysely<Database>,
  flow: Flow,
  now: number,
  timeZone: string,
): Promise<number> {
  const trigger = flow.definition.trigger;
  let entered = 0;
  switch (trigger.type) {
    case 'event':
      return 0; // all event flows read the recorded occurrences together: readEventTriggers
    case 'segment_entered':
    case 'segment_exited': {
      const kind = trigger.type === 'segment_entered' ? 'entered' : 'exited';
      for (let cursor = flow.cursor; ; ) {
        const events = await listSegmentEvents(db, flow.workspaceId, {
          afterId: cursor,
          segmentId: Number(trigger.segmentId),
          limit: ENTRY_BATCH,
        });
        if (events.length === 0) return entered;
        const last = events[events.length - 1]!.id;
        entered += await db.transaction().execute(async (trx) => {
          const outcome = await enterCustomers(
            trx,
            flow,
            events
              .filter((event) => event.kind === kind)
              .map((event) => ({ customerId: event.customerId, entryKey: `segment:${event.id}` })),
            now,
          );
          await setFlowState(trx, flow.workspaceId, flow.id, { cursor: last, now });
          return outcome.entered;
        });
        cursor = last;
        if (events.length < ENTRY_BATCH) return entered;
      }
    }
    case 'days_since_last_order':
    case 'signup_anniversary': {
      const today = localDate(now, timeZone);
      if (flow.lastFiredOn === today) return 0;
      const customerIds =
        trigger.type === 'days_since_last_order'
          ? await lastOrderedOn(db, flow.workspaceId, today, trigger.days, timeZone)
          : await signedUpOnThisDay(db, flow.workspaceId, today, timeZone);
      for (let start = 0; start < customerIds.length || start === 0; start += ENTRY_BATCH) {
        const batch = customerIds.slice(start, start + ENTRY_BATCH);
        const done = start + ENTRY_BATCH >= customerIds.length;
        entered += await db.transaction().execute(async (trx) => {
          const outcome = await enterCustomers(
            trx,
            flow,
            batch.map((customerId) => ({ customerId, entryKey: `date:${today}:${customerId}` })),
            now,
          );
          if (done) await setFlowState(trx, flow.workspaceId, flow.id, { lastFiredOn: today, now });
          return outcome.entered;
        });
        if (done) break;
      }
      return entered;
    }
    case 'survey_answered': {
      // Feedback's answer log, read by id like segment events: each logged answer (a send's first
      // answer, or a change that turned it negative) enters its customer once (entry key).
      for (let cursor = flow.cursor; ; ) {
        const answers = await listAnswerEvents(db, flow.workspaceId, {
          afterId: cursor,
          limit: ENTRY_BATCH,
          surveyId: trigger.surveyId === undefined ? undefined : Number(trigger.surveyId),
          negativeOnly: trigger.negativeOnly,
        });
        if (answers.length === 0) return entered;
        const last = answers[answers.length - 1]!.id;
        entered += await db.transaction().execute(async (trx) => {
          const outcome = await enterCustomers(
            trx,
            flow,
            answers.map((answer) => ({ customerId: answer.customerId, entryKey: `survey:${answer.id}` })),
            now,
          );
          await setFlowState(trx, flow.workspaceId, flow.id, { cursor: last, now });
          return outcome.entered;
        });
        cursor = last;
        if (answers.length < ENTRY_BATCH) return entered;
      }
    }
    case 'schedule': {
      if (flow.firedAt !== null || now < Date.parse(trigger.at)) return 0;
      // The cursor holds the last customer id entered, so a crash resumes after it.
      for (let cursor = flow.cursor; ; ) {
        let page: Awaited<ReturnType<typeof listSegmentMembers>>;
        try {
          page = await listSegmentMembers(db, flow.workspaceId, Number(trigger.segmentId), {
            limit: ENTRY_BATCH,
            ...(cursor === 0 ? {} : { cursor: String(cursor) }),
          });
        } catch (error) {
          // The segment was deleted: the campaign reaches nobody.
          if (!(error instanceof RetainError && error.code === 'not_found')) throw error;
          page = { total: 0, items: [], nextCursor: null };
        }
        const last = page.items[page.items.length - 1]?.customerId ?? cursor;
        entered += await db.transaction().execute(async (trx) => {
          const outcome = await enterCustomers(
            trx,
            flow,
            page.items.map((member) => ({
              customerId: member.customerId,
              entryKey: `schedule:${member.customerId}`,
            })),
            now,
          );
          await setFlowState(trx, flow.workspaceId, flow.id, {
            cursor: Number(last),
            ...(page.nextCursor === null ? { firedAt: now } : {}),
            now,
          });
          return outcome.entered;
        });
        if (page.nextCursor === null) return entered;
        cursor = Number(last);
      }
    }
  }
}

/** Customers whose latest completed order falls on the local day `days` before `today`. */
async function lastOrderedOn(
  db: Kysely<Database>,
  workspaceId: number,
  today: string,
  days: number,
  timeZone: string,
): Promise<RowId[]> {
  const from = startOfLocalDate(today, timeZone, -days);
  const to = startOfLocalDate(today, timeZone, -days + 1);
  const rows = await db
    .selectFrom('customer_order')
    .select('customer_id')
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'completed')
    .groupBy('customer_id')
    .having((eb) => eb.fn.max('ordered_at'), '>=', from)
    .having((eb) => eb.fn.max('ordered_at'), '<', to)
    .execute();
  return rows.map((row) => row.customer_id).sort((left, right) => left - right);
}

/** Live customers whose sign-up's local date has today's month and day (an earlier year). */
async function signedUpOnThisDay(
  db: Kysely<Database>,
  workspaceId: number,
  today: string,
  timeZone: string,
): Promise<RowId[]> {
  const found: RowId[] = [];
  let afterId = 0;
  for (;;) {
    const rows = await db
      .selectFrom('customer')
      .select(['id', 'signed_up_at'])
      .where('workspace_id', '=', workspaceId)
      .where('id', '>', afterId)
      .where('signed_up_at', 'is not', null)
      .where('erased_at', 'is', null)
      .orderBy('id')
      .limit(5_000)
      .execute();
    for (const row of rows) {
      if (isAnniversary(localDate(Number(row.signed_up_at), timeZone), today)) found.push(row.id);
    }
    if (rows.length < 5_000) return found;
    afterId = rows[rows.length - 1]!.id;
  }
}

/** Whether the run's customer meets the flow's exit condition since entering. */
async function exitingRuns(
  db: Kysely<Database>,
  definition: FlowDefinition,
  runs: readonly FlowRun[],
  now: number,
): Promise<Set<RowId>> {
  const exitWhen = definition.exitWhen;
  const exiting = new Set<RowId>();
  if (exitWhen === null || runs.length === 0) return exiting;
  const workspaceId = runs[0]!.workspaceId;
  const earliest = Math.min(...runs.map((run) => run.enteredAt));
  const customerIds = [...new Set(runs.map((run) => run.customerId))];
  if (exitWhen.placedOrder === true) {
    const rows = await db
      .selectFrom('customer_order')
      .select(['customer_id', (eb) => eb.fn.max('ordered_at').as('last')])
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', 'in', customerIds)
      .where('status', '=', 'completed')
      .where('ordered_at', '>=', earliest)
      .groupBy('customer_id')
      .execute();
    const last = new Map(rows.map((row) => [row.customer_id, Number(row.last)]));
    for (const run of runs) if ((last.get(run.customerId) ?? -1) >= run.enteredAt) exiting.add(run.id);
  }
  if (exitWhen.event !== undefined) {
    const rows = await db
      .selectFrom('event')
      .select(['customer_id', (eb) => eb.fn.max('occurred_at').as('last')])
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', 'in', customerIds)
      .where('name', '=', exitWhen.event)
      .where('occurred_at', '>=', earliest)
      .groupBy('customer_id')
      .execute();
    const last = new Map(rows.map((row) => [row.customer_id, Number(row.last)]));
    for (const run of runs)
      if (run.customerId !== null && (last.get(run.customerId) ?? -1) >= run.enteredAt) exiting.add(run.id);
  }
  if (exitWhen.rule !== undefined) {
    const matching = await customersMatchingRule(db, { workspaceId, rule: exitWhen.rule, customerIds, now });
    for (const run of runs) if (matching.has(run.customerId)) exiting.add(run.id);
  }
  return exiting;
}

/** What one step did, as recorded in `flow_run_step.outcome`. */
type StepOutcome = Record<string, unknown>;

/** What the steps of a group of runs execute with. */
interface StepContext {
  readonly db: Kysely<Database>;
  readonly flow: Flow;
  readonly program: FlowProgram;
  readonly now: number;
  readonly effects: FlowEffects;
  readonly timeZone: string;
}

/** Where a step sends the run: on to a step (waking at an instant), or to its end. */
type Move =
  | { readonly toStep: string | null; readonly wakeAt: number }
  | { readonly finish: 'exited'; readonly reason: string };

/** What a step did for one run: its outcome (recorded), where the run goes, a database effect. */
interface RunStepResult {
  readonly run: FlowRun;
  readonly outcome: StepOutcome;
  readonly move: Move;
  readonly effect?: (trx: Kysely<Database>) => Promise<void>;
}

/** A step that failed for one run (the others of its group go on). */
interface RunStepFailure {
  readonly run: FlowRun;
  readonly error: unknown;
}

type StepExecutor<S extends FlowStep> = (
  step: S,
  runs: readonly FlowRun[],
  context: StepContext,
) => Promise<(RunStepResult | RunStepFailure)[]>;

/**
 * How each step type executes for a group of runs at that step — one query for the group, not one
 * per run: a wait by time of day reads the customers' zones at once, a branch tests its rule on all
 * of them in one statement, e-mails are handed to e-mail as one batch. Open for more types.
 */
const EXECUTORS: { readonly [T in FlowStep['type']]: StepExecutor<Extract<FlowStep, { type: T }>> } = {
  wait: async (step, runs, context) => {
    const next = nextOf(context, step.id) ?? END_STEP;
    if (step.duration !== undefined) {
      const until = afterDuration(context.now, step.duration);
      return runs.map((run) => ({ run, outcome: { until }, move: { toStep: next, wakeAt: until } }));
    }
    const zones = await customerZones(context, runs);
    return runs.map((run) => {
      const until = nextLocalTime(
        context.now,
        step.untilTimeOfDay,
        zones.get(run.customerId) ?? null,
        context.timeZone,
      );
      return { run, outcome: { until }, move: { toStep: next, wakeAt: until } };
    });
  },
  branch: async (step, runs, context) => {
    const customerIds = [...new Set(runs.map((run) => run.customerId))];
    const matching = new Set<RowId>();
    for (let start = 0; start < customerIds.length; start += MAX_MATCH_CUSTOMERS) {
      const found = await customersMatchingRule(context.db, {
        workspaceId: context.flow.workspaceId,
        rule: step.rule,
        customerIds: customerIds.slice(start, start + MAX_MATCH_CUSTOMERS),
        now: context.now,
        timeZone: context.timeZone,
      });
      for (const customerId of found) matching.add(customerId);
    }
    return runs.map((run) => {
      const matched = matching.has(run.customerId);
      return {
        run,
        outcome: { matched },
        move: { toStep: branchTarget(context.program, step, matched), wakeAt: context.now },
      };
    });
  },
  send_email: async (step, runs, context) => {
    const emails = runs.map(
      (run): FlowEmail => ({
        workspaceId: context.flow.workspaceId,
        customerId: run.customerId,
        dedupeKey: `flow:${run.id}:${step.id}`,
        category: step.category ?? 'marketing',
        subject: step.subject,
        html: step.html,
        origin: { kind: 'flow', flowId: String(context.flow.id), runId: String(run.id), stepId: step.id },
      }),
    );
    const results = await queueFlowEmails(context.effects, context.db, emails, context.now);
    const next = nextOf(context, step.id);
    return runs.map((run, index) => {
      const result = results[index]!;
      return result.ok
        ? { run, outcome: { ...result.outcome }, move: { toStep: next, wakeAt: context.now } }
        : { run, error: result.error };
    });
  },
  update_attribute: async (step, runs, context) => {
    const next = nextOf(context, step.id);
    return runs.map((run) => ({
      run,
      outcome: { key: step.key, value: step.value },
      move: { toStep: next, wakeAt: context.now },
      effect: async (trx) => {
        await setCustomerAttribute(trx, context.flow.workspaceId, run.customerId, {
          key: step.key,
          value: step.value,
          now: context.now,
        });
      },
    }));
  },
  send_survey: async (step, runs, context) => {
    // One survey send per run: each is its own deduplicated send, and a failure holds only its run.
    const next = nextOf(context, step.id);
    const results: (RunStepResult | RunStepFailure)[] = [];
    for (const run of runs) {
      try {
        const outcome = await executeSendSurveyStep(context.db, step, run, context.now);
        results.push({ run, outcome, move: { toStep: next, wakeAt: context.now } });
      } catch (error) {
        results.push({ run, error });
      }
    }
    return results;
  },
  exit: async (_step, runs) =>
    runs.map((run) => ({ run, outcome: {}, move: { finish: 'exited', reason: 'exit_step' } as const })),
};

function nextOf(context: StepContext, stepId: string): string | null {
  return context.program.steps.get(stepId)?.next ?? null;
}

/** The time zones of the runs' customers (one read). */
async function customerZones(context: StepContext, runs: readonly FlowRun[]): Promise<Map<RowId, string>> {
  const customerIds = [...new Set(runs.map((run) => run.customerId))];
  const rows = await context.db
    .selectFrom('customer')
    .select(['id', 'time_zone'])
    .where('workspace_id', '=', context.flow.workspaceId)
    .where('id', 'in', customerIds)
    .execute();
  const zones = new Map<RowId, string>();
  for (const row of rows) if (row.time_zone !== null) zones.set(row.id, row.time_zone);
  return zones;
}

/**
 * Queues a batch of a step's e-mails: through the effects' batch call when they have one, else one
 * `sendEmail` after another. Either way one e-mail's failure is that e-mail's (its run is retried
 * later), never the batch's. Results in the order of `emails`.
 */
async function queueFlowEmails(
  effects: FlowEffects,
  db: Kysely<Database>,
  emails: readonly FlowEmail[],
  now: number,
): Promise<FlowEmailResult[]> {
  if (effects.sendEmails !== undefined) return effects.sendEmails(db, emails, { now });
  const results: FlowEmailResult[] = [];
  for (const email of emails) {
    try {
      results.push({ ok: true, outcome: await effects.sendEmail(db, email, { now }) });
    } catch (error) {
      results.push({ ok: false, error });
    }
  }
  return results;
}

/** The run change a move asks for. */
function changeOf(move: Move, now: number): RunChange {
  return 'finish' in move
    ? { finish: move.finish, reason: move.reason, now }
    : move.toStep === null
      ? { finish: 'completed', reason: null, now }
      : { toStep: move.toStep, wakeAt: move.wakeAt, now };
}

/**
 * Commits one step of a group of runs in one transaction: the runs moved on (still active at
 * `stepId`: a run another worker moved first is left alone — one update per distinct destination),
 * the step records of those moved (one insert), and the effects of the steps newly recorded.
 * Returns the ids of the runs moved.
 */
async function commitStep(
  db: Kysely<Database>,
  workspaceId: number,
  stepId: string,
  results: readonly RunStepResult[],
  now: number,
): Promise<Set<RowId>> {
  if (results.length === 0) return new Set();
  return db.transaction().execute(async (trx) => {
    const byChange = new Map<string, { change: RunChange; runIds: RowId[] }>();
    for (const result of results) {
      const change = changeOf(result.move, now);
      const key = JSON.stringify(change);
      let group = byChange.get(key);
      if (group === undefined) byChange.set(key, (group = { change, runIds: [] }));
      group.runIds.push(result.run.id);
    }
    const moved = new Set<RowId>();
    for (const { change, runIds } of byChange.values()) {
      for (const runId of await moveRuns(trx, workspaceId, runIds, stepId, change)) moved.add(runId);
    }
    const movedResults = results.filter((result) => moved.has(result.run.id));
    const recorded = await recordSteps(
      trx,
      workspaceId,
      movedResults.map((result) => ({ runId: result.run.id, stepId, outcome: result.outcome })),
      now,
    );
    for (const result of movedResults) if (recorded.has(result.run.id)) await result.effect?.(trx);
    return moved;
  });
}

/**
 * Advances a flow's due runs (already checked against its exit conditions) as far as they go at
 * `now`, a step at a time for all of them: the runs at one step execute it together (one executor
 * call, one transaction for their moves and records — see the file comment), then those due again
 * at once go on to their next steps, until every run waits for a later instant or has ended (at most
 * `MAX_STEPS_PER_PASS` steps). A run whose step failed is postponed or ended (`postponeFailedRun`),
 * never stopping the others. Returns the steps executed and the runs that failed.
 */
async function advanceRuns(
  context: StepContext,
  runs: readonly FlowRun[],
): Promise<{ stepsExecuted: number; failed: number }> {
  const { db, flow, program, now } = context;
  let pending: readonly FlowRun[] = runs;
  let stepsExecuted = 0;
  let failed = 0;
  const fail = async (run: FlowRun, error: unknown) => {
    failed++;
    await postponeFailedRun(db, run, error, now);
  };
  for (let pass = 0; pending.length > 0 && pass < MAX_STEPS_PER_PASS; pass++) {
    const byStep = new Map<string | null, FlowRun[]>();
    for (const run of pending) {
      let group = byStep.get(run.currentStep);
      if (group === undefined) byStep.set(run.currentStep, (group = []));
      group.push(run);
    }
    const next: FlowRun[] = [];
    for (const [stepId, group] of byStep) {
      const planned = stepId === null ? undefined : program.steps.get(stepId);
      if (planned === undefined) {
        // At their end (or at a step the definition no longer has): the runs are completed.
        await moveRuns(
          db,
          flow.workspaceId,
          group.map((run) => run.id),
          stepId,
          { finish: 'completed', reason: null, now },
        );
        continue;
      }
      const step = planned.step;
      const execute = EXECUTORS[step.type] as StepExecutor<FlowStep>;
      let results: (RunStepResult | RunStepFailure)[];
      try {
        results = await execute(step, group, context);
      } catch (error) {
        for (const run of group) await fail(run, error);
        continue;
      }
      const done: RunStepResult[] = [];
      for (const result of results) {
        if ('error' in result) await fail(result.run, result.error);
        else done.push(result);
      }
      let moved: Set<RowId>;
      try {
        moved = await commitStep(db, flow.workspaceId, step.id, done, now);
      } catch (error) {
        for (const result of done) await fail(result.run, error);
        continue;
      }
      stepsExecuted += done.length;
      for (const { run, move } of done) {
        if (!moved.has(run.id) || 'finish' in move || move.toStep === null || move.wakeAt > now) continue;
        next.push({ ...run, currentStep: move.toStep, wakeAt: move.wakeAt });
      }
    }
    pending = next;
  }
  return { stepsExecuted, failed };
}

/** How long a run whose step failed for a passing reason waits before it is tried again. */
export const RETRY_FAILED_RUN_MS = 300_000;

/**
 * A run whose step threw: one run's problem never stops the others. A failure that will not pass
 * (an input the step refuses, a customer gone: `invalid_input`, `not_found`) ends the run
 * (`exited`, reason `error:<code>`); any other (the store, the network) retries it later.
 */
async function postponeFailedRun(
  db: Kysely<Database>,
  run: FlowRun,
  error: unknown,
  now: number,
): Promise<void> {
  console.error(`[flows] run ${run.id} of flow ${run.flowId} failed at ${run.currentStep}:`, error);
  const current = await db
    .selectFrom('flow_run')
    .select(['current_step', 'status'])
    .where('workspace_id', '=', run.workspaceId)
    .where('id', '=', run.id)
    .executeTakeFirst();
  if (current === undefined || current.status !== 'active') return;
  const final =
    error instanceof RetainError && (error.code === 'invalid_input' || error.code === 'not_found');
  await moveRun(
    db,
    run.workspaceId,
    run.id,
    current.current_step,
    final
      ? { finish: 'exited', reason: `error:${error.code}`, now }
      : { toStep: current.current_step ?? END_STEP, wakeAt: now + RETRY_FAILED_RUN_MS, now },
  );
}

/** What one tick did. */
export interface TickOutcome {
  readonly entered: number;
  readonly stepsExecuted: number;
  readonly exited: number;
  /** Runs whose step failed: postponed (`RETRY_FAILED_RUN_MS`), or ended when the failure is final. */
  readonly failed: number;
  /** When the workspace's next run is due (null: none active). */
  readonly nextWakeAt: number | null;
}

/** Ends runs from whatever step each is at (grouped by step: one update per step). Returns the ids ended. */
async function moveRunsFromTheirSteps(
  db: Kysely<Database>,
  workspaceId: number,
  runs: readonly FlowRun[],
  change: RunChange,
): Promise<Set<RowId>> {
  const byStep = new Map<string | null, RowId[]>();
  for (const run of runs) byStep.set(run.currentStep, [...(byStep.get(run.currentStep) ?? []), run.id]);
  const moved = new Set<RowId>();
  for (const [stepId, runIds] of byStep) {
    for (const runId of await moveRuns(db, workspaceId, runIds, stepId, change)) moved.add(runId);
  }
  return moved;
}

/**
 * One tick of a workspace's flows at `now`: every active flow reads its new trigger occurrences
 * and enters their customers; then due runs are advanced, a batch at a time, until none is due
 * (or `maxRuns` were taken, so a tick stays bounded), each first checked against its flow's exit
 * conditions. Old trigger occurrences every active flow has read are deleted.
 */
export async function runFlowTick(
  db: Kysely<Database>,
  workspaceId: number,
  now: number,
  effects: FlowEffects,
  options: { readonly maxRuns?: number } = {},
): Promise<TickOutcome> {
  const timeZone = (await getWorkspace(db, workspaceId))?.settings.timeZone ?? 'UTC';
  // Read before the flows are listed (see readEventTriggers).
  const lastEventId = await latestId(db, workspaceId, 'event');
  const active = await listFlows(db, workspaceId, 'active');
  let entered = await readEventTriggers(
    db,
    workspaceId,
    active.filter((flow) => flow.definition.trigger.type === 'event'),
    lastEventId,
    now,
  );
  for (const flow of active) entered += await readFlowTrigger(db, flow, now, timeZone);

  const flows = new Map<RowId, Flow | null>();
  const maxRuns = options.maxRuns ?? 5_000;
  let taken = 0;
  let stepsExecuted = 0;
  let exited = 0;
  let failed = 0;
  while (taken < maxRuns) {
    const due = await dueRuns(db, workspaceId, now, Math.min(ADVANCE_BATCH, maxRuns - taken));
    if (due.length === 0) break;
    taken += due.length;
    const byFlow = new Map<RowId, FlowRun[]>();
    for (const run of due) byFlow.set(run.flowId, [...(byFlow.get(run.flowId) ?? []), run]);
    for (const [flowId, runs] of byFlow) {
      if (!flows.has(flowId)) flows.set(flowId, (await findFlow(db, workspaceId, flowId)) ?? null);
      const flow = flows.get(flowId)!;
      if (flow === null || flow.status !== 'active') {
        await moveRunsFromTheirSteps(db, workspaceId, runs, {
          finish: 'exited',
          reason: 'flow_deactivated',
          now,
        });
        continue;
      }
      const exiting = await exitingRuns(db, flow.definition, runs, now);
      const exitingIds = runs.filter((run) => exiting.has(run.id));
      if (exitingIds.length > 0) {
        exited += (
          await moveRunsFromTheirSteps(db, workspaceId, exitingIds, {
            finish: 'exited',
            reason: 'exit_condition',
            now,
          })
        ).size;
      }
      const outcome = await advanceRuns(
        { db, flow, program: programOf(flow), now, effects, timeZone },
        runs.filter((run) => !exiting.has(run.id)),
      );
      stepsExecuted += outcome.stepsExecuted;
      failed += outcome.failed;
    }
  }
  return { entered, stepsExecuted, exited, failed, nextWakeAt: await nextWake(db, workspaceId) };
}
