/**
 * The flow editor's model: a flow's definition (docs/api.md, "Flows": a trigger, steps — wait,
 * send e-mail, send a survey, branch on a segment rule with a yes and a no list, update an
 * attribute, exit —,
 * re-entry, exit conditions, holdout and horizon) as drafts the page edits, every value kept as
 * typed, and `toDefinition` writing the API's JSON back with where each step went
 * (`steps[1].yes[0]`), so a 400 naming a path is shown at its step. A branch's rule is the segment
 * builder's model (segments/rule-model.ts). Pure: no React, no I/O (flow-model.test.ts).
 */
import type { ResponseOf } from '../../api';
import {
  type FieldCatalogue,
  fromRule,
  type GroupDraft,
  newCondition,
  newGroup,
  type Problem,
  type RulePath,
  toRule,
} from '../segments/rule-model';

export type Flow = ResponseOf<'/api/v1/flows/{id}'>;
export type FlowReport = ResponseOf<'/api/v1/flows/{id}/report'>;

export const TRIGGER_TYPES = [
  'event',
  'segment_entered',
  'segment_exited',
  'days_since_last_order',
  'signup_anniversary',
  'schedule',
  'survey_answered',
] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

export interface TriggerDraft {
  readonly type: TriggerType;
  readonly event: string;
  readonly segmentId: string;
  readonly days: string;
  /** `datetime-local` text (the browser's zone), for a schedule. */
  readonly at: string;
  /** A survey answered: which survey ('' for any of the workspace's). */
  readonly surveyId: string;
  /** A survey answered: negative answers only (CSAT not satisfied, NPS 0–6), else any answer. */
  readonly negativeOnly: boolean;
}

export type WaitUnit = 'minutes' | 'hours' | 'days';
export const WAIT_UNITS: readonly WaitUnit[] = ['minutes', 'hours', 'days'];
export const STEP_TYPES = [
  'wait',
  'send_email',
  'send_survey',
  'branch',
  'update_attribute',
  'exit',
] as const;
export type StepType = (typeof STEP_TYPES)[number];

interface StepBase {
  /** The editor's key (stable while editing). */
  readonly key: string;
  /** The API's step id, once it has one. */
  readonly id: string | null;
}
export interface WaitDraft extends StepBase {
  readonly type: 'wait';
  readonly mode: 'duration' | 'time';
  readonly amount: string;
  readonly unit: WaitUnit;
  readonly time: string;
}
export interface EmailDraft extends StepBase {
  readonly type: 'send_email';
  readonly subject: string;
  readonly html: string;
  readonly category: 'marketing' | 'transactional';
}
export interface SurveyDraft extends StepBase {
  readonly type: 'send_survey';
  /** A survey's id (decimal string), '' until one is chosen. */
  readonly surveyId: string;
  readonly category: 'marketing' | 'transactional';
}
export interface BranchDraft extends StepBase {
  readonly type: 'branch';
  readonly rule: GroupDraft;
  readonly yes: readonly StepDraft[];
  readonly no: readonly StepDraft[];
}
export interface AttributeDraft extends StepBase {
  readonly type: 'update_attribute';
  readonly attribute: string;
  readonly valueType: 'text' | 'number' | 'boolean' | 'null';
  readonly value: string;
}
export interface ExitDraft extends StepBase {
  readonly type: 'exit';
}
export type StepDraft = WaitDraft | EmailDraft | SurveyDraft | BranchDraft | AttributeDraft | ExitDraft;

export interface FlowDraft {
  readonly name: string;
  readonly trigger: TriggerDraft;
  readonly steps: readonly StepDraft[];
  readonly holdoutPercent: string;
  readonly reentry: { readonly type: 'once' | 'every'; readonly days: string };
  readonly exitOnOrder: boolean;
  readonly exitEvent: string;
  /** Exit when the customer matches this rule (the segment builder's model); null: no rule. */
  readonly exitRule: GroupDraft | null;
  readonly horizonDays: string;
}

/** The API's bounds (flows/flow-definition.ts). */
export const MAX_STEPS = 100;
export const MAX_BRANCH_DEPTH = 5;

