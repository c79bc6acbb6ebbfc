/**
 * `/api/v1/feedback`: thin HTTP over the feedback service — surveys, sends, answers and the
 * report. Marketers and analysts (and owners and admins) read; marketers (and owners and admins)
 * create surveys and send them. Every query is scoped to the caller's workspace, so another
 * workspace's survey answers 404. Customers answer through the public survey page
 * (survey-page.routes.ts), not here.
 */
import { createRoute } from '@hono/zod-openapi';
import { actorOf, type Role } from '../auth/index.js';
import { parseRowId } from '../db/index.js';
import { notFound, RetainError } from '../errors/index.js';
import {
  authenticatedErrors,
  CSRF_REFUSED,
  createRouter,
  JSON_BODY_ERRORS,
  requireRole,
} from '../http/index.js';
import { requestSegmentSend } from './feedback.jobs.js';
import {
  CreateSurveyBody,
  ReportQuery,
  ReportSchema,
  ResponsePageSchema,
  ResponsesQuery,
  SegmentSendSchema,
  SendSurveyBody,
  SurveyIdParams,
  SurveyListSchema,
  SurveySchema,
  SurveySendSchema,
  toResponseBody,
  toSendBody,
  toSurveyBody,
} from './feedback.schemas.js';
import {
  createSurvey,
  getSurvey,
  listResponses,
  listSurveys,
  type SurveyMailer,
  sendSurvey,
  surveyReport,
} from './feedback.service.js';

const TAGS = ['Feedback'];
const readers = () => requireRole('marketer', 'analyst');
const senders = () => requireRole('marketer');
const NOT_READER = 'The caller is an agent (feedback is for owners, admins, marketers and analysts)';
const NOT_SENDER =
  'The caller is an analyst or an agent (owners, admins and marketers create and send surveys)';
const NO_SURVEY = 'No such survey in the caller’s workspace.';

const json = <T>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const body = <T>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });

const createSurveyRoute = createRoute({
  method: 'post',
  path: '/feedback/surveys',
  operationId: 'createSurvey',
  tags: TAGS,
  summary: 'Create a CSAT, NPS or custom-form survey (audited)',
  description:
    'A name the workspace already uses, or a workspace at 500 surveys: 409 `conflict`. A bad definition names the JSON path of each bad part in `error.issues[].path` (e.g. `json.questions.2.options`).',
  middleware: [senders()] as const,
  request: body(CreateSurveyBody),
  responses: {
    201: json(SurveySchema, 'The survey'),
    ...authenticatedErrors({
      403: `${NOT_SENDER}, or ${CSRF_REFUSED}.`,
      409: 'The workspace already has a survey of that name, or has 500 surveys (`conflict`).',
      ...JSON_BODY_ERRORS,
    }),
  },
});

const listSurveysRoute = createRoute({
  method: 'get',
  path: '/feedback/surveys',
  operationId: 'listSurveys',
  tags: TAGS,
  summary: 'The workspace’s surveys, oldest first',
  middleware: [readers()] as const,
  responses: {
    200: json(SurveyListSchema, 'The surveys'),
    ...authenticatedErrors({ 403: `${NOT_READER}.` }),
  },
});

const getSurveyRoute = createRoute({
  method: 'get',
  path: '/feedback/surveys/{id}',
  operationId: 'getSurvey',
  tags: TAGS,
  summary: 'A survey with its definition',
  middleware: [readers()] as const,
  request: { params: SurveyIdParams },
  responses: {
    200: json(SurveySchema, 'The survey'),
    ...authenticatedErrors({ 403: `${NOT_READER}.`, 404: NO_SURVEY }),
  },
});

