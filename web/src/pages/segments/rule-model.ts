/**
 * The segment builder's model: the rule the API takes (docs/api.md, "The rule language") as a tree
 * of drafts the page edits — every value kept as typed, so a half-written number stays on screen —
 * and the way back: `toRule` checks each draft against the field catalogue
 * (`GET /api/v1/segments/fields`) and writes the API's JSON, remembering where each condition went
 * (`rule.all[2].any[0]`), so a 400 naming a path is shown at its condition (`problemsByNode`).
 * Amounts are typed in currency units and sent in cents; P(alive) is typed as a percentage.
 * Pure: no React, no I/O (rule-model.test.ts).
 */
import type { ResponseOf } from '../../api';

export type FieldCatalogue = ResponseOf<'/api/v1/segments/fields'>;
export type CatalogueField = FieldCatalogue['fields'][number];
export type Operator = FieldCatalogue['operators'][number];

/** How a group combines its children: `none` is `not any`, `notAll` is `not all`. */
export type GroupMatch = 'all' | 'any' | 'none' | 'notAll';
export const GROUP_MATCHES: readonly GroupMatch[] = ['all', 'any', 'none', 'notAll'];

export type DurationUnit = 'days' | 'weeks' | 'hours';
export const DURATION_UNITS: readonly DurationUnit[] = ['days', 'weeks', 'hours'];

/** The type an attribute's value is compared as (the API decides by the JSON type of the value). */
export type AttributeType = 'text' | 'number' | 'boolean';

/** A condition's operand as typed: each input's text, whichever the operator reads. */
export interface ValueDraft {
  /** One value: a text, a number, a date `YYYY-MM-DD`, an enum value; a comma-separated list. */
  readonly text: string;
  /** `between`: both ends (numbers or dates). */
  readonly low: string;
  readonly high: string;
  /** Chosen values of an enum, a subscription state or segment ids (`in`, `not_in`). */
  readonly choices: readonly string[];
  /** A duration (`within_last`, `more_than_ago`). */
  readonly amount: string;
  readonly unit: DurationUnit;
  /** `true` / `false`. */
  readonly flag: 'true' | 'false';
  readonly attributeType: AttributeType;
}

/** Which orders or events a windowed condition reads. */
export interface WindowDraft {
  readonly mode: 'none' | 'last' | 'range';
  readonly amount: string;
  readonly unit: DurationUnit;
  readonly from: string;
  readonly to: string;
}

export interface ConditionDraft {
  readonly kind: 'condition';
  readonly id: string;
  /** A catalogue field's name, `attributes.<key>` for every attribute, or '' (not chosen yet). */
  readonly field: string;
  readonly attributeKey: string;
  readonly op: Operator | '';
  readonly value: ValueDraft;
  readonly window: WindowDraft;
  /** The event `event_count` counts. */
  readonly event: string;
  /** A condition this editor cannot show (a field it does not know): kept and sent as it was. */
  readonly raw?: unknown;
}

export interface GroupDraft {
  readonly kind: 'group';
  readonly id: string;
  readonly match: GroupMatch;
  readonly children: readonly NodeDraft[];
}

export type NodeDraft = ConditionDraft | GroupDraft;

/** The field every attribute condition uses in the catalogue. */
export const ATTRIBUTE_FIELD = 'attributes.<key>';
const ATTRIBUTE_PREFIX = 'attributes.';

/** The API's bounds (segment-rule.ts): nested groups, conditions. */
export const MAX_DEPTH = 8;
export const MAX_CONDITIONS = 200;

let lastId = 0;
export function newId(): string {
  lastId += 1;
  return `n${lastId}`;
}

export const EMPTY_VALUE: ValueDraft = {
  text: '',
  low: '',
  high: '',
  choices: [],
  amount: '',
  unit: 'days',
  flag: 'true',
  attributeType: 'text',
};

export const NO_WINDOW: WindowDraft = { mode: 'none', amount: '', unit: 'days', from: '', to: '' };

export function newCondition(field = '', op: Operator | '' = ''): ConditionDraft {
  return {
    kind: 'condition',
    id: newId(),
    field,
    attributeKey: '',
    op,
    value: EMPTY_VALUE,
    window: NO_WINDOW,
    event: '',
  };
}

