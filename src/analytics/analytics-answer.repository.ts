/**
 * The `analytics_answer` table (migration 006): the last computed answer of each analytics query
 * of a workspace, with the version it was computed for, so that every process of an installation
 * (the server after a restart, a `retain worker` refreshing answers) shares what was computed.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';

/** A computed answer as stored. */
export interface StoredAnswer {
  /** The version of the workspace's settings and data it was computed for (`analyticsVersion`). */
  readonly version: string;
  /** When it was computed, epoch ms. */
  readonly computedAt: number;
  /** Its JSON text. */
  readonly json: string;
}

/** Answers larger than this are not stored (nor kept in memory by the runner beyond its own bound). */
export const MAX_STORED_ANSWER_CHARACTERS = 4_000_000;
/** At most this many answers are stored per workspace: the most recently computed. */
export const STORED_ANSWERS_PER_WORKSPACE = 64;

/** The stored answer of query `key` (the runner's key without the workspace), or `undefined`. One primary-key read. */
export async function findStoredAnswer(
  db: Kysely<Database>,
  workspaceId: number,
  key: string,
): Promise<StoredAnswer | undefined> {
  const row = await db
    .selectFrom('analytics_answer')
    .select(['version', 'computed_at', 'answer'])
    .where('workspace_id', '=', workspaceId)
    .where('answer_key', '=', key)
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : { version: row.version, computedAt: Number(row.computed_at), json: row.answer };
}

/**
 * Stores `answer` as query `key`'s, unless the stored one was computed later (two computations of
 * one query finishing out of order keep the newer); then drops the workspace's answers beyond the
 * `STORED_ANSWERS_PER_WORKSPACE` most recent. Too large an answer is not stored. Two statements.
 */
export async function storeAnswer(
  db: Kysely<Database>,
  workspaceId: number,
  key: string,
  answer: StoredAnswer,
): Promise<void> {
  if (answer.json.length > MAX_STORED_ANSWER_CHARACTERS) return;
  await db
    .insertInto('analytics_answer')
    .values({
      workspace_id: workspaceId,
      answer_key: key,
      version: answer.version,
      computed_at: answer.computedAt,
      answer: answer.json,
    })
    .onConflict((conflict) =>
      conflict
        .columns(['workspace_id', 'answer_key'])
        .doUpdateSet((eb) => ({
          version: eb.ref('excluded.version'),
          computed_at: eb.ref('excluded.computed_at'),
          answer: eb.ref('excluded.answer'),
        }))
        .where('analytics_answer.computed_at', '<=', answer.computedAt),
    )
    .execute();
  await db
    .deleteFrom('analytics_answer')
    .where('workspace_id', '=', workspaceId)
    .where('answer_key', 'in', (eb) =>
      eb
        .selectFrom('analytics_answer')
        .select('answer_key')
        .where('workspace_id', '=', workspaceId)
        .orderBy('computed_at', 'desc')
        .orderBy('answer_key')
        .limit(1_000_000)
        .offset(STORED_ANSWERS_PER_WORKSPACE),
    )
    .execute();
}
