/**
 * The flow engine: turning trigger occurrences into runs (with the holdout and the re-entry
 * policy), and advancing due runs step by step. Everything takes `now`, so tests drive it on
 * simulated time; the `flows.tick` job (flow.jobs.ts) calls `runFlowTick` with the worker's clock.
 *
 * Crash safety. Entering: the runs and the flow's new cursor commit in one transaction, and each
 * run's `entry_key` is unique per flow, so a replay enters nobody twice. Advancing: a step's
 * database effect (branch decision, attribute, exit), its `flow_run_step` record and the run's
 * move to the next step commit in one transaction that first moves the run conditionally (still
 * active, still at that step) — a second worker on the same run finds it moved and does nothing.
 * An e-mail leaves the database: it is queued first with the dedupe key `flow:<runId>:<stepId>`,
 * then recorded; a crash in between queues it again on the next tick, which e-mail answers
 * `duplicate` — so each step's e-mail is queued at most once per run.
 */
import type { Kysely } from 'kysely';
import { isInHoldout } from '../core/index.js';
import { setCustomerAttribute } from '../customers/index.js';
import type { Database, RowId } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { customersMatchingRule, listSegmentEvents, listSegmentMembers } from '../segments/index.js';
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
  listFlows,
  liveCustomers,
  moveRun,
  type NewRun,
  nextWake,
  pendingTriggers,
  recordStep,
  setFlowState,
} from './flow.repository.js';
import {
  branchTarget,
  compileProgram,
  type FlowDefinition,
  type FlowProgram,
  type FlowStep,
} from './flow-definition.js';
import type { FlowEffects } from './flow-effects.js';
import { afterDuration, isAnniversary, localDate, nextLocalTime, startOfLocalDate } from './flow-time.js';

const MS_PER_DAY = 86_400_000;
/** Trigger occurrences read per flow per batch, and runs advanced per batch. */
export const ENTRY_BATCH = 500;
export const ADVANCE_BATCH = 200;
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
 * rather than skipped. With no active event flow the table is emptied. Returns how many entered.
 */
