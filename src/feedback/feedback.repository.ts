/**
 * The feedback tables (migration 014): `survey`, `survey_send`, `survey_response`,
 * `survey_response_history` — the only code that queries them (the signing key: survey-link.ts).
 * Every statement carries the workspace.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { SurveyDefinition, SurveyKind } from '../core/index.js';
import {
  type Database,
  dialectOf,
  fromJson,
  type RowId,
  type SurveyAnswerChange,
  type SurveyResponseRow,
  type SurveyResponseSource,
  type SurveyRow,
  type SurveySendDelivery,
  type SurveySendRow,
  toJson,
} from '../db/index.js';
import { currentMemberIds } from '../segments/index.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** A survey as the services see it. */
export interface Survey {
  readonly workspaceId: RowId;
  readonly id: RowId;
  readonly name: string;
  readonly kind: SurveyKind;
  readonly definition: SurveyDefinition;
  readonly createdBy: RowId | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

function toSurvey(row: SurveyRow): Survey {
  return {
    workspaceId: row.workspace_id,
    id: row.id,
    name: row.name,
    kind: row.kind,
    definition: fromJson(row.definition) as SurveyDefinition,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Inserts a survey. Throws the driver's unique violation on a taken name. */
export async function insertSurvey(
  db: Executor,
  input: {
    readonly workspaceId: RowId;
    readonly name: string;
    readonly definition: SurveyDefinition;
    readonly createdBy: RowId | null;
    readonly now: number;
  },
): Promise<Survey> {
  const row = await db
    .insertInto('survey')
    .values({
      workspace_id: input.workspaceId,
      name: input.name,
      kind: input.definition.kind,
      definition: toJson(input.definition as unknown),
      created_by: input.createdBy,
      created_at: input.now,
      updated_at: input.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSurvey(row);
}

/** One survey of the workspace, or `undefined` (also for another workspace's). */
export async function findSurvey(db: Executor, workspaceId: RowId, id: RowId): Promise<Survey | undefined> {
  const row = await db
    .selectFrom('survey')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toSurvey(row);
}

/** The workspace's surveys, oldest first, at most `limit`. */
export async function listSurveyRows(db: Executor, workspaceId: RowId, limit: number): Promise<Survey[]> {
  const rows = await db
    .selectFrom('survey')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toSurvey);
}

/** How many surveys the workspace has. */
export async function countSurveys(db: Executor, workspaceId: RowId): Promise<number> {
  const row = await db
    .selectFrom('survey')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** A send as the services see it. */
export interface SurveySend {
  readonly workspaceId: RowId;
  readonly id: RowId;
  readonly surveyId: RowId;
  readonly customerId: RowId;
  readonly dedupeKey: string | null;
  readonly origin: Record<string, unknown>;
  readonly segmentId: RowId | null;
  readonly delivery: SurveySendDelivery;
  readonly deliveryReason: string | null;
  readonly messageId: string | null;
  readonly sentAt: number;
}

function toSend(row: SurveySendRow): SurveySend {
  return {
    workspaceId: row.workspace_id,
    id: row.id,
    surveyId: row.survey_id,
    customerId: row.customer_id,
    dedupeKey: row.dedupe_key,
    origin: fromJson(row.origin),
    segmentId: row.segment_id,
    delivery: row.delivery,
    deliveryReason: row.delivery_reason,
    messageId: row.message_id,
    sentAt: row.sent_at,
  };
}

/**
 * Inserts a send; with a `dedupeKey` the workspace already used, inserts nothing and returns the
 * existing send with `created: false`. One insert (+ one select on a duplicate key).
 */
export async function insertSend(
  db: Executor,
  input: {
    readonly workspaceId: RowId;
    readonly surveyId: RowId;
    readonly customerId: RowId;
    readonly dedupeKey: string | null;
    readonly origin: Record<string, unknown>;
    readonly segmentId: RowId | null;
    readonly now: number;
  },
): Promise<{ send: SurveySend; created: boolean }> {
  const inserted = await db
    .insertInto('survey_send')
    .values({
      workspace_id: input.workspaceId,
      survey_id: input.surveyId,
      customer_id: input.customerId,
      dedupe_key: input.dedupeKey,
      origin: toJson(input.origin),
      segment_id: input.segmentId,
      delivery: 'link',
      sent_at: input.now,
    })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'dedupe_key']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted !== undefined) return { send: toSend(inserted), created: true };
  if (input.dedupeKey === null) throw new Error('Send insert returned no row');
  const existing = await db
    .selectFrom('survey_send')
    .selectAll()
    .where('workspace_id', '=', input.workspaceId)
    .where('dedupe_key', '=', input.dedupeKey)
    .executeTakeFirstOrThrow();
  return { send: toSend(existing), created: false };
}

/** One send of the workspace, or `undefined`. */
export async function findSend(db: Executor, workspaceId: RowId, id: RowId): Promise<SurveySend | undefined> {
  const row = await db
    .selectFrom('survey_send')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toSend(row);
}

/**
 * The customer's latest send of a survey (by time, then id), or `undefined`: what the storefront
 * answers. Reads the customer's sends through `survey_send_customer_idx` (a handful a customer).
 */
export async function latestSendOf(
  db: Executor,
  workspaceId: RowId,
  surveyId: RowId,
  customerId: RowId,
): Promise<SurveySend | undefined> {
  const row = await db
    .selectFrom('survey_send')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where('survey_id', '=', surveyId)
    .orderBy('sent_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : toSend(row);
}

/** Records how a send was delivered (what the e-mail module answered). */
export async function updateSendDelivery(
  db: Executor,
  workspaceId: RowId,
  id: RowId,
  delivery: {
    readonly delivery: SurveySendDelivery;
    readonly reason: string | null;
    readonly messageId: string | null;
  },
): Promise<SurveySend> {
  const row = await db
    .updateTable('survey_send')
    .set({ delivery: delivery.delivery, delivery_reason: delivery.reason, message_id: delivery.messageId })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSend(row);
}

/** A response (the current answer of a send) as the services see it. */
export interface SurveyResponse {
  readonly id: RowId;
  readonly sendId: RowId;
  readonly surveyId: RowId;
  readonly customerId: RowId;
  readonly rating: number | null;
  readonly negative: boolean;
  readonly comment: string | null;
  readonly reason: string | null;
  readonly answers: Record<string, unknown>;
  readonly source: SurveyResponseSource;
  readonly revision: number;
  readonly answeredAt: number;
  readonly updatedAt: number;
}

function toResponse(row: SurveyResponseRow): SurveyResponse {
  return {
    id: row.id,
    sendId: row.send_id,
    surveyId: row.survey_id,
    customerId: row.customer_id,
    rating: row.rating,
    negative: row.negative === 1,
    comment: row.comment,
    reason: row.reason,
    answers: fromJson(row.answers),
    source: row.source,
    revision: row.revision,
    answeredAt: row.answered_at,
    updatedAt: row.updated_at,
  };
}

/** The current answer of a send, or `undefined`. Pass a transaction to read it locked (PostgreSQL). */
export async function findResponseOfSend(
  db: Executor,
  workspaceId: RowId,
  sendId: RowId,
  options: { readonly forUpdate?: boolean } = {},
): Promise<SurveyResponse | undefined> {
  const row = await db
    .selectFrom('survey_response')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('send_id', '=', sendId)
    // SQLite has one writer at a time (and no FOR UPDATE); PostgreSQL locks the row.
    .$if(options.forUpdate === true && dialectOf(db) === 'postgres', (query) => query.forUpdate())
    .executeTakeFirst();
  return row === undefined ? undefined : toResponse(row);
}

/** The stored content of an answer version. */
export interface AnswerContent {
  readonly rating: number | null;
  readonly negative: boolean;
  readonly comment: string | null;
  readonly reason: string | null;
  readonly answers: Record<string, unknown>;
  readonly source: SurveyResponseSource;
}

/** Inserts the first answer of a send. Throws the driver's unique violation when the send has one. */
export async function insertResponse(
  db: Executor,
  send: SurveySend,
  content: AnswerContent,
  now: number,
): Promise<SurveyResponse> {
  const row = await db
    .insertInto('survey_response')
    .values({
      workspace_id: send.workspaceId,
      send_id: send.id,
      survey_id: send.surveyId,
      customer_id: send.customerId,
      rating: content.rating,
      negative: content.negative ? 1 : 0,
      comment: content.comment,
      reason: content.reason,
      answers: toJson(content.answers),
      source: content.source,
      revision: 1,
      answered_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toResponse(row);
}

/**
 * Replaces the current answer: the earlier version goes to `survey_response_history` and the
 * current row takes the new content with `revision + 1`. Run inside the caller's transaction.
 */
export async function replaceResponse(
  db: Transaction<Database>,
  workspaceId: RowId,
  previous: SurveyResponse,
  content: AnswerContent,
  now: number,
): Promise<SurveyResponse> {
  await db
    .insertInto('survey_response_history')
    .values({
      workspace_id: workspaceId,
      response_id: previous.id,
      revision: previous.revision,
      rating: previous.rating,
      comment: previous.comment,
      reason: previous.reason,
      answers: toJson(previous.answers),
      source: previous.source,
      answered_at: previous.updatedAt,
      replaced_at: now,
    })
    .execute();
  const row = await db
    .updateTable('survey_response')
    .set({
      rating: content.rating,
      negative: content.negative ? 1 : 0,
      comment: content.comment,
      reason: content.reason,
      answers: toJson(content.answers),
      source: content.source,
      revision: previous.revision + 1,
      updated_at: now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', previous.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toResponse(row);
}

/** An earlier version of an answer. */
export interface ResponseVersion {
  readonly revision: number;
  readonly rating: number | null;
  readonly comment: string | null;
  readonly reason: string | null;
  readonly answers: Record<string, unknown>;
  readonly source: SurveyResponseSource;
  readonly answeredAt: number;
  readonly replacedAt: number;
}

/** The earlier versions of the given responses, oldest first per response. */
export async function responseHistory(
  db: Executor,
  workspaceId: RowId,
  responseIds: readonly RowId[],
): Promise<Map<RowId, ResponseVersion[]>> {
  const history = new Map<RowId, ResponseVersion[]>();
  if (responseIds.length === 0) return history;
  const rows = await db
    .selectFrom('survey_response_history')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('response_id', 'in', [...responseIds])
    .orderBy('response_id')
    .orderBy('revision')
    .execute();
  for (const row of rows) {
    const versions = history.get(row.response_id) ?? [];
    versions.push({
      revision: row.revision,
      rating: row.rating,
      comment: row.comment,
      reason: row.reason,
      answers: fromJson(row.answers),
      source: row.source,
      answeredAt: row.answered_at,
      replacedAt: row.replaced_at,
    });
    history.set(row.response_id, versions);
  }
  return history;
}

/** A listed answer: the response with its customer's label. */
export interface ListedResponse extends SurveyResponse {
  readonly surveyName: string;
  readonly customerEmail: string | null;
  readonly customerName: string | null;
}

/** What a list of answers is filtered by. */
export interface ResponseFilter {
  readonly surveyId?: RowId | undefined;
  readonly customerId?: RowId | undefined;
  /** Only answers with a comment. */
  readonly withComment?: boolean | undefined;
  /** Case-insensitive text the comment contains. */
  readonly search?: string | undefined;
  /** Current version given in [from, to). */
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

/** `%`, `_` and `\` taken literally in a LIKE pattern (escape character `\`). */
function likeContains(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/**
 * A page of answers, newest first (by the current version's time, then id), after the cursor
 * `(updatedAt, id)`. At most `limit` rows; the search is a `LIKE` on the lower-cased comment
 * (bounded by the page: the index on `(workspace_id, updated_at)` is walked until it is full).
 */
export async function listResponseRows(
  db: Executor,
  workspaceId: RowId,
  filter: ResponseFilter,
  page: { readonly limit: number; readonly after?: { readonly updatedAt: number; readonly id: RowId } },
): Promise<ListedResponse[]> {
  const rows = await db
    .selectFrom('survey_response as r')
    .innerJoin('survey as s', (join) =>
      join.onRef('s.workspace_id', '=', 'r.workspace_id').onRef('s.id', '=', 'r.survey_id'),
    )
    .innerJoin('customer as c', (join) =>
      join.onRef('c.workspace_id', '=', 'r.workspace_id').onRef('c.id', '=', 'r.customer_id'),
    )
    .selectAll('r')
    .select(['s.name as survey_name', 'c.email as customer_email', 'c.name as customer_name'])
    .where('r.workspace_id', '=', workspaceId)
    .$if(filter.surveyId !== undefined, (query) => query.where('r.survey_id', '=', filter.surveyId!))
    .$if(filter.customerId !== undefined, (query) => query.where('r.customer_id', '=', filter.customerId!))
    .$if(filter.withComment === true, (query) => query.where('r.comment', 'is not', null))
    .$if(filter.search !== undefined, (query) =>
      query.where(sql<boolean>`lower(r.comment) like ${likeContains(filter.search!)} escape '\\'`),
    )
    .$if(filter.from !== undefined, (query) => query.where('r.updated_at', '>=', filter.from!))
    .$if(filter.to !== undefined, (query) => query.where('r.updated_at', '<', filter.to!))
    .$if(page.after !== undefined, (query) =>
      query.where((eb) =>
        eb.or([
          eb('r.updated_at', '<', page.after!.updatedAt),
          eb.and([eb('r.updated_at', '=', page.after!.updatedAt), eb('r.id', '<', page.after!.id)]),
        ]),
      ),
    )
    .orderBy('r.updated_at', 'desc')
    .orderBy('r.id', 'desc')
    .limit(page.limit)
    .execute();
  return rows.map((row) => ({
    ...toResponse(row),
    surveyName: row.survey_name,
    customerEmail: row.customer_email,
    customerName: row.customer_name,
  }));
}

/** Width of the time buckets the report groups sends in: every zone's UTC offset is a multiple of it. */
export const REPORT_BUCKET_MS = 15 * 60 * 1000;

/** A group of sends as the report reads them. */
export interface SendGroup {
  readonly surveyId: RowId;
  /** Start of the 15-minute bucket of their send time. */
  readonly bucket: number;
  readonly answered: boolean;
  readonly rating: number | null;
  readonly count: number;
}

/**
 * The sends of `[from, to)` grouped by survey, 15-minute bucket of their send time, whether they
 * have an answer and its rating — what the report needs, with one row per group rather than per
 * send. One scan of the sends of the range (index `(workspace_id, sent_at)` or, with a survey,
 * `(workspace_id, survey_id, sent_at)`) joined to their answers.
 */
export async function sendGroups(
  db: Executor,
  workspaceId: RowId,
  filter: {
    readonly surveyIds?: readonly RowId[] | undefined;
    /** Only the sends made to this segment (a segment send). */
    readonly sentToSegmentId?: RowId | undefined;
    /** Only the sends to customers who are members of this segment now. */
    readonly memberOfSegmentId?: RowId | undefined;
    readonly from: number;
    readonly to: number;
  },
): Promise<SendGroup[]> {
  const bucket = sql<number>`(t.sent_at - (t.sent_at % ${sql.lit(REPORT_BUCKET_MS)}))`;
  const rows = await db
    .selectFrom('survey_send as t')
    .leftJoin('survey_response as r', (join) =>
      join.onRef('r.workspace_id', '=', 't.workspace_id').onRef('r.send_id', '=', 't.id'),
    )
    .select((eb) => [
      't.survey_id',
      bucket.as('bucket'),
      sql<number>`case when r.id is null then 0 else 1 end`.as('answered'),
      'r.rating',
      eb.fn.countAll<number>().as('count'),
    ])
    .where('t.workspace_id', '=', workspaceId)
    .where('t.sent_at', '>=', filter.from)
    .where('t.sent_at', '<', filter.to)
    // A send whose e-mail was skipped (no consent, suppressed, capped, no address) and that no
    // one answered reached nobody: it is not counted. (Its link may still have been handed out.)
    .where((eb) => eb.or([eb('t.delivery', '!=', 'skipped'), eb('r.id', 'is not', null)]))
    .$if(filter.surveyIds !== undefined, (query) => query.where('t.survey_id', 'in', [...filter.surveyIds!]))
    .$if(filter.sentToSegmentId !== undefined, (query) =>
      query.where('t.segment_id', '=', filter.sentToSegmentId!),
    )
    .$if(filter.memberOfSegmentId !== undefined, (query) =>
      query.where('t.customer_id', 'in', currentMemberIds(db, workspaceId, filter.memberOfSegmentId!)),
    )
    .groupBy(['t.survey_id', bucket, sql`case when r.id is null then 0 else 1 end`, 'r.rating'])
    .execute();
  return rows.map((row) => ({
    surveyId: Number(row.survey_id),
    bucket: Number(row.bucket),
    answered: Number(row.answered) === 1,
    rating: row.rating === null ? null : Number(row.rating),
    count: Number(row.count),
  }));
}

/** A customer's latest negative answer, for the at-risk signal. */
export interface NegativeAnswer {
  readonly customerId: RowId;
  readonly surveyId: RowId;
  readonly rating: number;
  readonly at: number;
}

/**
 * Each customer's latest current answer that is negative (CSAT not satisfied, NPS 0–6), given in
 * `[since, until)`. One scan of the workspace's negative answers of the window.
 */
export async function latestNegativeAnswers(
  db: Executor,
  workspaceId: RowId,
  window: { readonly since: number; readonly until?: number | undefined },
): Promise<NegativeAnswer[]> {
  const rows = await db
    .selectFrom('survey_response')
    .select(['customer_id', 'survey_id', 'rating', 'updated_at', 'id'])
    .where('workspace_id', '=', workspaceId)
    .where('negative', '=', 1)
    .where('rating', 'is not', null)
    .where('updated_at', '>=', window.since)
    .$if(window.until !== undefined, (query) => query.where('updated_at', '<', window.until!))
    .orderBy('customer_id')
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const latest: NegativeAnswer[] = [];
  for (const row of rows) {
    if (latest.at(-1)?.customerId === row.customer_id) continue;
    latest.push({
      customerId: row.customer_id,
      surveyId: row.survey_id,
      rating: row.rating!,
      at: row.updated_at,
    });
  }
  return latest;
}

/** Whether the workspace has any rated answer at all (then the feedback signal is supplied). */
export async function hasRatedAnswers(db: Executor, workspaceId: RowId): Promise<boolean> {
  const row = await db
    .selectFrom('survey_response')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('rating', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** A customer's send with its survey's name and its answer (current version and history). */
export interface CustomerSurveySend extends SurveySend {
  readonly surveyName: string;
  readonly response: (SurveyResponse & { readonly history: readonly ResponseVersion[] }) | null;
}

/**
 * Every survey sent to one customer, oldest first, each with its answer and the answer's earlier
 * versions — what a data-subject export holds about their feedback. Three queries, each on a
 * `(workspace_id, customer_id…)` or `(workspace_id, response_id)` index.
 */
export async function surveySendsOfCustomer(
  db: Executor,
  workspaceId: RowId,
  customerId: RowId,
): Promise<CustomerSurveySend[]> {
  const sends = await db
    .selectFrom('survey_send as t')
    .innerJoin('survey as s', (join) =>
      join.onRef('s.workspace_id', '=', 't.workspace_id').onRef('s.id', '=', 't.survey_id'),
    )
    .selectAll('t')
    .select('s.name as survey_name')
    .where('t.workspace_id', '=', workspaceId)
    .where('t.customer_id', '=', customerId)
    .orderBy('t.sent_at')
    .orderBy('t.id')
    .execute();
  const responses = (
    await db
      .selectFrom('survey_response')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', customerId)
      .execute()
  ).map(toResponse);
  const history = await responseHistory(
    db,
    workspaceId,
    responses.map((response) => response.id),
  );
  const bySend = new Map(responses.map((response) => [response.sendId, response]));
  return sends.map((row) => {
    const response = bySend.get(row.id);
    return {
      ...toSend(row),
      surveyName: row.survey_name,
      response: response === undefined ? null : { ...response, history: history.get(response.id) ?? [] },
    };
  });
}

/**
 * Erases what a customer wrote in their answers (an erasure request, privacy/): comments, and
 * form answers, of the current versions and of their history. Ratings and reasons (choices the
 * survey offered) stay, so the reports' counts do not move. Run in the erasure's transaction.
 */
export async function eraseResponsesOfCustomer(
  db: Executor,
  input: { readonly workspaceId: RowId; readonly customerId: RowId },
): Promise<number> {
  const responses = await db
    .updateTable('survey_response')
    .set({ comment: null, answers: toJson({}) })
    .where('workspace_id', '=', input.workspaceId)
    .where('customer_id', '=', input.customerId)
    .returning('id')
    .execute();
  if (responses.length > 0) {
    await db
      .updateTable('survey_response_history')
      .set({ comment: null, answers: toJson({}) })
      .where('workspace_id', '=', input.workspaceId)
      .where(
        'response_id',
        'in',
        responses.map((row) => row.id),
      )
      .execute();
  }
  return responses.length;
}

/** An answer logged for flows (`survey_answer_event`, migration 019). */
export interface SurveyAnswerEvent {
  readonly id: RowId;
  readonly sendId: RowId;
  readonly surveyId: RowId;
  readonly customerId: RowId;
  readonly kind: SurveyKind;
  readonly rating: number | null;
  readonly negative: boolean;
  readonly change: SurveyAnswerChange;
  readonly at: number;
}

/**
 * Logs an answer for flows (first given, or turned negative), in the answer's transaction. On
 * PostgreSQL the workspace's log is written by one transaction at a time (an advisory lock held
 * to its commit, taken before the id is allocated), so ids commit in order and a flow reading by
 * id cursor cannot pass one still to commit; SQLite has one writer anyway. Answers are a
 * person's clicks: the wait is negligible. Two statements.
 */
export async function insertAnswerEvent(
  db: Executor,
  send: SurveySend,
  event: {
    readonly kind: SurveyKind;
    readonly rating: number | null;
    readonly negative: boolean;
    readonly change: SurveyAnswerChange;
    readonly at: number;
  },
): Promise<void> {
  if (dialectOf(db) === 'postgres')
    await sql`select pg_advisory_xact_lock(hashtextextended(${`retain:survey-answer-log:${send.workspaceId}`}, 0))`.execute(
      db,
    );
  await db
    .insertInto('survey_answer_event')
    .values({
      workspace_id: send.workspaceId,
      send_id: send.id,
      survey_id: send.surveyId,
      customer_id: send.customerId,
      kind: event.kind,
      rating: event.rating,
      negative: event.negative ? 1 : 0,
      change: event.change,
      at: event.at,
    })
    .execute();
}

/**
 * The workspace's logged answers after id `afterId`, oldest first, at most `limit` — optionally of
 * one survey, or negative ones only. A primary-key range read. Ids become visible in order (see
 * `insertAnswerEvent`), so a reader's cursor never passes a row still to commit.
 */
export async function listAnswerEvents(
  db: Executor,
  workspaceId: RowId,
  query: {
    readonly afterId: number;
    readonly limit: number;
    readonly surveyId?: RowId | undefined;
    readonly negativeOnly?: boolean | undefined;
  },
): Promise<SurveyAnswerEvent[]> {
  const rows = await db
    .selectFrom('survey_answer_event')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '>', query.afterId)
    .$if(query.surveyId !== undefined, (builder) => builder.where('survey_id', '=', query.surveyId!))
    .$if(query.negativeOnly === true, (builder) => builder.where('negative', '=', 1))
    .orderBy('id')
    .limit(query.limit)
    .execute();
  return rows.map((row) => ({
    id: Number(row.id),
    sendId: Number(row.send_id),
    surveyId: Number(row.survey_id),
    customerId: Number(row.customer_id),
    kind: row.kind as SurveyKind,
    rating: row.rating === null ? null : Number(row.rating),
    negative: Number(row.negative) === 1,
    change: row.change,
    at: Number(row.at),
  }));
}

/** The workspace's latest logged answer id (0: none): where a newly active flow starts reading. */
export async function latestAnswerEventId(db: Executor, workspaceId: RowId): Promise<number> {
  const row = await db
    .selectFrom('survey_answer_event')
    .select((eb) => eb.fn.max('id').as('id'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}

/**
 * A flow still to read the answer log: the answers after `cursor` of its filter (one survey or
 * any: `surveyId` null; negative ones only or all) are its, not yet read.
 */
export interface AnswerEventReader {
  readonly surveyId: RowId | null;
  readonly negativeOnly: boolean;
  readonly cursor: number;
}

/**
 * Deletes the workspace's logged answers logged before `before` that no reader still needs (one of
 * its filter after its cursor), and those logged before `hardBefore` whatever the readers. Walks
 * the log by its primary key from the oldest row, one window of `batchSize` rows a delete
 * statement, until a window ends at a row logged at or after `before` (ids follow the write
 * order: the rows after it are younger), the log ends, or `maxStatements` ran (`more`: old rows
 * may be left). The flows' pruning job calls it (flows/flow-log-pruning.ts).
 */
export async function pruneAnswerEvents(
  db: Executor,
  workspaceId: RowId,
  prune: {
    readonly before: number;
    readonly hardBefore: number;
    readonly readers: readonly AnswerEventReader[];
    readonly batchSize: number;
    readonly maxStatements: number;
  },
): Promise<{ deleted: number; more: boolean }> {
  let deleted = 0;
  let afterId = 0;
  for (let statements = 0; statements < prune.maxStatements; statements++) {
    // The window: the `batchSize` rows after `afterId`; its last row bounds the delete.
    const end = await db
      .selectFrom('survey_answer_event')
      .select(['id', 'at'])
      .where('workspace_id', '=', workspaceId)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(1)
      .offset(prune.batchSize - 1)
      .executeTakeFirst();
    const result = await db
      .deleteFrom('survey_answer_event')
      .where('workspace_id', '=', workspaceId)
      .where('id', '>', afterId)
      .$if(end !== undefined, (query) => query.where('id', '<=', end!.id))
      .where((eb) => {
        const unread = prune.readers.map((reader) =>
          eb.and([
            eb('id', '>', reader.cursor),
            ...(reader.surveyId === null ? [] : [eb('survey_id', '=', reader.surveyId)]),
            ...(reader.negativeOnly ? [eb('negative', '=', 1)] : []),
          ]),
        );
        const old = eb('at', '<', prune.before);
        return eb.or([
          eb('at', '<', prune.hardBefore),
          unread.length === 0 ? old : eb.and([old, eb.not(eb.or(unread))]),
        ]);
      })
      .executeTakeFirst();
    deleted += Number(result.numDeletedRows);
    if (end === undefined || Number(end.at) >= prune.before) return { deleted, more: false };
    afterId = Number(end.id);
  }
  return { deleted, more: true };
}
