/**
 * The public survey routes, outside `/api/v1` and its authentication: the signed token in the
 * path is the only credential (no account, no cookie read), so a cross-site form cannot answer
 * for anyone whose token it does not hold — the CSRF defence of these POSTs is the token itself.
 *
 * - `GET /s/:token` — the survey page; with `?r=<rating>` (the rating links of the e-mail) it
 *   first records that rating (`source: link`). Recording on GET is idempotent (the same rating
 *   again changes nothing) and any later answer replaces it, the earlier kept in history — so a
 *   mail scanner that prefetches a link records at worst a rating the customer's own click or
 *   page then corrects. `HEAD` never records.
 * - `POST /s/:token` — the page's form (`application/x-www-form-urlencoded`): the whole answer;
 *   answered with a redirect to the page (303), or the page with its problems (400). With
 *   `application/json` (an embed in the storefront) it answers JSON.
 * - `GET /s/survey.css` — the page's style sheet.
 *
 * Rate-limited per address by the app (server/app.ts). Pages are `no-store` and never indexed.
 */
import { type Context, Hono } from 'hono';
import type { SurveyAnswerInput } from '../core/index.js';
import { RetainError } from '../errors/index.js';
import type { AppEnv } from '../http/index.js';
import { getWorkspace } from '../workspaces/index.js';
import {
  type AfterAnswerLogged,
  answerAsGiven,
  type LinkedSend,
  recordAnswer,
  resolveSurveyLink,
} from './feedback.service.js';
import { answerOfJson } from './survey-answer-body.js';
import { MAX_TOKEN_LENGTH } from './survey-link.js';
import { renderMessagePage, renderSurveyPage, SURVEY_CSS, type SurveyDraft } from './survey-page.html.js';
import { pageLocale, type SurveyPageLocale } from './survey-page.messages.js';

/** Most form fields a page post may carry (a form of 30 questions × 20 options, and the rest). */
const MAX_FORM_FIELDS = 700;

function localeOf(
  c: { req: { query(name: string): string | undefined; header(name: string): string | undefined } },
  linked?: LinkedSend,
): SurveyPageLocale {
  return pageLocale(c.req.query('lang'), linked?.language ?? null, c.req.header('Accept-Language'));
}

/** The form fields of a page post as an answer: `rating`, `comment`, `reason`, `q.<id>` per question. */
function answerOfForm(form: Record<string, string | File | (string | File)[]>): SurveyAnswerInput {
  const text = (value: string | File | (string | File)[] | undefined): string | undefined => {
    const first = Array.isArray(value) ? value[0] : value;
    return typeof first === 'string' ? first : undefined;
  };
  const ratingText = text(form.rating);
  const answers: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(form)) {
    if (!key.startsWith('q.')) continue;
    const values = (Array.isArray(value) ? value : [value]).filter(
      (item): item is string => typeof item === 'string',
    );
    answers[key.slice(2)] = values.length === 1 ? values[0]! : values;
  }
  return {
    rating: ratingText === undefined || ratingText === '' ? null : Number(ratingText),
    comment: text(form.comment) ?? null,
    reason: text(form.reason) ?? null,
    answers,
  };
}

/** A form's rating answers arrive as text: numbers where the question is a rating. */
function withNumericRatings(linked: LinkedSend, answer: SurveyAnswerInput): SurveyAnswerInput {
  const definition = linked.survey.definition;
  if (definition.kind !== 'form' || answer.answers === undefined) return answer;
  const answers: Record<string, string | readonly string[] | number | null> = { ...answer.answers };
  for (const question of definition.questions) {
    const value = answers[question.id];
    if (question.type === 'rating' && typeof value === 'string' && /^-?[0-9]{1,3}$/.test(value))
      answers[question.id] = Number(value);
  }
  return { ...answer, answers };
}

export interface SurveyPageOptions {
  /** Runs after an answer was logged for flows (the server passes flows' tick request). */
  readonly afterAnswerLogged?: AfterAnswerLogged | undefined;
}

