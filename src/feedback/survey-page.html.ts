/**
 * The public survey page, rendered on the server as plain HTML: it works without JavaScript, reads
 * in the customer's language (English or Simplified Chinese), follows the system's light or dark
 * scheme, fits a 390 px phone, and is accessible (landmarks, one heading, fieldsets with legends,
 * labelled controls, errors announced and tied to their fields). Its style sheet is a file of its
 * own (`/s/survey.css`): the content security policy allows no inline style.
 */
import type { AnswerIssue, SurveyQuestion } from '../core/index.js';
import type { Survey, SurveyResponse } from './feedback.repository.js';
import {
  SURVEY_PAGE_MESSAGES,
  type SurveyPageLocale,
  type SurveyPageMessages,
} from './survey-page.messages.js';

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** What the form shows as chosen: the stored answer, or what a refused post sent. */
export interface SurveyDraft {
  readonly rating: number | null;
  readonly comment: string | null;
  readonly reason: string | null;
  readonly answers: Readonly<Record<string, unknown>>;
}

export interface SurveyPageInput {
  readonly locale: SurveyPageLocale;
  readonly workspaceName: string;
  readonly survey: Survey;
  readonly token: string;
  readonly response: SurveyResponse | undefined;
  /** `recorded`: a rating from the e-mail was just recorded; `saved`: the form was just saved. */
  readonly notice: 'recorded' | 'saved' | null;
  readonly issues: readonly AnswerIssue[];
  readonly draft?: SurveyDraft | undefined;
}

