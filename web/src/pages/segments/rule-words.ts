/**
 * A stored rule in one line of words, for the list of segments: "At-risk score at least 60 and
 * Predicted CLV more than $20". Read through the builder's own model (rule-model.ts), so the words
 * say what the builder would show; a condition the builder cannot read is shown as its JSON.
 */
import { formatDate } from '../../i18n/format';
import type { Locale, MessageKey, Values } from '../../i18n/i18n';
import { OPERATOR_NAMES, UNIT_NAMES, UNIT_NAMES_ONE } from './names';
import {
  type ConditionDraft,
  type DurationUnit,
  type FieldCatalogue,
  fieldOf,
  fromRule,
  type NodeDraft,
  valueShape,
} from './rule-model';

export interface RuleWordsContext {
  readonly catalogue: FieldCatalogue;
  readonly locale: Locale;
  readonly currency: string;
  readonly t: (key: MessageKey, values?: Values) => string;
  readonly field: (name: string) => string;
  readonly value: (field: string, value: string) => string;
  readonly segmentName: (id: string) => string;
}

function number(text: string, condition: ConditionDraft, context: RuleWordsContext): string {
  const value = Number(text);
  if (!Number.isFinite(value)) return text;
  const unit = fieldOf(context.catalogue, condition.field)?.unit;
  if (unit === 'cents') {
    const whole = Number.isInteger(value);
    return new Intl.NumberFormat(context.locale, {
      style: 'currency',
      currency: context.currency,
      minimumFractionDigits: whole ? 0 : 2,
      maximumFractionDigits: 2,
    }).format(value);
  }
  if (unit === 'probability') {
    return new Intl.NumberFormat(context.locale, { style: 'percent', maximumFractionDigits: 2 }).format(
      value / 100,
    );
  }
  return new Intl.NumberFormat(context.locale, { maximumFractionDigits: 4 }).format(value);
}

/** "90 days", "1 day". */
function duration(amount: string, unit: DurationUnit, t: RuleWordsContext['t']): string {
  return `${amount} ${t((Number(amount) === 1 ? UNIT_NAMES_ONE : UNIT_NAMES)[unit])}`;
}

const date = (text: string, context: RuleWordsContext) =>
  /^\d{4}-\d{2}-\d{2}$/.test(text) ? formatDate(text, context.locale) : text;

function conditionWords(condition: ConditionDraft, context: RuleWordsContext): string {
  if (condition.raw !== undefined) return JSON.stringify(condition.raw);
  const { t } = context;
  const field = fieldOf(context.catalogue, condition.field);
  if (!field || condition.op === '') return '';
  const name =
    field.kind === 'attribute'
      ? `${context.field(field.name)} “${condition.attributeKey}”`
      : context.field(field.name);
  const subject = field.kind === 'event_count' ? `${name} “${condition.event}”` : name;
  const v = condition.value;
  let value = '';
  switch (valueShape(field, condition.op)) {
    case 'text':
      value = field.kind === 'attribute' ? v.text : `“${v.text}”`;
      break;
    case 'texts':
      value = v.text;
      break;
    case 'choice':
      value = context.value(field.name, v.text);
      break;
    case 'choices':
      value = v.choices.map((choice) => context.value(field.name, choice)).join(', ');
      break;
    case 'segments':
      value = v.choices.map((id) => `“${context.segmentName(id)}”`).join(', ');
      break;
    case 'flag':
      value = t(v.flag === 'true' ? 'segments.value.yes' : 'segments.value.no');
      break;
    case 'date':
      value = date(v.text, context);
      break;
    case 'dates':
      value = t('segments.describe.range', { from: date(v.low, context), to: date(v.high, context) });
      break;
    case 'duration':
      value = duration(v.amount, v.unit, t);
      break;
    case 'number':
      value = number(v.text, condition, context);
      break;
    case 'range':
      value = t('segments.describe.range', {
        from: number(v.low, condition, context),
        to: number(v.high, condition, context),
      });
      break;
    case 'attribute':
      value =
        condition.op === 'between'
          ? t('segments.describe.range', { from: v.low, to: v.high })
          : v.attributeType === 'boolean' && condition.op !== 'in' && condition.op !== 'not_in'
            ? t(v.flag === 'true' ? 'segments.value.yes' : 'segments.value.no')
            : v.text;
      break;
    case 'none':
      break;
  }
  let words = [subject, t(OPERATOR_NAMES[condition.op]), value].filter((part) => part !== '').join(' ');
  if (condition.op === 'more_than_ago') {
    words = t('segments.describe.ago', { field: subject, duration: value });
  }
  const window = condition.window;
  if (field.window && window.mode === 'last') {
    words += ` (${t('segments.describe.last', { duration: duration(window.amount, window.unit, t) })})`;
  } else if (field.window && window.mode === 'range') {
    words += ` (${t('segments.describe.period', { from: window.from ? date(window.from, context) : '…', to: window.to ? date(window.to, context) : '…' })})`;
  }
  return words;
}

function nodeWords(node: NodeDraft, context: RuleWordsContext, nested: boolean): string {
  if (node.kind === 'condition') return conditionWords(node, context);
  const joiner = node.match === 'any' || node.match === 'none' ? 'segments.joiner.or' : 'segments.joiner.and';
  const parts = node.children.map((child) => nodeWords(child, context, true)).filter((part) => part !== '');
  if (parts.length === 0) {
    return context.t(
      node.match === 'all' || node.match === 'none'
        ? 'segments.describe.everyone'
        : 'segments.describe.nobody',
    );
  }
  const joined = parts.join(` ${context.t(joiner)} `);
  if (node.match === 'none' || node.match === 'notAll')
    return context.t('segments.describe.not', { rule: joined });
  return nested && parts.length > 1 ? `(${joined})` : joined;
}

/** The rule in words. */
export function describeRule(rule: unknown, context: RuleWordsContext): string {
  return nodeWords(fromRule(rule, context.catalogue), context, false);
}
