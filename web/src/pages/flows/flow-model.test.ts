/**
 * The flow editor's exit rule against the server's own parts: the catalogue is what
 * `GET /api/v1/segments/fields` answers, and the definition the model writes is checked by the
 * server's `parseFlowDefinition`, so the page cannot drift from the API.
 */
import { describe, expect, it } from 'vitest';
import { parseFlowDefinition } from '../../../../src/flows/flow-definition';
import { fieldListBody } from '../../../../src/segments/segment.schemas';
import type { ConditionDraft, FieldCatalogue } from '../segments/rule-model';
import { EMPTY_VALUE, newCondition, newGroup, withField } from '../segments/rule-model';
import { type Flow, fromFlow, newFlowDraft, toDefinition } from './flow-model';

const catalogue = fieldListBody() as FieldCatalogue;

function ordersAtLeast(count: string): ConditionDraft {
  return {
    ...withField(catalogue, newCondition(), 'orders_count'),
    op: '>=',
    value: { ...EMPTY_VALUE, text: count },
  };
}

describe('the exit rule of the flow editor', () => {
  it('writes exitWhen.rule the server accepts, with paths under exitWhen.rule, and reads it back', () => {
    const condition = ordersAtLeast('2');
    const draft = {
      ...newFlowDraft(),
      name: 'Win back',
      trigger: { ...newFlowDraft().trigger, type: 'event' as const, event: 'Signed Up' },
      steps: [],
      exitOnOrder: true,
      exitRule: newGroup('all', [condition]),
    };
    const compiled = toDefinition(draft, catalogue);
    expect(compiled.problems.size).toBe(0);
    expect(compiled.body.exitWhen).toEqual({
      placedOrder: true,
      rule: { all: [{ field: 'orders_count', op: '>=', value: 2 }] },
    });
    expect(compiled.paths.get(condition.id)).toEqual(['exitWhen', 'rule', 'all', 0]);
    const { name: _name, ...definition } = compiled.body;
    const parsed = parseFlowDefinition({ ...definition, exitWhen: compiled.body.exitWhen ?? undefined });
    expect(parsed.ok).toBe(true);

    const flow = {
      ...definition,
      id: '1',
      name: 'Win back',
      exitWhen: compiled.body.exitWhen,
    } as unknown as Flow;
    const back = fromFlow(flow, catalogue);
    expect(back.exitRule?.children).toHaveLength(1);
    expect(toDefinition({ ...back, name: 'Win back' }, catalogue).body.exitWhen).toEqual(
      compiled.body.exitWhen,
    );
  });

  it('an incomplete exit rule is a problem of the settings, shown at its condition; no rule writes none', () => {
    const condition = newCondition();
    const compiled = toDefinition(
      { ...newFlowDraft(), name: 'x', exitRule: newGroup('all', [condition]) },
      catalogue,
    );
    expect(compiled.problems.get('exitRule')).toEqual([{ code: 'incompleteExitRule', field: 'rule' }]);
    expect(compiled.ruleProblems.get(condition.id)?.length).toBeGreaterThan(0);
    expect(toDefinition({ ...newFlowDraft(), name: 'x' }, catalogue).body.exitWhen).toBeNull();
  });
});
