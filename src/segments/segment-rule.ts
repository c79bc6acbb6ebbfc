/**
 * The rule language of segments: a JSON tree of groups — `{ "all": [...] }`, `{ "any": [...] }`,
 * `{ "not": node }` — and conditions `{ "field", "op", "value", "window"?, "event"? }` over the
 * fields of segment-fields.ts. `parseSegmentRule` validates a tree (with Zod, part by part, so each
 * problem names the JSON path of the bad part, e.g. `rule.all[2].any[0].op`) and returns it typed
 * for the compiler (segment-sql.ts). Sizes are bounded: `MAX_RULE_DEPTH` nested groups,
 * `MAX_RULE_CONDITIONS` conditions, `MAX_LIST_VALUES` values in one list and `MAX_RULE_VALUES` in
 * all, `MAX_TEXT_LENGTH` characters in a text value.
 */
import { z } from 'zod';
import { isSupportedDate, isSupportedInstant, MS_PER_DAY, SUPPORTED_DATES } from '../core/index.js';
import type { InputIssue } from '../errors/index.js';
import {
  ATTRIBUTE_FIELD,
  ATTRIBUTE_PREFIX,
  FIELDS,
  type FieldDefinition,
  isAttributeKey,
  OPERATORS,
  type Operator,
} from './segment-fields.js';

/** Deepest nesting of groups (the root group is level 1). */
export const MAX_RULE_DEPTH = 8;
/** Most conditions in one rule. */
export const MAX_RULE_CONDITIONS = 200;
/** Most groups in one rule. */
export const MAX_RULE_GROUPS = 200;
/** Most values in one list (`in`, `not_in`). */
export const MAX_LIST_VALUES = 200;
/** Most list values in one rule (each is a bound parameter of the compiled query). */
export const MAX_RULE_VALUES = 2_000;
/** Longest text value. */
export const MAX_TEXT_LENGTH = 500;
/** Longest duration (100 years). */
export const MAX_DURATION_MS = 36_500 * MS_PER_DAY;
/** Problems listed in one refusal. */
const MAX_ISSUES = 20;

export type RulePath = readonly (string | number)[];

/** A date in a rule: a calendar date (midnight in the workspace's time zone) or an exact instant. */
export type DateOperand = { readonly date: string } | { readonly instant: number };

/** What a condition compares the field with, by shape. */
export type Operand =
  | { readonly type: 'none' }
  | { readonly type: 'text'; readonly value: string }
  | { readonly type: 'texts'; readonly values: readonly string[] }
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'numbers'; readonly values: readonly number[] }
  | { readonly type: 'range'; readonly low: number; readonly high: number }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'date'; readonly value: DateOperand }
  | { readonly type: 'dates'; readonly from: DateOperand; readonly to: DateOperand }
  | { readonly type: 'duration'; readonly ms: number }
  | { readonly type: 'segments'; readonly ids: readonly number[] };

/** The orders or events a condition looks at: the last `ms` before now, or `[from, to)`. */
export type RuleWindow =
  | { readonly type: 'last'; readonly ms: number }
  | { readonly type: 'range'; readonly from: DateOperand | null; readonly to: DateOperand | null };

export interface RuleCondition {
  readonly type: 'condition';
  readonly field: FieldDefinition;
  /** The key of an `attributes.<key>` field, else null. */
  readonly attributeKey: string | null;
  readonly op: Operator;
  readonly operand: Operand;
  readonly window: RuleWindow | null;
  /** The event an `event_count` condition counts. */
  readonly event: string | null;
  /** Where the condition is in the rule (for messages). */
  readonly path: RulePath;
}

export type RuleNode =
  | { readonly type: 'all' | 'any'; readonly children: readonly RuleNode[]; readonly path: RulePath }
  | { readonly type: 'not'; readonly child: RuleNode; readonly path: RulePath }
  | RuleCondition;

/** A validated rule and what it refers to. */
export interface ParsedRule {
  readonly root: RuleNode;
  /** The segments it tests membership of, each with the path of the value naming it. */
  readonly segmentReferences: readonly { readonly segmentId: number; readonly path: RulePath }[];
  readonly conditions: number;
}

