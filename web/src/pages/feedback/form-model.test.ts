/**
 * The form builder's model: ids that stay unique as questions come and go, the body the fields
 * become (only the fields a type has), moving at the ends, and the server's problems placed on the
 * question they name even after it was moved.
 */
import { describe, expect, it } from 'vitest';
import { moveQuestion, newQuestion, problemsOf, type QuestionDraft, questionsBody } from './form-model';

describe('the form builder’s model', () => {
  it('makes unique ids and the request body of each type', () => {
    const first = newQuestion([]);
    const second = newQuestion([first]);
    const third = newQuestion([second]); // q1 removed: q2 is taken, the next free one is q3
    expect([first.id, second.id, third.id]).toEqual(['q1', 'q2', 'q3']);
    const questions: QuestionDraft[] = [
      { ...first, label: '  Colour ', type: 'single_choice', options: 'Red\n\n Blue \n', min: '1', max: '5' },
      { ...second, label: 'Score', type: 'rating', required: true, min: '0', max: '' },
      { ...third, label: 'Why?', type: 'text', options: 'ignored' },
    ];
    expect(questionsBody(questions)).toEqual([
      { id: 'q1', type: 'single_choice', label: 'Colour', required: false, options: ['Red', 'Blue'] },
      { id: 'q2', type: 'rating', label: 'Score', required: true, min: 0 },
      { id: 'q3', type: 'text', label: 'Why?', required: false },
    ]);
  });

  it('moves a question up or down, and not past an end', () => {
    expect(moveQuestion(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(moveQuestion(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    const list = ['a', 'b'];
    expect(moveQuestion(list, 0, -1)).toBe(list);
    expect(moveQuestion(list, 1, 1)).toBe(list);
  });

  it('places each server problem on the field of the question it was sent as', () => {
    const sent = [newQuestion([]), { ...newQuestion([]), id: 'q2' }];
    const problems = problemsOf(
      [
        { path: ['json', 'name'], message: 'Too small', code: 'too_small' },
        {
          path: ['json', 'questions', 1, 'options'],
          message: 'The options must be distinct.',
          code: 'custom',
        },
        { path: ['json', 'questions', 0, 'options', 3], message: 'Too big', code: 'too_big' },
        { path: ['json', 'questions', 0, 'id'], message: 'Used twice' },
        { path: ['json', 'questions'], message: 'Too many', code: 'too_big' },
      ],
      sent,
    );
    expect(problems.map(({ field, questionId }) => [field, questionId])).toEqual([
      ['name', null],
      ['options', 'q2'],
      ['options', 'q1'],
      ['question', 'q1'],
      ['questions', null],
    ]);
  });
});