let lastKey = 0;
const newKey = () => {
  lastKey += 1;
  return `step${lastKey}`;
};

export function newStep(type: StepType): StepDraft {
  const base = { key: newKey(), id: null };
  switch (type) {
    case 'wait':
      return { ...base, type, mode: 'duration', amount: '1', unit: 'days', time: '09:00' };
    case 'send_email':
      return { ...base, type, subject: '', html: '', category: 'marketing' };
    case 'send_survey':
      return { ...base, type, surveyId: '', category: 'marketing' };
    case 'branch':
      return { ...base, type, rule: newGroup('all', [newCondition()]), yes: [], no: [] };
    case 'update_attribute':
      return { ...base, type, attribute: '', valueType: 'text', value: '' };
    case 'exit':
      return { ...base, type };
  }
}

export function newFlowDraft(): FlowDraft {
  return {
    name: '',
    trigger: {
      type: 'event',
      event: '',
      segmentId: '',
      days: '90',
      at: '',
      surveyId: '',
      negativeOnly: true,
    },
    steps: [newStep('send_email')],
    holdoutPercent: '10',
    reentry: { type: 'once', days: '30' },
    exitOnOrder: false,
    exitEvent: '',
    exitRule: null,
    horizonDays: '30',
  };
}

const text = (value: unknown) =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';

/** A `datetime-local` value for an ISO instant, in the browser's zone. */
function localDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function stepDraft(step: Record<string, unknown>, catalogue: FieldCatalogue): StepDraft {
  const base = { key: newKey(), id: typeof step.id === 'string' ? step.id : null };
  switch (step.type) {
    case 'wait': {
      if (typeof step.untilTimeOfDay === 'string') {
        return { ...base, type: 'wait', mode: 'time', amount: '1', unit: 'days', time: step.untilTimeOfDay };
      }
      const duration = (step.duration ?? {}) as Record<string, number>;
      const minutes = (duration.days ?? 0) * 1440 + (duration.hours ?? 0) * 60 + (duration.minutes ?? 0);
      const unit: WaitUnit = minutes % 1440 === 0 ? 'days' : minutes % 60 === 0 ? 'hours' : 'minutes';
      const amount = unit === 'days' ? minutes / 1440 : unit === 'hours' ? minutes / 60 : minutes;
      return { ...base, type: 'wait', mode: 'duration', amount: String(amount), unit, time: '09:00' };
    }
    case 'send_email':
      return {
        ...base,
        type: 'send_email',
        subject: text(step.subject),
        html: text(step.html),
        category: step.category === 'transactional' ? 'transactional' : 'marketing',
      };
    case 'send_survey':
      return {
        ...base,
        type: 'send_survey',
        surveyId: text(step.surveyId),
        category: step.category === 'transactional' ? 'transactional' : 'marketing',
      };
    case 'branch':
      return {
        ...base,
        type: 'branch',
        rule: fromRule(step.rule, catalogue),
        yes: Array.isArray(step.yes) ? step.yes.map((child) => stepDraft(child, catalogue)) : [],
        no: Array.isArray(step.no) ? step.no.map((child) => stepDraft(child, catalogue)) : [],
      };
    case 'update_attribute': {
      const value = step.value;
      const valueType =
        value === null
          ? 'null'
          : typeof value === 'number'
            ? 'number'
            : typeof value === 'boolean'
              ? 'boolean'
              : 'text';
      return {
        ...base,
        type: 'update_attribute',
        attribute: text(step.key),
        valueType,
        value: String(value ?? ''),
      };
    }
    default:
      return { ...base, type: 'exit' };
  }
}

