/**
 * Creating a survey: a name and a kind — CSAT, NPS, or a custom form built here. The form builder
 * adds, removes and reorders questions with buttons (keyboard-usable; focus follows the moved
 * question and a live region says where it went), sets each one's type, text, whether it is
 * required, the options of a choice and the ends of a rating; a live preview shows the form as the
 * public survey page draws it. The server validates: each problem it names is shown beside its field.
 */
import { type FormEvent, useId, useLayoutEffect, useRef, useState } from 'react';
import { ApiError } from '../../api';
import { type MessageKey, useI18n } from '../../i18n/i18n';
import {
  moveQuestion,
  newQuestion,
  optionsOf,
  type Problem,
  problemsOf,
  QUESTION_TYPES,
  type QuestionDraft,
  type QuestionType,
  questionsBody,
} from './form-model';
import { type NewSurvey, useCreateSurvey } from './queries';

type Kind = 'csat5' | 'csat2' | 'nps' | 'form';

const NEW_SURVEYS: Readonly<Record<Exclude<Kind, 'form'>, Omit<NewSurvey, 'name'>>> = {
  csat5: { kind: 'csat', scale: 'five_point', comment: true },
  csat2: { kind: 'csat', scale: 'binary', comment: true },
  nps: { kind: 'nps' },
} as Readonly<Record<Exclude<Kind, 'form'>, Omit<NewSurvey, 'name'>>>;

const TYPE_KEYS: Readonly<Record<QuestionType, MessageKey>> = {
  text: 'feedback.form.type.text',
  single_choice: 'feedback.form.type.single',
  multiple_choice: 'feedback.form.type.multiple',
  rating: 'feedback.form.type.rating',
};

/** A problem in the dashboard's language where its kind is known, else the server's words. */
function useProblemText() {
  const { t } = useI18n();
  return (problem: Problem): string => {
    if (problem.message === 'The options must be distinct.') return t('feedback.form.problem.distinct');
    if (problem.message === 'max must be above min.') return t('feedback.form.problem.maxAboveMin');
    if (problem.message === 'A choice question needs its options.')
      return t('feedback.form.problem.fewOptions');
    if (problem.code === 'too_small' || problem.code === 'too_big') {
      if (problem.field === 'options') return t('feedback.form.problem.fewOptions');
      if (problem.field === 'label' || problem.field === 'name') return t('feedback.form.problem.empty');
      if (problem.field === 'min' || problem.field === 'max') return t('feedback.form.problem.scale');
      if (problem.field === 'questions') return t('feedback.form.problem.questions');
    }
    if (problem.code === 'invalid_type' && (problem.field === 'min' || problem.field === 'max'))
      return t('feedback.form.problem.scale');
    return problem.message;
  };
}

/** The problem text beside a field (`id` for the field's `aria-describedby`), or nothing. */
function FieldProblems({ id, problems }: { readonly id: string; readonly problems: readonly Problem[] }) {
  const text = useProblemText();
  if (problems.length === 0) return null;
  return (
    <p className="field-problem" id={id}>
      {problems.map((problem) => text(problem)).join(' ')}
    </p>
  );
}