export function newGroup(match: GroupMatch = 'all', children: readonly NodeDraft[] = []): GroupDraft {
  return { kind: 'group', id: newId(), match, children };
}

/** The catalogue's entry for a draft's field (attributes share one). */
export function fieldOf(catalogue: FieldCatalogue, field: string): CatalogueField | undefined {
  const name = field.startsWith(ATTRIBUTE_PREFIX) ? ATTRIBUTE_FIELD : field;
  return catalogue.fields.find((entry) => entry.name === name);
}

/** The draft after choosing `field`: the first operator it takes, the value kept where it fits. */
export function withField(catalogue: FieldCatalogue, draft: ConditionDraft, field: string): ConditionDraft {
  const definition = fieldOf(catalogue, field);
  if (!definition) return { ...draft, field, op: '' };
  const sameKind = fieldOf(catalogue, draft.field)?.kind === definition.kind;
  const op = draft.op !== '' && definition.operators.includes(draft.op) ? draft.op : definition.operators[0]!;
  return {
    ...draft,
    field,
    op,
    value: sameKind ? draft.value : EMPTY_VALUE,
    window: definition.window ? draft.window : NO_WINDOW,
  };
}

/** What kind of input an operator of a field takes. */
export type ValueShape =
  | 'none'
  | 'text'
  | 'texts'
  | 'number'
  | 'range'
  | 'date'
  | 'dates'
  | 'duration'
  | 'flag'
  | 'choice'
  | 'choices'
  | 'segments'
  | 'attribute';

export function valueShape(field: CatalogueField | undefined, op: Operator | ''): ValueShape {
  if (!field || op === '' || op === 'is_set' || op === 'is_not_set') return 'none';
  const list = op === 'in' || op === 'not_in';
  switch (field.kind) {
    case 'text':
    case 'purchase':
    case 'event':
      return list ? 'texts' : 'text';
    case 'enum':
    case 'subscription':
      return list ? 'choices' : 'choice';
    case 'flag':
      return 'flag';
    case 'instant':
      if (op === 'within_last' || op === 'more_than_ago') return 'duration';
      return op === 'between' ? 'dates' : 'date';
    case 'segment':
      return 'segments';
    case 'attribute':
      return 'attribute';
    default:
      return op === 'between' ? 'range' : 'number';
  }
}

/** A problem with a draft, in words the page translates: a message key's suffix and its values. */
export interface Problem {
  /** The part of the condition: its field, operator, value, window or event; '' for the node. */
  readonly part: 'field' | 'op' | 'value' | 'window' | 'event' | '';
  readonly code:
    | 'chooseField'
    | 'attributeKey'
    | 'required'
    | 'number'
    | 'whole'
    | 'min'
    | 'max'
    | 'order'
    | 'pattern'
    | 'chooseOne'
    | 'duration'
    | 'windowRange'
    | 'server';
  readonly values?: Readonly<Record<string, string | number>>;
  /** The server's own words (for `server`). */
  readonly message?: string;
}

/** The scale between what people type and what the API stores. */
function scaleOf(field: CatalogueField): number {
  if (field.unit === 'cents') return 100;
  if (field.unit === 'probability') return 0.01;
  return 1;
}

/** `value × scale` without the float noise of e.g. 0.35 × 100 = 35.00000000000001. */
function scaled(value: number, scale: number): number {
  return Number((value * scale).toPrecision(12));
}

/** The bounds and step of a number as typed (the catalogue's, in typed units). */
export function typedBounds(field: CatalogueField): { min?: number; max?: number; whole: boolean } {
  const scale = scaleOf(field);
  return {
    ...(field.minimum === undefined ? {} : { min: scaled(field.minimum, 1 / scale) }),
    ...(field.maximum === undefined ? {} : { max: scaled(field.maximum, 1 / scale) }),
    whole: field.integer === true && scale === 1,
  };
}

class Checker {
  readonly problems: Problem[] = [];
  fail(part: Problem['part'], code: Problem['code'], values?: Problem['values']): undefined {
    this.problems.push({ part, code, ...(values ? { values } : {}) });
    return undefined;
  }

