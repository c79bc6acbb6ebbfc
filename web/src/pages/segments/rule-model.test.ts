/**
 * The builder's model against the server's own parts: the catalogue is what
 * `GET /api/v1/segments/fields` answers (`fieldListBody`), and every rule the model writes is
 * checked by the server's validator (`parseSegmentRule`), so the page cannot drift from the API.
 */
import { describe, expect, it } from 'vitest';
import { fieldListBody } from '../../../../src/segments/segment.schemas';
import { parseSegmentRule } from '../../../../src/segments/segment-rule';
import { translate } from '../../i18n/i18n';
import { fieldKey } from './names';
import {
  type ConditionDraft,
  EMPTY_VALUE,
  type FieldCatalogue,
  fromRule,
  type GroupDraft,
  newCondition,
  newGroup,
  problemsByNode,
  referencedSegments,
  toRule,
  updateNode,
  withField,
} from './rule-model';
import { describeRule } from './rule-words';

const catalogue = fieldListBody() as FieldCatalogue;

function condition(
  field: string,
  op: ConditionDraft['op'],
  value: Partial<ConditionDraft['value']>,
  extra: Partial<ConditionDraft> = {},
): ConditionDraft {
  return {
    ...withField(catalogue, newCondition(), field),
    op,
    value: { ...EMPTY_VALUE, ...value },
    ...extra,
  };
}

const accepted = (rule: unknown) => parseSegmentRule(rule).ok;

describe('the segment builder’s rule model', () => {
  it('writes the issue’s rule: at-risk score ≥ 70 and predicted CLV over 200 in currency units (cents to the API)', () => {
    const root = newGroup('all', [
      condition('at_risk_score', '>=', { text: '70' }),
      condition('predicted_clv_cents', '>', { text: '200' }),
      condition('consent_email_marketing', '=', { flag: 'true' }),
      condition('p_alive', '<', { text: '35' }),
    ]);
    const compiled = toRule(root, catalogue);
    expect(compiled.problems.size).toBe(0);
    expect(compiled.rule).toEqual({
      all: [
        { field: 'at_risk_score', op: '>=', value: 70 },
        { field: 'predicted_clv_cents', op: '>', value: 20_000 },
        { field: 'consent_email_marketing', op: '=', value: true },
        { field: 'p_alive', op: '<', value: 0.35 },
      ],
    });
    expect(accepted(compiled.rule)).toBe(true);
  });

  it('writes every value shape the server accepts, and reads each back to the same rule', () => {
    const root = newGroup('any', [
      condition('country', 'in', { text: 'fr, BE ,' }),
      condition('rfm_segment', 'not_in', { choices: ['At risk', 'Hibernating'] }),
      condition('last_order_at', 'more_than_ago', { amount: '90', unit: 'days' }),
      condition('signed_up_at', 'between', { low: '2024-01-01', high: '2025-01-01' }),
      condition('orders_count', 'between', { low: '2', high: '5' }),
      condition(
        'orders_count',
        '<',
        { text: '2' },
        { window: { mode: 'last', amount: '52', unit: 'weeks', from: '', to: '' } },
      ),
      condition(
        'bought_category',
        '=',
        { text: 'gift cards' },
        { window: { mode: 'range', amount: '', unit: 'days', from: '2025-01-01', to: '' } },
      ),
      condition('event_count', '>=', { text: '3' }, { event: 'Viewed Product' }),
      condition('event', 'not_done', { text: 'Order Completed' }),
      condition('subscription_status', '=', { text: 'active' }),
      condition('email', 'is_set', {}),
      condition(
        'attributes.<key>',
        '=',
        { attributeType: 'number', text: '3' },
        { attributeKey: 'plan tier' },
      ),
      condition(
        'attributes.<key>',
        '!=',
        { attributeType: 'boolean', flag: 'false' },
        { attributeKey: 'vip' },
      ),
      condition('total_spent_cents', '>=', { text: '19.99' }),
      newGroup('none', [condition('language', 'starts_with', { text: 'fr' })]),
      newGroup('notAll', [condition('time_zone', '=', { text: 'Europe/Paris' })]),
    ]);
    const compiled = toRule(root, catalogue);
    expect([...compiled.problems.values()]).toEqual([]);
    expect(parseSegmentRule(compiled.rule)).toMatchObject({ ok: true });
    const rule = compiled.rule as { any: Record<string, unknown>[] };
    expect(rule.any[0]).toEqual({ field: 'country', op: 'in', value: ['fr', 'BE'] });
    expect(rule.any[5]).toEqual({
      field: 'orders_count',
      op: '<',
      value: 2,
      window: { last: { weeks: 52 } },
    });
    expect(rule.any[11]).toEqual({ field: 'attributes.plan tier', op: '=', value: 3 });
    expect(rule.any[13]).toEqual({ field: 'total_spent_cents', op: '>=', value: 1999 });
    expect(rule.any[14]).toEqual({ not: { any: [{ field: 'language', op: 'starts_with', value: 'fr' }] } });
    // Read back and written again: the same rule (what the editor shows is what is stored).
    expect(toRule(fromRule(compiled.rule, catalogue), catalogue).rule).toEqual(compiled.rule);
  });

  it('holds back an incomplete or out-of-range condition, naming the part', () => {
    const empty = newCondition();
    const noValue = condition('at_risk_score', '>=', { text: '' });
    const tooHigh = condition('at_risk_score', '>=', { text: '101' });
    const fraction = condition('orders_count', '=', { text: '1.5' });
    const reversed = condition('orders_count', 'between', { low: '5', high: '2' });
    const badCountry = condition('country', '=', { text: 'France' });
    const compiled = toRule(
      newGroup('all', [empty, noValue, tooHigh, fraction, reversed, badCountry]),
      catalogue,
    );
    expect(compiled.problems.get(empty.id)).toEqual([{ part: 'field', code: 'chooseField' }]);
    expect(compiled.problems.get(noValue.id)).toEqual([{ part: 'value', code: 'required' }]);
    expect(compiled.problems.get(tooHigh.id)).toEqual([{ part: 'value', code: 'max', values: { max: 100 } }]);
    expect(compiled.problems.get(fraction.id)).toEqual([{ part: 'value', code: 'whole' }]);
    expect(compiled.problems.get(reversed.id)).toEqual([{ part: 'value', code: 'order' }]);
    expect(compiled.problems.get(badCountry.id)?.[0]).toMatchObject({ part: 'value', code: 'pattern' });
    // The server refuses the same values (the local checks only say it sooner, in the page's language).
    expect(accepted({ field: 'at_risk_score', op: '>=', value: 101 })).toBe(false);
    expect(accepted({ field: 'orders_count', op: '=', value: 1.5 })).toBe(false);
    expect(accepted({ field: 'country', op: '=', value: 'France' })).toBe(false);
  });

  it('shows a server issue at the condition its path names, through groups and negations', () => {
    const first = condition('at_risk_score', '>=', { text: '70' });
    const inner = condition('orders_count', '>', { text: '1' });
    const nested = newGroup('none', [inner]);
    const compiled = toRule(newGroup('all', [first, nested]), catalogue);
    expect(compiled.paths.get(inner.id)).toEqual(['rule', 'all', 1, 'not', 'any', 0]);
    const problems = problemsByNode(
      [
        {
          path: ['json', 'rule', 'all', 1, 'not', 'any', 0, 'value'],
          message: 'rule.all[1].not.any[0].value: Expected at most 5.',
        },
        { path: ['json', 'rule', 'all', 0, 'op'], message: 'rule.all[0].op: `like` is not an operator.' },
      ],
      compiled.paths,
    );
    expect(problems.get(inner.id)).toEqual([
      { part: 'value', code: 'server', message: 'Expected at most 5.' },
    ]);
    expect(problems.get(first.id)).toEqual([
      { part: 'op', code: 'server', message: '`like` is not an operator.' },
    ]);
  });

  it('keeps a condition it cannot edit as it was, and edits the tree by node id', () => {
    const stored = {
      all: [
        { field: 'future_field', op: '=', value: 1 },
        { field: 'orders_count', op: '>', value: 1 },
      ],
    };
    const root = fromRule(stored, catalogue);
    expect(toRule(root, catalogue).rule).toEqual(stored);
    const removed = updateNode(root, root.children[0]!.id, () => null);
    expect(toRule(removed, catalogue).rule).toEqual({ all: [{ field: 'orders_count', op: '>', value: 1 }] });
    // A root condition is put in a group, so more can be added beside it.
    const single: GroupDraft = fromRule({ field: 'email', op: 'is_set' }, catalogue);
    expect(toRule(single, catalogue).rule).toEqual({ all: [{ field: 'email', op: 'is_set' }] });
  });

  it('finds the segments a rule tests membership of', () => {
    expect([
      ...referencedSegments({
        any: [
          { field: 'segment', op: 'in', value: ['3', 4] },
          { not: { field: 'segment', op: 'not_in', value: '9' } },
        ],
      }),
    ]).toEqual(['3', '4', '9']);
  });
});

