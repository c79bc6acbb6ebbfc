/**
 * Survey definitions and the validation of one customer's answer against them (pure). The
 * definitions themselves are checked at the API's edge (feedback/feedback.schemas.ts, Zod, within
 * `SURVEY_LIMITS`); this file checks what a customer sends from the survey page or a signed link.
 */
import { fail, ok, type Result } from '../result.js';
import { type CsatScale, isSatisfied, RATING_RANGES, type SurveyKind } from './survey-metrics.js';

/** Bounds of a survey definition and of an answer: nothing a request sends is unbounded. */
export const SURVEY_LIMITS = Object.freeze({
  /** Questions of a custom form. */
  questions: 30,
  /** Options of a choice question; reasons offered to an unhappy CSAT answer. */
  options: 20,
  /** Characters of a question, an option, a reason, a survey's name. */
  labelLength: 300,
  /** Characters of a text answer or a comment. */
  answerLength: 2_000,
  /** Characters of a question id (`[a-z0-9_-]`). */
  questionIdLength: 40,
});

export type QuestionType = 'text' | 'single_choice' | 'multiple_choice' | 'rating';

/** One question of a custom form. */
export interface SurveyQuestion {
  /** Stable id, `[a-z0-9_-]{1,40}`, unique in the form: the key of the answer. */
  readonly id: string;
  readonly type: QuestionType;
  readonly label: string;
  readonly required: boolean;
  /** Choice questions: the options, 2–20, distinct. */
  readonly options?: readonly string[] | undefined;
  /** Rating questions: the scale (default 1–5). */
  readonly min?: number | undefined;
  readonly max?: number | undefined;
  /** Text questions: most characters (default and cap `SURVEY_LIMITS.answerLength`). */
  readonly maxLength?: number | undefined;
}

/** What a survey asks, by kind. */
export type SurveyDefinition =
  | {
      readonly kind: 'csat';
      readonly scale: CsatScale;
      /** The question; default per language ("How satisfied were you…"). */
      readonly question?: string | undefined;
      /** Reasons an unhappy customer may pick (optional). */
      readonly reasons?: readonly string[] | undefined;
      /** Whether the page offers a comment box (default true). */
      readonly comment?: boolean | undefined;
    }
  | {
      readonly kind: 'nps';
      readonly question?: string | undefined;
      /** The follow-up question shown with the comment box ("What is the main reason…"). */
      readonly followUp?: string | undefined;
    }
  | {
      readonly kind: 'form';
      readonly questions: readonly SurveyQuestion[];
    };

/** What a customer sends: a rating (CSAT / NPS), a comment, a reason, a form's answers. */
export interface SurveyAnswerInput {
  readonly rating?: number | null | undefined;
  readonly comment?: string | null | undefined;
  readonly reason?: string | null | undefined;
  /** Form answers by question id: text, one option, several options, or a rating. */
  readonly answers?: Readonly<Record<string, string | readonly string[] | number | null>> | undefined;
}

/** A validated answer, normalised (trimmed, empty → null, a reason only when unhappy). */
export interface SurveyAnswer {
  readonly rating: number | null;
  readonly comment: string | null;
  readonly reason: string | null;
  readonly answers: Readonly<Record<string, string | string[] | number>>;
}

export interface AnswerIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** The issue for text no store keeps alike: PostgreSQL refuses U+0000, UTF-8 has no lone surrogate. */
export const UNSTORABLE_TEXT_MESSAGE = 'Text without a NUL character (U+0000) or a lone UTF-16 surrogate.';

/** Whether `text` holds a NUL or a lone surrogate (the database would refuse or alter it). O(length). */
function isUnstorable(text: string): boolean {
  return text.includes('\u0000') || LONE_SURROGATE.test(text);
}