  number(text: string, field: CatalogueField, part: Problem['part'] = 'value'): number | undefined {
    const trimmed = text.trim().replace(',', '.');
    if (trimmed === '') return this.fail(part, 'required');
    const typed = Number(trimmed);
    if (!Number.isFinite(typed)) return this.fail(part, 'number');
    const bounds = typedBounds(field);
    if (bounds.min !== undefined && typed < bounds.min) return this.fail(part, 'min', { min: bounds.min });
    if (bounds.max !== undefined && typed > bounds.max) return this.fail(part, 'max', { max: bounds.max });
    const stored = field.unit === 'cents' ? Math.round(typed * 100) : scaled(typed, scaleOf(field));
    if (field.integer === true && !Number.isInteger(stored)) return this.fail(part, 'whole');
    return stored;
  }

  text(text: string, field: CatalogueField | undefined, part: Problem['part'] = 'value'): string | undefined {
    const trimmed = text.trim();
    if (trimmed === '') return this.fail(part, 'required');
    if (field?.pattern !== undefined && !new RegExp(field.pattern).test(trimmed)) {
      return this.fail(part, 'pattern', { value: trimmed });
    }
    return trimmed;
  }

  texts(text: string, field: CatalogueField | undefined): string[] | undefined {
    const values = text
      .split(',')
      .map((value) => value.trim())
      .filter((value) => value !== '');
    if (values.length === 0) return this.fail('value', 'required');
    for (const value of values) if (this.text(value, field) === undefined) return undefined;
    return values;
  }

  date(text: string, part: Problem['part'] = 'value'): string | undefined {
    if (text === '') return this.fail(part, 'required');
    return text;
  }

  duration(amount: string, unit: DurationUnit, part: Problem['part'] = 'value') {
    const value = Number(amount.trim());
    if (amount.trim() === '') return this.fail(part, 'required');
    if (!Number.isInteger(value) || value < 1) return this.fail(part, 'duration');
    const days = unit === 'days' ? value : unit === 'weeks' ? value * 7 : value / 24;
    if (days > 36_500)
      return this.fail(part, 'max', { max: unit === 'days' ? 36_500 : unit === 'weeks' ? 5214 : 876_000 });
    return { [unit]: value };
  }
}

/** The API's operand of a condition, or its problems. */
function operandOf(
  draft: ConditionDraft,
  field: CatalogueField,
  check: Checker,
): { present: boolean; value?: unknown } | undefined {
  const shape = valueShape(field, draft.op);
  const value = draft.value;
  switch (shape) {
    case 'none':
      return { present: false };
    case 'text': {
      const text = check.text(value.text, field);
      return text === undefined ? undefined : { present: true, value: text };
    }
    case 'texts': {
      const texts = check.texts(value.text, field);
      return texts === undefined ? undefined : { present: true, value: texts };
    }
    case 'choice': {
      if (value.text === '' || !(field.values ?? []).includes(value.text)) {
        return check.fail('value', 'chooseOne');
      }
      return { present: true, value: value.text };
    }
    case 'choices':
    case 'segments': {
      if (value.choices.length === 0) return check.fail('value', 'chooseOne');
      return { present: true, value: [...value.choices] };
    }
    case 'flag':
      return { present: true, value: value.flag === 'true' };
    case 'date': {
      const date = check.date(value.text);
      return date === undefined ? undefined : { present: true, value: date };
    }
    case 'dates': {
      const from = check.date(value.low);
      const to = check.date(value.high);
      if (from === undefined || to === undefined) return undefined;
      if (from >= to) return check.fail('value', 'order');
      return { present: true, value: [from, to] };
    }
    case 'duration': {
      const duration = check.duration(value.amount, value.unit);
      return duration === undefined ? undefined : { present: true, value: duration };
    }
    case 'number': {
      const number = check.number(value.text, field);
      return number === undefined ? undefined : { present: true, value: number };
    }
    case 'range': {
      const low = check.number(value.low, field);
      const high = check.number(value.high, field);
      if (low === undefined || high === undefined) return undefined;
      if (low > high) return check.fail('value', 'order');
      return { present: true, value: [low, high] };
    }
    case 'attribute':
      return attributeOperand(draft, check);
  }
}

