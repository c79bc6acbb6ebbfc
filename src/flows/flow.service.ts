/**
 * The rules of flows: creating and changing drafts (a validated definition, unique name, segments
 * that exist, e-mail templates that compile — checked at save time, not at send time), activating
 * (reading triggers from that moment on) and deactivating (no new entries; runs in progress end),
 * the runs list and the report with its uplift. All audited.
 *
 * Versioning: a flow's definition changes only while it is a `draft`. An active or inactive flow
 * keeps the definition its runs were started with (its report stays the report of one thing); to
 * change one, create a new flow (e.g. from this one's definition, `GET` then `POST`).
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type AuditActor, recordAudit } from '../audit/index.js';
import { computeUplift, MS_PER_DAY, type Uplift } from '../core/index.js';
import { type Database, isUniqueViolation, type RowId } from '../db/index.js';
import { type InputIssue, notFound, RetainError } from '../errors/index.js';
import { getSurvey, latestAnswerEventId } from '../feedback/index.js';
import { getSegment } from '../segments/index.js';
import { requestFlowTick } from './flow.jobs.js';
import {
  countFlows,
  endActiveRuns,
  entryOutcomes,
  type Flow,
  type FlowRun,
  findFlow,
  insertFlow,
  latestId,
  listFlows,
  listRuns,
  liveCustomers,
  runCounts,
  setFlowState,
  updateDraftRow,
} from './flow.repository.js';
import {
  emailSteps,
  type FlowDefinition,
  type FlowStep,
  formatPath,
  MAX_FLOW_NAME_LENGTH,
  parseFlowDefinition,
} from './flow-definition.js';
import type { FlowEffects, FlowEmailCounts, FlowEmailOutcome } from './flow-effects.js';
import { surveyStepIssues } from './flow-survey-step.js';
import { forgetFlowTriggerNames } from './flow-triggers.js';

/** Most flows a workspace may have. */
export const MAX_FLOWS_PER_WORKSPACE = 500;
/** Runs a page lists at most, and by default. */
export const MAX_RUNS_PAGE = 500;
export const DEFAULT_RUNS_PAGE = 50;

/** Checks a Liquid template's syntax (e-mail's `checkTemplate`). */
export type TemplateCheck = (
  source: string,
) =>
  | { readonly ok: true }
  | { readonly ok: false; readonly problems: readonly { message: string; line?: number; column?: number }[] };

function invalid(issues: readonly InputIssue[]): RetainError {
  return new RetainError(
    'invalid_input',
    `The flow is not valid: ${issues[0]?.message ?? 'see error.issues'}`,
    issues,
  );
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > MAX_FLOW_NAME_LENGTH) {
    throw invalid([
      { path: ['json', 'name'], message: `name: a name has 1–${MAX_FLOW_NAME_LENGTH} characters.` },
    ]);
  }
  return trimmed;
}

function nameTaken(name: string): RetainError {
  return new RetainError('conflict', `A flow named "${name}" already exists in this workspace.`);
}

/**
 * Validates a definition for saving: its shape (each problem by path), the segment its trigger
 * names, the survey of every `send_survey` step, and every e-mail step's subject and HTML with `checkTemplate` (line and column in the
 * message). Throws `invalid_input` with every issue found.
 */