function layout(locale: SurveyPageLocale, title: string, body: string): string {
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/s/survey.css">
</head>
<body>
${body}
</body>
</html>
`;
}

const issueId = (path: readonly (string | number)[]) =>
  `error-${path.join('-').replace(/[^a-zA-Z0-9_-]/g, '_')}`;

function issueFor(
  issues: readonly AnswerIssue[],
  path: readonly (string | number)[],
): AnswerIssue | undefined {
  return issues.find((issue) => issue.path.join('.') === path.join('.'));
}

function errorText(issue: AnswerIssue | undefined): string {
  return issue === undefined
    ? ''
    : `<p class="error" id="${issueId(issue.path)}">${escapeHtml(issue.message)}</p>`;
}

/** `aria-invalid` and `aria-describedby` of a control with a problem. */
function invalidAttributes(issue: AnswerIssue | undefined): string {
  return issue === undefined ? '' : ` aria-invalid="true" aria-describedby="${issueId(issue.path)}"`;
}

/** A row of rating choices as radio buttons (styled as a row of buttons). */
function ratingChoices(
  name: string,
  values: readonly { value: number; text: string; label?: string }[],
  chosen: number | null,
  columns: 'two' | 'five' | 'eleven',
  issue: AnswerIssue | undefined,
  required: boolean,
): string {
  const items = values
    .map(({ value, text, label }, index) => {
      const id = `${name.replace(/\./g, '-')}-${value}`;
      return `<li><input type="radio" name="${name}" id="${id}" value="${value}"${chosen === value ? ' checked' : ''}${
        required && index === 0 ? ' required' : ''
      }${invalidAttributes(issue)}><label for="${id}"${label === undefined ? '' : ` aria-label="${escapeHtml(label)}"`}>${escapeHtml(text)}</label></li>`;
    })
    .join('');
  return `<ul class="ratings ratings-${columns}" role="list">${items}</ul>`;
}

function csatOrNpsFields(input: SurveyPageInput, messages: SurveyPageMessages, draft: SurveyDraft): string {
  const definition = input.survey.definition;
  const ratingIssue = issueFor(input.issues, ['rating']);
  const parts: string[] = [];
  if (definition.kind === 'csat') {
    const values =
      definition.scale === 'binary'
        ? [
            { value: 1, text: messages.satisfied },
            { value: 0, text: messages.notSatisfied },
          ]
        : messages.fivePoint.map((text, index) => ({
            value: index + 1,
            text: `${index + 1}`,
            label: `${index + 1} – ${text}`,
          }));
    const scaleHint =
      definition.scale === 'five_point'
        ? `<p class="hint" id="rating-hint">1 = ${escapeHtml(messages.fivePoint[0])} · 5 = ${escapeHtml(messages.fivePoint[4])}</p>`
        : '';
    parts.push(`<fieldset class="question"${definition.scale === 'five_point' ? ' aria-describedby="rating-hint"' : ''}>
<legend><h1>${escapeHtml(definition.question ?? messages.csatQuestion)}</h1></legend>
${scaleHint}${ratingChoices('rating', values, draft.rating, definition.scale === 'binary' ? 'two' : 'five', ratingIssue, false)}
${errorText(ratingIssue)}</fieldset>`);
    if ((definition.reasons ?? []).length > 0) {
      const reasonIssue = issueFor(input.issues, ['reason']);
      const reasons = [
        { value: '', text: messages.noReason },
        ...(definition.reasons ?? []).map((reason) => ({ value: reason, text: reason })),
      ]
        .map(({ value, text }, index) => {
          const id = `reason-${index}`;
          const checked = (draft.reason ?? '') === value ? ' checked' : '';
          return `<li><input type="radio" name="reason" id="${id}" value="${escapeHtml(value)}"${checked}${invalidAttributes(reasonIssue)}><label for="${id}">${escapeHtml(text)}</label></li>`;
        })
        .join('');
      parts.push(`<fieldset class="question" aria-describedby="reason-hint">
<legend>${escapeHtml(messages.reasonLegend)}</legend>
<p class="hint" id="reason-hint">${escapeHtml(messages.reasonHint)}</p>
<ul class="choices" role="list">${reasons}</ul>
${errorText(reasonIssue)}</fieldset>`);
    }
    if (definition.comment !== false)
      parts.push(commentField(messages.comment, messages, draft, input.issues));
  } else if (definition.kind === 'nps') {
    const values = Array.from({ length: 11 }, (_, value) => ({ value, text: String(value) }));
    parts.push(`<fieldset class="question" aria-describedby="rating-hint">
<legend><h1>${escapeHtml(definition.question ?? messages.npsQuestion)}</h1></legend>
<p class="hint scale-ends" id="rating-hint"><span>${escapeHtml(messages.notLikely)}</span> <span>${escapeHtml(messages.veryLikely)}</span></p>
${ratingChoices('rating', values, draft.rating, 'eleven', ratingIssue, false)}
${errorText(ratingIssue)}</fieldset>`);
    parts.push(commentField(definition.followUp ?? messages.npsFollowUp, messages, draft, input.issues));
  }
  return parts.join('\n');
}

function commentField(
  label: string,
  messages: SurveyPageMessages,
  draft: SurveyDraft,
  issues: readonly AnswerIssue[],
): string {
  const issue = issueFor(issues, ['comment']);
  return `<div class="question">
<label for="comment" class="label">${escapeHtml(label)}</label>
<p class="hint" id="comment-hint">${escapeHtml(messages.commentHint)}</p>
<textarea id="comment" name="comment" rows="4" maxlength="2000" aria-describedby="comment-hint${issue === undefined ? '' : ` ${issueId(issue.path)}`}"${issue === undefined ? '' : ' aria-invalid="true"'}>${escapeHtml(draft.comment ?? '')}</textarea>
${errorText(issue)}</div>`;
}

function formQuestion(
  question: SurveyQuestion,
  messages: SurveyPageMessages,
  draft: SurveyDraft,
  issues: readonly AnswerIssue[],
): string {
  const name = `q.${question.id}`;
  const issue = issueFor(issues, ['answers', question.id]);
  const value = draft.answers[question.id];
  const marker = question.required
    ? ` <span class="required">(${escapeHtml(messages.required)})</span>`
    : ` <span class="optional">(${escapeHtml(messages.optional)})</span>`;
  const id = `q-${question.id}`;
  switch (question.type) {
    case 'text':
      return `<div class="question">
<label for="${id}" class="label">${escapeHtml(question.label)}${marker}</label>
<textarea id="${id}" name="${name}" rows="3" maxlength="${question.maxLength ?? 2000}"${question.required ? ' required' : ''}${invalidAttributes(issue)}>${escapeHtml(typeof value === 'string' ? value : '')}</textarea>
${errorText(issue)}</div>`;
    case 'single_choice':
    case 'multiple_choice': {
      const type = question.type === 'single_choice' ? 'radio' : 'checkbox';
      const picked = Array.isArray(value) ? value : [value];
      const options = (question.options ?? [])
        .map((option, index) => {
          const optionId = `${id}-${index}`;
          return `<li><input type="${type}" name="${name}" id="${optionId}" value="${escapeHtml(option)}"${picked.includes(option) ? ' checked' : ''}${invalidAttributes(issue)}><label for="${optionId}">${escapeHtml(option)}</label></li>`;
        })
        .join('');
      return `<fieldset class="question">
<legend>${escapeHtml(question.label)}${marker}</legend>
<ul class="choices" role="list">${options}</ul>
${errorText(issue)}</fieldset>`;
    }
    case 'rating': {
      const min = question.min ?? 1;
      const max = question.max ?? 5;
      const values = Array.from({ length: max - min + 1 }, (_, index) => ({
        value: min + index,
        text: String(min + index),
      }));
      return `<fieldset class="question">
<legend>${escapeHtml(question.label)}${marker}</legend>
${ratingChoices(name, values, typeof value === 'number' ? value : null, max - min + 1 > 5 ? 'eleven' : 'five', issue, false)}
${errorText(issue)}</fieldset>`;
    }
  }
}

/** What a problem's path names, in words (the question it is about), for the error summary. */
function fieldName(
  input: SurveyPageInput,
  messages: SurveyPageMessages,
  path: readonly (string | number)[],
): string | null {
  const definition = input.survey.definition;
  if (path[0] === 'answers' && definition.kind === 'form')
    return definition.questions.find((question) => question.id === path[1])?.label ?? null;
  if (path[0] === 'comment')
    return definition.kind === 'nps' ? (definition.followUp ?? messages.npsFollowUp) : messages.comment;
  if (path[0] === 'reason') return messages.reasonLegend;
  if (path[0] === 'rating' && definition.kind !== 'form')
    return definition.question ?? (definition.kind === 'csat' ? messages.csatQuestion : messages.npsQuestion);
  return null;
}

/** The survey page of a valid link. */
export function renderSurveyPage(input: SurveyPageInput): string {
  const messages = SURVEY_PAGE_MESSAGES[input.locale];
  const response = input.response;
  const draft: SurveyDraft = input.draft ?? {
    rating: response?.rating ?? null,
    comment: response?.comment ?? null,
    reason: response?.reason ?? null,
    answers: response?.answers ?? {},
  };
  const notice =
    input.notice === null
      ? ''
      : `<div class="notice" role="status">${escapeHtml(input.notice === 'recorded' ? messages.recorded : messages.saved)}</div>`;
  const summary =
    input.issues.length === 0
      ? ''
      : `<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
<h2 id="error-summary-title">${escapeHtml(messages.errorsTitle)}</h2>
<ul>${input.issues
          .map((issue) => {
            const about = fieldName(input, messages, issue.path);
            return `<li><a href="#${issueId(issue.path)}">${escapeHtml(about === null ? issue.message : `${about}: ${issue.message}`)}</a></li>`;
          })
          .join('')}</ul>
</div>`;
  const definition = input.survey.definition;
  const fields =
    definition.kind === 'form'
      ? `<h1>${escapeHtml(input.survey.name)}</h1>\n${definition.questions.map((question) => formQuestion(question, messages, draft, input.issues)).join('\n')}`
      : csatOrNpsFields(input, messages, draft);
  const body = `<header class="brand"><p>${escapeHtml(input.workspaceName)}</p></header>
<main>
${notice}
${summary}
<form method="post" action="/s/${escapeHtml(input.token)}" novalidate>
${fields}
<button type="submit">${escapeHtml(response === undefined ? messages.submit : messages.update)}</button>
</form>
</main>`;
  return layout(input.locale, `${messages.title} – ${input.workspaceName}`, body);
}

/** The page of a link that is not valid (or of too many attempts). */
export function renderMessagePage(locale: SurveyPageLocale, kind: 'invalid' | 'rate_limited'): string {
  const messages = SURVEY_PAGE_MESSAGES[locale];
  const [title, text] =
    kind === 'invalid' ? [messages.invalidTitle, messages.invalidBody] : [messages.tooMany, messages.tooMany];
  return layout(
    locale,
    title,
    `<main>\n<h1>${escapeHtml(title)}</h1>\n${kind === 'invalid' ? `<p>${escapeHtml(text)}</p>` : ''}\n</main>`,
  );
}

/** The page's style sheet: system fonts, light and dark, large touch targets, visible focus. */
export const SURVEY_CSS = `:root{color-scheme:light dark;--bg:#f6f7f9;--card:#ffffff;--text:#1b1f24;--muted:#4a5360;--line:#c5ccd6;--accent:#1f5fbf;--accent-text:#ffffff;--error:#b42318;--ok-bg:#e7f4ea;--ok-text:#1d5c2e;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","PingFang SC","Microsoft YaHei",sans-serif;line-height:1.5}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--card:#1b2027;--text:#eef1f5;--muted:#b3bcc8;--line:#4a5563;--accent:#7fb0ff;--accent-text:#0b1320;--error:#ff9b8f;--ok-bg:#173522;--ok-text:#b9efc8}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font-size:1rem}
.brand{max-width:40rem;margin:0 auto;padding:1rem 1rem 0;color:var(--muted);font-weight:600}
.brand p{margin:0}
main{max-width:40rem;margin:.5rem auto 2rem;padding:1.25rem 1rem;background:var(--card);border:1px solid var(--line);border-radius:12px}
h1{font-size:1.35rem;line-height:1.3;margin:0 0 .75rem}
h2{font-size:1.1rem;margin:0 0 .5rem}
fieldset{border:0;margin:0;padding:0;min-width:0}
legend{padding:0;font-weight:600;font-size:1.05rem;width:100%}
legend h1{margin:0 0 .5rem}
.question{margin:0 0 1.5rem}
.label{display:block;font-weight:600;margin-bottom:.25rem}
.hint{color:var(--muted);margin:0 0 .5rem;font-size:.95rem}
.scale-ends{display:flex;justify-content:space-between;gap:1rem;flex-wrap:wrap}
ul.ratings,ul.choices{list-style:none;margin:0;padding:0}
ul.ratings{display:grid;gap:.5rem}
.ratings-two{grid-template-columns:repeat(2,minmax(0,1fr))}
.ratings-five{grid-template-columns:repeat(5,minmax(0,1fr))}
.ratings-eleven{grid-template-columns:repeat(6,minmax(0,1fr))}
@media (min-width:40rem){.ratings-eleven{grid-template-columns:repeat(11,minmax(0,1fr))}}
.ratings li,.choices li{position:relative}
.ratings input,.choices input{position:absolute;opacity:0;width:1px;height:1px;margin:0}
.ratings label{display:flex;align-items:center;justify-content:center;min-height:2.75rem;padding:.5rem .25rem;border:2px solid var(--line);border-radius:8px;background:var(--card);font-weight:600;cursor:pointer;text-align:center}
.ratings input:checked+label{background:var(--accent);border-color:var(--accent);color:var(--accent-text)}
.choices li{margin:.25rem 0}
.choices label{display:block;padding:.6rem .75rem .6rem 2.5rem;border:2px solid var(--line);border-radius:8px;cursor:pointer;position:relative}
.choices label::before{content:"";position:absolute;left:.75rem;top:50%;width:1.1rem;height:1.1rem;margin-top:-.55rem;border:2px solid var(--muted);border-radius:50%;background:var(--card)}
.choices input[type=checkbox]+label::before{border-radius:4px}
.choices input:checked+label{border-color:var(--accent)}
.choices input:checked+label::before{background:var(--accent);border-color:var(--accent);box-shadow:inset 0 0 0 3px var(--card)}
input:focus-visible+label,textarea:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
textarea{width:100%;font:inherit;color:var(--text);background:var(--card);border:2px solid var(--line);border-radius:8px;padding:.6rem}
button{font:inherit;font-weight:600;min-height:2.75rem;padding:.6rem 1.25rem;border:0;border-radius:8px;background:var(--accent);color:var(--accent-text);cursor:pointer;width:100%}
@media (min-width:40rem){button{width:auto}}
.notice{background:var(--ok-bg);color:var(--ok-text);border-radius:8px;padding:.75rem 1rem;margin-bottom:1rem}
.error-summary{border:2px solid var(--error);border-radius:8px;padding:.75rem 1rem;margin-bottom:1rem}
.error-summary a{color:var(--error)}
.error{color:var(--error);font-weight:600;margin:.35rem 0 0}
[aria-invalid=true]+label,textarea[aria-invalid=true]{border-color:var(--error)}
.required,.optional{color:var(--muted);font-weight:400}
`;
