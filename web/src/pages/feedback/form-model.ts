/**
 * The custom-form builder's model, without React: the draft of each question as its fields hold it
 * (text, before any checking: the server validates and names each problem), the request body the
 * draft becomes, moving and removing questions, and the server's problems sorted by the field they
 * name (`['json', 'questions', 2, 'options']` → question 3's options).
 */

export type QuestionType = 'text' | 'single_choice' | 'multiple_choice' | 'rating';

export const QUESTION_TYPES: readonly QuestionType[] = ['text', 'single_choice', 'multiple_choice', 'rating'];

/** One question as the builder's fields hold it. */
export interface QuestionDraft {
  /** The question's id in the survey (`q1`, `q2`, …: stable while it is moved). */
  readonly id: string;
  readonly type: QuestionType;
  readonly label: string;
  readonly required: boolean;
  /** Choice questions: one option a line. */
  readonly options: string;
  /** Rating questions: the scale's ends as typed (empty: the default, 1 and 5). */
  readonly min: string;
  readonly max: string;
}

/** A question of the request body (`CreateSurvey`, `kind: form`). */
export interface QuestionBody {
  id: string;
  type: QuestionType;
  label: string;
  required: boolean;
  options?: string[];
  min?: number;
  max?: number;
}

/** A new question whose id no question of `existing` has. */
export function newQuestion(existing: readonly QuestionDraft[], type: QuestionType = 'text'): QuestionDraft {
  const taken = new Set(existing.map((question) => question.id));
  let number = existing.length + 1;
  while (taken.has(`q${number}`)) number += 1;
  return { id: `q${number}`, type, label: '', required: false, options: '', min: '1', max: '5' };
}

/** The options a choice question's field lists: one a line, trimmed, blank lines left out. */
export function optionsOf(question: QuestionDraft): string[] {
  return question.options
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** A typed number, or `undefined` when the field is empty (the server's default applies). */
function numberOf(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text);
}

/** The request body's questions: only the fields the question's type has. */
export function questionsBody(questions: readonly QuestionDraft[]): QuestionBody[] {
  return questions.map((question) => {
    const body: QuestionBody = {
      id: question.id,
      type: question.type,
      label: question.label.trim(),
      required: question.required,
    };
    if (question.type === 'single_choice' || question.type === 'multiple_choice')
      body.options = optionsOf(question);
    if (question.type === 'rating') {
      const min = numberOf(question.min);
      const max = numberOf(question.max);
      if (min !== undefined) body.min = min;
      if (max !== undefined) body.max = max;
    }
    return body;
  });
}

/** The list with the question at `index` moved by `offset` (−1 up, +1 down); the same list at an end. */
export function moveQuestion<T>(list: readonly T[], index: number, offset: -1 | 1): readonly T[] {
  const target = index + offset;
  if (index < 0 || index >= list.length || target < 0 || target >= list.length) return list;
  const moved = [...list];
  const [item] = moved.splice(index, 1);
  moved.splice(target, 0, item as T);
  return moved;
}

/** The part of the builder a problem is about. */
export type ProblemField = 'name' | 'questions' | 'label' | 'type' | 'options' | 'min' | 'max' | 'question';

export interface Problem {
  readonly field: ProblemField;
  /** The question's id (for the question fields), or null. */
  readonly questionId: string | null;
  readonly code: string | undefined;
  readonly message: string;
}

/**
 * The server's problems (`error.issues` of a 400) by the field of the builder they name. Paths
 * index the questions as they were sent, so `sent` is the list the request carried. A problem with
 * a path the builder has no field for is kept as `questions` (shown over the list).
 */
export function problemsOf(
  issues: readonly {
    readonly path?: readonly (string | number)[];
    readonly message: string;
    readonly code?: string;
  }[],
  sent: readonly QuestionDraft[],
): Problem[] {
  return issues.map((issue) => {
    const path = (issue.path ?? []).filter((part, index) => !(index === 0 && part === 'json'));
    const base = { code: issue.code, message: issue.message };
    if (path[0] === 'name') return { ...base, field: 'name', questionId: null };
    if (path[0] === 'questions' && typeof path[1] === 'number') {
      const question = sent[path[1]];
      if (question === undefined) return { ...base, field: 'questions', questionId: null };
      const part = path[2];
      const field: ProblemField =
        part === 'label' || part === 'type' || part === 'options' || part === 'min' || part === 'max'
          ? part
          : 'question';
      return { ...base, field, questionId: question.id };
    }
    return { ...base, field: 'questions', questionId: null };
  });
}