async function validateForSave(
  db: Kysely<Database>,
  workspaceId: number,
  body: unknown,
  checkTemplate: TemplateCheck,
): Promise<FlowDefinition> {
  const parsed = parseFlowDefinition(body);
  if (!parsed.ok) throw invalid(parsed.issues);
  const definition = parsed.definition;
  const issues: InputIssue[] = [];
  const trigger = definition.trigger;
  if ('segmentId' in trigger) {
    try {
      await getSegment(db, workspaceId, Number(trigger.segmentId));
    } catch (error) {
      if (!(error instanceof RetainError && error.code === 'not_found')) throw error;
      const path = ['json', 'trigger', 'segmentId'];
      issues.push({
        path,
        message: `${formatPath(path)}: no segment ${trigger.segmentId} in this workspace.`,
        code: 'unknown_segment',
      });
    }
  }
  if (trigger.type === 'survey_answered' && trigger.surveyId !== undefined) {
    const path = ['json', 'trigger', 'surveyId'];
    const known = await getSurvey(db, workspaceId, Number(trigger.surveyId)).catch((error: unknown) => {
      if (error instanceof RetainError && error.code === 'not_found') return undefined;
      throw error;
    });
    if (known === undefined) {
      issues.push({
        path,
        message: `${formatPath(path)}: no survey ${trigger.surveyId} in this workspace.`,
        code: 'unknown_survey',
      });
    }
  }
  for (const { step, path } of emailSteps(definition.steps)) {
    for (const field of ['subject', 'html'] as const) {
      const checked = checkTemplate(step[field]);
      if (checked.ok) continue;
      const at = [...path, field];
      for (const problem of checked.problems.slice(0, 5)) {
        const where =
          problem.line === undefined
            ? ''
            : ` (line ${problem.line}${problem.column === undefined ? '' : `, column ${problem.column}`})`;
        issues.push({
          path: at,
          message: `${formatPath(at)}: the template does not compile${where}: ${problem.message}`,
          code: 'invalid_template',
        });
      }
    }
  }
  issues.push(...(await surveyStepIssues(db, workspaceId, definition.steps)));
  if (issues.length > 0) throw invalid(issues);
  return definition;
}

export interface CreateFlowInput {
  readonly workspaceId: number;
  readonly name: string;
  /** `{ trigger, steps, holdoutPercent?, reentry?, exitWhen?, horizonDays? }` as received. */
  readonly definition: unknown;
  readonly createdBy: RowId | null;
  readonly actor: AuditActor;
  readonly now: number;
  readonly checkTemplate: TemplateCheck;
}