export type ParseRuleResult =
  | { readonly ok: true; readonly rule: ParsedRule }
  | { readonly ok: false; readonly issues: readonly InputIssue[] };

/**
 * `rule.all[2].any[0].op` for `['rule', 'all', 2, 'any', 0, 'op']` (a leading `json`, the HTTP
 * body's place, is left out).
 */
export function formatRulePath(path: RulePath): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else if (part === 'json' && text === '') continue;
    else text += text === '' ? part : `.${part}`;
  }
  return text;
}

const text = z
  .string({ error: 'Expected a text value.' })
  .min(1, 'Expected a non-empty text.')
  .max(MAX_TEXT_LENGTH, `Expected at most ${MAX_TEXT_LENGTH} characters.`);
const finite = z.number({ error: 'Expected a number.' });

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const dateSchema = z
  .string({ error: 'Expected a date `YYYY-MM-DD` or an ISO 8601 date-time with Z or an offset.' })
  .transform((value, context): DateOperand => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      if (isSupportedDate(value)) return { date: value };
    } else if (ISO_INSTANT.test(value)) {
      const instant = Date.parse(value);
      if (isSupportedInstant(instant)) return { instant };
    }
    context.addIssue({
      code: 'custom',
      message: `Expected a date YYYY-MM-DD or an ISO 8601 date-time with Z or an offset, from ${SUPPORTED_DATES}.`,
    });
    return z.NEVER;
  });

const WINDOW_SHAPE =
  'Expected `{ "last": { "days": n } }` or `{ "from": date, "to": date }` (`to` excluded; either may be left out).';

const durationSchema = z
  .object({
    days: z.number().int().min(1).optional(),
    weeks: z.number().int().min(1).optional(),
    hours: z.number().int().min(1).optional(),
  })
  .strict()
  .transform((value, context) => {
    const parts = Object.keys(value).length;
    if (parts !== 1) {
      context.addIssue({ code: 'custom', message: 'Expected one of `days`, `weeks` or `hours`.' });
      return z.NEVER;
    }
    const ms =
      (value.days ?? 0) * MS_PER_DAY + (value.weeks ?? 0) * 7 * MS_PER_DAY + (value.hours ?? 0) * 3_600_000;
    if (ms > MAX_DURATION_MS) {
      context.addIssue({ code: 'custom', message: 'Expected a duration of at most 36,500 days.' });
      return z.NEVER;
    }
    return ms;
  });

const lastWindowSchema = z.object({ last: durationSchema }).strict();
const rangeWindowSchema = z
  .object({ from: dateSchema.optional(), to: dateSchema.optional() }, { error: WINDOW_SHAPE })
  .strict()
  .refine((value) => value.from !== undefined || value.to !== undefined, 'Expected `from`, `to` or both.');

const segmentIdSchema = z.union([z.string(), z.number()]).transform((value, context) => {
  const text = String(value);
  const id = /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(id)) {
    context.addIssue({ code: 'custom', message: 'Expected a segment id.' });
    return z.NEVER;
  }
  return id;
});

const conditionShape = z
  .object({
    field: z.string({ error: 'Expected the field’s name.' }).max(200),
    op: z.string({ error: 'Expected an operator.' }).max(40),
    value: z.unknown().optional(),
    window: z.unknown().optional(),
    event: z.unknown().optional(),
  })
  .strict();

const OPERATOR_SET: ReadonlySet<string> = new Set(OPERATORS);

/** Validates a rule tree. O(size of the tree). */
export function parseSegmentRule(input: unknown, root: RulePath = ['rule']): ParseRuleResult {
  const parser = new RuleParser();
  const node = parser.node(input, root, 1);
  if (parser.issues.length > 0 || node === undefined) return { ok: false, issues: parser.issues };
  return {
    ok: true,
    rule: { root: node, segmentReferences: parser.references, conditions: parser.conditions },
  };
}

class RuleParser {
  readonly issues: InputIssue[] = [];
  readonly references: { segmentId: number; path: RulePath }[] = [];
  conditions = 0;
  groups = 0;
  listValues = 0;

  problem(path: RulePath, message: string, code = 'invalid_rule'): void {
    if (this.issues.length >= MAX_ISSUES) return;
    this.issues.push({ path: [...path], message: `${formatRulePath(path)}: ${message}`, code });
  }