const sendRoute = createRoute({
  method: 'post',
  path: '/feedback/surveys/{id}/sends',
  operationId: 'sendSurvey',
  tags: TAGS,
  summary: 'Send a survey to a customer (now) or to a segment (in the background)',
  description:
    'To a customer: a send with its signed link, e-mailed when the e-mail module is available (dedupe key `survey:<sendId>`); an unknown customer is 404, an erased one 409. To a segment: a `feedback.segment-send` job sends to every member (each once per job).',
  middleware: [senders()] as const,
  request: { params: SurveyIdParams, ...body(SendSurveyBody) },
  responses: {
    201: json(SurveySendSchema, 'The send to one customer'),
    202: json(SegmentSendSchema, 'The job sending to the segment’s members'),
    ...authenticatedErrors({
      403: `${NOT_SENDER}, or ${CSRF_REFUSED}.`,
      404: `${NO_SURVEY} (Or no such customer or segment in it.)`,
      409: 'The customer’s personal data was erased: no survey can be sent to them (`conflict`).',
      ...JSON_BODY_ERRORS,
    }),
  },
});

const responsesRoute = createRoute({
  method: 'get',
  path: '/feedback/responses',
  operationId: 'listSurveyResponses',
  tags: TAGS,
  summary: 'Answers, newest first, each with its earlier versions; comments searchable',
  description:
    'Filtered by survey, customer, day range and comment text (`q`, case-insensitive). A `surveyId` naming no survey of the workspace: 400. Pages of at most 200.',
  middleware: [readers()] as const,
  request: { query: ResponsesQuery },
  responses: {
    200: json(ResponsePageSchema, 'A page of answers'),
    ...authenticatedErrors({ 403: `${NOT_READER}.` }),
  },
});

const reportRoute = createRoute({
  method: 'get',
  path: '/feedback/report',
  operationId: 'getFeedbackReport',
  tags: TAGS,
  summary: 'CSAT, NPS, responses, sent and response rate, in total and per week or month',
  description:
    'Over the sends of `from`–`to` (local days of the workspace, `to` inclusive; default the last 90 days), of one survey or all, optionally only the customers who are members of a segment now (`segmentId`: their sends and answers) or only the sends made to a segment (`sentToSegmentId`): CSAT = satisfied / rated × 100, NPS = % promoters − % detractors (docs/metrics.md §10), over each send’s current answer; unrated and unanswered sends count in `sent` only. `csat` is null when no CSAT survey is in the report (`nps` likewise). A `surveyId` naming no survey of the workspace: 400; a `segmentId` naming no segment of it: 404.',
  middleware: [readers()] as const,
  request: { query: ReportQuery },
  responses: {
    200: json(ReportSchema, 'The report'),
    ...authenticatedErrors({ 403: `${NOT_READER}.`, 404: 'No such segment in this workspace.' }),
  },
});

/** The id of a path parameter; text that is no id is answered as an unknown survey. */
function idOf(text: string): number {
  const id = parseRowId(text);
  if (id === undefined) throw notFound('Survey');
  return id;
}

/** A survey filter of a list or report: a survey of another workspace (or none) is a bad filter. */
async function surveyFilter(
  db: Parameters<typeof getSurvey>[0],
  workspaceId: number,
  text: string | undefined,
): Promise<number | undefined> {
  if (text === undefined) return undefined;
  const id = parseRowId(text);
  const known = id === undefined ? undefined : await getSurvey(db, workspaceId, id).catch(() => undefined);
  if (known === undefined) {
    throw new RetainError('invalid_input', 'The request is not valid.', [
      { path: ['query', 'surveyId'], message: 'No such survey in this workspace.' },
    ]);
  }
  return known.id;
}

const seesPersonalData = (role: Role) => role === 'owner' || role === 'admin' || role === 'marketer';

export interface FeedbackRoutesOptions {
  /** Delivers survey e-mails (default the e-mail module: `SMTP_URL`, else the built-in outbox). */
  readonly mailer?: SurveyMailer | undefined;
  /** Base of the signed links (default `RETAIN_PUBLIC_URL`, else the request's origin). */
  readonly baseUrl?: string | undefined;
}

