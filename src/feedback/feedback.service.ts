/**
 * The feedback rules: surveys (CSAT, NPS, custom forms), sends with their signed links, answers
 * recorded through a link (one current answer per send; a change replaces it and the earlier one
 * goes to history), the list of answers with comment search, the CSAT / NPS report, and the
 * at-risk signal of negative answers.
 */
import type { Kysely } from 'kysely';
import { type AuditActor, recordAudit } from '../audit/index.js';
import {
  type CsatScale,
  type FeedbackReport,
  type FeedbackReportRow,
  feedbackReport,
  instantFromLocal,
  isNegativeAnswer,
  isSupportedDate,
  type NegativeFeedbackDetail,
  type SurveyAnswerInput,
  type SurveyDefinition,
  validateSurveyAnswer,
} from '../core/index.js';
import { bumpDataVersion, findCustomer, requestScoreRefresh } from '../customers/index.js';
import { type Database, isUniqueViolation, type RowId, type SurveyResponseSource } from '../db/index.js';
import { notFound, RetainError } from '../errors/index.js';
import { getSegment } from '../segments/index.js';
import { getWorkspace } from '../workspaces/index.js';
import {
  countSurveys,
  findResponseOfSend,
  findSend,
  findSurvey,
  hasRatedAnswers,
  insertAnswerEvent,
  insertResponse,
  insertSend,
  insertSurvey,
  type ListedResponse,
  latestNegativeAnswers,
  latestSendOf,
  listResponseRows,
  listSurveyRows,
  type ResponseFilter,
  type ResponseVersion,
  replaceResponse,
  responseHistory,
  type Survey,
  type SurveyResponse,
  type SurveySend,
  sendGroups,
  updateSendDelivery,
} from './feedback.repository.js';
import {
  type CreateSurveyInput,
  DEFAULT_RESPONSES_PAGE,
  MAX_RESPONSES_PAGE,
  MAX_SURVEYS_PER_WORKSPACE,
} from './feedback.schemas.js';
import { surveyEmailMailer } from './survey-email.js';
import {
  findSigningKey,
  hasValidSignature,
  parseSurveyLink,
  signingKey,
  signSurveyLink,
} from './survey-link.js';
import { pageLocale, type SurveyPageLocale } from './survey-page.messages.js';

const DAY_MS = 86_400_000;

/** Where links point when no base URL is given: `RETAIN_PUBLIC_URL`, else the default local server. */
export function defaultPublicBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.RETAIN_PUBLIC_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
}

/** The survey page of a token under `baseUrl` (no trailing slash). */
export function surveyPageUrl(baseUrl: string, token: string, rating?: number): string {
  return `${baseUrl}/s/${token}${rating === undefined ? '' : `?r=${rating}`}`;
}

function surveyOrThrow(survey: Survey | undefined): Survey {
  if (survey === undefined) throw notFound('Survey');
  return survey;
}

/** A survey of the workspace; `not_found` otherwise. */
export async function getSurvey(db: Kysely<Database>, workspaceId: RowId, id: RowId): Promise<Survey> {
  return surveyOrThrow(await findSurvey(db, workspaceId, id));
}

/** Every survey of the workspace, oldest first. */
export async function listSurveys(db: Kysely<Database>, workspaceId: RowId): Promise<Survey[]> {
  return listSurveyRows(db, workspaceId, MAX_SURVEYS_PER_WORKSPACE);
}

/** The definition stored for a validated create body (its name is the survey's, not the definition's). */
function definitionOf(input: CreateSurveyInput): SurveyDefinition {
  const { name: _name, ...definition } = input;
  return definition as SurveyDefinition;
}

/**
 * Creates a survey (audited `survey.created`). `conflict` for a taken name or a workspace at
 * `MAX_SURVEYS_PER_WORKSPACE`. The definition was validated by the route's schema.
 */