describe('a rule in words', () => {
  const words = (rule: unknown, locale: 'en' | 'zh-CN' = 'en') =>
    describeRule(rule, {
      catalogue,
      locale,
      currency: 'USD',
      t: (key, values) => translate(locale, key, values),
      field: (name) => {
        const key = fieldKey(name);
        return key ? translate(locale, key) : name;
      },
      value: (_field, value) => value,
      segmentName: (id) => (id === '7' ? 'VIP' : `#${id}`),
    });

  it('says what the builder shows, amounts in currency units and windows in words', () => {
    expect(
      words({
        all: [
          { field: 'at_risk_score', op: '>=', value: 60 },
          { field: 'predicted_clv_cents', op: '>', value: 2000 },
          {
            any: [
              { field: 'last_order_at', op: 'more_than_ago', value: { days: 90 } },
              { field: 'orders_count', op: '<', value: 2, window: { last: { weeks: 52 } } },
            ],
          },
          { not: { any: [{ field: 'segment', op: 'in', value: ['7'] }] } },
        ],
      }),
    ).toBe(
      'At-risk score at least 60 and Predicted CLV more than $20 and (Last order more than 90 days ago or Number of orders less than 2 (in the last 52 weeks)) and not (Member of segment is any of “VIP”)',
    );
    expect(words({ field: 'p_alive', op: 'between', value: [0.1, 0.355] }, 'zh-CN')).toBe(
      '仍活跃的概率 介于 10% 至 35.5%',
    );
    expect(words({ all: [] })).toBe('every customer');
  });
});