function attributeOperand(
  draft: ConditionDraft,
  check: Checker,
): { present: true; value: unknown } | undefined {
  const { value, op } = draft;
  const plain: CatalogueField = {
    name: ATTRIBUTE_FIELD,
    family: 'profile',
    kind: 'attribute',
    operators: [],
    window: false,
    description: '',
  };
  if (op === 'contains' || op === 'starts_with' || op === 'ends_with') {
    const text = check.text(value.text, undefined);
    return text === undefined ? undefined : { present: true, value: text };
  }
  if (op === 'between') {
    const low = check.number(value.low, plain);
    const high = check.number(value.high, plain);
    if (low === undefined || high === undefined) return undefined;
    if (low > high) return check.fail('value', 'order');
    return { present: true, value: [low, high] };
  }
  if (op === '<' || op === '<=' || op === '>' || op === '>=') {
    const number = check.number(value.text, plain);
    return number === undefined ? undefined : { present: true, value: number };
  }
  const list = op === 'in' || op === 'not_in';
  if (value.attributeType === 'boolean' && !list) return { present: true, value: value.flag === 'true' };
  if (value.attributeType === 'number') {
    if (!list) {
      const number = check.number(value.text, plain);
      return number === undefined ? undefined : { present: true, value: number };
    }
    const parts = value.text.split(',').filter((part) => part.trim() !== '');
    if (parts.length === 0) return check.fail('value', 'required');
    const numbers: number[] = [];
    for (const part of parts) {
      const number = check.number(part, plain);
      if (number === undefined) return undefined;
      numbers.push(number);
    }
    return { present: true, value: numbers };
  }
  if (list) {
    const texts = check.texts(value.text, undefined);
    return texts === undefined ? undefined : { present: true, value: texts };
  }
  const text = check.text(value.text, undefined);
  return text === undefined ? undefined : { present: true, value: text };
}

function windowOf(draft: WindowDraft, check: Checker): unknown {
  if (draft.mode === 'last') {
    const duration = check.duration(draft.amount, draft.unit, 'window');
    return duration === undefined ? undefined : { last: duration };
  }
  if (draft.mode === 'range') {
    if (draft.from === '' && draft.to === '') return check.fail('window', 'required');
    if (draft.from !== '' && draft.to !== '' && draft.from >= draft.to)
      return check.fail('window', 'windowRange');
    return {
      ...(draft.from === '' ? {} : { from: draft.from }),
      ...(draft.to === '' ? {} : { to: draft.to }),
    };
  }
  return undefined;
}

/** A path in the rule as the API names it: `['rule', 'all', 2, 'any', 0]`. */
export type RulePath = readonly (string | number)[];

export interface CompiledRule {
  /** The API's rule; meaningful only when `problems` is empty. */
  readonly rule: Record<string, unknown>;
  /** Where each node of the draft is in `rule`, by node id. */
  readonly paths: ReadonlyMap<string, RulePath>;
  /** Each incomplete or invalid condition's problems, by node id. */
  readonly problems: ReadonlyMap<string, readonly Problem[]>;
  readonly conditions: number;
}