function QuestionEditor({
  question,
  index,
  count,
  problems,
  onChange,
  onMove,
  onRemove,
}: {
  readonly question: QuestionDraft;
  readonly index: number;
  readonly count: number;
  readonly problems: readonly Problem[];
  readonly onChange: (question: QuestionDraft) => void;
  readonly onMove: (offset: -1 | 1) => void;
  readonly onRemove: () => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const number = index + 1;
  const of = (field: Problem['field']) => problems.filter((problem) => problem.field === field);
  const described = (field: Problem['field'], extra?: string) => {
    const ids = [extra, of(field).length > 0 ? `${id}-${field}-problem` : undefined].filter(Boolean);
    return ids.length === 0 ? undefined : ids.join(' ');
  };
  const invalid = (field: Problem['field']) => (of(field).length > 0 ? true : undefined);
  const choice = question.type === 'single_choice' || question.type === 'multiple_choice';
  return (
    <li className="question-card" data-question={question.id}>
      <fieldset>
        <legend>{t('feedback.form.question', { number })}</legend>
        <FieldProblems id={`${id}-question-problem`} problems={of('question')} />
        <div className="question-grid">
          <div className="field question-label">
            <label className="field-label" htmlFor={`${id}-label`}>
              {t('feedback.form.label')}
            </label>
            <input
              id={`${id}-label`}
              data-field="label"
              className="input"
              maxLength={300}
              aria-required="true"
              aria-invalid={invalid('label')}
              aria-describedby={described('label')}
              value={question.label}
              onChange={(event) => onChange({ ...question, label: event.target.value })}
            />
            <FieldProblems id={`${id}-label-problem`} problems={of('label')} />
          </div>
          <div className="field">
            <label className="field-label" htmlFor={`${id}-type`}>
              {t('feedback.form.type')}
            </label>
            <select
              id={`${id}-type`}
              data-field="type"
              className="select"
              value={question.type}
              aria-invalid={invalid('type')}
              aria-describedby={described('type')}
              onChange={(event) => onChange({ ...question, type: event.target.value as QuestionType })}
            >
              {QUESTION_TYPES.map((type) => (
                <option key={type} value={type}>
                  {t(TYPE_KEYS[type])}
                </option>
              ))}
            </select>
            <FieldProblems id={`${id}-type-problem`} problems={of('type')} />
          </div>
          <label className="checkbox question-required">
            <input
              type="checkbox"
              data-field="required"
              checked={question.required}
              onChange={(event) => onChange({ ...question, required: event.target.checked })}
            />
            <span>{t('feedback.form.required')}</span>
          </label>
        </div>
        {choice && (
          <div className="field">
            <label className="field-label" htmlFor={`${id}-options`}>
              {t('feedback.form.options')}
            </label>
            <p className="field-hint" id={`${id}-options-hint`}>
              {t('feedback.form.options.hint')}
            </p>
            <textarea
              id={`${id}-options`}
              data-field="options"
              className="input"
              rows={4}
              aria-invalid={invalid('options')}
              aria-describedby={described('options', `${id}-options-hint`)}
              value={question.options}
              onChange={(event) => onChange({ ...question, options: event.target.value })}
            />
            <FieldProblems id={`${id}-options-problem`} problems={of('options')} />
          </div>
        )}
        {question.type === 'rating' && (
          <div className="question-scale">
            {(['min', 'max'] as const).map((end) => (
              <div className="field" key={end}>
                <label className="field-label" htmlFor={`${id}-${end}`}>
                  {t(end === 'min' ? 'feedback.form.min' : 'feedback.form.max')}
                </label>
                <input
                  id={`${id}-${end}`}
                  data-field={end}
                  className="input"
                  type="number"
                  inputMode="numeric"
                  min={0}
                  max={10}
                  aria-invalid={invalid(end)}
                  aria-describedby={described(end)}
                  value={question[end]}
                  onChange={(event) => onChange({ ...question, [end]: event.target.value })}
                />
                <FieldProblems id={`${id}-${end}-problem`} problems={of(end)} />
              </div>
            ))}
          </div>
        )}
        <div className="question-actions">
          <button
            type="button"
            className="button button-quiet"
            data-action="up"
            aria-label={t('feedback.form.up.label', { number })}
            aria-disabled={index === 0 || undefined}
            onClick={() => index > 0 && onMove(-1)}
          >
            {t('feedback.form.up')}
          </button>
          <button
            type="button"
            className="button button-quiet"
            data-action="down"
            aria-label={t('feedback.form.down.label', { number })}
            aria-disabled={index === count - 1 || undefined}
            onClick={() => index < count - 1 && onMove(1)}
          >
            {t('feedback.form.down')}
          </button>
          <button
            type="button"
            className="button button-quiet"
            data-action="remove"
            aria-label={t('feedback.form.remove.label', { number })}
            aria-disabled={count === 1 || undefined}
            onClick={() => count > 1 && onRemove()}
          >
            {t('feedback.form.remove')}
          </button>
        </div>
      </fieldset>
    </li>
  );
}

/** The form as the public survey page draws it (src/feedback/survey-page.html.ts), to try out. */
function FormPreview({
  name,
  questions,
}: {
  readonly name: string;
  readonly questions: readonly QuestionDraft[];
}) {
  const { t } = useI18n();
  const id = useId();
  return (
    <section className="survey-preview" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} className="survey-preview-title">
        {t('feedback.form.preview')}
      </h3>
      <div className="survey-preview-page">
        <p className="survey-preview-heading">{name.trim() === '' ? t('feedback.form.untitled') : name}</p>
        {questions.map((question) => {
          const label = question.label.trim() === '' ? t('feedback.form.unlabelled') : question.label;
          const marker = (
            <span className="survey-preview-marker">
              {' '}
              ({t(question.required ? 'feedback.form.preview.required' : 'feedback.form.preview.optional')})
            </span>
          );
          const controlId = `${id}-${question.id}`;
          if (question.type === 'text')
            return (
              <div className="survey-preview-question" key={question.id}>
                <label htmlFor={controlId} className="survey-preview-label">
                  {label}
                  {marker}
                </label>
                <textarea id={controlId} rows={3} />
              </div>
            );
          const values: string[] =
            question.type === 'rating'
              ? (() => {
                  const min = Number(question.min === '' ? 1 : question.min);
                  const max = Number(question.max === '' ? 5 : question.max);
                  if (!Number.isInteger(min) || !Number.isInteger(max) || max < min || max - min > 10)
                    return [];
                  return Array.from({ length: max - min + 1 }, (_, offset) => String(min + offset));
                })()
              : optionsOf(question);
          const columns = question.type !== 'rating' ? '' : values.length > 5 ? ' eleven' : ' five';
          return (
            <fieldset className="survey-preview-question" key={question.id}>
              <legend>
                {label}
                {marker}
              </legend>
              <ul
                className={
                  question.type === 'rating' ? `survey-preview-ratings${columns}` : 'survey-preview-choices'
                }
              >
                {/* Options typed twice show once (the server names the duplicate). */}
                {[...new Set(values)].map((value, index) => (
                  <li key={value}>
                    <input
                      type={question.type === 'multiple_choice' ? 'checkbox' : 'radio'}
                      name={controlId}
                      id={`${controlId}-${index}`}
                      value={value}
                    />
                    <label htmlFor={`${controlId}-${index}`}>{value}</label>
                  </li>
                ))}
              </ul>
            </fieldset>
          );
        })}
        <p className="survey-preview-button" aria-hidden="true">
          {t('feedback.form.preview.submit')}
        </p>
      </div>
    </section>
  );
}

