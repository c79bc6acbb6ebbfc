/**
 * The words of the rule language's codes: fields, their families, operators, group matches, enum
 * values. The field list itself comes from the API (`GET /api/v1/segments/fields`); a field this
 * dashboard has no words for yet is shown by its API name rather than hidden.
 */
import { type MessageKey, useI18n } from '../../i18n/i18n';
import { en } from '../../i18n/messages';
import type { DurationUnit, GroupMatch, Operator } from './rule-model';

/** The families in the order the field picker groups them. */
export const FAMILIES = [
  'profile',
  'purchases',
  'engagement',
  'predictions',
  'subscription',
  'segments',
] as const;

function known(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

/** A field's name in words (`attributes.<key>`: "Custom attribute"). */
export function fieldKey(name: string): MessageKey | null {
  const key = name === 'attributes.<key>' ? 'segments.field.attribute' : `segments.field.${name}`;
  return known(key) ? key : null;
}

export function familyKey(family: string): MessageKey | null {
  const key = `segments.family.${family}`;
  return known(key) ? key : null;
}

export const OPERATOR_NAMES: Readonly<Record<Operator, MessageKey>> = {
  '=': 'segments.op.eq',
  '!=': 'segments.op.ne',
  '<': 'segments.op.lt',
  '<=': 'segments.op.le',
  '>': 'segments.op.gt',
  '>=': 'segments.op.ge',
  between: 'segments.op.between',
  in: 'segments.op.in',
  not_in: 'segments.op.not_in',
  contains: 'segments.op.contains',
  starts_with: 'segments.op.starts_with',
  ends_with: 'segments.op.ends_with',
  is_set: 'segments.op.is_set',
  is_not_set: 'segments.op.is_not_set',
  before: 'segments.op.before',
  after: 'segments.op.after',
  within_last: 'segments.op.within_last',
  more_than_ago: 'segments.op.more_than_ago',
  done: 'segments.op.done',
  not_done: 'segments.op.not_done',
};

export const MATCH_NAMES: Readonly<Record<GroupMatch, MessageKey>> = {
  all: 'segments.match.all',
  any: 'segments.match.any',
  none: 'segments.match.none',
  notAll: 'segments.match.notAll',
};

/** One day, week or hour (English says "1 day", not "1 days"). */
export const UNIT_NAMES_ONE: Readonly<Record<DurationUnit, MessageKey>> = {
  days: 'segments.unit.day',
  weeks: 'segments.unit.week',
  hours: 'segments.unit.hour',
};

export const UNIT_NAMES: Readonly<Record<DurationUnit, MessageKey>> = {
  days: 'segments.unit.days',
  weeks: 'segments.unit.weeks',
  hours: 'segments.unit.hours',
};

/** The RFM segments as the scores store them, in words (the Customers pages' names). */
const RFM_NAMES: Readonly<Record<string, MessageKey>> = {
  Champions: 'customers.segment.champions',
  'Loyal customers': 'customers.segment.loyal_customers',
  'Potential loyalists': 'customers.segment.potential_loyalists',
  'New customers': 'customers.segment.new_customers',
  Promising: 'customers.segment.promising',
  'Need attention': 'customers.segment.need_attention',
  'About to sleep': 'customers.segment.about_to_sleep',
  'At risk': 'customers.segment.at_risk',
  "Can't lose them": 'customers.segment.cant_lose_them',
  Hibernating: 'customers.segment.hibernating',
};

const SUBSCRIPTION_NAMES: Readonly<Record<string, MessageKey>> = {
  active: 'segments.subscription.active',
  cancelled: 'segments.subscription.cancelled',
  none: 'segments.subscription.none',
};

/** The labelling functions of the builder, in the current language. */
export function useRuleWords() {
  const { t } = useI18n();
  return {
    field: (name: string) => {
      const key = fieldKey(name);
      return key ? t(key) : name;
    },
    family: (family: string) => {
      const key = familyKey(family);
      return key ? t(key) : family;
    },
    operator: (op: Operator) => t(OPERATOR_NAMES[op]),
    value: (field: string, value: string) => {
      const key = field === 'rfm_segment' ? RFM_NAMES[value] : SUBSCRIPTION_NAMES[value];
      return key ? t(key) : value;
    },
  };
}
