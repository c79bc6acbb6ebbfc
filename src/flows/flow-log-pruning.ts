/**
 * Pruning the append-only logs flows read with a cursor per flow: `segment_event` (segments write
 * it, `segment_entered` / `segment_exited` flows read it) and `survey_answer_event` (feedback
 * writes it, `survey_answered` flows read it). Nothing else reads them, and nothing else would
 * delete them: without this they grow by every membership change and every answer, forever.
 *
 * A row goes once no flow of its workspace can still need it and it is older than
 * `FLOW_LOG_RETENTION_MS`, or, whatever the cursors, once it is older than `FLOW_LOG_MAX_AGE_MS`.
 * "Need" follows the engine (flow-engine.ts, `readFlowTrigger`): only `active` flows read the
 * logs, each the rows of its filter (its segment; its survey or any, negative answers or all)
 * after its cursor. A draft or inactive flow needs nothing: activation sets its cursor to the
 * log's latest id (flow.service.ts, `activateFlow`), so a flow starts from then and never replays
 * what was written while it was off. The hard maximum covers an active flow whose ticks stopped
 * (a worker down for months): its unread rows older than that are gone when it runs again.
 *
 * Cursors only grow, and a flow activated during a prune starts after every row then written, so
 * cursors read before the delete never make it remove a row a flow still needs. Ids are never
 * reused (SQLite `AUTOINCREMENT`, PostgreSQL identity), so a log pruned empty still continues
 * above every cursor.
 *
 * Bounded: each statement deletes within a window of at most `FLOW_LOG_PRUNE_BATCH` rows, oldest
 * first — of one segment's events (the `(workspace_id, segment_id, id)` index: a reader's cursor
 * holds back its own segment only), of the answer log's primary key — and a run takes
 * at most `FLOW_LOG_PRUNE_BATCHES` statements per log; a run that used them all says so (`more`),
 * and its job asks for the next run a minute later. When runs happen: flow.jobs.ts (after writes,
 * daily while rows are left, and the daily sweep for workspaces no write scheduled).
 */
import type { Kysely } from 'kysely';
import { MS_PER_DAY } from '../core/index.js';
import type { Database } from '../db/index.js';
import { type AnswerEventReader, listAnswerEvents, pruneAnswerEvents } from '../feedback/index.js';
import { hasSegmentEvents, pruneSegmentEvents, type SegmentEventReader } from '../segments/index.js';
import { listFlows } from './flow.repository.js';

/** Rows no flow still needs are kept this long (30 days: a month of history to look into). */
export const FLOW_LOG_RETENTION_MS = 30 * MS_PER_DAY;
/** Rows older than this go whatever the cursors (180 days: no flow replays half a year). */
export const FLOW_LOG_MAX_AGE_MS = 180 * MS_PER_DAY;
/** Rows one delete statement considers: a window of one segment's events, or of the answer log. */
export const FLOW_LOG_PRUNE_BATCH = 10_000;
/** Statements per log per run: at most 50,000 rows of each log a run. */
export const FLOW_LOG_PRUNE_BATCHES = 5;

/** What one pruning run did. */
export interface FlowLogPruneOutcome {
  readonly segmentEventsDeleted: number;
  readonly answerEventsDeleted: number;
  /** A log has old rows beyond the windows this run took: run again soon. */
  readonly more: boolean;
  /** Either log still has rows (they may be old enough later): keep the schedule. */
  readonly rowsLeft: boolean;
}

/**
 * Prunes the workspace's `segment_event` and `survey_answer_event` at `now` (see the file
 * comment): reads the active flows' cursors once, then deletes window by window. `batchSize` and
 * `batches` default to `FLOW_LOG_PRUNE_BATCH` and `FLOW_LOG_PRUNE_BATCHES`.
 */
export async function pruneFlowLogs(
  db: Kysely<Database>,
  workspaceId: number,
  now: number,
  options: { readonly batchSize?: number; readonly batches?: number } = {},
): Promise<FlowLogPruneOutcome> {
  const batchSize = options.batchSize ?? FLOW_LOG_PRUNE_BATCH;
  const batches = options.batches ?? FLOW_LOG_PRUNE_BATCHES;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize: a positive integer');
  if (!Number.isInteger(batches) || batches < 1) throw new RangeError('batches: a positive integer');
  const before = now - FLOW_LOG_RETENTION_MS;
  const hardBefore = now - FLOW_LOG_MAX_AGE_MS;

  // The readers: each segment flow's cursor; per answer filter, the lowest cursor of its flows.
  const segmentReaders: SegmentEventReader[] = [];
  const answerCursors = new Map<string, AnswerEventReader>();
  for (const flow of await listFlows(db, workspaceId, 'active')) {
    const trigger = flow.definition.trigger;
    if (trigger.type === 'segment_entered' || trigger.type === 'segment_exited') {
      segmentReaders.push({ segmentId: Number(trigger.segmentId), cursor: flow.cursor });
    } else if (trigger.type === 'survey_answered') {
      const surveyId = trigger.surveyId === undefined ? null : Number(trigger.surveyId);
      const key = `${surveyId ?? '*'}:${trigger.negativeOnly}`;
      const cursor = Math.min(answerCursors.get(key)?.cursor ?? flow.cursor, flow.cursor);
      answerCursors.set(key, { surveyId, negativeOnly: trigger.negativeOnly, cursor });
    }
  }
  const limits = { before, hardBefore, batchSize, maxStatements: batches };
  const segments = await pruneSegmentEvents(db, workspaceId, { ...limits, readers: segmentReaders });
  const answers = await pruneAnswerEvents(db, workspaceId, {
    ...limits,
    readers: [...answerCursors.values()],
  });
  const rowsLeft =
    (await hasSegmentEvents(db, workspaceId)) ||
    (await listAnswerEvents(db, workspaceId, { afterId: 0, limit: 1 })).length > 0;
  return {
    segmentEventsDeleted: segments.deleted,
    answerEventsDeleted: answers.deleted,
    more: segments.more || answers.more,
    rowsLeft,
  };
}
