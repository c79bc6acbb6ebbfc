/**
 * A survey answer sent as JSON (the storefront widget, and a link's page called with JSON), its
 * shape checked before the core checks its values: an object of `rating`, `comment`, `reason` and
 * `answers`, each of its type. Without this a number as the comment reached `trim()` (a 500) and a
 * body of `[1, 2]` or `null` was taken for an empty answer, clearing the one recorded.
 */
import type { SurveyAnswerInput } from '../core/index.js';
import { RetainError } from '../errors/index.js';

type Path = readonly (string | number)[];

/** The 400 for a bad answer body, the problem at `prefix` + `path`. */
export function invalidAnswerBody(prefix: Path, path: Path, message: string): RetainError {
  return new RetainError('invalid_input', 'The answer is not valid.', [
    { path: [...prefix, ...path], message },
  ]);
}

/** The parsed JSON body as an answer, each field's type checked; issue paths start with `prefix`. */
export function answerOfJson(body: unknown, prefix: Path): SurveyAnswerInput {
  const refuse = (path: Path, message: string) => invalidAnswerBody(prefix, path, message);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw refuse([], 'A JSON object: { rating?, comment?, reason?, answers? }.');
  const given = body as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!['rating', 'comment', 'reason', 'answers'].includes(key))
      throw refuse([key], 'Not a field of an answer (rating, comment, reason, answers).');
  }
  const { rating, comment, reason, answers } = given;
  if (rating !== undefined && rating !== null && typeof rating !== 'number')
    throw refuse(['rating'], 'A number, or null.');
  for (const [name, value] of [
    ['comment', comment],
    ['reason', reason],
  ] as const) {
    if (value !== undefined && value !== null && typeof value !== 'string')
      throw refuse([name], 'Text, or null.');
  }
  if (answers !== undefined && (typeof answers !== 'object' || answers === null || Array.isArray(answers)))
    throw refuse(['answers'], 'An object of answers by question id.');
  const formAnswers: Record<string, string | readonly string[] | number | null> = {};
  for (const [id, value] of Object.entries((answers ?? {}) as Record<string, unknown>)) {
    const valid =
      value === null ||
      typeof value === 'string' ||
      typeof value === 'number' ||
      (Array.isArray(value) && value.every((item) => typeof item === 'string'));
    if (!valid) throw refuse(['answers', id], 'Text, a number, a list of options, or null.');
    formAnswers[id] = value as string | readonly string[] | number | null;
  }
  return {
    rating: rating as number | null | undefined,
    comment: comment as string | null | undefined,
    reason: reason as string | null | undefined,
    ...(answers === undefined ? {} : { answers: formAnswers }),
  };
}
