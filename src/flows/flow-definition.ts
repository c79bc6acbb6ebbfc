/**
 * The language of flows: a trigger, a list of steps (a branch holds two more lists), re-entry,
 * exit conditions, the holdout share and the horizon the report measures at. `parseFlowDefinition`
 * validates a body with Zod, part by part, so each problem names the JSON path of the bad part
 * (`steps[2].yes[0].subject`), bounds every size a request can ask for, gives every step an id
 * (the ids given, else `s1`, `s2`, … in reading order), and checks each branch's and exit
 * condition's rule with the segments' parser. `compileProgram` turns the steps into what the
 * engine walks: each step with the id of the one after it.
 *
 * The step union is open: a capability that adds a step (loyalty's points or coupon) adds its
 * schema to `STEP_SCHEMAS` and its executor to the engine's table.
 */
import { z } from 'zod';
import type { InputIssue } from '../errors/index.js';
import { parseSegmentRule } from '../segments/index.js';

/** Most steps in a flow, counting those inside branches. */
export const MAX_FLOW_STEPS = 100;
/** Deepest nesting of branches (a branch inside a branch … ; top-level steps are depth 1). */
export const MAX_BRANCH_DEPTH = 5;
/** Longest subject and HTML body of an e-mail step. */
export const MAX_SUBJECT_LENGTH = 1_000;
export const MAX_HTML_LENGTH = 200_000;
/** Longest flow name. */
export const MAX_FLOW_NAME_LENGTH = 200;
/** Holdout shares a flow may take (percent). */
export const MAX_HOLDOUT_PERCENT = 50;
export const DEFAULT_HOLDOUT_PERCENT = 10;
/** The horizon the report measures retention and revenue at (days). */
export const DEFAULT_HORIZON_DAYS = 30;
export const MAX_HORIZON_DAYS = 365;
/** Longest wait (one year) and longest re-entry period (ten years). */
export const MAX_WAIT_MINUTES = 366 * 24 * 60;
export const MAX_REENTRY_DAYS = 3_650;
/** Problems listed in one refusal. */
const MAX_ISSUES = 20;

const stepId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,40}$/, 'A step id has 1–40 letters, digits, "_" or "-".')
  .optional();
const eventName = z.string().trim().min(1).max(200);
const rowIdText = z.union([
  z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  z.string().regex(/^[1-9][0-9]{0,15}$/, 'An id is a positive whole number.'),
]);
const rule = z.record(z.string(), z.unknown());
const timeOfDay = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'A time of day is HH:MM, 00:00–23:59.');

/** The triggers, by `type`. */
export const TriggerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('event'), event: eventName }).strict(),
  z.object({ type: z.literal('segment_entered'), segmentId: rowIdText }).strict(),
  z.object({ type: z.literal('segment_exited'), segmentId: rowIdText }).strict(),
  z.object({ type: z.literal('days_since_last_order'), days: z.number().int().min(1).max(3_650) }).strict(),
  z.object({ type: z.literal('signup_anniversary') }).strict(),
  z
    .object({
      type: z.literal('schedule'),
      segmentId: rowIdText,
      at: z.iso.datetime({ offset: true }),
    })
    .strict(),
  // An answer to a survey (feedback's answer log): any answer when `negativeOnly` is false, else a
  // negative one (CSAT not satisfied, NPS 0–6: metrics.md §8); of one survey or of any.
  z
    .object({
      type: z.literal('survey_answered'),
      surveyId: rowIdText.optional(),
      negativeOnly: z.boolean().default(true),
    })
    .strict(),
]);
export type Trigger = z.infer<typeof TriggerSchema>;
export const TRIGGER_TYPES = [
  'event',
  'segment_entered',
  'segment_exited',
  'days_since_last_order',
  'signup_anniversary',
  'schedule',
  'survey_answered',
] as const;

const duration = z
  .object({
    days: z.number().int().min(0).max(366).optional(),
    hours: z
      .number()
      .int()
      .min(0)
      .max(24 * 366)
      .optional(),
    minutes: z.number().int().min(0).max(MAX_WAIT_MINUTES).optional(),
  })
  .strict()
  .refine(
    (value) => {
      const minutes = (value.days ?? 0) * 1440 + (value.hours ?? 0) * 60 + (value.minutes ?? 0);
      return minutes > 0 && minutes <= MAX_WAIT_MINUTES;
    },
    { message: `A wait lasts 1 minute to ${MAX_WAIT_MINUTES / 1440} days.` },
  );