/** Creates a flow as a draft (audited `flow.created`). `invalid_input` naming each bad path; `conflict` for a taken name or a full workspace. */
export async function createFlow(db: Kysely<Database>, input: CreateFlowInput): Promise<Flow> {
  const name = checkName(input.name);
  const definition = await validateForSave(db, input.workspaceId, input.definition, input.checkTemplate);
  try {
    return await db.transaction().execute(async (trx) => {
      if ((await countFlows(trx, input.workspaceId)) >= MAX_FLOWS_PER_WORKSPACE) {
        throw new RetainError('conflict', `A workspace has at most ${MAX_FLOWS_PER_WORKSPACE} flows.`);
      }
      const flow = await insertFlow(trx, {
        workspaceId: input.workspaceId,
        name,
        definition,
        createdBy: input.createdBy,
        now: input.now,
      });
      await recordAudit(trx, {
        workspaceId: input.workspaceId,
        actor: input.actor,
        action: 'flow.created',
        entity: 'flow',
        entityId: flow.id,
        details: { name, trigger: definition.trigger.type },
        at: input.now,
      });
      return flow;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(name);
    throw error;
  }
}

/**
 * Changes a draft's name and/or definition (audited `flow.updated`). `not_found`; `conflict` for a
 * flow that is not a draft (create a new flow instead) or a taken name; `invalid_input` as create.
 */
export async function updateFlow(
  db: Kysely<Database>,
  input: Omit<CreateFlowInput, 'name' | 'definition' | 'createdBy'> & {
    readonly id: RowId;
    readonly name?: string;
    readonly definition?: unknown;
  },
): Promise<Flow> {
  const current = await getFlow(db, input.workspaceId, input.id);
  if (current.status !== 'draft') {
    throw new RetainError(
      'conflict',
      `Flow "${current.name}" is ${current.status}: only drafts change (its runs and report belong to the definition they started with). Create a new flow instead.`,
    );
  }
  const name = input.name === undefined ? undefined : checkName(input.name);
  const definition =
    input.definition === undefined
      ? undefined
      : await validateForSave(db, input.workspaceId, input.definition, input.checkTemplate);
  if (name === undefined && definition === undefined) return current;
  try {
    return await db.transaction().execute(async (trx) => {
      const updated = await updateDraftRow(trx, input.workspaceId, input.id, {
        ...(name === undefined ? {} : { name }),
        ...(definition === undefined ? {} : { definition }),
        now: input.now,
      });
      if (updated === undefined)
        throw new RetainError('conflict', `Flow "${current.name}" is no longer a draft.`);
      await recordAudit(trx, {
        workspaceId: input.workspaceId,
        actor: input.actor,
        action: 'flow.updated',
        entity: 'flow',
        entityId: input.id,
        details: { ...(name === undefined ? {} : { name }), definitionChanged: definition !== undefined },
        at: input.now,
      });
      return updated;
    });
  } catch (error) {
    if (isUniqueViolation(error) && name !== undefined) throw nameTaken(name);
    throw error;
  }
}

/**
 * Activates a draft or inactive flow (audited `flow.activated`): from now on its trigger enters
 * customers — events tracked and segment changes from this moment (not the past), the next date
 * or the schedule's time. An active flow is answered as it is. Asks for a tick at once.
 */
export async function activateFlow(
  db: Kysely<Database>,
  input: {
    readonly workspaceId: number;
    readonly id: RowId;
    readonly actor: AuditActor;
    readonly now: number;
  },
): Promise<Flow> {
  await db.transaction().execute(async (trx) => {
    const flow = await findFlow(trx, input.workspaceId, input.id, { lock: true });
    if (flow === undefined) throw notFound('Flow');
    if (flow.status === 'active') return;
    const trigger = flow.definition.trigger;
    if ('segmentId' in trigger && trigger.type !== 'schedule') {
      await getSegment(trx, input.workspaceId, Number(trigger.segmentId)).catch((error: unknown) => {
        if (error instanceof RetainError && error.code === 'not_found') {
          throw new RetainError(
            'conflict',
            `The segment ${trigger.segmentId} this flow triggers on no longer exists.`,
          );
        }
        throw error;
      });
    }
    const cursor =
      trigger.type === 'event'
        ? await latestId(trx, input.workspaceId, 'event')
        : trigger.type === 'segment_entered' || trigger.type === 'segment_exited'
          ? await latestId(trx, input.workspaceId, 'segment_event')
          : trigger.type === 'schedule'
            ? flow.cursor
            : trigger.type === 'survey_answered'
              ? await latestAnswerEventId(trx, input.workspaceId)
              : 0;
    await setFlowState(trx, input.workspaceId, input.id, {
      status: 'active',
      cursor,
      lastFiredOn: null,
      activatedAt: input.now,
      deactivatedAt: null,
      now: input.now,
    });
    await recordAudit(trx, {
      workspaceId: input.workspaceId,
      actor: input.actor,
      action: 'flow.activated',
      entity: 'flow',
      entityId: input.id,
      details: { name: flow.name },
      at: input.now,
    });
    await requestFlowTick(trx, input.workspaceId, { reason: 'activated', now: input.now });
  });
  forgetFlowTriggerNames(db, input.workspaceId);
  return getFlow(db, input.workspaceId, input.id);
}

/**
 * Deactivates an active flow (audited `flow.deactivated`): no new entries, and its runs in progress
 * end (`exited`, reason `flow_deactivated`); entrants stay in the report. An inactive flow is
 * answered as it is; a draft was never active: `conflict`.
 */
export async function deactivateFlow(
  db: Kysely<Database>,
  input: {
    readonly workspaceId: number;
    readonly id: RowId;
    readonly actor: AuditActor;
    readonly now: number;
  },
): Promise<Flow> {
  await db.transaction().execute(async (trx) => {
    const flow = await findFlow(trx, input.workspaceId, input.id, { lock: true });
    if (flow === undefined) throw notFound('Flow');
    if (flow.status === 'draft')
      throw new RetainError('conflict', `Flow "${flow.name}" is a draft: it was never active.`);
    if (flow.status === 'inactive') return;
    await setFlowState(trx, input.workspaceId, input.id, {
      status: 'inactive',
      deactivatedAt: input.now,
      now: input.now,
    });
    const ended = await endActiveRuns(trx, input.workspaceId, input.id, 'flow_deactivated', input.now);
    await recordAudit(trx, {
      workspaceId: input.workspaceId,
      actor: input.actor,
      action: 'flow.deactivated',
      entity: 'flow',
      entityId: input.id,
      details: { name: flow.name, runsEnded: ended },
      at: input.now,
    });
  });
  forgetFlowTriggerNames(db, input.workspaceId);
  return getFlow(db, input.workspaceId, input.id);
}

/** One flow, or `not_found`. */
export async function getFlow(db: Kysely<Database>, workspaceId: number, id: RowId): Promise<Flow> {
  const flow = await findFlow(db, workspaceId, id);
  if (flow === undefined) throw notFound('Flow');
  return flow;
}

/** The workspace's flows, oldest first. */
export function listWorkspaceFlows(db: Kysely<Database>, workspaceId: number): Promise<Flow[]> {
  return listFlows(db, workspaceId);
}

export interface RunsPage {
  readonly items: readonly FlowRun[];
  readonly nextCursor: string | null;
}

/** A page of a flow's runs, newest first; `cursor` is the previous page's `nextCursor`. */
export async function listFlowRuns(
  db: Kysely<Database>,
  workspaceId: number,
  id: RowId,
  page: { readonly limit?: number; readonly cursor?: string; readonly status?: FlowRun['status'] },
): Promise<RunsPage> {
  await getFlow(db, workspaceId, id);
  const limit = Math.min(Math.max(1, page.limit ?? DEFAULT_RUNS_PAGE), MAX_RUNS_PAGE);
  let beforeId: number | undefined;
  if (page.cursor !== undefined) {
    beforeId = /^[1-9][0-9]{0,15}$/.test(page.cursor) ? Number(page.cursor) : Number.NaN;
    if (!Number.isSafeInteger(beforeId)) {
      throw new RetainError('invalid_input', 'The request is not valid.', [
        { path: ['query', 'cursor'], message: 'Not a cursor of this list (use `nextCursor` as given).' },
      ]);
    }
  }
  const rows = await listRuns(db, workspaceId, id, {
    limit: limit + 1,
    ...(beforeId === undefined ? {} : { beforeId }),
    ...(page.status === undefined ? {} : { status: page.status }),
  });
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? String(items[items.length - 1]!.id) : null };
}

/** A flow's report (docs/metrics.md §9 and "Flows"). */
export interface FlowReport extends FlowEmailCounts {
  /** Runs started (entries), both arms. */
  readonly entered: number;
  /** Of them, in the holdout. */
  readonly holdout: number;
  readonly treatment: number;
  /** Runs still going, finished, exited early (treatment). */
  readonly active: number;
  readonly completed: number;
  readonly exited: number;
  /** Customers (first entries) with a completed order in [entered, entered + horizon), both arms. */
  readonly converted: number;
  readonly convertedByArm: { readonly treatment: number; readonly holdout: number };
  readonly horizonDays: number;
  readonly uplift: Uplift;
  /** The instant the report was computed at. */
  readonly asOf: number;
}

/**
 * The report of a flow at `now`: entries by arm and status, what became of its e-mails (e-mail's
 * counts), converted customers, and the uplift over the holdout — retention (a completed order in
 * the horizon after entering) and revenue per customer, over customers whose horizon has passed,
 * each customer counted once (their first entry). `not_found`.
 */
export async function getFlowReport(
  db: Kysely<Database>,
  workspaceId: number,
  id: RowId,
  now: number,
  effects: Pick<FlowEffects, 'emailCounts'>,
): Promise<FlowReport> {
  const flow = await getFlow(db, workspaceId, id);
  const horizonDays = flow.definition.horizonDays;
  const horizonMs = horizonDays * MS_PER_DAY;
  const [counts, email, outcomes] = await Promise.all([
    runCounts(db, workspaceId, id),
    effects.emailCounts(db, workspaceId, id),
    entryOutcomes(db, workspaceId, id, horizonMs, Number.POSITIVE_INFINITY),
  ]);
  const sum = (filter: (row: (typeof counts)[number]) => boolean) =>
    counts.filter(filter).reduce((total, row) => total + row.count, 0);
  const convertedByArm = { treatment: 0, holdout: 0 };
  const arms = {
    treatment: { customers: 0, retained: 0, revenue: [] as number[] },
    holdout: { customers: 0, retained: 0, revenue: [] as number[] },
  };
  for (const outcome of outcomes) {
    if (outcome.orders > 0) convertedByArm[outcome.arm]++;
    if (outcome.enteredAt + horizonMs > now) continue; // not matured: its horizon has not passed
    const arm = arms[outcome.arm];
    arm.customers++;
    if (outcome.orders > 0) arm.retained++;
    arm.revenue.push(outcome.revenueCents);
  }
  return {
    entered: sum(() => true),
    holdout: sum((row) => row.arm === 'holdout'),
    treatment: sum((row) => row.arm === 'treatment'),
    active: sum((row) => row.arm === 'treatment' && row.status === 'active'),
    completed: sum((row) => row.arm === 'treatment' && row.status === 'completed'),
    exited: sum((row) => row.arm === 'treatment' && row.status === 'exited'),
    ...email,
    converted: convertedByArm.treatment + convertedByArm.holdout,
    convertedByArm,
    horizonDays,
    uplift: computeUplift(arms.treatment, arms.holdout),
    asOf: now,
  };
}

/** A step's test e-mail, as `sendStepTestEmail` hands it to e-mail (src/email's `OutgoingEmail`). */
export interface StepTestEmail {
  readonly workspaceId: number;
  readonly customerId: RowId;
  readonly dedupeKey: string;
  readonly category: 'transactional';
  readonly subject: string;
  readonly html: string;
  readonly toAddress: string;
  readonly origin: {
    readonly kind: 'test';
    readonly flowId: string;
    readonly stepId: string;
    readonly requestedBy: string;
  };
}

/** Finds a step by id among `steps` and the lists of their branches. */
function findStep(steps: readonly FlowStep[], stepId: string): FlowStep | undefined {
  for (const step of steps) {
    if (step.id === stepId) return step;
    if (step.type === 'branch') {
      const found = findStep(step.yes, stepId) ?? findStep(step.no, stepId);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * A test of a flow's `send_email` step: its template rendered as `customerId` and queued to `to`
 * (the caller's own address) through `send` (production: e-mail's queue, which then sends it or
 * keeps it in the outbox) — marked as a test (origin `test`, subject prefixed "[Test] "),
 * transactional (no consent or frequency cap, still refused for a suppressed address), never
 * counted in the flow's report (only `flow` origins are). A flow of any status may be tested.
 * Unknown flow or step: `not_found`; a step that sends no e-mail or an unknown customer:
 * `invalid_input` naming the field.
 */
export async function sendStepTestEmail(
  db: Kysely<Database>,
  input: {
    readonly workspaceId: number;
    readonly flowId: RowId;
    readonly stepId: string;
    readonly customerId: RowId | undefined;
    readonly to: string;
    readonly requestedBy: string;
    readonly now: number;
    readonly send: (db: Kysely<Database>, email: StepTestEmail, now: number) => Promise<FlowEmailOutcome>;
  },
): Promise<FlowEmailOutcome> {
  const flow = await getFlow(db, input.workspaceId, input.flowId);
  const step = findStep(flow.definition.steps, input.stepId);
  if (step === undefined) throw notFound('Step');
  if (step.type !== 'send_email') {
    throw new RetainError(
      'invalid_input',
      `Step ${input.stepId} is a ${step.type} step: it sends no e-mail.`,
      [{ path: ['param', 'stepId'], message: 'Not a send_email step', code: 'not_an_email_step' }],
    );
  }
  const live =
    input.customerId === undefined
      ? new Set<RowId>()
      : await liveCustomers(db, input.workspaceId, [input.customerId]);
  if (input.customerId === undefined || !live.has(input.customerId)) {
    throw new RetainError('invalid_input', 'No such customer in the workspace.', [
      {
        path: ['json', 'customerId'],
        message: 'No such customer in the workspace',
        code: 'unknown_customer',
      },
    ]);
  }
  return input.send(
    db,
    {
      workspaceId: input.workspaceId,
      customerId: input.customerId,
      dedupeKey: `flow-test:${flow.id}:${step.id}:${randomUUID()}`,
      category: 'transactional',
      subject: `[Test] ${step.subject}`,
      html: step.html,
      toAddress: input.to,
      origin: { kind: 'test', flowId: String(flow.id), stepId: step.id, requestedBy: input.requestedBy },
    },
    input.now,
  );
}
