/**
 * The flow tables (migration 011): `flow`, `flow_trigger`, `flow_run`, `flow_run_step` — the only
 * code that queries them. Every statement carries the workspace.
 */
import { CompiledQuery, type Kysely, sql, type Transaction } from 'kysely';
import {
  type Database,
  dialectOf,
  type FlowArm,
  type FlowRow,
  type FlowRunRow,
  type FlowRunStatus,
  type FlowStatus,
  fromJson,
  type RowId,
  toJson,
} from '../db/index.js';
import type { FlowDefinition } from './flow-definition.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** A flow as the services see it. */
export interface Flow {
  readonly workspaceId: number;
  readonly id: RowId;
  readonly name: string;
  readonly status: FlowStatus;
  readonly definition: FlowDefinition;
  readonly version: number;
  readonly cursor: number;
  readonly lastFiredOn: string | null;
  readonly firedAt: number | null;
  readonly activatedAt: number | null;
  readonly deactivatedAt: number | null;
  readonly createdBy: RowId | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

function toFlow(row: FlowRow): Flow {
  return {
    workspaceId: row.workspace_id,
    id: row.id,
    name: row.name,
    status: row.status,
    definition: fromJson<FlowDefinition>(row.definition),
    version: row.version,
    cursor: Number(row.cursor),
    lastFiredOn: row.last_fired_on,
    firedAt: row.fired_at === null ? null : Number(row.fired_at),
    activatedAt: row.activated_at === null ? null : Number(row.activated_at),
    deactivatedAt: row.deactivated_at === null ? null : Number(row.deactivated_at),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The columns a definition is looked up by. */
function definitionColumns(definition: FlowDefinition) {
  const trigger = definition.trigger;
  return {
    definition: toJson(definition),
    trigger_type: trigger.type,
    trigger_event: trigger.type === 'event' ? trigger.event : null,
    trigger_segment_id: 'segmentId' in trigger ? Number(trigger.segmentId) : null,
    holdout_percent: definition.holdoutPercent,
    horizon_days: definition.horizonDays,
  };
}

export async function insertFlow(
  db: Executor,
  input: {
    readonly workspaceId: number;
    readonly name: string;
    readonly definition: FlowDefinition;
    readonly createdBy: RowId | null;
    readonly now: number;
  },
): Promise<Flow> {
  const row = await db
    .insertInto('flow')
    .values({
      workspace_id: input.workspaceId,
      name: input.name,
      ...definitionColumns(input.definition),
      created_by: input.createdBy,
      created_at: input.now,
      updated_at: input.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toFlow(row);
}

/** One flow of the workspace, or `undefined`. Pass `lock` in a transaction to hold its row (PostgreSQL). */
export async function findFlow(
  db: Executor,
  workspaceId: number,
  id: RowId,
  options: { readonly lock?: boolean } = {},
): Promise<Flow | undefined> {
  const row = await db
    .selectFrom('flow')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .$if(options.lock === true && dialectOf(db) === 'postgres', (query) => query.forUpdate())
    .executeTakeFirst();
  return row === undefined ? undefined : toFlow(row);
}

/** The workspace's flows, oldest first, optionally of one status. */
export async function listFlows(db: Executor, workspaceId: number, status?: FlowStatus): Promise<Flow[]> {
  const rows = await db
    .selectFrom('flow')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .$if(status !== undefined, (query) => query.where('status', '=', status!))
    .orderBy('id')
    .execute();
  return rows.map(toFlow);
}

export async function countFlows(db: Executor, workspaceId: number): Promise<number> {
  const row = await db
    .selectFrom('flow')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Changes a draft's name and/or definition (bumping its version); `undefined` unless it is a draft. */
export async function updateDraftRow(
  db: Executor,
  workspaceId: number,
  id: RowId,
  change: { readonly name?: string; readonly definition?: FlowDefinition; readonly now: number },
): Promise<Flow | undefined> {
  const row = await db
    .updateTable('flow')
    .set((eb) => ({
      ...(change.name === undefined ? {} : { name: change.name }),
      ...(change.definition === undefined
        ? {}
        : { ...definitionColumns(change.definition), version: eb('version', '+', 1) }),
      updated_at: change.now,
    }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toFlow(row);
}

/** Sets a flow's status and trigger state (activation's starting cursor, a deactivation's instant). */
export async function setFlowState(
  db: Executor,
  workspaceId: number,
  id: RowId,
  change: {
    readonly status?: FlowStatus;
    readonly cursor?: number;
    readonly lastFiredOn?: string | null;
    readonly firedAt?: number | null;
    readonly activatedAt?: number;
    readonly deactivatedAt?: number | null;
    readonly now: number;
  },
): Promise<void> {
  await db
    .updateTable('flow')
    .set({
      ...(change.status === undefined ? {} : { status: change.status }),
      ...(change.cursor === undefined ? {} : { cursor: change.cursor }),
      ...(change.lastFiredOn === undefined ? {} : { last_fired_on: change.lastFiredOn }),
      ...(change.firedAt === undefined ? {} : { fired_at: change.firedAt }),
      ...(change.activatedAt === undefined ? {} : { activated_at: change.activatedAt }),
      ...(change.deactivatedAt === undefined ? {} : { deactivated_at: change.deactivatedAt }),
      updated_at: change.now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

/** The event names the workspace's active flows trigger on. One indexed read. */
export async function activeTriggerEvents(db: Executor, workspaceId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('flow')
    .select('trigger_event')
    .distinct()
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'active')
    .where('trigger_type', '=', 'event')
    .execute();
  return rows.flatMap((row) => (row.trigger_event === null ? [] : [row.trigger_event]));
}

/**
 * The trigger insert as one statement text per engine, its event ids as one parameter (SQLite: a
 * JSON array read by `json_each`; PostgreSQL: `unnest` of an array): it runs on tracking's hot path.
 */
const INSERT_TRIGGERS = {
  sqlite:
    'insert into flow_trigger (workspace_id, event_id) ' +
    'select ?, value from json_each(?) where true on conflict do nothing',
  postgres:
    'insert into flow_trigger (workspace_id, event_id) ' +
    'select $1, unnest($2::bigint[]) on conflict do nothing',
} as const;

/** Records trigger occurrences: the ids of stored events (one already recorded is skipped). One statement. */
export async function insertTriggers(
  db: Executor,
  workspaceId: number,
  eventIds: readonly RowId[],
): Promise<void> {
  if (eventIds.length === 0) return;
  const dialect = dialectOf(db);
  const parameters =
    dialect === 'postgres' ? [workspaceId, eventIds] : [workspaceId, JSON.stringify(eventIds)];
  await db.executeQuery(CompiledQuery.raw(INSERT_TRIGGERS[dialect], parameters));
}

/** The highest id of a table of the workspace (0 when empty): where a newly active flow starts reading. */
export async function latestId(
  db: Executor,
  workspaceId: number,
  table: 'event' | 'segment_event',
): Promise<number> {
  const row = await latestIdQuery(db, workspaceId, table).executeTakeFirst();
  return Number(row?.id ?? 0);
}

/**
 * `latestId`'s query, for its plan test: one seek of a `(workspace_id, id)` index at the end of
 * the workspace's range (`segment_event` on SQLite: migration 020).
 */
export function latestIdQuery(db: Executor, workspaceId: number, table: 'event' | 'segment_event') {
  return db
    .selectFrom(table)
    .select((eb) => eb.fn.max('id').as('id'))
    .where('workspace_id', '=', workspaceId);
}

/** A recorded trigger occurrence with its event (null name and customer: the event is gone). */
export interface TriggerOccurrence {
  readonly eventId: RowId;
  readonly name: string | null;
  readonly customerId: RowId | null;
}

/**
 * The workspace's oldest recorded trigger occurrences of events up to id `upTo`, in event id
 * order, at most `limit`, with their events' names and customers. One primary-key range read joined to `event` by its key.
 */
export async function pendingTriggers(
  db: Executor,
  workspaceId: number,
  limit: number,
  upTo: number,
): Promise<TriggerOccurrence[]> {
  const rows = await db
    .selectFrom('flow_trigger as t')
    .leftJoin('event as e', (join) =>
      join.onRef('e.workspace_id', '=', 't.workspace_id').onRef('e.id', '=', 't.event_id'),
    )
    .select(['t.event_id', 'e.name', 'e.customer_id'])
    .where('t.workspace_id', '=', workspaceId)
    .where('t.event_id', '<=', upTo)
    .orderBy('t.event_id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    eventId: Number(row.event_id),
    name: row.name ?? null,
    customerId: row.customer_id == null ? null : Number(row.customer_id),
  }));
}

/** Deletes consumed trigger occurrences. One statement. */
export async function deleteTriggers(
  db: Executor,
  workspaceId: number,
  eventIds: readonly RowId[],
): Promise<void> {
  if (eventIds.length === 0) return;
  await db
    .deleteFrom('flow_trigger')
    .where('workspace_id', '=', workspaceId)
    .where('event_id', 'in', [...eventIds])
    .execute();
}

/** Deletes the workspace's recorded trigger occurrences of events up to id `upTo` (no active event flow is left to read them). */
export async function clearTriggers(db: Executor, workspaceId: number, upTo: number): Promise<void> {
  await db
    .deleteFrom('flow_trigger')
    .where('workspace_id', '=', workspaceId)
    .where('event_id', '<=', upTo)
    .execute();
}

/** A run as the services see it. */
export interface FlowRun {
  readonly workspaceId: number;
  readonly id: RowId;
  readonly flowId: RowId;
  readonly customerId: RowId;
  readonly arm: FlowArm;
  readonly status: FlowRunStatus;
  readonly currentStep: string | null;
  readonly wakeAt: number | null;
  readonly entryKey: string;
  readonly enteredAt: number;
  readonly finishedAt: number | null;
  readonly exitReason: string | null;
  readonly updatedAt: number;
}

function toRun(row: FlowRunRow): FlowRun {
  return {
    workspaceId: row.workspace_id,
    id: row.id,
    flowId: row.flow_id,
    customerId: row.customer_id,
    arm: row.arm,
    status: row.status,
    currentStep: row.current_step,
    wakeAt: row.wake_at === null ? null : Number(row.wake_at),
    entryKey: row.entry_key,
    enteredAt: Number(row.entered_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    exitReason: row.exit_reason,
    updatedAt: Number(row.updated_at),
  };
}

/** A customer's latest entry into a flow, and whether a run of theirs is still going. */
export interface EntryHistory {
  readonly lastEnteredAt: number;
  readonly active: boolean;
}

/** For each of `customerIds` with runs of the flow: their latest entry and whether one is active. */
export async function entryHistory(
  db: Executor,
  workspaceId: number,
  flowId: RowId,
  customerIds: readonly RowId[],
): Promise<Map<RowId, EntryHistory>> {
  const history = new Map<RowId, EntryHistory>();
  if (customerIds.length === 0) return history;
  const rows = await db
    .selectFrom('flow_run')
    .select(['customer_id', 'entered_at', 'status'])
    .where('workspace_id', '=', workspaceId)
    .where('flow_id', '=', flowId)
    .where('customer_id', 'in', [...customerIds])
    .execute();
  for (const row of rows) {
    const previous = history.get(row.customer_id);
    history.set(row.customer_id, {
      lastEnteredAt: Math.max(previous?.lastEnteredAt ?? 0, Number(row.entered_at)),
      active: (previous?.active ?? false) || row.status === 'active',
    });
  }
  return history;
}

/** Live customers among `customerIds` (not erased, still there). */
export async function liveCustomers(
  db: Executor,
  workspaceId: number,
  customerIds: readonly RowId[],
): Promise<Set<RowId>> {
  if (customerIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('customer')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', [...customerIds])
    .where('erased_at', 'is', null)
    .execute();
  return new Set(rows.map((row) => row.id));
}

export interface NewRun {
  readonly flowId: RowId;
  readonly customerId: RowId;
  readonly arm: FlowArm;
  readonly status: FlowRunStatus;
  readonly currentStep: string | null;
  readonly wakeAt: number | null;
  readonly entryKey: string;
  readonly enteredAt: number;
  readonly finishedAt: number | null;
  readonly exitReason: string | null;
}

/** Inserts runs; one whose (flow, entry key) exists is skipped. Returns how many were inserted. */
export async function insertRuns(
  db: Executor,
  workspaceId: number,
  runs: readonly NewRun[],
): Promise<number> {
  if (runs.length === 0) return 0;
  const result = await db
    .insertInto('flow_run')
    .values(
      runs.map((run) => ({
        workspace_id: workspaceId,
        flow_id: run.flowId,
        customer_id: run.customerId,
        arm: run.arm,
        status: run.status,
        current_step: run.currentStep,
        wake_at: run.wakeAt,
        entry_key: run.entryKey,
        entered_at: run.enteredAt,
        finished_at: run.finishedAt,
        exit_reason: run.exitReason,
        updated_at: run.enteredAt,
      })),
    )
    .onConflict((conflict) => conflict.columns(['workspace_id', 'flow_id', 'entry_key']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

/** Active runs due at `now`, earliest first, at most `limit`. */
export async function dueRuns(
  db: Executor,
  workspaceId: number,
  now: number,
  limit: number,
): Promise<FlowRun[]> {
  const rows = await db
    .selectFrom('flow_run')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'active')
    .where('wake_at', '<=', now)
    .orderBy('wake_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toRun);
}

/** When the workspace's next active run is due, or null. */
export async function nextWake(db: Executor, workspaceId: number): Promise<number | null> {
  const row = await db
    .selectFrom('flow_run')
    .select((eb) => eb.fn.min('wake_at').as('wake'))
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return row?.wake == null ? null : Number(row.wake);
}

/**
 * Moves a run from step `fromStep` (its current one) on: to `toStep` waking at `wakeAt`, or — with
 * a `finish` — to its end. Only when the run is still active at `fromStep`: returns false (nothing
 * changed) when another worker moved it first. One update; in a transaction it holds the run's row.
 */
export async function moveRun(
  db: Executor,
  workspaceId: number,
  runId: RowId,
  fromStep: string | null,
  change:
    | { readonly toStep: string; readonly wakeAt: number; readonly now: number }
    | { readonly finish: 'completed' | 'exited'; readonly reason: string | null; readonly now: number },
): Promise<boolean> {
  const result = await db
    .updateTable('flow_run')
    .set(
      'finish' in change
        ? {
            status: change.finish,
            current_step: null,
            wake_at: null,
            finished_at: change.now,
            exit_reason: change.reason,
            updated_at: change.now,
          }
        : { current_step: change.toStep, wake_at: change.wakeAt, updated_at: change.now },
    )
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .where('status', '=', 'active')
    .$if(fromStep === null, (query) => query.where('current_step', 'is', null))
    .$if(fromStep !== null, (query) => query.where('current_step', '=', fromStep!))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** How a run moves on: to a step waking at an instant, or to its end. */
export type RunChange =
  | { readonly toStep: string; readonly wakeAt: number; readonly now: number }
  | { readonly finish: 'completed' | 'exited'; readonly reason: string | null; readonly now: number };

/**
 * `moveRun` for many runs at one step with one change: moves those of `runIds` still active at
 * `fromStep`, and returns their ids (the others another worker moved first). One update per 500
 * runs.
 */
export async function moveRuns(
  db: Executor,
  workspaceId: number,
  runIds: readonly RowId[],
  fromStep: string | null,
  change: RunChange,
): Promise<RowId[]> {
  const moved: RowId[] = [];
  for (let start = 0; start < runIds.length; start += 500) {
    const rows = await db
      .updateTable('flow_run')
      .set(
        'finish' in change
          ? {
              status: change.finish,
              current_step: null,
              wake_at: null,
              finished_at: change.now,
              exit_reason: change.reason,
              updated_at: change.now,
            }
          : { current_step: change.toStep, wake_at: change.wakeAt, updated_at: change.now },
      )
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', runIds.slice(start, start + 500))
      .where('status', '=', 'active')
      .$if(fromStep === null, (query) => query.where('current_step', 'is', null))
      .$if(fromStep !== null, (query) => query.where('current_step', '=', fromStep!))
      .returning('id')
      .execute();
    for (const row of rows) moved.push(Number(row.id));
  }
  return moved;
}

/** Ends every active run of a flow (a deactivation). Returns how many. */
export async function endActiveRuns(
  db: Executor,
  workspaceId: number,
  flowId: RowId,
  reason: string,
  now: number,
): Promise<number> {
  const result = await db
    .updateTable('flow_run')
    .set({
      status: 'exited',
      current_step: null,
      wake_at: null,
      finished_at: now,
      exit_reason: reason,
      updated_at: now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('flow_id', '=', flowId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Records that the run executed `stepId`; false when it already had (the record exists). */
export async function recordStep(
  db: Executor,
  workspaceId: number,
  runId: RowId,
  stepId: string,
  outcome: unknown,
  now: number,
): Promise<boolean> {
  const result = await db
    .insertInto('flow_run_step')
    .values({
      workspace_id: workspaceId,
      run_id: runId,
      step_id: stepId,
      outcome: toJson(outcome),
      executed_at: now,
    })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'run_id', 'step_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/**
 * `recordStep` for many runs: records each (run, step) not recorded yet; returns the runs whose
 * record this call wrote. One insert per 500.
 */
export async function recordSteps(
  db: Executor,
  workspaceId: number,
  steps: readonly { readonly runId: RowId; readonly stepId: string; readonly outcome: unknown }[],
  now: number,
): Promise<Set<RowId>> {
  const recorded = new Set<RowId>();
  for (let start = 0; start < steps.length; start += 500) {
    const rows = await db
      .insertInto('flow_run_step')
      .values(
        steps.slice(start, start + 500).map((step) => ({
          workspace_id: workspaceId,
          run_id: step.runId,
          step_id: step.stepId,
          outcome: toJson(step.outcome),
          executed_at: now,
        })),
      )
      .onConflict((conflict) => conflict.columns(['workspace_id', 'run_id', 'step_id']).doNothing())
      .returning('run_id')
      .execute();
    for (const row of rows) recorded.add(Number(row.run_id));
  }
  return recorded;
}

/** The steps a run executed, in the order it executed them. */
export async function listRunSteps(
  db: Executor,
  workspaceId: number,
  runIds: readonly RowId[],
): Promise<{ runId: RowId; stepId: string; outcome: unknown; executedAt: number }[]> {
  if (runIds.length === 0) return [];
  const rows = await db
    .selectFrom('flow_run_step')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('run_id', 'in', [...runIds])
    .orderBy('executed_at')
    .execute();
  return rows.map((row) => ({
    runId: row.run_id,
    stepId: row.step_id,
    outcome: fromJson(row.outcome),
    executedAt: Number(row.executed_at),
  }));
}

/** A page of a flow's runs, newest first (ids below `beforeId`), optionally of one status. */
export async function listRuns(
  db: Executor,
  workspaceId: number,
  flowId: RowId,
  page: { readonly limit: number; readonly beforeId?: RowId; readonly status?: FlowRunStatus },
): Promise<FlowRun[]> {
  const rows = await db
    .selectFrom('flow_run')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('flow_id', '=', flowId)
    .$if(page.beforeId !== undefined, (query) => query.where('id', '<', page.beforeId!))
    .$if(page.status !== undefined, (query) => query.where('status', '=', page.status!))
    .orderBy('id', 'desc')
    .limit(page.limit)
    .execute();
  return rows.map(toRun);
}

/** Runs by arm and status. */
export async function runCounts(
  db: Executor,
  workspaceId: number,
  flowId: RowId,
): Promise<{ arm: FlowArm; status: FlowRunStatus; count: number }[]> {
  const rows = await db
    .selectFrom('flow_run')
    .select(['arm', 'status', (eb) => eb.fn.countAll<number>().as('count')])
    .where('workspace_id', '=', workspaceId)
    .where('flow_id', '=', flowId)
    .groupBy(['arm', 'status'])
    .execute();
  return rows.map((row) => ({ arm: row.arm, status: row.status, count: Number(row.count) }));
}

/** One customer's first entry into a flow with what they bought in `[entered, entered + horizon)`. */
export interface EntryOutcome {
  readonly arm: FlowArm;
  readonly enteredAt: number;
  readonly orders: number;
  readonly revenueCents: number;
}

/**
 * Each customer's first run of the flow with their completed orders (count and amount) in
 * `[entered_at, entered_at + horizonMs)` — the figures converted and uplift are computed from. Only
 * runs entered before `enteredBefore` (the matured ones, for uplift; `Infinity` for all). One
 * statement: correlated sums over the orders' customer index.
 */
export async function entryOutcomes(
  db: Executor,
  workspaceId: number,
  flowId: RowId,
  horizonMs: number,
  enteredBefore: number,
): Promise<EntryOutcome[]> {
  const rows = await db
    .selectFrom('flow_run as r')
    .select((eb) => [
      'r.arm',
      'r.entered_at',
      eb
        .selectFrom('customer_order as o')
        .select((inner) => inner.fn.countAll<number>().as('n'))
        .whereRef('o.workspace_id', '=', 'r.workspace_id')
        .whereRef('o.customer_id', '=', 'r.customer_id')
        .where('o.status', '=', 'completed')
        .whereRef('o.ordered_at', '>=', 'r.entered_at')
        .where('o.ordered_at', '<', sql<number>`r.entered_at + ${horizonMs}`)
        .as('orders'),
      eb
        .selectFrom('customer_order as o')
        .select((inner) => inner.fn.coalesce(inner.fn.sum<number>('o.amount_cents'), sql<number>`0`).as('s'))
        .whereRef('o.workspace_id', '=', 'r.workspace_id')
        .whereRef('o.customer_id', '=', 'r.customer_id')
        .where('o.status', '=', 'completed')
        .whereRef('o.ordered_at', '>=', 'r.entered_at')
        .where('o.ordered_at', '<', sql<number>`r.entered_at + ${horizonMs}`)
        .as('revenue'),
    ])
    .where('r.workspace_id', '=', workspaceId)
    .where('r.flow_id', '=', flowId)
    .$if(Number.isFinite(enteredBefore), (query) => query.where('r.entered_at', '<=', enteredBefore))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('flow_run as earlier')
            .select('earlier.id')
            .whereRef('earlier.workspace_id', '=', 'r.workspace_id')
            .whereRef('earlier.flow_id', '=', 'r.flow_id')
            .whereRef('earlier.customer_id', '=', 'r.customer_id')
            .whereRef('earlier.id', '<', 'r.id'),
        ),
      ),
    )
    .execute();
  return rows.map((row) => ({
    arm: row.arm,
    enteredAt: Number(row.entered_at),
    orders: Number(row.orders ?? 0),
    revenueCents: Number(row.revenue ?? 0),
  }));
}