/** The leaf steps, by `type` (a branch is read separately: it holds steps). */
const STEP_SCHEMAS = {
  wait: z
    .object({
      id: stepId,
      type: z.literal('wait'),
      duration: duration.optional(),
      untilTimeOfDay: timeOfDay.optional(),
    })
    .strict()
    .refine((value) => (value.duration === undefined) !== (value.untilTimeOfDay === undefined), {
      message:
        'A wait has either `duration` ({ days, hours, minutes }) or `untilTimeOfDay` ("HH:MM"), not both.',
    }),
  send_email: z
    .object({
      id: stepId,
      type: z.literal('send_email'),
      subject: z.string().min(1).max(MAX_SUBJECT_LENGTH),
      html: z.string().min(1).max(MAX_HTML_LENGTH),
      category: z.enum(['marketing', 'transactional']).optional(),
    })
    .strict(),
  update_attribute: z
    .object({
      id: stepId,
      type: z.literal('update_attribute'),
      key: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,100}$/, 'An attribute key has 1–100 letters, digits, "_", "." or "-".'),
      value: z.union([z.string().max(1_000), z.number(), z.boolean(), z.null()]),
    })
    .strict(),
  // A survey of src/feedback, sent through its signed link e-mail (flow-survey-step.ts).
  send_survey: z
    .object({
      id: stepId,
      type: z.literal('send_survey'),
      surveyId: rowIdText,
      category: z.enum(['marketing', 'transactional']).optional(),
    })
    .strict(),
  exit: z.object({ id: stepId, type: z.literal('exit') }).strict(),
} as const;

const branchShape = z
  .object({
    id: stepId,
    type: z.literal('branch'),
    rule,
    yes: z.array(z.unknown()).max(MAX_FLOW_STEPS),
    no: z.array(z.unknown()).max(MAX_FLOW_STEPS),
  })
  .strict();

export type WaitStep = { readonly id: string; readonly type: 'wait' } & (
  | {
      readonly duration: { readonly days?: number; readonly hours?: number; readonly minutes?: number };
      readonly untilTimeOfDay?: undefined;
    }
  | { readonly untilTimeOfDay: string; readonly duration?: undefined }
);
export interface SendEmailStep {
  readonly id: string;
  readonly type: 'send_email';
  readonly subject: string;
  readonly html: string;
  readonly category?: 'marketing' | 'transactional';
}
export interface UpdateAttributeStep {
  readonly id: string;
  readonly type: 'update_attribute';
  readonly key: string;
  readonly value: string | number | boolean | null;
}
export interface SendSurveyStep {
  readonly id: string;
  readonly type: 'send_survey';
  /** A survey of the flow's workspace (checked at save time). */
  readonly surveyId: string | number;
  /** Default `marketing`: consent, frequency caps and quiet hours apply, as to a flow's e-mail. */
  readonly category?: 'marketing' | 'transactional';
}
export interface ExitStep {
  readonly id: string;
  readonly type: 'exit';
}
export interface BranchStep {
  readonly id: string;
  readonly type: 'branch';
  readonly rule: Record<string, unknown>;
  readonly yes: readonly FlowStep[];
  readonly no: readonly FlowStep[];
}
export type FlowStep =
  | WaitStep
  | SendEmailStep
  | UpdateAttributeStep
  | SendSurveyStep
  | ExitStep
  | BranchStep;
export type FlowStepType = FlowStep['type'];
export const STEP_TYPES: readonly string[] = [...Object.keys(STEP_SCHEMAS), 'branch'];

export const ReentrySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('once') }).strict(),
  z.object({ type: z.literal('every'), days: z.number().int().min(1).max(MAX_REENTRY_DAYS) }).strict(),
]);
export type Reentry = z.infer<typeof ReentrySchema>;

export const ExitWhenSchema = z
  .object({
    placedOrder: z.boolean().optional(),
    event: eventName.optional(),
    rule: rule.optional(),
  })
  .strict();
export type ExitWhen = z.infer<typeof ExitWhenSchema>;

