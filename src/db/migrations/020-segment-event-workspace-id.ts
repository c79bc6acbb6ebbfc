/**
 * Migration 020 (SQLite): a unique `(workspace_id, id)` index on `segment_event`, the index
 * `survey_answer_event` has had since migration 019 and the one PostgreSQL has had since migration
 * 007 (its primary key). Reads of a workspace's events in id order — the latest id a flow starts
 * from when activated (flows `latestId`), the log after a cursor across segments
 * (`listSegmentEvents` without a segment) — otherwise walk every event of the workspace along
 * `(workspace_id, customer_id)` and sort them: on 500,000 events of a workspace the latest id took
 * 16 ms (a scan of all 500,000 index entries, linear in the log), 0.06 ms with this index
 * (docs/benchmarks.md, "segment_event in id order"). Building it on 1.5 M events took 0.4 s.
 * Unique and led by `workspace_id`, as every key (docs/operations.md, "Scaling out"). PostgreSQL:
 * nothing to do — its primary key `(workspace_id, id)` is this index.
 */
import type { Kysely, Migration } from 'kysely';
import { dialectOf } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow later table types.
type AnyDb = Kysely<any>;

const INDEX = 'segment_event_workspace_id_key';

export const segmentEventWorkspaceIdMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    if (dialectOf(db) !== 'sqlite') return;
    await db.schema.createIndex(INDEX).on('segment_event').columns(['workspace_id', 'id']).unique().execute();
  },

  async down(db: AnyDb): Promise<void> {
    if (dialectOf(db) !== 'sqlite') return;
    await db.schema.dropIndex(INDEX).execute();
  },
};