/** The public survey routes; mount at `/`. */
export function surveyPageRoutes(options: SurveyPageOptions = {}) {
  const { afterAnswerLogged } = options;
  const router = new Hono<AppEnv>();

  router.get('/s/survey.css', (c) =>
    c.body(SURVEY_CSS, 200, {
      'Content-Type': 'text/css; charset=utf-8',
      'Cache-Control': 'public, max-age=3600',
    }),
  );

  /** The page of an invalid link, with the status of the refusal. */
  const invalid = (c: Context<AppEnv>, error: unknown) => {
    if (error instanceof RetainError && (error.code === 'not_found' || error.code === 'forbidden')) {
      c.header('Cache-Control', 'no-store');
      return c.html(renderMessagePage(localeOf(c), 'invalid'), error.code === 'forbidden' ? 403 : 404);
    }
    throw error;
  };

  router.get('/s/:token', async (c) => {
    const { db, now } = c.get('services');
    const token = c.req.param('token');
    c.header('Cache-Control', 'no-store');
    if (token.length > MAX_TOKEN_LENGTH) return invalid(c, new RetainError('not_found', 'Not a link'));
    const ratingText = c.req.query('r');
    let linked: LinkedSend;
    let notice: 'recorded' | 'saved' | null = c.req.query('saved') === '1' ? 'saved' : null;
    try {
      linked = await resolveSurveyLink(db, token);
    } catch (error) {
      return invalid(c, error);
    }
    const workspace = await getWorkspace(db, linked.send.workspaceId);
    const locale = localeOf(c, linked);
    if (ratingText !== undefined && c.req.method === 'GET') {
      const rating = /^[0-9]{1,2}$/.test(ratingText) ? Number(ratingText) : Number.NaN;
      try {
        const recorded = await recordAnswer(db, {
          token,
          answer: { rating },
          source: 'link',
          now: now(),
          afterAnswerLogged,
        });
        linked = { ...linked, response: recorded.response };
        notice = 'recorded';
      } catch (error) {
        if (!(error instanceof RetainError && error.code === 'invalid_input')) throw error;
        return c.html(
          renderSurveyPage({
            locale,
            workspaceName: workspace.name,
            survey: linked.survey,
            token,
            response: linked.response,
            notice: null,
            issues: [...error.issues],
          }),
          400,
        );
      }
    }
    return c.html(
      renderSurveyPage({
        locale,
        workspaceName: workspace.name,
        survey: linked.survey,
        token,
        response: linked.response,
        notice,
        issues: [],
      }),
      200,
    );
  });

  router.post('/s/:token', async (c) => {
    const { db, now } = c.get('services');
    const token = c.req.param('token');
    c.header('Cache-Control', 'no-store');
    let linked: LinkedSend;
    try {
      linked = await resolveSurveyLink(db, token);
    } catch (error) {
      if (c.req.header('Content-Type')?.startsWith('application/json')) throw error;
      return invalid(c, error);
    }
    const type = c.req.header('Content-Type') ?? '';
    if (type.startsWith('application/json')) {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw new RetainError('invalid_input', 'The body is not JSON.');
      }
      const recorded = await recordAnswer(db, {
        token,
        answer: withNumericRatings(linked, answerOfJson(body, [])),
        source: 'api',
        afterAnswerLogged,
        now: now(),
      });
      return c.json({ ...answerAsGiven(recorded.response), changed: recorded.changed }, 200);
    }
    if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) {
      throw new RetainError(
        'unsupported_media_type',
        'Send the survey form (application/x-www-form-urlencoded) or JSON.',
      );
    }
    // A body that does not parse as its type says (a multipart body cut short) is the sender's fault.
    const form = await c.req.parseBody({ all: true }).catch(() => {
      throw new RetainError('invalid_input', 'The form could not be read as its Content-Type says.');
    });
    if (Object.keys(form).length > MAX_FORM_FIELDS)
      throw new RetainError('payload_too_large', 'The form has too many fields.');
    const answer = withNumericRatings(linked, answerOfForm(form));
    try {
      await recordAnswer(db, { token, answer, source: 'page', now: now(), afterAnswerLogged });
    } catch (error) {
      if (!(error instanceof RetainError && error.code === 'invalid_input')) throw error;
      const workspace = await getWorkspace(db, linked.send.workspaceId);
      const draft: SurveyDraft = {
        rating: typeof answer.rating === 'number' && Number.isFinite(answer.rating) ? answer.rating : null,
        comment: answer.comment ?? null,
        reason: answer.reason ?? null,
        answers: answer.answers ?? {},
      };
      return c.html(
        renderSurveyPage({
          locale: localeOf(c, linked),
          workspaceName: workspace.name,
          survey: linked.survey,
          token,
          response: linked.response,
          notice: null,
          issues: [...error.issues],
          draft,
        }),
        400,
      );
    }
    const lang = c.req.query('lang');
    return c.redirect(
      `/s/${token}?saved=1${lang === undefined ? '' : `&lang=${encodeURIComponent(lang)}`}`,
      303,
    );
  });

  return router;
}

/**
 * The page a browser gets when an address is past the survey pages' rate limit (server/app.ts
 * answers JSON to a JSON request), in the language it asks for.
 */
export function rateLimitedSurveyPage(
  acceptLanguage: string | undefined,
  requested: string | undefined,
): string {
  return renderMessagePage(pageLocale(requested, null, acceptLanguage), 'rate_limited');
}