/** The draft of a stored flow. */
export function fromFlow(flow: Flow, catalogue: FieldCatalogue): FlowDraft {
  const trigger = flow.trigger as Record<string, unknown>;
  const type = (TRIGGER_TYPES as readonly unknown[]).includes(trigger.type)
    ? (trigger.type as TriggerType)
    : 'event';
  const exitWhen = (flow.exitWhen ?? {}) as Record<string, unknown>;
  const reentry = flow.reentry as Record<string, unknown>;
  return {
    name: flow.name,
    trigger: {
      type,
      event: text(trigger.event),
      segmentId: text(trigger.segmentId),
      days: text(trigger.days) || '90',
      at: typeof trigger.at === 'string' ? localDateTime(trigger.at) : '',
      surveyId: type === 'survey_answered' ? text(trigger.surveyId) : '',
      negativeOnly: trigger.negativeOnly !== false,
    },
    steps: flow.steps.map((step) => stepDraft(step as Record<string, unknown>, catalogue)),
    holdoutPercent: String(flow.holdoutPercent),
    reentry: { type: reentry.type === 'every' ? 'every' : 'once', days: text(reentry.days) || '30' },
    exitOnOrder: exitWhen.placedOrder === true,
    exitEvent: text(exitWhen.event),
    exitRule:
      exitWhen.rule === undefined || exitWhen.rule === null ? null : fromRule(exitWhen.rule, catalogue),
    horizonDays: String(flow.horizonDays),
  };
}

/** A problem of a draft part: a message key's suffix, or the server's words. */
export interface FlowProblem {
  readonly code:
    | 'required'
    | 'whole'
    | 'range'
    | 'chooseSegment'
    | 'chooseSurvey'
    | 'attributeKey'
    | 'incompleteRule'
    | 'incompleteExitRule'
    | 'server';
  readonly field: string;
  readonly values?: Readonly<Record<string, string | number>>;
  readonly message?: string;
}

export interface CompiledFlow {
  readonly body: {
    name: string;
    trigger: Record<string, unknown>;
    steps: Record<string, unknown>[];
    holdoutPercent: number;
    reentry: Record<string, unknown>;
    exitWhen: Record<string, unknown> | null;
    horizonDays: number;
  };
  /** Problems by step key, or by `name`, `trigger`, `settings`. */
  readonly problems: ReadonlyMap<string, readonly FlowProblem[]>;
  /** Where each step and each branch-rule node is in the body (`['steps', 1, 'yes', 0]`). */
  readonly paths: ReadonlyMap<string, RulePath>;
  /** Each branch rule's own problems (by rule node id), as the segment builder shows them. */
  readonly ruleProblems: ReadonlyMap<string, readonly Problem[]>;
  readonly stepCount: number;
}

function wholeNumber(
  value: string,
  min: number,
  max: number,
  field: string,
  problems: FlowProblem[],
): number {
  const trimmed = value.trim();
  if (trimmed === '') {
    problems.push({ code: 'required', field });
    return Number.NaN;
  }
  const number = Number(trimmed);
  if (!Number.isInteger(number)) {
    problems.push({ code: 'whole', field });
    return Number.NaN;
  }
  if (number < min || number > max) {
    problems.push({ code: 'range', field, values: { min, max } });
    return Number.NaN;
  }
  return number;
}