function conditionRule(draft: ConditionDraft, catalogue: FieldCatalogue, check: Checker): unknown {
  if (draft.raw !== undefined) return draft.raw;
  if (draft.field === '') return check.fail('field', 'chooseField');
  const field = fieldOf(catalogue, draft.field);
  if (!field) return check.fail('field', 'chooseField');
  let name = draft.field;
  if (field.kind === 'attribute') {
    const key = draft.attributeKey.trim();
    if (key === '' || key.length > 100 || /["\\\p{Cc}]/u.test(key))
      return check.fail('field', 'attributeKey');
    name = `${ATTRIBUTE_PREFIX}${key}`;
  }
  if (draft.op === '' || !field.operators.includes(draft.op)) return check.fail('op', 'chooseOne');
  const event = field.kind === 'event_count' ? check.text(draft.event, undefined, 'event') : undefined;
  const window = field.window ? windowOf(draft.window, check) : undefined;
  const operand = operandOf(draft, field, check);
  if (check.problems.length > 0 || operand === undefined) return undefined;
  return {
    field: name,
    op: draft.op,
    ...(operand.present ? { value: operand.value } : {}),
    ...(window === undefined ? {} : { window }),
    ...(event === undefined ? {} : { event }),
  };
}

/** The API's rule for a draft tree, where each node went, and what is missing or wrong. */
export function toRule(root: GroupDraft, catalogue: FieldCatalogue): CompiledRule {
  const paths = new Map<string, RulePath>();
  const problems = new Map<string, Problem[]>();
  let conditions = 0;
  const visit = (node: NodeDraft, path: RulePath): unknown => {
    paths.set(node.id, path);
    if (node.kind === 'condition') {
      conditions += 1;
      const check = new Checker();
      const rule = conditionRule(node, catalogue, check);
      if (check.problems.length > 0) problems.set(node.id, check.problems);
      return rule ?? {};
    }
    const negated = node.match === 'none' || node.match === 'notAll';
    const key = node.match === 'any' || node.match === 'none' ? 'any' : 'all';
    const inner: RulePath = negated ? [...path, 'not', key] : [...path, key];
    const children = node.children.map((child, index) => visit(child, [...inner, index]));
    return negated ? { not: { [key]: children } } : { [key]: children };
  };
  const rule = visit(root, ['rule']) as Record<string, unknown>;
  return { rule, paths, problems, conditions };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typedNumber(value: unknown, field: CatalogueField): string {
  if (typeof value !== 'number') return '';
  return String(scaled(value, 1 / scaleOf(field)));
}

function durationDraft(value: unknown): { amount: string; unit: DurationUnit } | null {
  if (!isRecord(value)) return null;
  for (const unit of DURATION_UNITS) {
    if (typeof value[unit] === 'number') return { amount: String(value[unit]), unit };
  }
  return null;
}

/** A date of the rule as a date input shows it (`YYYY-MM-DD`; an instant keeps its date). */
const dateText = (value: unknown) => (typeof value === 'string' ? value.slice(0, 10) : '');

function conditionDraft(input: Record<string, unknown>, catalogue: FieldCatalogue): ConditionDraft {
  const raw = { ...newCondition(), raw: input };
  const name = typeof input.field === 'string' ? input.field : '';
  const field = fieldOf(catalogue, name);
  const op = input.op as Operator;
  if (!field?.operators.includes(op)) return raw;
  const value = input.value;
  let draft: ValueDraft = EMPTY_VALUE;
  const shape = valueShape(field, op);
  switch (shape) {
    case 'none':
      break;
    case 'text':
    case 'choice':
      draft = { ...draft, text: typeof value === 'string' ? value : '' };
      break;
    case 'texts':
      draft = { ...draft, text: Array.isArray(value) ? value.join(', ') : '' };
      break;
    case 'choices':
    case 'segments':
      draft = {
        ...draft,
        choices: (Array.isArray(value) ? value : [value]).filter((entry) => entry !== undefined).map(String),
      };
      break;
    case 'flag':
      draft = { ...draft, flag: value === false ? 'false' : 'true' };
      break;
    case 'date':
      draft = { ...draft, text: dateText(value) };
      break;
    case 'dates':
      draft = Array.isArray(value) ? { ...draft, low: dateText(value[0]), high: dateText(value[1]) } : draft;
      break;
    case 'duration': {
      const duration = durationDraft(value);
      if (duration) draft = { ...draft, ...duration };
      break;
    }
    case 'number':
      draft = { ...draft, text: typedNumber(value, field) };
      break;
    case 'range':
      draft = Array.isArray(value)
        ? { ...draft, low: typedNumber(value[0], field), high: typedNumber(value[1], field) }
        : draft;
      break;
    case 'attribute': {
      const first = Array.isArray(value) ? value[0] : value;
      const attributeType: AttributeType =
        typeof first === 'number' ? 'number' : typeof first === 'boolean' ? 'boolean' : 'text';
      if (op === 'between' && Array.isArray(value)) {
        draft = { ...draft, attributeType: 'number', low: String(value[0]), high: String(value[1]) };
      } else if (typeof value === 'boolean') {
        draft = { ...draft, attributeType, flag: value ? 'true' : 'false' };
      } else {
        draft = {
          ...draft,
          attributeType,
          text: Array.isArray(value) ? value.join(', ') : value === undefined ? '' : String(value),
        };
      }
      break;
    }
  }
  let window = NO_WINDOW;
  if (isRecord(input.window)) {
    const last = durationDraft(input.window.last);
    window = last
      ? { ...NO_WINDOW, mode: 'last', ...last }
      : { ...NO_WINDOW, mode: 'range', from: dateText(input.window.from), to: dateText(input.window.to) };
  }
  return {
    kind: 'condition',
    id: newId(),
    field: field.kind === 'attribute' ? ATTRIBUTE_FIELD : name,
    attributeKey: field.kind === 'attribute' ? name.slice(ATTRIBUTE_PREFIX.length) : '',
    op,
    value: draft,
    window,
    event: typeof input.event === 'string' ? input.event : '',
  };
}

/** The draft tree of a stored rule (the root always a group, so conditions can be added to it). */
export function fromRule(rule: unknown, catalogue: FieldCatalogue): GroupDraft {
  const node = (value: unknown): NodeDraft => {
    if (!isRecord(value)) return { ...newCondition(), raw: value };
    if (Array.isArray(value.all)) return newGroup('all', value.all.map(node));
    if (Array.isArray(value.any)) return newGroup('any', value.any.map(node));
    if ('not' in value) {
      const inner = value.not;
      if (isRecord(inner) && Array.isArray(inner.any)) return newGroup('none', inner.any.map(node));
      if (isRecord(inner) && Array.isArray(inner.all)) return newGroup('notAll', inner.all.map(node));
      return newGroup('none', [node(inner)]);
    }
    return conditionDraft(value, catalogue);
  };
  const root = node(rule);
  return root.kind === 'group' ? root : newGroup('all', [root]);
}

/**
 * The server's problems (`error.issues`, paths like `['json', 'rule', 'all', 0, 'value']`) by the
 * node they are about: the deepest node whose path starts the issue's path; the part after it
 * names the condition's part.
 */
export function problemsByNode(
  issues: readonly { readonly path?: readonly (string | number)[]; readonly message: string }[],
  paths: ReadonlyMap<string, RulePath>,
): Map<string, Problem[]> {
  const found = new Map<string, Problem[]>();
  for (const issue of issues) {
    const path = (issue.path ?? []).filter((part, index) => !(index === 0 && part === 'json'));
    let best: { id: string; length: number } | null = null;
    for (const [id, nodePath] of paths) {
      if (nodePath.length > path.length) continue;
      if (!nodePath.every((part, index) => part === path[index])) continue;
      if (!best || nodePath.length > best.length) best = { id, length: nodePath.length };
    }
    if (!best) continue;
    const next = path[best.length];
    const part: Problem['part'] =
      next === 'field' || next === 'op' || next === 'value' || next === 'window' || next === 'event'
        ? next
        : '';
    // The server starts its message with the path ("rule.all[0].value: …"); the page shows where.
    const message = issue.message.replace(/^[\w.[\]]+: /, '');
    const list = found.get(best.id) ?? [];
    if (list.some((problem) => problem.part === part && problem.message === message)) continue;
    list.push({ part, code: 'server', message });
    found.set(best.id, list);
  }
  return found;
}

/** The tree with `node` (found by id) replaced by `change(node)`. */
export function updateNode(
  root: GroupDraft,
  id: string,
  change: (node: NodeDraft) => NodeDraft | null,
): GroupDraft {
  const visit = (node: NodeDraft): NodeDraft | null => {
    if (node.id === id) return change(node);
    if (node.kind === 'condition') return node;
    const children: NodeDraft[] = [];
    let changed = false;
    for (const child of node.children) {
      const next = visit(child);
      if (next !== child) changed = true;
      if (next !== null) children.push(next);
    }
    return changed ? { ...node, children } : node;
  };
  return (visit(root) as GroupDraft | null) ?? newGroup();
}

export function countConditions(node: NodeDraft): number {
  return node.kind === 'condition'
    ? 1
    : node.children.reduce((sum, child) => sum + countConditions(child), 0);
}

/** The segment ids a rule tests membership of (to say which segments use one). */
export function referencedSegments(rule: unknown): Set<string> {
  const ids = new Set<string>();
  const visit = (value: unknown) => {
    if (Array.isArray(value)) {
      for (const entry of value) visit(entry);
      return;
    }
    if (!isRecord(value)) return;
    if (value.field === 'segment') {
      for (const id of Array.isArray(value.value) ? value.value : [value.value]) ids.add(String(id));
      return;
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(rule);
  return ids;
}