function trimmedOrNull(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** The inclusive rating range of a CSAT / NPS survey. */
export function ratingRange(definition: SurveyDefinition): { min: number; max: number } | null {
  if (definition.kind === 'csat') return RATING_RANGES[definition.scale];
  if (definition.kind === 'nps') return RATING_RANGES.nps;
  return null;
}

/**
 * Checks `input` against `definition` and normalises it. CSAT / NPS: the rating is an integer of
 * the survey's range or absent (an unrated answer: a comment alone); a reason must be one the
 * survey offers and is kept only with a not-satisfied rating. Forms: every required question
 * answered, choices among the options, ratings in range, texts within their length, no unknown
 * question. Every problem is named by its path (`['rating']`, `['answers', 'q2']`). O(questions +
 * options).
 */
export function validateSurveyAnswer(
  definition: SurveyDefinition,
  input: SurveyAnswerInput,
): Result<SurveyAnswer, AnswerIssue[]> {
  const issues: AnswerIssue[] = [];
  const comment = trimmedOrNull(input.comment);
  if (comment !== null && comment.length > SURVEY_LIMITS.answerLength) {
    issues.push({ path: ['comment'], message: `At most ${SURVEY_LIMITS.answerLength} characters.` });
  } else if (comment !== null && isUnstorable(comment)) {
    issues.push({ path: ['comment'], message: UNSTORABLE_TEXT_MESSAGE });
  }
  if (definition.kind === 'form') {
    if (input.rating !== undefined && input.rating !== null)
      issues.push({ path: ['rating'], message: 'A form has no overall rating: answer its questions.' });
    const answers = validateFormAnswers(definition.questions, input.answers ?? {}, issues);
    if (issues.length > 0) return fail(issues);
    return ok({ rating: null, comment, reason: null, answers });
  }
  const range = ratingRange(definition)!;
  const rating = input.rating ?? null;
  if (rating !== null && !(Number.isInteger(rating) && rating >= range.min && rating <= range.max)) {
    issues.push({ path: ['rating'], message: `A whole number from ${range.min} to ${range.max}.` });
  }
  let reason = trimmedOrNull(input.reason);
  if (reason !== null) {
    const offered = definition.kind === 'csat' ? (definition.reasons ?? []) : [];
    if (!offered.includes(reason))
      issues.push({ path: ['reason'], message: 'Not one of the reasons this survey offers.' });
  }
  if (input.answers !== undefined && Object.keys(input.answers).length > 0)
    issues.push({ path: ['answers'], message: 'Only a custom form has questions to answer.' });
  if (issues.length > 0) return fail(issues);
  // A reason explains an unhappy answer: with a satisfied (or no) rating it is dropped.
  if (definition.kind !== 'csat' || rating === null || isSatisfied(definition.scale, rating)) reason = null;
  return ok({ rating, comment, reason, answers: {} });
}

function validateFormAnswers(
  questions: readonly SurveyQuestion[],
  given: Readonly<Record<string, string | readonly string[] | number | null>>,
  issues: AnswerIssue[],
): Record<string, string | string[] | number> {
  const answers: Record<string, string | string[] | number> = {};
  const known = new Set(questions.map((question) => question.id));
  for (const id of Object.keys(given)) {
    if (!known.has(id)) issues.push({ path: ['answers', id], message: 'No such question in this form.' });
  }
  for (const question of questions) {
    const path = ['answers', question.id];
    const value = Object.hasOwn(given, question.id) ? given[question.id] : undefined;
    const empty =
      value === undefined ||
      value === null ||
      (typeof value === 'string' && value.trim() === '') ||
      (Array.isArray(value) && value.length === 0);
    if (empty) {
      if (question.required) issues.push({ path, message: 'This question needs an answer.' });
      continue;
    }
    switch (question.type) {
      case 'text': {
        const limit = Math.min(question.maxLength ?? SURVEY_LIMITS.answerLength, SURVEY_LIMITS.answerLength);
        if (typeof value !== 'string') issues.push({ path, message: 'A text answer.' });
        else if (value.trim().length > limit) issues.push({ path, message: `At most ${limit} characters.` });
        else if (isUnstorable(value)) issues.push({ path, message: UNSTORABLE_TEXT_MESSAGE });
        else answers[question.id] = value.trim();
        break;
      }
      case 'single_choice': {
        if (typeof value !== 'string' || !(question.options ?? []).includes(value))
          issues.push({ path, message: 'One of the question’s options.' });
        else answers[question.id] = value;
        break;
      }
      case 'multiple_choice': {
        const picked = typeof value === 'string' ? [value] : value;
        const options = question.options ?? [];
        if (
          !Array.isArray(picked) ||
          picked.length > options.length ||
          new Set(picked).size !== picked.length ||
          !picked.every((option) => typeof option === 'string' && options.includes(option))
        ) {
          issues.push({ path, message: 'Distinct options of the question.' });
        } else {
          // In the order the form lists them, whatever order they were sent in.
          answers[question.id] = options.filter((option) => picked.includes(option));
        }
        break;
      }
      case 'rating': {
        const min = question.min ?? 1;
        const max = question.max ?? 5;
        const rating = typeof value === 'string' ? Number(value) : value;
        if (typeof rating !== 'number' || !Number.isInteger(rating) || rating < min || rating > max)
          issues.push({ path, message: `A whole number from ${min} to ${max}.` });
        else answers[question.id] = rating;
        break;
      }
    }
  }
  return answers;
}

/** The kinds with a rating (CSAT, NPS). */
export function isRatedKind(kind: SurveyKind): kind is 'csat' | 'nps' {
  return kind === 'csat' || kind === 'nps';
}