/** The API's body for a draft, where each part went, and what is missing or wrong. */
export function toDefinition(draft: FlowDraft, catalogue: FieldCatalogue): CompiledFlow {
  const problems = new Map<string, FlowProblem[]>();
  const paths = new Map<string, RulePath>();
  const ruleProblems = new Map<string, readonly Problem[]>();
  const note = (key: string, list: FlowProblem[]) => {
    if (list.length > 0) problems.set(key, [...(problems.get(key) ?? []), ...list]);
  };
  let stepCount = 0;

  const nameProblems: FlowProblem[] = [];
  if (draft.name.trim() === '') nameProblems.push({ code: 'required', field: 'name' });
  note('name', nameProblems);

  const t = draft.trigger;
  const triggerProblems: FlowProblem[] = [];
  let trigger: Record<string, unknown> = { type: t.type };
  if (t.type === 'event') {
    if (t.event.trim() === '') triggerProblems.push({ code: 'required', field: 'event' });
    trigger = { type: t.type, event: t.event.trim() };
  } else if (t.type === 'segment_entered' || t.type === 'segment_exited' || t.type === 'schedule') {
    if (t.segmentId === '') triggerProblems.push({ code: 'chooseSegment', field: 'segmentId' });
    trigger = { type: t.type, segmentId: t.segmentId };
    if (t.type === 'schedule') {
      const at = new Date(t.at);
      if (t.at === '' || Number.isNaN(at.getTime())) triggerProblems.push({ code: 'required', field: 'at' });
      else trigger = { ...trigger, at: at.toISOString() };
    }
  } else if (t.type === 'days_since_last_order') {
    trigger = { type: t.type, days: wholeNumber(t.days, 1, 3650, 'days', triggerProblems) };
  } else if (t.type === 'survey_answered') {
    trigger = {
      type: t.type,
      ...(t.surveyId === '' ? {} : { surveyId: t.surveyId }),
      negativeOnly: t.negativeOnly,
    };
  }
  note('trigger', triggerProblems);
  paths.set('trigger', ['trigger']);

  const steps = (list: readonly StepDraft[], path: RulePath): Record<string, unknown>[] =>
    list.map((step, index) => {
      stepCount += 1;
      const at = [...path, index];
      paths.set(step.key, at);
      const own: FlowProblem[] = [];
      const id = step.id === null ? {} : { id: step.id };
      let body: Record<string, unknown>;
      switch (step.type) {
        case 'wait':
          if (step.mode === 'time') {
            if (!/^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(step.time))
              own.push({ code: 'required', field: 'time' });
            body = { ...id, type: 'wait', untilTimeOfDay: step.time };
          } else {
            const max = step.unit === 'days' ? 366 : step.unit === 'hours' ? 366 * 24 : 366 * 1440;
            body = {
              ...id,
              type: 'wait',
              duration: { [step.unit]: wholeNumber(step.amount, 1, max, 'amount', own) },
            };
          }
          break;
        case 'send_email':
          if (step.subject.trim() === '') own.push({ code: 'required', field: 'subject' });
          if (step.html.trim() === '') own.push({ code: 'required', field: 'html' });
          body = {
            ...id,
            type: 'send_email',
            subject: step.subject,
            html: step.html,
            category: step.category,
          };
          break;
        case 'send_survey':
          if (step.surveyId === '') own.push({ code: 'chooseSurvey', field: 'surveyId' });
          body = { ...id, type: 'send_survey', surveyId: step.surveyId, category: step.category };
          break;
        case 'branch': {
          const compiled = toRule(step.rule, catalogue);
          for (const [node, nodePath] of compiled.paths) paths.set(node, [...at, ...nodePath]);
          for (const [node, list] of compiled.problems) ruleProblems.set(node, list);
          if (compiled.problems.size > 0) own.push({ code: 'incompleteRule', field: 'rule' });
          body = {
            ...id,
            type: 'branch',
            rule: compiled.rule,
            yes: steps(step.yes, [...at, 'yes']),
            no: steps(step.no, [...at, 'no']),
          };
          break;
        }
        case 'update_attribute': {
          if (!/^[A-Za-z0-9_.-]{1,100}$/.test(step.attribute))
            own.push({ code: 'attributeKey', field: 'attribute' });
          let value: unknown = step.value;
          if (step.valueType === 'null') value = null;
          else if (step.valueType === 'boolean') value = step.value === 'true';
          else if (step.valueType === 'number') {
            value = Number(step.value.trim());
            if (step.value.trim() === '' || !Number.isFinite(value))
              own.push({ code: 'required', field: 'value' });
          }
          body = { ...id, type: 'update_attribute', key: step.attribute, value };
          break;
        }
        case 'exit':
          body = { ...id, type: 'exit' };
          break;
      }
      note(step.key, own);
      return body;
    });
  const stepBodies = steps(draft.steps, ['steps']);

  const settings: FlowProblem[] = [];
  const holdout = Number(draft.holdoutPercent.trim());
  if (draft.holdoutPercent.trim() === '' || !Number.isFinite(holdout) || holdout < 0 || holdout > 50) {
    settings.push({ code: 'range', field: 'holdoutPercent', values: { min: 0, max: 50 } });
  }
  const horizonDays = wholeNumber(draft.horizonDays, 1, 365, 'horizonDays', settings);
  const reentry =
    draft.reentry.type === 'every'
      ? { type: 'every', days: wholeNumber(draft.reentry.days, 1, 3650, 'reentryDays', settings) }
      : { type: 'once' };
  note('settings', settings);
  let exitRule: Record<string, unknown> | undefined;
  if (draft.exitRule !== null) {
    const compiled = toRule(draft.exitRule, catalogue);
    for (const [node, nodePath] of compiled.paths) paths.set(node, ['exitWhen', ...nodePath]);
    for (const [node, list] of compiled.problems) ruleProblems.set(node, list);
    if (compiled.problems.size > 0) note('exitRule', [{ code: 'incompleteExitRule', field: 'rule' }]);
    exitRule = compiled.rule;
  }
  const exitWhen: Record<string, unknown> = {
    ...(draft.exitOnOrder ? { placedOrder: true } : {}),
    ...(draft.exitEvent.trim() === '' ? {} : { event: draft.exitEvent.trim() }),
    ...(exitRule === undefined ? {} : { rule: exitRule }),
  };

  return {
    body: {
      name: draft.name.trim(),
      trigger,
      steps: stepBodies,
      holdoutPercent: Math.round(holdout * 100) / 100,
      reentry,
      exitWhen: Object.keys(exitWhen).length === 0 ? null : exitWhen,
      horizonDays,
    },
    problems,
    paths,
    ruleProblems,
    stepCount,
  };
}