export async function createSurvey(
  db: Kysely<Database>,
  input: {
    readonly workspaceId: RowId;
    readonly survey: CreateSurveyInput;
    readonly createdBy: RowId | null;
    readonly actor: AuditActor;
    readonly now: number;
  },
): Promise<Survey> {
  const name = input.survey.name;
  const taken = () => new RetainError('conflict', `The workspace already has a survey named "${name}".`);
  try {
    return await db.transaction().execute(async (trx) => {
      if ((await countSurveys(trx, input.workspaceId)) >= MAX_SURVEYS_PER_WORKSPACE)
        throw new RetainError('conflict', `A workspace has at most ${MAX_SURVEYS_PER_WORKSPACE} surveys.`);
      const survey = await insertSurvey(trx, {
        workspaceId: input.workspaceId,
        name,
        definition: definitionOf(input.survey),
        createdBy: input.createdBy,
        now: input.now,
      });
      await recordAudit(trx, {
        workspaceId: input.workspaceId,
        actor: input.actor,
        action: 'survey.created',
        entity: 'survey',
        entityId: survey.id,
        details: { name, kind: survey.kind },
        at: input.now,
      });
      return survey;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw taken();
    throw error;
  }
}

/** What delivers a survey by e-mail (the e-mail module once it is on main; tests may pass their own). */
export type SurveyMailer = (
  db: Kysely<Database>,
  message: {
    readonly survey: Survey;
    readonly send: SurveySend;
    readonly links: SurveyLinks;
    /** The customer's language, as the survey page will speak it. */
    readonly locale: SurveyPageLocale;
    /** The e-mail's category; default by kind (CSAT transactional, NPS and forms marketing). */
    readonly category?: 'marketing' | 'transactional' | undefined;
  },
  now: number,
) => Promise<{ status: 'queued' | 'duplicate' | 'skipped'; messageId: string; reason?: string }>;

/** The signed links of a send: the page, and one per rating for one-click answers. */
export interface SurveyLinks {
  readonly token: string;
  readonly url: string;
  /** CSAT / NPS: `{ rating, url }` for every rating of the scale, lowest first; forms: []. */
  readonly ratings: readonly { readonly rating: number; readonly url: string }[];
}

/** The links of a send under `baseUrl`. */
export function linksOf(survey: Survey, token: string, baseUrl: string): SurveyLinks {
  const definition = survey.definition;
  let ratings: number[] = [];
  if (definition.kind === 'nps') ratings = Array.from({ length: 11 }, (_, index) => index);
  else if (definition.kind === 'csat') ratings = definition.scale === 'binary' ? [0, 1] : [1, 2, 3, 4, 5];
  return {
    token,
    url: surveyPageUrl(baseUrl, token),
    ratings: ratings.map((rating) => ({ rating, url: surveyPageUrl(baseUrl, token, rating) })),
  };
}

export interface SendSurveyInput {
  readonly workspaceId: RowId;
  readonly surveyId: RowId;
  readonly customerId: RowId;
  /** Where the send comes from, e.g. `{ kind: 'flow', flowId, stepId }` (stored on the send). */
  readonly origin?: { readonly kind: string; readonly [key: string]: unknown } | undefined;
  /** A retried send with the same key is the same send (nothing is sent twice). */
  readonly dedupeKey?: string | undefined;
  readonly segmentId?: RowId | undefined;
  readonly now?: number | undefined;
  /** Base of the links (default `defaultPublicBaseUrl()`). */
  readonly baseUrl?: string | undefined;
  /**
   * Delivers the survey e-mail: default the e-mail module (`surveyEmailMailer()`: SMTP, or the
   * built-in outbox); `null`: no e-mail, the send is a link handed out (`delivery: 'link'`).
   */
  readonly mailer?: SurveyMailer | null | undefined;
  /**
   * The e-mail's category, when the sender decides it (a flow step: `marketing` unless the step
   * says otherwise, so consent and frequency caps apply as to the flow's other e-mails); default
   * by the survey's kind.
   */
  readonly category?: 'marketing' | 'transactional' | undefined;
}

export interface SentSurvey {
  readonly send: SurveySend;
  readonly links: SurveyLinks;
  /** False when `dedupeKey` named an earlier send (nothing new was sent). */
  readonly created: boolean;
}

/**
 * Sends a survey to one customer: a send row with its signed links and, given a mailer, the
 * survey e-mail (dedupe key `survey:<sendId>`). What the API, the segment job and a flow step
 * call. `not_found` for an unknown survey or customer (or another workspace's), `conflict` for an
 * erased customer.
 *
 * Example: `await sendSurvey(db, { workspaceId, surveyId, customerId, origin: { kind: 'flow', flowId: '4' } })`.
 */
export async function sendSurvey(db: Kysely<Database>, input: SendSurveyInput): Promise<SentSurvey> {
  const now = input.now ?? Date.now();
  const survey = await getSurvey(db, input.workspaceId, input.surveyId);
  const customer = await findCustomer(db, input.workspaceId, input.customerId);
  if (customer === undefined) throw notFound('Customer');
  if (customer.erased_at !== null)
    throw new RetainError('conflict', 'This customer’s personal data was erased: no survey can be sent.');
  const secret = await signingKey(db, input.workspaceId, now);
  let { send, created } = await insertSend(db, {
    workspaceId: input.workspaceId,
    surveyId: survey.id,
    customerId: customer.id,
    dedupeKey: input.dedupeKey ?? null,
    origin: { ...(input.origin ?? { kind: 'api' }) },
    segmentId: input.segmentId ?? null,
    now,
  });
  const token = signSurveyLink(secret, {
    workspaceId: input.workspaceId,
    sendId: send.id,
    customerId: send.customerId,
  });
  const links = linksOf(survey, token, input.baseUrl ?? defaultPublicBaseUrl());
  // A retried send whose e-mail was queued before is not queued again (the mailer dedupes too).
  const mailer = input.mailer === undefined ? surveyEmailMailer() : input.mailer;
  if (mailer !== null && (created || send.delivery === 'link')) {
    const locale = pageLocale(undefined, customer.language, undefined);
    const mailed = await mailer(db, { survey, send, links, locale, category: input.category }, now);
    send = await updateSendDelivery(db, input.workspaceId, send.id, {
      delivery: mailed.status,
      reason: mailed.reason ?? null,
      messageId: mailed.messageId,
    });
  }
  return { send, links, created };
}

/** A send reached through a valid signed link, with its survey. */
export interface LinkedSend {
  readonly send: SurveySend;
  readonly survey: Survey;
  readonly token: string;
  /** The customer's language tag, for the page (null when unknown). */
  readonly language: string | null;
  readonly response: SurveyResponse | undefined;
}

/** Why a link was refused: `not_found` (no such send) or `forbidden` (a signature that does not match). */
function refused(code: 'not_found' | 'forbidden'): RetainError {
  return code === 'not_found'
    ? new RetainError('not_found', 'This survey link is not valid.')
    : new RetainError('forbidden', 'This survey link is not valid: its signature does not match.');
}

/**
 * The send a signed link names, after checking the link: its shape, its signature under the
 * workspace's key (constant time), and that the send exists and belongs to the customer it names.
 * A malformed link or an unknown send is `not_found`, a bad signature `forbidden`. Two or three
 * indexed reads.
 */
export async function resolveSurveyLink(db: Kysely<Database>, token: string): Promise<LinkedSend> {
  const claims = parseSurveyLink(token);
  if (claims === null) throw refused('not_found');
  const secret = await findSigningKey(db, claims.workspaceId);
  if (secret === undefined) throw refused('not_found');
  if (!hasValidSignature(secret, token)) throw refused('forbidden');
  const send = await findSend(db, claims.workspaceId, claims.sendId);
  // Signed by us but naming no send (deleted) or another customer (cannot be signed): refused alike.
  if (send === undefined || send.customerId !== claims.customerId) throw refused('not_found');
  const survey = surveyOrThrow(await findSurvey(db, claims.workspaceId, send.surveyId));
  const customer = await findCustomer(db, claims.workspaceId, send.customerId);
  if (customer === undefined || customer.erased_at !== null) throw refused('not_found');
  return {
    send,
    survey,
    token,
    language: customer.language,
    response: await findResponseOfSend(db, claims.workspaceId, send.id),
  };
}

function sameContent(
  response: SurveyResponse,
  content: {
    rating: number | null;
    comment: string | null;
    reason: string | null;
    answers: Record<string, unknown>;
  },
): boolean {
  return (
    response.rating === content.rating &&
    response.comment === content.comment &&
    response.reason === content.reason &&
    canonicalJson(response.answers) === canonicalJson(content.answers)
  );
}

/**
 * JSON with object keys sorted: PostgreSQL's `jsonb` gives a stored object's keys back in its own
 * order (shortest first), so comparing plain `JSON.stringify` took a form's same answer for a change.
 */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'object' && item !== null && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

export interface RecordAnswerInput {
  readonly token: string;
  readonly answer: SurveyAnswerInput;
  /**
   * `link`: a rating clicked in the e-mail — only the rating changes, the comment and reason
   * given on the page before are kept; `page` / `api`: the whole answer as sent.
   */
  readonly source: SurveyResponseSource;
  readonly now: number;
  /** Called after an answer was logged for flows (see `AfterAnswerLogged`). */
  readonly afterAnswerLogged?: AfterAnswerLogged | undefined;
}

/**
 * What runs once an answer logged for flows has committed: the server passes flows' tick request
 * (`requestFlowTickAfterSurveyAnswer`), so a `survey_answered` flow reacts within a second rather
 * than at its next idle tick. Feedback does not import flows (flows import feedback for their
 * `send_survey` step): the hook is handed in. Must not throw.
 */
export type AfterAnswerLogged = (db: Kysely<Database>, workspaceId: RowId, now: number) => Promise<void>;

export interface RecordedAnswer {
  readonly linked: LinkedSend;
  readonly response: SurveyResponse;
  /** False when the answer was the same as the current one (nothing was written). */
  readonly changed: boolean;
  /** Whether it was logged for flows: the send's first answer, or a change that turned it negative. */
  readonly logged: boolean;
}

/**
 * A customer's current answer as the public answer endpoints give it back (the survey page's JSON
 * answer, the storefront widget): the answer and its revision, no ids. O(answers).
 */
export function answerAsGiven(response: SurveyResponse) {
  return {
    rating: response.rating,
    comment: response.comment,
    reason: response.reason,
    answers: response.answers,
    revision: response.revision,
  };
}

/**
 * Records a customer's answer through their signed link (`resolveSurveyLink` first: a bad link is
 * refused before anything is read from the body). One current answer per send: the first one is
 * inserted; a different one replaces it, the earlier version going to `survey_response_history`;
 * the same one again changes nothing (so a link opened twice, or by a mail scanner, is
 * idempotent). A negative answer (CSAT not satisfied, NPS 0–6), or a change from one, asks for
 * the workspace's scores to be computed again, so the at-risk list reflects it the same day.
 * The send's first answer, and a change that turned it negative (metrics.md §8: CSAT not
 * satisfied, NPS 0–6), are logged in the same transaction for flows' `survey_answered` triggers.
 * `invalid_input` names each bad part of the answer.
 */
export async function recordAnswer(db: Kysely<Database>, input: RecordAnswerInput): Promise<RecordedAnswer> {
  const linked = await resolveSurveyLink(db, input.token);
  const { send, survey } = linked;
  const definition = survey.definition;
  const given: SurveyAnswerInput =
    input.source === 'link' && linked.response !== undefined
      ? { rating: input.answer.rating, comment: linked.response.comment, reason: linked.response.reason }
      : input.answer;
  const validated = validateSurveyAnswer(definition, given);
  if (!validated.ok) {
    throw new RetainError(
      'invalid_input',
      'The answer is not valid.',
      validated.error.map((issue) => ({ path: issue.path, message: issue.message })),
    );
  }
  const answer = validated.value;
  const negative =
    answer.rating !== null &&
    (definition.kind === 'csat' || definition.kind === 'nps') &&
    isNegativeAnswer({
      kind: definition.kind,
      scale: definition.kind === 'csat' ? definition.scale : undefined,
      rating: answer.rating,
    });
  const content = {
    ...answer,
    answers: answer.answers as Record<string, unknown>,
    negative,
    source: input.source,
  };
  const write = (first: boolean) =>
    db.transaction().execute(async (trx) => {
      const current = await findResponseOfSend(trx, send.workspaceId, send.id, { forUpdate: true });
      let outcome: { response: SurveyResponse; changed: boolean; wasNegative: boolean; wasRated: boolean };
      if (current === undefined) {
        if (!first) throw new Error('The concurrent first answer is not visible');
        const response = await insertResponse(trx, send, content, input.now);
        outcome = { response, changed: true, wasNegative: false, wasRated: false };
      } else if (sameContent(current, content)) {
        outcome = {
          response: current,
          changed: false,
          wasNegative: current.negative,
          wasRated: current.rating !== null,
        };
      } else {
        const response = await replaceResponse(trx, send.workspaceId, current, content, input.now);
        outcome = {
          response,
          changed: true,
          wasNegative: current.negative,
          wasRated: current.rating !== null,
        };
      }
      // A rated answer feeds the at-risk score: cached at-risk answers of the old data are stale.
      if (outcome.changed && (content.rating !== null || outcome.wasRated))
        await bumpDataVersion(trx, send.workspaceId);
      // What flows may start from (survey_answered triggers): the first answer of the send, and a
      // change that turned it negative — no other change, so editing an answer triggers no twice.
      const change =
        current === undefined
          ? 'answered'
          : outcome.changed && negative && !outcome.wasNegative
            ? 'turned_negative'
            : null;
      if (change !== null)
        await insertAnswerEvent(trx, send, {
          kind: survey.kind,
          rating: content.rating,
          negative,
          change,
          at: input.now,
        });
      return { ...outcome, logged: change !== null };
    });
  // Two first answers racing: the unique key on the send lets one in; the other replaces it.
  const outcome = await write(true).catch((error: unknown) => {
    if (!isUniqueViolation(error)) throw error;
    return write(false);
  });
  if (outcome.changed && (negative || outcome.wasNegative)) {
    await requestScoreRefresh(db, send.workspaceId, { reason: 'feedback', now: input.now });
  }
  if (outcome.logged) await input.afterAnswerLogged?.(db, send.workspaceId, input.now);
  return { linked, response: outcome.response, changed: outcome.changed, logged: outcome.logged };
}

/** A survey as the storefront shows it to a signed-in customer: with their current answer. */
export interface StorefrontSurvey {
  readonly survey: Survey;
  /** The customer's language tag (null when unknown), for the widget's words. */
  readonly language: string | null;
  /** The current answer of their latest send of the survey, if any. */
  readonly response: SurveyResponse | undefined;
}

/**
 * A survey of the workspace for a customer the storefront token named (storefront-survey.routes.ts):
 * the survey and the customer's current answer to their latest send of it. Reads only. `not_found`
 * for another workspace's or an unknown survey. Three or four indexed reads.
 */
export async function storefrontSurvey(
  db: Kysely<Database>,
  workspaceId: RowId,
  surveyId: RowId,
  customerId: RowId,
): Promise<StorefrontSurvey> {
  const survey = await getSurvey(db, workspaceId, surveyId);
  const customer = await findCustomer(db, workspaceId, customerId);
  if (customer === undefined) throw notFound('Customer');
  const send = await latestSendOf(db, workspaceId, surveyId, customerId);
  const response = send === undefined ? undefined : await findResponseOfSend(db, workspaceId, send.id);
  return { survey, language: customer.language, response };
}

/** The dedupe key of the send the storefront makes for a customer who had none of a survey. */
export function storefrontSendKey(surveyId: RowId, customerId: RowId): string {
  return `storefront:${surveyId}:${customerId}`;
}

/**
 * Records a signed-in storefront customer's answer to a survey, with the rules of the signed link:
 * the answer goes to the customer's latest send of the survey (an e-mailed one, or the one an
 * earlier storefront answer made) through `recordAnswer` itself — one current answer per send, a
 * change replacing it with the earlier version kept in history. A customer with no send of the
 * survey gets one first (`origin: { kind: 'storefront' }`, no e-mail, a dedupe key per survey and
 * customer so two racing first answers share it); the answer is checked before that send is made,
 * so a refused answer leaves nothing behind. `invalid_input` names each bad part of the answer.
 */
export async function recordStorefrontAnswer(
  db: Kysely<Database>,
  input: {
    readonly workspaceId: RowId;
    readonly surveyId: RowId;
    readonly customerId: RowId;
    readonly answer: SurveyAnswerInput;
    readonly now: number;
    /** Called after the answer was logged for flows (see `AfterAnswerLogged`). */
    readonly afterAnswerLogged?: AfterAnswerLogged | undefined;
  },
): Promise<RecordedAnswer> {
  const survey = await getSurvey(db, input.workspaceId, input.surveyId);
  let send = await latestSendOf(db, input.workspaceId, survey.id, input.customerId);
  let token: string;
  if (send === undefined) {
    const checked = validateSurveyAnswer(survey.definition, input.answer);
    if (!checked.ok) {
      throw new RetainError(
        'invalid_input',
        'The answer is not valid.',
        checked.error.map((issue) => ({ path: issue.path, message: issue.message })),
      );
    }
    const sent = await sendSurvey(db, {
      workspaceId: input.workspaceId,
      surveyId: survey.id,
      customerId: input.customerId,
      origin: { kind: 'storefront' },
      dedupeKey: storefrontSendKey(survey.id, input.customerId),
      mailer: null,
      now: input.now,
    });
    send = sent.send;
    token = sent.links.token;
  } else {
    const secret = await signingKey(db, input.workspaceId, input.now);
    token = signSurveyLink(secret, {
      workspaceId: input.workspaceId,
      sendId: send.id,
      customerId: send.customerId,
    });
  }
  return recordAnswer(db, {
    token,
    answer: input.answer,
    source: 'api',
    now: input.now,
    afterAnswerLogged: input.afterAnswerLogged,
  });
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Midnight starting local day `value` in `timeZone` (`days` later); 400 naming `query.<field>`. */
function localMidnight(value: string, field: string, timeZone: string, days = 0): number {
  const match = DATE.exec(value);
  const invalid = () =>
    new RetainError('invalid_input', 'The request is not valid.', [
      {
        path: ['query', field],
        message: `Expected a calendar date YYYY-MM-DD from 1970-01-01 to 2100-12-31, got "${value}".`,
      },
    ]);
  if (!match || !isSupportedDate(value)) throw invalid();
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(Date.UTC(year, month - 1, day + days));
  if (days === 0 && (probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day)) throw invalid();
  return instantFromLocal(
    { year: probe.getUTCFullYear(), month: probe.getUTCMonth() + 1, day: probe.getUTCDate() },
    timeZone,
  );
}

/** The instant range of `from`–`to` (local days, `to` inclusive) in the workspace's zone. */
async function dayRange(
  db: Kysely<Database>,
  workspaceId: RowId,
  query: { readonly from?: string | undefined; readonly to?: string | undefined },
  now: number,
  defaultDays: number | null,
) {
  const workspace = await getWorkspace(db, workspaceId);
  const { timeZone, weekStart } = workspace.settings;
  let to: number | undefined;
  if (query.to !== undefined) {
    localMidnight(query.to, 'to', timeZone); // validates the date itself
    to = localMidnight(query.to, 'to', timeZone, 1);
  } else if (defaultDays !== null) {
    to = now + 1;
  }
  const from =
    query.from === undefined
      ? defaultDays === null || to === undefined
        ? undefined
        : to - defaultDays * DAY_MS
      : localMidnight(query.from, 'from', timeZone);
  if (from !== undefined && to !== undefined && !(to > from)) {
    throw new RetainError('invalid_input', 'The request is not valid.', [
      {
        path: ['query', 'to'],
        message: `to (${query.to ?? 'today'}) must not be before from (${query.from}).`,
      },
    ]);
  }
  return { from, to, timeZone, weekStart };
}

/** Most periods a report's series may have (about 7½ years of weeks). */
export const MAX_REPORT_PERIODS = 400;

export interface ReportQueryInput {
  readonly surveyId?: RowId | undefined;
  /** Only customers who are members of this segment now: their sends and answers. */
  readonly segmentId?: RowId | undefined;
  /** Only the sends made to this segment (by a segment send). */
  readonly sentToSegmentId?: RowId | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly interval?: 'week' | 'month' | undefined;
}

/**
 * `GET /feedback/report`: over the sends of `from`–`to` (local days of the workspace, `to`
 * inclusive; default the 90 days up to now) of one survey or all of them, optionally only the
 * sends to the current members of a segment (`segmentId`: who is in it now, whenever they were
 * sent the survey) or only the sends made to a segment (`sentToSegmentId`) — sent, responses, response rate, CSAT and NPS (metrics.md §8, over each
 * send's current answer), in total and per week or month. `csat` is null when no CSAT survey is
 * in the report, `nps` likewise. One grouped scan of the range's sends. `not_found` for a
 * `segmentId` that is not a segment of the workspace.
 */
export async function surveyReport(
  db: Kysely<Database>,
  workspaceId: RowId,
  query: ReportQueryInput,
  now: number,
): Promise<FeedbackReport> {
  const range = await dayRange(db, workspaceId, query, now, 90);
  if (query.segmentId !== undefined) await getSegment(db, workspaceId, query.segmentId);
  const from = range.from!;
  const to = range.to!;
  const interval = query.interval ?? 'week';
  const surveys =
    query.surveyId === undefined
      ? await listSurveys(db, workspaceId)
      : [await getSurvey(db, workspaceId, query.surveyId)];
  const byId = new Map(surveys.map((survey) => [survey.id, survey]));
  // The range must fit in the series before anything is read.
  const days = (to - from) / DAY_MS;
  if (days > (interval === 'week' ? 7 : 31) * MAX_REPORT_PERIODS) {
    throw new RetainError('invalid_input', 'The request is not valid.', [
      {
        path: ['query', 'from'],
        message: `At most ${MAX_REPORT_PERIODS} ${interval}s: choose a shorter range or a longer interval.`,
      },
    ]);
  }
  const groups = await sendGroups(db, workspaceId, {
    ...(query.surveyId === undefined ? {} : { surveyIds: [query.surveyId] }),
    memberOfSegmentId: query.segmentId,
    sentToSegmentId: query.sentToSegmentId,
    // Buckets start up to 15 minutes before a send: the report filters the exact range itself.
    from,
    to,
  });
  const rows: FeedbackReportRow[] = [];
  for (const group of groups) {
    const survey = byId.get(group.surveyId);
    if (survey === undefined) continue;
    const scale: CsatScale | null = survey.definition.kind === 'csat' ? survey.definition.scale : null;
    // A bucket's start is inside the range and in the same week or month as its sends: periods
    // start at local midnights, which every zone places on a 15-minute boundary.
    rows.push({
      sentAt: Math.max(group.bucket, from),
      kind: survey.kind,
      scale,
      answered: group.answered,
      rating: group.rating,
      count: group.count,
    });
  }
  return feedbackReport(rows, {
    from,
    to,
    interval,
    timeZone: range.timeZone,
    weekStartsOn: range.weekStart,
    applies: {
      csat: surveys.some((survey) => survey.kind === 'csat'),
      nps: surveys.some((survey) => survey.kind === 'nps'),
    },
    maxPeriods: MAX_REPORT_PERIODS + 2,
  });
}

export interface ResponsesQueryInput {
  readonly surveyId?: RowId | undefined;
  readonly customerId?: RowId | undefined;
  readonly q?: string | undefined;
  readonly withComment?: boolean | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly limit?: number | undefined;
  readonly cursor?: string | undefined;
}

export interface ResponsesPage {
  readonly items: { readonly response: ListedResponse; readonly history: readonly ResponseVersion[] }[];
  readonly nextCursor: string | null;
}

function parseCursor(cursor: string): { updatedAt: number; id: RowId } {
  const match = /^([0-9]{1,16})-([1-9][0-9]{0,15})$/.exec(cursor);
  if (match === null) {
    throw new RetainError('invalid_input', 'The request is not valid.', [
      { path: ['query', 'cursor'], message: 'Not a cursor this list returned.' },
    ]);
  }
  return { updatedAt: Number(match[1]), id: Number(match[2]) };
}

/**
 * A page of the workspace's answers, newest first, each with its earlier versions: filtered by
 * survey, customer, time, and comment text (`q`, case-insensitive). At most `MAX_RESPONSES_PAGE`.
 */
export async function listResponses(
  db: Kysely<Database>,
  workspaceId: RowId,
  query: ResponsesQueryInput,
): Promise<ResponsesPage> {
  const limit = Math.min(query.limit ?? DEFAULT_RESPONSES_PAGE, MAX_RESPONSES_PAGE);
  const range = await dayRange(db, workspaceId, query, 0, null);
  if (query.surveyId !== undefined) await getSurvey(db, workspaceId, query.surveyId);
  const filter: ResponseFilter = {
    surveyId: query.surveyId,
    customerId: query.customerId,
    withComment: query.withComment,
    search: query.q,
    from: range.from,
    to: range.to,
  };
  const rows = await listResponseRows(db, workspaceId, filter, {
    limit: limit + 1,
    ...(query.cursor === undefined ? {} : { after: parseCursor(query.cursor) }),
  });
  const page = rows.slice(0, limit);
  const history = await responseHistory(
    db,
    workspaceId,
    page.map((row) => row.id),
  );
  const last = page.at(-1);
  return {
    items: page.map((response) => ({ response, history: history.get(response.id) ?? [] })),
    nextCursor: rows.length > limit && last !== undefined ? `${last.updatedAt}-${last.id}` : null,
  };
}

/** Default N of the at-risk signal: a negative answer counts for this many days. */
export const NEGATIVE_FEEDBACK_WINDOW_DAYS = 90;

/** The feedback signal of the at-risk score for one workspace. */
export interface NegativeFeedbackSignal {
  /**
   * Whether the workspace collects rated feedback at all: only then is the signal supplied (and
   * weighted); a workspace without it keeps the order-history weights exactly.
   */
  readonly supplied: boolean;
  /** Customers (decimal ids) with a negative answer in the window, and their latest one. */
  readonly customers: ReadonlyMap<string, NegativeFeedbackDetail>;
}

/**
 * The at-risk feedback signal (docs/models.md): customers whose current answer to a CSAT survey
 * is not satisfied, or to an NPS survey is 0–6, given in the `windowDays` (default 90) up to
 * `asOf` — with their latest such answer, which the reason words ("rated the last request not
 * satisfied", "gave an NPS of 3"). An answer changed to a positive one no longer counts.
 * Two queries plus one per survey named.
 */
export async function negativeFeedbackSignal(
  db: Kysely<Database>,
  workspaceId: RowId,
  options: { readonly asOf: number; readonly until?: number | undefined; readonly windowDays?: number },
): Promise<NegativeFeedbackSignal> {
  if (!(await hasRatedAnswers(db, workspaceId))) return { supplied: false, customers: new Map() };
  const windowDays = options.windowDays ?? NEGATIVE_FEEDBACK_WINDOW_DAYS;
  const answers = await latestNegativeAnswers(db, workspaceId, {
    since: options.asOf - windowDays * DAY_MS,
    until: options.until,
  });
  const surveys = new Map<RowId, Survey | undefined>();
  const customers = new Map<string, NegativeFeedbackDetail>();
  for (const answer of answers) {
    if (!surveys.has(answer.surveyId))
      surveys.set(answer.surveyId, await findSurvey(db, workspaceId, answer.surveyId));
    const definition = surveys.get(answer.surveyId)?.definition;
    if (definition?.kind === 'csat')
      customers.set(String(answer.customerId), {
        kind: 'csat',
        scale: definition.scale,
        rating: answer.rating,
      });
    else if (definition?.kind === 'nps')
      customers.set(String(answer.customerId), { kind: 'nps', rating: answer.rating });
  }
  return { supplied: true, customers };
}