const topLevel = z
  .object({
    trigger: TriggerSchema,
    steps: z.array(z.unknown()).max(MAX_FLOW_STEPS),
    holdoutPercent: z
      .number()
      .min(0)
      .max(MAX_HOLDOUT_PERCENT)
      .refine(
        (value) =>
          Number.isInteger(Math.round(value * 100)) && Math.abs(value * 100 - Math.round(value * 100)) < 1e-9,
        {
          message: 'A holdout share has at most two decimals.',
        },
      )
      .optional(),
    reentry: ReentrySchema.optional(),
    exitWhen: ExitWhenSchema.optional(),
    horizonDays: z.number().int().min(1).max(MAX_HORIZON_DAYS).optional(),
  })
  .strict();

/** A validated flow definition, as stored (every step has its id, defaults filled in). */
export interface FlowDefinition {
  readonly trigger: Trigger;
  readonly steps: readonly FlowStep[];
  readonly holdoutPercent: number;
  readonly reentry: Reentry;
  readonly exitWhen: ExitWhen | null;
  readonly horizonDays: number;
}

export type FlowDefinitionResult =
  | { readonly ok: true; readonly definition: FlowDefinition }
  | { readonly ok: false; readonly issues: readonly InputIssue[] };

type Path = readonly (string | number)[];

function zodIssues(error: z.ZodError, root: Path): InputIssue[] {
  return error.issues.map((issue) => {
    const path = [...root, ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))];
    return { path, message: `${formatPath(path)}: ${issue.message}`, code: issue.code };
  });
}

/** `json.steps[2].yes[0].subject` → `steps[2].yes[0].subject` (without the request part). */
export function formatPath(path: Path): string {
  let text = '';
  for (const part of path) {
    if (part === 'json') continue;
    text += typeof part === 'number' ? `[${part}]` : text === '' ? part : `.${part}`;
  }
  return text === '' ? '(body)' : text;
}

/**
 * Validates a flow's definition (`trigger`, `steps`, `holdoutPercent`, `reentry`, `exitWhen`,
 * `horizonDays`) and returns it with defaults and step ids filled in, or the issues, each naming
 * its path under `root` (default `['json']`, as request bodies are reported). Template syntax is
 * not checked here (see the service: e-mail's `checkTemplate`). O(size of the definition).
 */
export function parseFlowDefinition(input: unknown, root: Path = ['json']): FlowDefinitionResult {
  const issues: InputIssue[] = [];
  const parsed = topLevel.safeParse(input);
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error, root).slice(0, MAX_ISSUES) };
  const body = parsed.data;

  let count = 0;
  const givenIds = new Map<string, Path>();
  const readSteps = (items: readonly unknown[], path: Path, depth: number): FlowStep[] => {
    const steps: FlowStep[] = [];
    for (const [index, item] of items.entries()) {
      const at = [...path, index];
      count++;
      if (count === MAX_FLOW_STEPS + 1) {
        issues.push({
          path: at,
          message: `${formatPath(at)}: a flow has at most ${MAX_FLOW_STEPS} steps, counting those in branches.`,
          code: 'too_many_steps',
        });
      }
      if (count > MAX_FLOW_STEPS || issues.length >= MAX_ISSUES) return steps;
      const type = (item as { type?: unknown } | null)?.type;
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        issues.push({
          path: at,
          message: `${formatPath(at)}: a step is an object with a \`type\`.`,
          code: 'invalid_type',
        });
        continue;
      }
      if (type === 'branch') {
        if (depth > MAX_BRANCH_DEPTH) {
          issues.push({
            path: [...at, 'type'],
            message: `${formatPath(at)}: branches nest at most ${MAX_BRANCH_DEPTH} deep.`,
            code: 'too_deep',
          });
          continue;
        }
        const branch = branchShape.safeParse(item);
        if (!branch.success) {
          issues.push(...zodIssues(branch.error, at));
          continue;
        }
        const checked = parseSegmentRule(branch.data.rule, [...at, 'rule']);
        if (!checked.ok) issues.push(...checked.issues);
        noteId(branch.data.id, at);
        steps.push({
          id: branch.data.id ?? '',
          type: 'branch',
          rule: branch.data.rule,
          yes: readSteps(branch.data.yes, [...at, 'yes'], depth + 1),
          no: readSteps(branch.data.no, [...at, 'no'], depth + 1),
        });
        continue;
      }
      const schema = typeof type === 'string' ? STEP_SCHEMAS[type as keyof typeof STEP_SCHEMAS] : undefined;
      if (schema === undefined) {
        issues.push({
          path: [...at, 'type'],
          message: `${formatPath([...at, 'type'])}: unknown step type ${JSON.stringify(type)}; the types are ${STEP_TYPES.join(', ')}.`,
          code: 'unknown_step_type',
        });
        continue;
      }
      const step = schema.safeParse(item);
      if (!step.success) {
        issues.push(...zodIssues(step.error, at));
        continue;
      }
      noteId(step.data.id, at);
      steps.push({ ...step.data, id: step.data.id ?? '' } as FlowStep);
    }
    return steps;
  };
  const noteId = (id: string | undefined, at: Path) => {
    if (id === undefined) return;
    const first = givenIds.get(id);
    if (first !== undefined) {
      issues.push({
        path: [...at, 'id'],
        message: `${formatPath([...at, 'id'])}: the step id "${id}" is already used by ${formatPath(first)}.`,
        code: 'duplicate_step_id',
      });
    } else givenIds.set(id, at);
  };
  const steps = readSteps(body.steps, [...root, 'steps'], 1);
  if (body.exitWhen?.rule !== undefined) {
    const checked = parseSegmentRule(body.exitWhen.rule, [...root, 'exitWhen', 'rule']);
    if (!checked.ok) issues.push(...checked.issues);
  }
  if (issues.length > 0) return { ok: false, issues: issues.slice(0, MAX_ISSUES) };

  // Steps without an id get `s1`, `s2`, … in reading order, skipping ids given explicitly.
  let next = 1;
  const assign = (list: readonly FlowStep[]): FlowStep[] =>
    list.map((step) => {
      let id = step.id;
      if (id === '') {
        while (givenIds.has(`s${next}`)) next++;
        id = `s${next++}`;
      }
      return step.type === 'branch'
        ? { ...step, id, yes: assign(step.yes), no: assign(step.no) }
        : { ...step, id };
    });
  return {
    ok: true,
    definition: {
      trigger: body.trigger,
      steps: assign(steps),
      holdoutPercent: body.holdoutPercent ?? DEFAULT_HOLDOUT_PERCENT,
      reentry: body.reentry ?? { type: 'once' },
      exitWhen: body.exitWhen === undefined || Object.keys(body.exitWhen).length === 0 ? null : body.exitWhen,
      horizonDays: body.horizonDays ?? DEFAULT_HORIZON_DAYS,
    },
  };
}

