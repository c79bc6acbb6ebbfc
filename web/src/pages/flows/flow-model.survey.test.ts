/**
 * The flow editor's model against the server's own validator (`parseFlowDefinition`): the survey
 * step a draft writes is one the API accepts, a stored one reads back as the same draft, and a
 * step without a survey is named before anything is sent.
 */
import { describe, expect, it } from 'vitest';
import { parseFlowDefinition } from '../../../../src/flows/flow-definition';
import { fieldListBody } from '../../../../src/segments/segment.schemas';
import type { FieldCatalogue } from '../segments/rule-model';
import { type Flow, fromFlow, newFlowDraft, newStep, type StepDraft, toDefinition } from './flow-model';

const catalogue = fieldListBody() as FieldCatalogue;

/** The definition part of the body (the route takes `name` apart; `exitWhen: null` is none). */
function definitionOf(body: ReturnType<typeof toDefinition>['body']) {
  const { name: _name, exitWhen, ...definition } = body;
  return exitWhen === null ? definition : { ...definition, exitWhen };
}

describe('the send_survey step in the flow editor', () => {
  it('writes a step the server accepts, and reads it back', () => {
    const survey = { ...(newStep('send_survey') as StepDraft & { type: 'send_survey' }), surveyId: '42' };
    const draft = {
      ...newFlowDraft(),
      name: 'Ask',
      trigger: { ...newFlowDraft().trigger, event: 'Order Completed' },
      steps: [newStep('wait'), { ...survey, category: 'transactional' as const }],
    };
    const compiled = toDefinition(draft, catalogue);
    expect(compiled.problems.size).toBe(0);
    expect(compiled.body.steps[1]).toEqual({
      type: 'send_survey',
      surveyId: '42',
      category: 'transactional',
    });
    const parsed = parseFlowDefinition(definitionOf(compiled.body));
    expect(parsed.ok && parsed.definition.steps[1]).toEqual({
      id: 's2',
      type: 'send_survey',
      surveyId: '42',
      category: 'transactional',
    });
    const stored = {
      ...compiled.body,
      id: '1',
      steps: parsed.ok ? parsed.definition.steps : [],
    } as unknown as Flow;
    const again = fromFlow(stored, catalogue).steps[1];
    expect(again).toMatchObject({ type: 'send_survey', id: 's2', surveyId: '42', category: 'transactional' });
  });

  it('names a survey step without a survey', () => {
    const step = newStep('send_survey');
    const compiled = toDefinition({ ...newFlowDraft(), name: 'Ask', steps: [step] }, catalogue);
    expect(compiled.problems.get(step.key)).toEqual([{ code: 'chooseSurvey', field: 'surveyId' }]);
    // The server refuses the same body, naming the field.
    const parsed = parseFlowDefinition({
      ...definitionOf(compiled.body),
      trigger: { type: 'event', event: 'X' },
    });
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.issues[0]?.path).toEqual(['json', 'steps', 0, 'surveyId']);
  });
});

describe('the survey_answered trigger in the flow editor', () => {
  it('writes a trigger the server accepts (any survey, or one; negative only or any answer) and reads it back', () => {
    for (const [surveyId, negativeOnly] of [
      ['', true],
      ['7', false],
    ] as const) {
      const draft = {
        ...newFlowDraft(),
        name: 'Unhappy',
        steps: [newStep('exit')],
        trigger: { ...newFlowDraft().trigger, type: 'survey_answered' as const, surveyId, negativeOnly },
      };
      const compiled = toDefinition(draft, catalogue);
      expect(compiled.problems.size).toBe(0);
      const expected = { type: 'survey_answered', ...(surveyId === '' ? {} : { surveyId }), negativeOnly };
      expect(compiled.body.trigger).toEqual(expected);
      const parsed = parseFlowDefinition(definitionOf(compiled.body));
      expect(parsed.ok && parsed.definition.trigger).toEqual(expected);
      const stored = {
        ...compiled.body,
        id: '1',
        steps: parsed.ok ? parsed.definition.steps : [],
      } as unknown as Flow;
      expect(fromFlow(stored, catalogue).trigger).toMatchObject({
        type: 'survey_answered',
        surveyId,
        negativeOnly,
      });
    }
  });
});
