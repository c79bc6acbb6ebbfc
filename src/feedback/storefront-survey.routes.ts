/**
 * Surveys in the storefront: a shop embeds `/storefront/survey.js` (storefront-survey-widget.ts)
 * and a signed-in customer answers a survey inline. The customer is named by the loyalty
 * storefront token (the same token, secret and checks as the loyalty widget: `storefrontCustomer`
 * of src/loyalty), so a shop signs one token per page view for both widgets.
 *
 * - `GET /storefront/v1/surveys/:surveyId` — the survey (its definition), the customer's current
 *   answer to their latest send of it, and the widget's words in the customer's language (`?lang=`,
 *   the customer's stored language, `Accept-Language`; English or Simplified Chinese).
 * - `POST /storefront/v1/surveys/:surveyId/answer` — `{ rating?, comment?, reason?, answers? }`
 *   (JSON, at most 64 KB): recorded as the signed link records it (`recordStorefrontAnswer`).
 *   400 names the field (`["json", "answers", "<question id>"]`), in the widget's language.
 *
 * Mounted outside `/api/v1` like the loyalty storefront: any origin (CORS `*`, no cookies: the token
 * is the credential), `no-store`, rate-limited per token and body-limited by the app (server/app.ts).
 */
import { Hono } from 'hono';
import { parseRowId } from '../db/index.js';
import { notFound, RetainError } from '../errors/index.js';
import type { AppEnv } from '../http/index.js';
import { storefrontCors, storefrontCustomer } from '../loyalty/index.js';
import { answerAsGiven, recordStorefrontAnswer, storefrontSurvey } from './feedback.service.js';
import { STOREFRONT_SURVEY_WIDGET_JS } from './storefront-survey-widget.js';
import { answerOfJson, invalidAnswerBody } from './survey-answer-body.js';
import { issueMessage, pageLocale, SURVEY_PAGE_MESSAGES } from './survey-page.messages.js';
import type { SurveyPageOptions } from './survey-page.routes.js';

/** Largest answer body: a form of 30 questions, each answered with at most 2,000 characters. */
export const MAX_STOREFRONT_ANSWER_BYTES = 64 * 1024;

function surveyIdOf(text: string) {
  const id = parseRowId(text);
  if (id === undefined) throw notFound('Survey');
  return id;
}

/** The storefront's survey routes and widget, to mount at the root (`/storefront/…`). */
export function storefrontSurveyRoutes(options: SurveyPageOptions = {}) {
  const router = new Hono<AppEnv>();
  router.use('/storefront/v1/surveys/*', storefrontCors);

  router.get('/storefront/v1/surveys/:surveyId', async (c) => {
    const { db, now } = c.get('services');
    const { workspaceId, customerId } = await storefrontCustomer(db, c.req.header('Authorization'), now());
    c.header('Cache-Control', 'no-store');
    const view = await storefrontSurvey(db, workspaceId, surveyIdOf(c.req.param('surveyId')), customerId);
    const locale = pageLocale(c.req.query('lang'), view.language, c.req.header('Accept-Language'));
    const response = view.response;
    return c.json(
      {
        survey: {
          id: String(view.survey.id),
          name: view.survey.name,
          kind: view.survey.kind,
          definition: view.survey.definition,
        },
        answer: response === undefined ? null : answerAsGiven(response),
        locale,
        messages: SURVEY_PAGE_MESSAGES[locale],
      },
      200,
    );
  });

  router.post('/storefront/v1/surveys/:surveyId/answer', async (c) => {
    const { db, now } = c.get('services');
    const at = now();
    const { workspaceId, customerId } = await storefrontCustomer(db, c.req.header('Authorization'), at);
    c.header('Cache-Control', 'no-store');
    const surveyId = surveyIdOf(c.req.param('surveyId'));
    if (!/^application\/json\b/i.test(c.req.header('Content-Type') ?? '')) {
      throw new RetainError(
        'unsupported_media_type',
        'The body must be JSON (Content-Type: application/json).',
      );
    }
    const text = await c.req.text();
    if (Buffer.byteLength(text, 'utf8') > MAX_STOREFRONT_ANSWER_BYTES)
      throw invalidAnswerBody(['json'], [], `At most ${MAX_STOREFRONT_ANSWER_BYTES / 1024} KB.`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw invalidAnswerBody(['json'], [], 'Not JSON.');
    }
    const answer = answerOfJson(parsed, ['json']);
    try {
      const recorded = await recordStorefrontAnswer(db, {
        workspaceId,
        surveyId,
        customerId,
        answer,
        now: at,
        afterAnswerLogged: options.afterAnswerLogged,
      });
      return c.json({ ...answerAsGiven(recorded.response), changed: recorded.changed }, 200);
    } catch (error) {
      if (!(error instanceof RetainError && error.code === 'invalid_input')) throw error;
      // The widget shows each problem beside its field, in the customer's language.
      const locale = pageLocale(c.req.query('lang'), null, c.req.header('Accept-Language'));
      throw new RetainError(
        'invalid_input',
        error.message,
        error.issues.map((issue) => ({
          ...issue,
          path: ['json', ...issue.path],
          message: issueMessage(locale, issue.message),
        })),
      );
    }
  });

  router.get('/storefront/survey.js', (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(STOREFRONT_SURVEY_WIDGET_JS);
  });
  return router;
}
