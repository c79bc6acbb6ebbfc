/**
 * Sending a survey to a segment: the `feedback.segment-send` job walks the segment's members (pages
 * of 500, by customer id) and sends the survey to each (`sendSurvey`) with the dedupe key
 * `segment-send:<jobId>:<customerId>`, so a job retried after a crash sends to no one twice.
 * Erased customers are skipped.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Database, RowId } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { enqueue, type Job, type JobHandler } from '../jobs/index.js';
import { getSegment, listSegmentMembers } from '../segments/index.js';
import { defaultPublicBaseUrl, getSurvey, type SurveyMailer, sendSurvey } from './feedback.service.js';

/** The job type that sends a survey to a segment's members. */
export const SURVEY_SEGMENT_SEND_JOB = 'feedback.segment-send';

/** Members read per page. */
const MEMBERS_PAGE = 500;

export interface SegmentSendPayload {
  readonly surveyId: RowId;
  readonly segmentId: RowId;
  /** `email` (default): each member gets the survey e-mail; `link`: sends without e-mail. */
  readonly channel?: 'email' | 'link';
}

/**
 * Asks for a survey to be sent to a segment's members (`not_found` for an unknown survey or
 * segment). Each request is a new dispatch: sending twice to a segment sends twice.
 */
export async function requestSegmentSend(
  db: Kysely<Database>,
  input: {
    readonly workspaceId: RowId;
    readonly surveyId: RowId;
    readonly segmentId: RowId;
    readonly channel?: 'email' | 'link' | undefined;
    readonly now: number;
  },
): Promise<{ job: Job<SegmentSendPayload> }> {
  await getSurvey(db, input.workspaceId, input.surveyId);
  await getSegment(db, input.workspaceId, input.segmentId);
  const { job } = await enqueue<SegmentSendPayload>(db, {
    workspaceId: input.workspaceId,
    type: SURVEY_SEGMENT_SEND_JOB,
    payload: { surveyId: input.surveyId, segmentId: input.segmentId, channel: input.channel ?? 'email' },
    now: input.now,
  });
  return { job };
}

/** What a segment send did. */
export interface SegmentSendOutcome {
  readonly sent: number;
  /** Sent by an earlier attempt of the same job. */
  readonly alreadySent: number;
  readonly skippedErased: number;
}

/** Sends the survey of `payload` to every member of its segment (see the file comment). */
export async function runSegmentSend(
  db: Kysely<Database>,
  job: { readonly id: RowId; readonly workspaceId: RowId; readonly payload: SegmentSendPayload },
  options: {
    readonly mailer?: SurveyMailer | undefined;
    readonly baseUrl?: string | undefined;
    readonly now: () => number;
    readonly signal?: AbortSignal;
  },
): Promise<SegmentSendOutcome> {
  let cursor: string | undefined;
  let sent = 0;
  let alreadySent = 0;
  let skippedErased = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const page = await listSegmentMembers(db, job.workspaceId, job.payload.segmentId, {
      limit: MEMBERS_PAGE,
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const member of page.items) {
      try {
        const outcome = await sendSurvey(db, {
          workspaceId: job.workspaceId,
          surveyId: job.payload.surveyId,
          customerId: member.customerId,
          origin: { kind: 'segment', segmentId: String(job.payload.segmentId), jobId: String(job.id) },
          dedupeKey: `segment-send:${job.id}:${member.customerId}`,
          segmentId: job.payload.segmentId,
          now: options.now(),
          baseUrl: options.baseUrl ?? defaultPublicBaseUrl(),
          mailer: job.payload.channel === 'link' ? null : options.mailer,
        });
        if (outcome.created) sent++;
        else alreadySent++;
      } catch (error) {
        if (error instanceof RetainError && error.code === 'conflict') skippedErased++;
        else throw error;
      }
      // Let requests and timers in between members: on SQLite every query runs synchronously, so
      // a send to a large segment would otherwise hold the server for its whole length.
      await yieldToEventLoop();
    }
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  return { sent, alreadySent, skippedErased };
}

/** The feedback job handlers, to give a `Worker`. */
export function feedbackJobHandlers(
  options: {
    readonly mailer?: SurveyMailer | undefined;
    readonly baseUrl?: string | undefined;
    readonly now?: () => number;
  } = {},
): Readonly<Record<string, JobHandler>> {
  return {
    [SURVEY_SEGMENT_SEND_JOB]: async (job, context) => {
      await runSegmentSend(context.db, job as typeof job & { payload: SegmentSendPayload }, {
        mailer: options.mailer,
        baseUrl: options.baseUrl,
        now: options.now ?? Date.now,
        signal: context.signal,
      });
    },
  };
}