  /** Parses `value` with `schema`, reporting its issues under `path`. */
  check<Output>(schema: z.ZodType<Output>, value: unknown, path: RulePath): Output | undefined {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      this.problem(
        [...path, ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))],
        issue.message,
      );
    }
    return undefined;
  }

  node(value: unknown, path: RulePath, depth: number): RuleNode | undefined {
    if (this.issues.length >= MAX_ISSUES) return undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.problem(
        path,
        'Expected a group (`{ "all": [...] }`, `{ "any": [...] }`, `{ "not": {...} }`) or a condition (`{ "field", "op", "value" }`).',
      );
      return undefined;
    }
    const keys = Object.keys(value);
    const group = keys.filter((key) => key === 'all' || key === 'any' || key === 'not');
    if (group.length === 0) return this.condition(value, path);
    if (keys.length !== 1) {
      this.problem(path, 'A group has exactly one key: `all`, `any` or `not`.');
      return undefined;
    }
    if (depth > MAX_RULE_DEPTH) {
      this.problem(path, `Groups nest at most ${MAX_RULE_DEPTH} deep.`, 'rule_too_deep');
      return undefined;
    }
    this.groups += 1;
    if (this.groups > MAX_RULE_GROUPS) {
      this.problem(path, `A rule has at most ${MAX_RULE_GROUPS} groups.`, 'rule_too_large');
      return undefined;
    }
    const key = group[0] as 'all' | 'any' | 'not';
    const inner = (value as Record<string, unknown>)[key];
    if (key === 'not') {
      const child = this.node(inner, [...path, 'not'], depth + 1);
      return child === undefined ? undefined : { type: 'not', child, path };
    }
    if (!Array.isArray(inner)) {
      this.problem([...path, key], 'Expected a list of conditions and groups.');
      return undefined;
    }
    const children: RuleNode[] = [];
    for (const [index, entry] of inner.entries()) {
      const child = this.node(entry, [...path, key, index], depth + 1);
      if (child !== undefined) children.push(child);
      if (this.issues.length >= MAX_ISSUES) break;
    }
    return { type: key, children, path };
  }

  condition(value: object, path: RulePath): RuleCondition | undefined {
    this.conditions += 1;
    if (this.conditions > MAX_RULE_CONDITIONS) {
      this.problem(path, `A rule has at most ${MAX_RULE_CONDITIONS} conditions.`, 'rule_too_large');
      return undefined;
    }
    const shape = this.check(conditionShape, value, path);
    if (shape === undefined) return undefined;
    let field: FieldDefinition | undefined;
    let attributeKey: string | null = null;
    if (shape.field.startsWith(ATTRIBUTE_PREFIX)) {
      attributeKey = shape.field.slice(ATTRIBUTE_PREFIX.length);
      if (!isAttributeKey(attributeKey)) {
        this.problem(
          [...path, 'field'],
          'An attribute key has 1–100 characters, none of them a control character, `"` or `\\`.',
          'unknown_field',
        );
        return undefined;
      }
      field = ATTRIBUTE_FIELD;
    } else {
      field = FIELDS.get(shape.field);
    }
    if (field === undefined) {
      this.problem(
        [...path, 'field'],
        `Unknown field \`${shape.field}\`. Fields: ${[...FIELDS.keys(), 'attributes.<key>'].join(', ')}.`,
        'unknown_field',
      );
      return undefined;
    }
    const op = shape.op as Operator;
    if (!OPERATOR_SET.has(shape.op) || !field.operators.includes(op)) {
      this.problem(
        [...path, 'op'],
        `\`${shape.op}\` is not an operator of \`${shape.field}\`; it takes ${field.operators.join(', ')}.`,
        'invalid_operator',
      );
      return undefined;
    }

    let window: RuleWindow | null = null;
    if (shape.window !== undefined) {
      if (!field.window) {
        this.problem([...path, 'window'], `\`${shape.field}\` takes no window.`);
        return undefined;
      }
      const windowPath = [...path, 'window'];
      if (typeof shape.window === 'object' && shape.window !== null && 'last' in shape.window) {
        const parsed = this.check(lastWindowSchema, shape.window, windowPath);
        if (parsed === undefined) return undefined;
        window = { type: 'last', ms: parsed.last };
      } else {
        const parsed = this.check(rangeWindowSchema, shape.window, windowPath);
        if (parsed === undefined) return undefined;
        window = { type: 'range', from: parsed.from ?? null, to: parsed.to ?? null };
      }
    }

    let event: string | null = null;
    if (field.kind === 'event_count') {
      const parsed = this.check(text, shape.event, [...path, 'event']);
      if (parsed === undefined) return undefined;
      event = parsed;
    } else if (shape.event !== undefined) {
      this.problem([...path, 'event'], `\`${shape.field}\` takes no \`event\` (only \`event_count\` does).`);
      return undefined;
    }

    const operand = this.operand(field, op, shape.value, 'value' in value, [...path, 'value']);
    if (operand === undefined) return undefined;
    if (operand.type === 'segments') {
      for (const [index, segmentId] of operand.ids.entries()) {
        this.references.push({ segmentId, path: [...path, 'value', index] });
      }
    }
    return { type: 'condition', field, attributeKey, op, operand, window, event, path };
  }

  operand(
    field: FieldDefinition,
    op: Operator,
    value: unknown,
    present: boolean,
    path: RulePath,
  ): Operand | undefined {
    if (op === 'is_set' || op === 'is_not_set') {
      if (present) {
        this.problem(path, `\`${op}\` takes no value.`);
        return undefined;
      }
      return { type: 'none' };
    }
    if (!present) {
      this.problem(path, `\`${op}\` needs a value.`);
      return undefined;
    }
    switch (field.kind) {
      case 'text':
      case 'purchase':
      case 'event':
        return op === 'in' || op === 'not_in'
          ? this.texts(field, value, path)
          : this.text(field, value, path);
      case 'enum':
      case 'subscription': {
        const values = z.enum(field.values as [string, ...string[]], {
          error: `Expected one of: ${(field.values ?? []).join(', ')}.`,
        });
        if (op === 'in' || op === 'not_in') {
          const list = this.check(this.list(values), value, path);
          return list === undefined ? undefined : this.counted({ type: 'texts', values: list }, path);
        }
        const one = this.check(values, value, path);
        return one === undefined ? undefined : { type: 'text', value: one };
      }
      case 'flag': {
        const flag = this.check(z.boolean({ error: 'Expected `true` or `false`.' }), value, path);
        return flag === undefined ? undefined : { type: 'boolean', value: flag };
      }
      case 'instant':
        return this.instant(op, value, path);
      case 'number':
      case 'count':
      case 'money':
      case 'event_count':
        return this.number(field, op, value, path);
      case 'segment': {
        const ids = Array.isArray(value)
          ? this.check(this.list(segmentIdSchema), value, path)
          : this.check(
              segmentIdSchema.transform((id) => [id]),
              value,
              path,
            );
        return ids === undefined
          ? undefined
          : this.counted({ type: 'segments', ids: [...new Set(ids)] }, path);
      }
      case 'attribute':
        return this.attribute(op, value, path);
    }
  }

  list<Output>(item: z.ZodType<Output>) {
    return z
      .array(item, { error: 'Expected a list of values.' })
      .min(1, 'Expected at least one value.')
      .max(MAX_LIST_VALUES, `Expected at most ${MAX_LIST_VALUES} values.`);
  }

  /** Counts a list's values against `MAX_RULE_VALUES`. */
  counted<Value extends Operand>(operand: Value, path: RulePath): Value | undefined {
    const size =
      operand.type === 'texts' ? operand.values.length : operand.type === 'segments' ? operand.ids.length : 0;
    this.listValues += operand.type === 'numbers' ? operand.values.length : size;
    if (this.listValues > MAX_RULE_VALUES) {
      this.problem(path, `A rule lists at most ${MAX_RULE_VALUES} values in all.`, 'rule_too_large');
      return undefined;
    }
    return operand;
  }

  textSchema(field: FieldDefinition) {
    let schema: z.ZodType<string> = text;
    if (field.pattern !== undefined) {
      const pattern = field.pattern;
      schema = text.refine((value) => pattern.test(value), `Expected a value matching ${pattern.source}.`);
    }
    return field.upperCase === true ? schema.transform((value) => value.toUpperCase()) : schema;
  }

  text(field: FieldDefinition, value: unknown, path: RulePath): Operand | undefined {
    const parsed = this.check(this.textSchema(field), value, path);
    return parsed === undefined ? undefined : { type: 'text', value: parsed };
  }

  texts(field: FieldDefinition, value: unknown, path: RulePath): Operand | undefined {
    const parsed = this.check(this.list(this.textSchema(field)), value, path);
    return parsed === undefined ? undefined : this.counted({ type: 'texts', values: parsed }, path);
  }

  instant(op: Operator, value: unknown, path: RulePath): Operand | undefined {
    if (op === 'within_last' || op === 'more_than_ago') {
      const ms = this.check(durationSchema, value, path);
      return ms === undefined ? undefined : { type: 'duration', ms };
    }
    if (op === 'between') {
      const pair = this.check(
        z.tuple([dateSchema, dateSchema], { error: 'Expected `[from, to]`: two dates, `to` excluded.' }),
        value,
        path,
      );
      return pair === undefined ? undefined : { type: 'dates', from: pair[0], to: pair[1] };
    }
    const date = this.check(dateSchema, value, path);
    return date === undefined ? undefined : { type: 'date', value: date };
  }

  numberSchema(field: FieldDefinition) {
    let schema = field.integer === true ? finite.int('Expected a whole number.') : finite;
    if (field.minimum !== undefined)
      schema = schema.min(field.minimum, `Expected at least ${field.minimum}.`);
    if (field.maximum !== undefined) schema = schema.max(field.maximum, `Expected at most ${field.maximum}.`);
    return schema;
  }

  number(field: FieldDefinition, op: Operator, value: unknown, path: RulePath): Operand | undefined {
    const number = this.numberSchema(field);
    if (op === 'between') {
      const pair = this.check(
        z
          .tuple([number, number], { error: 'Expected `[low, high]`: two numbers, both included.' })
          .refine(([low, high]) => low <= high, 'Expected `low` ≤ `high`.'),
        value,
        path,
      );
      return pair === undefined ? undefined : { type: 'range', low: pair[0], high: pair[1] };
    }
    const parsed = this.check(number, value, path);
    return parsed === undefined ? undefined : { type: 'number', value: parsed };
  }

  attribute(op: Operator, value: unknown, path: RulePath): Operand | undefined {
    const number = finite.min(-1e15, 'Expected at least -1e15.').max(1e15, 'Expected at most 1e15.');
    switch (op) {
      case '=':
      case '!=': {
        const parsed = this.check(
          z.union([text, number, z.boolean()], { error: 'Expected a text, a number, `true` or `false`.' }),
          value,
          path,
        );
        if (parsed === undefined) return undefined;
        if (typeof parsed === 'string') return { type: 'text', value: parsed };
        if (typeof parsed === 'number') return { type: 'number', value: parsed };
        return { type: 'boolean', value: parsed };
      }
      case 'in':
      case 'not_in': {
        const parsed = this.check(
          z.union([this.list(text), this.list(number)], { error: 'Expected a list of texts or of numbers.' }),
          value,
          path,
        );
        if (parsed === undefined) return undefined;
        return this.counted(
          parsed.every((entry) => typeof entry === 'string')
            ? { type: 'texts', values: parsed as string[] }
            : { type: 'numbers', values: parsed as number[] },
          path,
        );
      }
      case 'contains':
      case 'starts_with':
      case 'ends_with': {
        const parsed = this.check(text, value, path);
        return parsed === undefined ? undefined : { type: 'text', value: parsed };
      }
      case 'between': {
        const pair = this.check(
          z
            .tuple([number, number], { error: 'Expected `[low, high]`: two numbers, both included.' })
            .refine(([low, high]) => low <= high, 'Expected `low` ≤ `high`.'),
          value,
          path,
        );
        return pair === undefined ? undefined : { type: 'range', low: pair[0], high: pair[1] };
      }
      default: {
        const parsed = this.check(number, value, path);
        return parsed === undefined ? undefined : { type: 'number', value: parsed };
      }
    }
  }
}