/** A step with the id of the step that follows it when it is done (null: the run ends). */
export interface ProgramStep {
  readonly step: FlowStep;
  readonly next: string | null;
}

/** The steps by id, each with its successor, and the first step's id. */
export interface FlowProgram {
  readonly first: string | null;
  readonly steps: ReadonlyMap<string, ProgramStep>;
}

/**
 * The steps as the engine walks them: each step's successor is the next step of its list, or — at
 * the end of a branch's list — the step after the branch. A branch's own successor is where its
 * `yes` or `no` list starts (or, for an empty list, the step after the branch). O(steps).
 */
export function compileProgram(steps: readonly FlowStep[]): FlowProgram {
  const byId = new Map<string, ProgramStep>();
  const walk = (list: readonly FlowStep[], after: string | null): string | null => {
    for (let index = list.length - 1; index >= 0; index--) {
      const step = list[index]!;
      if (step.type === 'branch') {
        walk(step.yes, after);
        walk(step.no, after);
      }
      byId.set(step.id, { step, next: after });
      after = step.id;
    }
    return after;
  };
  return { first: walk(steps, null), steps: byId };
}

/** Where a branch goes: the first step of the chosen list, else the step after the branch. */
export function branchTarget(program: FlowProgram, branch: BranchStep, matched: boolean): string | null {
  const list = matched ? branch.yes : branch.no;
  return list[0]?.id ?? program.steps.get(branch.id)?.next ?? null;
}

/** Every e-mail step of the steps, with its path (for checking templates at save time). */
export function emailSteps(
  steps: readonly FlowStep[],
  root: Path = ['json', 'steps'],
): { step: SendEmailStep; path: Path }[] {
  const found: { step: SendEmailStep; path: Path }[] = [];
  const walk = (list: readonly FlowStep[], path: Path) => {
    for (const [index, step] of list.entries()) {
      if (step.type === 'send_email') found.push({ step, path: [...path, index] });
      else if (step.type === 'branch') {
        walk(step.yes, [...path, index, 'yes']);
        walk(step.no, [...path, index, 'no']);
      }
    }
  };
  walk(steps, root);
  return found;
}