export function CreateSurvey() {
  const { t } = useI18n();
  const create = useCreateSurvey();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<Kind>('csat5');
  const [questions, setQuestions] = useState<readonly QuestionDraft[]>(() => [newQuestion([])]);
  const [sent, setSent] = useState<readonly QuestionDraft[]>([]);
  const [created, setCreated] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  /** A control to focus once the list has rendered (after a move, an add or a remove). */
  const focusNext = useRef<string | null>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const addRef = useRef<HTMLButtonElement>(null);
  const nameId = useId();
  const kindId = useId();

  // Before paint: a key pressed right after the move or the add goes to the control focused here.
  useLayoutEffect(() => {
    const selector = focusNext.current;
    if (selector === null) return;
    focusNext.current = null;
    if (selector === 'add') addRef.current?.focus();
    else listRef.current?.querySelector<HTMLElement>(selector)?.focus();
  });

  const error = create.error;
  const issues = error instanceof ApiError && error.status === 400 ? error.issues : [];
  const problems = problemsOf(issues, sent);
  const nameProblems = problems.filter((problem) => problem.field === 'name');
  const listProblems = problems.filter((problem) => problem.field === 'questions');
  const nameTaken = error instanceof ApiError && error.status === 409;
  const otherError = error !== null && issues.length === 0 && !nameTaken;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setCreated(null);
    setSent(questions);
    const body =
      kind === 'form'
        ? ({ name, kind: 'form', questions: questionsBody(questions) } as NewSurvey)
        : ({ name, ...NEW_SURVEYS[kind] } as NewSurvey);
    create.mutate(body, {
      onSuccess: (survey) => {
        setCreated(survey.name);
        setName('');
        setQuestions([newQuestion([])]);
      },
    });
  };
  const update = (index: number, question: QuestionDraft) =>
    setQuestions((list) => list.map((item, at) => (at === index ? question : item)));
  const move = (index: number, offset: -1 | 1) => {
    const question = questions[index];
    if (question === undefined) return;
    setQuestions(moveQuestion(questions, index, offset));
    const position = index + offset + 1;
    // Focus stays on the button pressed, now on the moved question (an end's button is only
    // aria-disabled, so it keeps the focus).
    focusNext.current = `[data-question="${question.id}"] [data-action="${offset === -1 ? 'up' : 'down'}"]`;
    setAnnouncement(t('feedback.form.moved', { number: position, count: questions.length }));
  };
  const remove = (index: number) => {
    const next = questions.filter((_, at) => at !== index);
    setQuestions(next);
    const neighbour = next[Math.min(index, next.length - 1)];
    focusNext.current =
      neighbour === undefined ? 'add' : `[data-question="${neighbour.id}"] [data-field="label"]`;
    setAnnouncement(t('feedback.form.removed', { number: index + 1 }));
  };
  const add = () => {
    const question = newQuestion(questions);
    setQuestions([...questions, question]);
    focusNext.current = `[data-question="${question.id}"] [data-field="label"]`;
    setAnnouncement(t('feedback.form.added', { number: questions.length + 1 }));
  };

  return (
    <section aria-labelledby="create-survey-title">
      <h2 id="create-survey-title">{t('feedback.create')}</h2>
      <form className="create-survey-form" onSubmit={submit} noValidate>
        <div className="create-survey">
          <div className="field">
            <label className="field-label" htmlFor={nameId}>
              {t('feedback.create.name')}
            </label>
            <input
              id={nameId}
              className="input"
              required
              maxLength={300}
              aria-invalid={nameProblems.length > 0 || nameTaken || undefined}
              aria-describedby={nameProblems.length > 0 || nameTaken ? `${nameId}-problem` : undefined}
              value={name}
              onChange={(event) => setName(event.target.value)}
            />
            {nameTaken ? (
              <p className="field-problem" id={`${nameId}-problem`}>
                {t('feedback.form.problem.nameTaken')}
              </p>
            ) : (
              <FieldProblems id={`${nameId}-problem`} problems={nameProblems} />
            )}
          </div>
          <div className="field">
            <label className="field-label" htmlFor={kindId}>
              {t('feedback.create.kind')}
            </label>
            <select
              id={kindId}
              data-field="kind"
              className="select"
              value={kind}
              onChange={(event) => setKind(event.target.value as Kind)}
            >
              <option value="csat5">{t('feedback.kind.csat5')}</option>
              <option value="csat2">{t('feedback.kind.csat2')}</option>
              <option value="nps">{t('feedback.kind.nps')}</option>
              <option value="form">{t('feedback.kind.form')}</option>
            </select>
          </div>
          {kind !== 'form' && (
            <button type="submit" className="button" disabled={create.isPending || name.trim() === ''}>
              {t('feedback.create.submit')}
            </button>
          )}
        </div>
        {kind === 'form' && (
          <div className="form-builder">
            <div className="form-builder-questions">
              <h3 id="form-questions-title">{t('feedback.form.questions')}</h3>
              <p className="view-intro">{t('feedback.form.intro')}</p>
              <FieldProblems id="form-questions-problem" problems={listProblems} />
              <ol className="question-list" ref={listRef} aria-labelledby="form-questions-title">
                {questions.map((question, index) => (
                  <QuestionEditor
                    key={question.id}
                    question={question}
                    index={index}
                    count={questions.length}
                    problems={problems.filter((problem) => problem.questionId === question.id)}
                    onChange={(changed) => update(index, changed)}
                    onMove={(offset) => move(index, offset)}
                    onRemove={() => remove(index)}
                  />
                ))}
              </ol>
              <div className="form-builder-actions">
                <button
                  type="button"
                  className="button button-quiet"
                  ref={addRef}
                  onClick={add}
                  aria-disabled={questions.length >= 30 || undefined}
                  disabled={questions.length >= 30}
                >
                  {t('feedback.form.add')}
                </button>
                <button type="submit" className="button" disabled={create.isPending || name.trim() === ''}>
                  {t('feedback.create.submit')}
                </button>
              </div>
            </div>
            <FormPreview name={name} questions={questions} />
          </div>
        )}
      </form>
      <div className="visually-hidden" aria-live="polite">
        {announcement}
      </div>
      <div role="status">
        {created !== null && <p className="notice">{t('feedback.created', { name: created })}</p>}
      </div>
      {(otherError || issues.length > 0) && (
        <p className="error-box" role="alert">
          {issues.length > 0
            ? t('feedback.form.problems')
            : t('feedback.create.failed', {
                message: error instanceof ApiError ? error.message : String(error),
              })}
        </p>
      )}
    </section>
  );
}