async function readEventTriggers(
  db: Kysely<Database>,
  workspaceId: number,
  eventFlows: readonly Flow[],
  now: number,
): Promise<number> {
  if (eventFlows.length === 0) {
    await clearTriggers(db, workspaceId);
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
    const occurrences = await pendingTriggers(db, workspaceId, ENTRY_BATCH);
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

/** The context the steps execute in. */
interface StepContext {
  readonly db: Kysely<Database>;
  readonly flow: Flow;
  readonly program: FlowProgram;
  readonly run: FlowRun;
  readonly now: number;
  readonly effects: FlowEffects;
  readonly timeZone: string;
}

/** Where a step sends the run: on to a step (waking at an instant), or to its end. */
type Move =
  | { readonly toStep: string | null; readonly wakeAt: number }
  | { readonly finish: 'exited'; readonly reason: string };

/** How each step type executes: its outcome (recorded) and where the run goes. Open for more types. */
const EXECUTORS: Record<
  FlowStep['type'],
  (
    step: never,
    context: StepContext,
  ) => Promise<{ outcome: StepOutcome; move: Move; effect?: (db: Kysely<Database>) => Promise<void> }>
> = {
  wait: async (step: Extract<FlowStep, { type: 'wait' }>, context) => {
    const until =
      step.duration !== undefined
        ? afterDuration(context.now, step.duration)
        : nextLocalTime(context.now, step.untilTimeOfDay, await customerZone(context), context.timeZone);
    return { outcome: { until }, move: { toStep: nextOf(context, step.id) ?? END_STEP, wakeAt: until } };
  },
  branch: async (step: Extract<FlowStep, { type: 'branch' }>, context) => {
    const matching = await customersMatchingRule(context.db, {
      workspaceId: context.flow.workspaceId,
      rule: step.rule,
      customerIds: [context.run.customerId],
      now: context.now,
      timeZone: context.timeZone,
    });
    const matched = matching.has(context.run.customerId);
    return {
      outcome: { matched },
      move: { toStep: branchTarget(context.program, step, matched), wakeAt: context.now },
    };
  },
  send_email: async (step: Extract<FlowStep, { type: 'send_email' }>, context) => {
    const queued = await context.effects.sendEmail(
      context.db,
      {
        workspaceId: context.flow.workspaceId,
        customerId: context.run.customerId,
        dedupeKey: `flow:${context.run.id}:${step.id}`,
        category: step.category ?? 'marketing',
        subject: step.subject,
        html: step.html,
        origin: {
          kind: 'flow',
          flowId: String(context.flow.id),
          runId: String(context.run.id),
          stepId: step.id,
        },
      },
      { now: context.now },
    );
    return { outcome: { ...queued }, move: { toStep: nextOf(context, step.id), wakeAt: context.now } };
  },
  update_attribute: async (step: Extract<FlowStep, { type: 'update_attribute' }>, context) => ({
    outcome: { key: step.key, value: step.value },
    move: { toStep: nextOf(context, step.id), wakeAt: context.now },
    effect: async (trx) => {
      await setCustomerAttribute(trx, context.flow.workspaceId, context.run.customerId, {
        key: step.key,
        value: step.value,
        now: context.now,
      });
    },
  }),
  exit: async () => ({ outcome: {}, move: { finish: 'exited', reason: 'exit_step' } }),
};

function nextOf(context: StepContext, stepId: string): string | null {
  return context.program.steps.get(stepId)?.next ?? null;
}

async function customerZone(context: StepContext): Promise<string | null> {
  const row = await context.db
    .selectFrom('customer')
    .select('time_zone')
    .where('workspace_id', '=', context.flow.workspaceId)
    .where('id', '=', context.run.customerId)
    .executeTakeFirst();
  return row?.time_zone ?? null;
}

/**
 * Advances one run from its current step as far as it goes at `now`: executes steps until one
 * makes it wait for a later instant, or it ends. Each step: its record, effect and the run's move
 * commit together (see the file comment). Returns the steps executed.
 */
async function advanceRun(
  db: Kysely<Database>,
  flow: Flow,
  program: FlowProgram,
  run: FlowRun,
  now: number,
  effects: FlowEffects,
  timeZone: string,
): Promise<number> {
  let current: FlowRun = run;
  for (let executed = 0; executed < MAX_STEPS_PER_PASS; ) {
    const stepId = current.currentStep;
    const planned = stepId === null ? undefined : program.steps.get(stepId);
    if (planned === undefined) {
      // The run is at its end (or at a step the definition no longer has): it is completed.
      await moveRun(db, flow.workspaceId, current.id, stepId, { finish: 'completed', reason: null, now });
      return executed;
    }
    const context: StepContext = { db, flow, program, run: current, now, effects, timeZone };
    const step = planned.step;
    // Its record and the move past it commit together, so a step reached here has not run — save an
    // e-mail queued by an attempt that died before recording it, which e-mail answers `duplicate`.
    const execute = EXECUTORS[step.type] as (
      step: FlowStep,
      context: StepContext,
    ) => ReturnType<(typeof EXECUTORS)['exit']>;
    const { outcome, move, effect } = await execute(step, context);
    const moved = await db.transaction().execute(async (trx) => {
      const change =
        'finish' in move
          ? { finish: move.finish, reason: move.reason, now }
          : move.toStep === null
            ? { finish: 'completed' as const, reason: null, now }
            : { toStep: move.toStep, wakeAt: move.wakeAt, now };
      if (!(await moveRun(trx, flow.workspaceId, current.id, stepId, change))) return false;
      if (await recordStep(trx, flow.workspaceId, current.id, step.id, outcome, now)) await effect?.(trx);
      return true;
    });
    executed++;
    if (!moved || 'finish' in move || move.toStep === null) return executed;
    current = { ...current, currentStep: move.toStep, wakeAt: move.wakeAt };
    if (move.wakeAt > now) return executed;
  }
  return MAX_STEPS_PER_PASS;
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
  const active = await listFlows(db, workspaceId, 'active');
  let entered = await readEventTriggers(
    db,
    workspaceId,
    active.filter((flow) => flow.definition.trigger.type === 'event'),
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
        for (const run of runs) {
          await moveRun(db, workspaceId, run.id, run.currentStep, {
            finish: 'exited',
            reason: 'flow_deactivated',
            now,
          });
        }
        continue;
      }
      const exiting = await exitingRuns(db, flow.definition, runs, now);
      const program = programOf(flow);
      for (const run of runs) {
        if (exiting.has(run.id)) {
          if (
            await moveRun(db, workspaceId, run.id, run.currentStep, {
              finish: 'exited',
              reason: 'exit_condition',
              now,
            })
          )
            exited++;
          continue;
        }
        try {
          stepsExecuted += await advanceRun(db, flow, program, run, now, effects, timeZone);
        } catch (error) {
          failed++;
          await postponeFailedRun(db, run, error, now);
        }
      }
    }
  }
  return { entered, stepsExecuted, exited, failed, nextWakeAt: await nextWake(db, workspaceId) };
}