/**
 * The server's issues (paths like `['json', 'steps', 1, 'yes', 0, 'subject']`) by the part they are
 * about: the deepest step or rule node whose path starts the issue's, else the flow's `name`,
 * `trigger` or `settings`.
 */
export function flowProblemsByKey(
  issues: readonly { readonly path?: readonly (string | number)[]; readonly message: string }[],
  paths: ReadonlyMap<string, RulePath>,
): Map<string, FlowProblem[]> {
  const found = new Map<string, FlowProblem[]>();
  for (const issue of issues) {
    const path = (issue.path ?? []).filter((part, index) => !(index === 0 && part === 'json'));
    let best: { key: string; length: number } | null = null;
    for (const [key, at] of paths) {
      if (at.length > path.length || !at.every((part, index) => part === path[index])) continue;
      if (!best || at.length > best.length) best = { key, length: at.length };
    }
    const key = best?.key ?? (path[0] === 'name' ? 'name' : 'settings');
    const field = String(path[best?.length ?? 0] ?? '');
    const message = issue.message.replace(/^[\w.[\]()]+: /, '');
    const list = found.get(key) ?? [];
    if (!list.some((problem) => problem.message === message)) list.push({ code: 'server', field, message });
    found.set(key, list);
  }
  return found;
}

/** The step list with `key`'s step changed (`null`: removed), wherever it is. */
export function updateStep(
  list: readonly StepDraft[],
  key: string,
  change: (step: StepDraft) => StepDraft | null,
): StepDraft[] {
  const result: StepDraft[] = [];
  for (const step of list) {
    if (step.key === key) {
      const next = change(step);
      if (next !== null) result.push(next);
    } else if (step.type === 'branch') {
      result.push({ ...step, yes: updateStep(step.yes, key, change), no: updateStep(step.no, key, change) });
    } else result.push(step);
  }
  return result;
}

/** The list holding `key` with that step moved by `offset` (−1 up, +1 down). */
export function moveStep(list: readonly StepDraft[], key: string, offset: -1 | 1): StepDraft[] {
  const index = list.findIndex((step) => step.key === key);
  if (index >= 0) {
    const target = index + offset;
    if (target < 0 || target >= list.length) return [...list];
    const moved = [...list];
    [moved[index], moved[target]] = [moved[target]!, moved[index]!];
    return moved;
  }
  return list.map((step) =>
    step.type === 'branch'
      ? { ...step, yes: moveStep(step.yes, key, offset), no: moveStep(step.no, key, offset) }
      : step,
  );
}

export function countSteps(list: readonly StepDraft[]): number {
  return list.reduce(
    (sum, step) => sum + 1 + (step.type === 'branch' ? countSteps(step.yes) + countSteps(step.no) : 0),
    0,
  );
}