/** The feedback routes; mount under `/api/v1`. */
export function feedbackRoutes(options: FeedbackRoutesOptions = {}) {
  const router = createRouter();

  router.openapi(createSurveyRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const survey = await createSurvey(db, {
      workspaceId: auth.workspaceId,
      survey: c.req.valid('json'),
      createdBy: auth.userId,
      actor: actorOf(auth),
      now: now(),
    });
    return c.json(toSurveyBody(survey), 201);
  });

  router.openapi(listSurveysRoute, async (c) => {
    const surveys = await listSurveys(c.get('services').db, c.get('auth').workspaceId);
    return c.json({ items: surveys.map(toSurveyBody) }, 200);
  });

  router.openapi(getSurveyRoute, async (c) => {
    const survey = await getSurvey(
      c.get('services').db,
      c.get('auth').workspaceId,
      idOf(c.req.valid('param').id),
    );
    return c.json(toSurveyBody(survey), 200);
  });

  router.openapi(sendRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const survey = await getSurvey(db, auth.workspaceId, idOf(c.req.valid('param').id));
    const input = c.req.valid('json');
    if ((input.customerId === undefined) === (input.segmentId === undefined)) {
      throw new RetainError('invalid_input', 'The request is not valid.', [
        { path: ['json', 'customerId'], message: 'Give exactly one of customerId and segmentId.' },
      ]);
    }
    if (input.segmentId !== undefined) {
      if (input.dedupeKey !== undefined) {
        throw new RetainError('invalid_input', 'The request is not valid.', [
          { path: ['json', 'dedupeKey'], message: 'A segment send dedupes each member by itself.' },
        ]);
      }
      const { job } = await requestSegmentSend(db, {
        workspaceId: auth.workspaceId,
        surveyId: survey.id,
        segmentId: Number(input.segmentId),
        channel: input.channel,
        now: now(),
      });
      return c.json({ jobId: String(job.id), status: job.status, segmentId: input.segmentId }, 202);
    }
    const sent = await sendSurvey(db, {
      workspaceId: auth.workspaceId,
      surveyId: survey.id,
      customerId: Number(input.customerId),
      origin: { kind: 'api', ...(auth.userId === null ? {} : { userId: String(auth.userId) }) },
      dedupeKey: input.dedupeKey,
      now: now(),
      baseUrl:
        options.baseUrl ?? process.env.RETAIN_PUBLIC_URL?.replace(/\/+$/, '') ?? new URL(c.req.url).origin,
      mailer: input.channel === 'link' ? null : options.mailer,
    });
    return c.json(toSendBody(sent.send, sent.links.url, sent.created), 201);
  });

  router.openapi(responsesRoute, async (c) => {
    const { db } = c.get('services');
    const auth = c.get('auth');
    const query = c.req.valid('query');
    const page = await listResponses(db, auth.workspaceId, {
      surveyId: await surveyFilter(db, auth.workspaceId, query.surveyId),
      customerId: query.customerId === undefined ? undefined : Number(query.customerId),
      q: query.q,
      withComment: query.withComment === undefined ? undefined : query.withComment === 'true',
      from: query.from,
      to: query.to,
      limit: query.limit,
      cursor: query.cursor,
    });
    const personalData = seesPersonalData(auth.role);
    return c.json(
      {
        items: page.items.map((item) => toResponseBody(item.response, item.history, personalData)),
        nextCursor: page.nextCursor,
      },
      200,
    );
  });

  router.openapi(reportRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const query = c.req.valid('query');
    const report = await surveyReport(
      db,
      auth.workspaceId,
      {
        surveyId: await surveyFilter(db, auth.workspaceId, query.surveyId),
        segmentId: query.segmentId === undefined ? undefined : Number(query.segmentId),
        sentToSegmentId: query.sentToSegmentId === undefined ? undefined : Number(query.sentToSegmentId),
        from: query.from,
        to: query.to,
        interval: query.interval,
      },
      now(),
    );
    return c.json(
      {
        csat: report.csat,
        nps: report.nps,
        responses: report.responses,
        sent: report.sent,
        responseRate: report.responseRate,
        series: report.series.map((point) => ({
          period: point.period,
          start: new Date(point.start).toISOString(),
          csat: point.csat,
          nps: point.nps,
          responses: point.responses,
          sent: point.sent,
          responseRate: point.responseRate,
        })),
      },
      200,
    );
  });

  return router;
}
