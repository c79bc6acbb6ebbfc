/**
 * The row types of the tables migration 006 added to this capability — `customer_score_run`,
 * `customer_score`, `customer_note` — kept here rather than in `db/schema.ts` because only
 * `src/customers` queries them (as `imports/` does for `import_run`); `withScoreTables` adds them
 * to a Kysely instance's table map.
 */
import type { Generated, Kysely, Transaction } from 'kysely';
import type { AtRiskReason } from '../core/index.js';
import type { Database, JsonText, RowId } from '../db/index.js';

export type ScoreRunStatus = 'running' | 'succeeded' | 'failed';

/** What a run records beside its counts: how the scores were made. */
export interface ScoreRunDetails {
  /** The transaction model behind P(alive) and the expected purchases; null when none fitted. */
  readonly model?: string | null;
  /** Whether the at-risk weights were learned on the workspace's data or the defaults. */
  readonly weights?: 'learned' | 'default';
  /** The horizon of the expected purchases, days. */
  readonly horizonDays?: number;
  /** Why a part could not be computed (a model that did not fit, no orders yet). */
  readonly notes?: readonly string[];
}

export interface CustomerScoreRunTable {
  workspace_id: RowId;
  id: Generated<RowId>;
  job_id: RowId | null;
  status: ScoreRunStatus;
  /** The last local day of data scored, YYYY-MM-DD; null without orders. */
  as_of: string | null;
  /** Customers given a row. */
  customers: Generated<number>;
  /** Customers with an at-risk score (those with a completed order). */
  scored: Generated<number>;
  details: Generated<JsonText<ScoreRunDetails>>;
  error: string | null;
  started_at: number;
  finished_at: number | null;
}

export interface CustomerScoreTable {
  workspace_id: RowId;
  id: Generated<RowId>;
  customer_id: RowId;
  /** The run that wrote the row. */
  run_id: RowId;
  /** 0–100, higher = more at risk; null without a completed order. */
  risk_score: number | null;
  /** The reasons of the score, largest contribution first, as data. */
  reasons: Generated<JsonText<AtRiskReason[]>>;
  p_alive: number | null;
  /** Expected purchases over the at-risk horizon. */
  expected_purchases: number | null;
  predicted_clv_cents: number | null;
  /** RFM segment code (`champions`, `at_risk`, …). */
  rfm_segment: string | null;
  rfm_r: number | null;
  rfm_f: number | null;
  rfm_m: number | null;
  /** Completed orders. */
  orders_count: number;
  /** Completed orders minus refunds, cents: the value to date. */
  value_cents: number;
  first_order_at: number | null;
  last_order_at: number | null;
  computed_at: number;
}

export interface CustomerNoteTable {
  workspace_id: RowId;
  id: Generated<RowId>;
  customer_id: RowId;
  /** The user who wrote it. */
  author_id: RowId;
  text: string;
  created_at: number;
}

export type ScoreDatabase = Database & {
  customer_score_run: CustomerScoreRunTable;
  customer_score: CustomerScoreTable;
  customer_note: CustomerNoteTable;
};

/** `db` (or a transaction) with this file's tables in its table map. */
export function withScoreTables(db: Kysely<Database> | Transaction<Database>): Kysely<ScoreDatabase> {
  return (db as Kysely<Database>).withTables<{
    customer_score_run: CustomerScoreRunTable;
    customer_score: CustomerScoreTable;
    customer_note: CustomerNoteTable;
  }>();
}
