/**
 * `customer_score` and `customer_score_run` (migration 006): the only code that writes or reads
 * them. A run of the `scores.refresh` job records itself (`startScoreRun` … `finishScoreRun`),
 * writes the rows it computed (`writeCustomerScores`), then gives every other live customer an
 * empty row (`fillUnscoredCustomers`), so the list's sorted views cover every customer. Every
 * statement names the workspace.
 */
import { CompiledQuery, sql } from 'kysely';
import { type AtRiskReason, RFM_SEGMENT_NAMES, type RfmSegmentName } from '../core/index.js';
import { dialectOf, fromJson, type RowId, toJson } from '../db/index.js';
import {
  type CustomerScoreTable,
  type ScoreRunDetails,
  type ScoreRunStatus,
  withScoreTables,
} from './customer-tables.js';
import { chunks, type Executor } from './upsert-batch.js';

/** The RFM segments as the API names them (codes of the core's `RFM_SEGMENT_NAMES`, same order). */
export const RFM_SEGMENT_CODES = [
  'champions',
  'loyal_customers',
  'potential_loyalists',
  'new_customers',
  'promising',
  'need_attention',
  'about_to_sleep',
  'at_risk',
  'cant_lose_them',
  'hibernating',
] as const;

export type RfmSegmentCode = (typeof RFM_SEGMENT_CODES)[number];

/** The code of a core RFM segment name. Example: `rfmSegmentCode("Can't lose them")` → `'cant_lose_them'`. */
export function rfmSegmentCode(name: RfmSegmentName): RfmSegmentCode {
  return RFM_SEGMENT_CODES[RFM_SEGMENT_NAMES.indexOf(name)]!;
}

/**
 * The risk bands of the list's `risk` filter and the dashboard: low [0, 40), medium [40, 70),
 * high [70, 100]. Where the at-risk score's scale puts them: a typical customer on every signal
 * scores 50 × ½ + 15 × ½ + 15 × 0 ≈ 32 (docs/models.md), so "high" is well beyond typical.
 */
export const RISK_BANDS = {
  low: { from: 0, to: 40 },
  medium: { from: 40, to: 70 },
  high: { from: 70, to: Number.POSITIVE_INFINITY },
} as const;

export type RiskBand = keyof typeof RISK_BANDS;

/** The band of a score. Example: `riskBand(72.5)` → `'high'`. */
export function riskBand(score: number): RiskBand {
  return score >= RISK_BANDS.high.from ? 'high' : score >= RISK_BANDS.medium.from ? 'medium' : 'low';
}

/** One customer's computed scores, as the job hands them over. */
export interface CustomerScoreInput {
  readonly customerId: RowId;
  readonly riskScore: number | null;
  readonly reasons: readonly AtRiskReason[];
  readonly pAlive: number | null;
  readonly expectedPurchases: number | null;
  readonly predictedClvCents: number | null;
  readonly rfmSegment: RfmSegmentCode | null;
  readonly rfmR: number | null;
  readonly rfmF: number | null;
  readonly rfmM: number | null;
  readonly ordersCount: number;
  readonly valueCents: number;
  readonly firstOrderAt: number | null;
  readonly lastOrderAt: number | null;
}

/** A stored score row as services read it. */
export interface StoredCustomerScore extends CustomerScoreInput {
  readonly runId: RowId;
  readonly computedAt: number;
}

/** A run of the score job. */
export interface ScoreRun {
  readonly id: RowId;
  readonly jobId: RowId | null;
  readonly status: ScoreRunStatus;
  readonly asOf: string | null;
  readonly customers: number;
  readonly scored: number;
  readonly details: ScoreRunDetails;
  readonly error: string | null;
  readonly startedAt: number;
  readonly finishedAt: number | null;
}

/** Runs kept per workspace (older ones are deleted when a run finishes). */
const KEPT_RUNS = 20;

/** Records a run as started; returns its id. */
export async function startScoreRun(
  db: Executor,
  workspaceId: number,
  input: { readonly jobId: RowId | null; readonly now: number },
): Promise<RowId> {
  const row = await withScoreTables(db)
    .insertInto('customer_score_run')
    .values({ workspace_id: workspaceId, job_id: input.jobId, status: 'running', started_at: input.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Records how a run ended, and forgets the runs before the last `KEPT_RUNS`. */
export async function finishScoreRun(
  db: Executor,
  workspaceId: number,
  runId: RowId,
  outcome: {
    readonly status: 'succeeded' | 'failed';
    readonly asOf?: string | null;
    readonly customers?: number;
    readonly scored?: number;
    readonly details?: ScoreRunDetails;
    readonly error?: string | null;
    readonly now: number;
  },
): Promise<void> {
  const scoped = withScoreTables(db);
  await scoped
    .updateTable('customer_score_run')
    .set({
      status: outcome.status,
      as_of: outcome.asOf ?? null,
      customers: outcome.customers ?? 0,
      scored: outcome.scored ?? 0,
      details: toJson(outcome.details ?? {}),
      error: outcome.error === undefined || outcome.error === null ? null : outcome.error.slice(0, 4000),
      finished_at: outcome.now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .execute();
  const kept = await scoped
    .selectFrom('customer_score_run')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .orderBy('id', 'desc')
    .offset(KEPT_RUNS)
    .limit(1)
    .executeTakeFirst();
  if (kept !== undefined) {
    await scoped
      .deleteFrom('customer_score_run')
      .where('workspace_id', '=', workspaceId)
      .where('id', '<=', kept.id)
      .execute();
  }
}

function toRun(row: {
  id: RowId;
  job_id: RowId | null;
  status: ScoreRunStatus;
  as_of: string | null;
  customers: number;
  scored: number;
  details: string;
  error: string | null;
  started_at: number;
  finished_at: number | null;
}): ScoreRun {
  return {
    id: Number(row.id),
    jobId: row.job_id === null ? null : Number(row.job_id),
    status: row.status,
    asOf: row.as_of,
    customers: Number(row.customers),
    scored: Number(row.scored),
    details: fromJson<ScoreRunDetails>(row.details),
    error: row.error,
    startedAt: Number(row.started_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}

/** The latest run that succeeded (what the stored scores come from), or `undefined`. */
export async function latestScoreRun(
  db: Executor,
  workspaceId: number,
  status: ScoreRunStatus = 'succeeded',
): Promise<ScoreRun | undefined> {
  const row = await withScoreTables(db)
    .selectFrom('customer_score_run')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', status)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row === undefined ? undefined : toRun(row);
}

const SCORE_COLUMNS = [
  'risk_score',
  'reasons',
  'p_alive',
  'expected_purchases',
  'predicted_clv_cents',
  'rfm_segment',
  'rfm_r',
  'rfm_f',
  'rfm_m',
  'orders_count',
  'value_cents',
  'first_order_at',
  'last_order_at',
] as const;

/** PostgreSQL array types of the columns of one row, in `SCORE_COLUMNS` order after the customer id. */
const POSTGRES_TYPES = [
  'float8',
  'text',
  'float8',
  'float8',
  'int8',
  'text',
  'int4',
  'int4',
  'int4',
  'int4',
  'int8',
  'int8',
  'int8',
] as const;

function rowValues(row: CustomerScoreInput): unknown[] {
  return [
    row.customerId,
    finiteOrNull(row.riskScore),
    JSON.stringify(row.reasons),
    finiteOrNull(row.pAlive),
    finiteOrNull(row.expectedPurchases),
    row.predictedClvCents === null || !Number.isFinite(row.predictedClvCents)
      ? null
      : Math.round(row.predictedClvCents),
    row.rfmSegment,
    row.rfmR,
    row.rfmF,
    row.rfmM,
    row.ordersCount,
    Math.round(row.valueCents),
    row.firstOrderAt,
    row.lastOrderAt,
  ];
}

const finiteOrNull = (value: number | null) => (value === null || !Number.isFinite(value) ? null : value);

/**
 * Rows per statement and transaction. Small, because SQLite has one writer: each statement holds
 * the write lock, and a tracking write (better-sqlite3 waits for the lock on the server's thread)
 * waits for it — 1,000 rows hold it for tens of milliseconds (measured: 2–7 k rows/s with the six
 * sort indexes, docs/benchmarks.md).
 */
export const SCORE_ROWS_PER_STATEMENT = 1_000;

/**
 * Writes `rows` (one per customer, ids unique) as run `runId`'s, `SCORE_ROWS_PER_STATEMENT` a
 * transaction: inserted, or replacing the customer's row. A row whose customer is erased (or gone)
 * is not written — the statement joins the live customer — so a run never brings back the scores
 * of a customer erased while it computed. Returns the rows written.
 *
 * The rows travel as one parameter (SQLite: a JSON array through `json_each`; PostgreSQL: one
 * array per column through `unnest`), as in `upsert-batch.ts`. O(rows · log n).
 */
export async function writeCustomerScores(
  db: Executor,
  workspaceId: number,
  runId: RowId,
  rows: readonly CustomerScoreInput[],
  now: number,
): Promise<number> {
  const dialect = dialectOf(db);
  const columns = ['customer_id', ...SCORE_COLUMNS];
  const updates = ['run_id', ...SCORE_COLUMNS, 'computed_at']
    .map((column) => `"${column}" = excluded."${column}"`)
    .join(', ');
  const target = `insert into customer_score (workspace_id, run_id, computed_at, ${columns
    .map((column) => `"${column}"`)
    .join(', ')})`;
  const conflict = `on conflict (workspace_id, customer_id) do update set ${updates}`;
  const text =
    dialect === 'sqlite'
      ? `${target} select ?, ?, ?, ${columns.map((_, index) => `source.value ->> ${index}`).join(', ')}
         from json_each(?) as source
         -- CROSS JOIN: SQLite keeps the rows outside, each finding its customer by id.
         cross join customer c on c.workspace_id = ? and c.id = (source.value ->> 0) and c.erased_at is null
         where true ${conflict}`
      : `${target} select $1, $2, $3, source.customer_id, ${SCORE_COLUMNS.map((column) =>
          column === 'reasons' ? 'source.reasons::jsonb' : `source.${column}`,
        ).join(', ')}
         from unnest($4::int8[], ${POSTGRES_TYPES.map((type, index) => `$${index + 5}::${type}[]`).join(', ')})
           as source(customer_id, ${SCORE_COLUMNS.join(', ')})
         join customer c on c.workspace_id = $1 and c.id = source.customer_id and c.erased_at is null
         ${conflict}`;
  let written = 0;
  for (const chunk of chunks(rows, SCORE_ROWS_PER_STATEMENT)) {
    const values = chunk.map(rowValues);
    const parameters =
      dialect === 'sqlite'
        ? [workspaceId, runId, now, JSON.stringify(values), workspaceId]
        : [workspaceId, runId, now, ...columns.map((_, column) => values.map((row) => row[column] ?? null))];
    const result = await db.executeQuery(CompiledQuery.raw(text, parameters));
    written += Number(result.numAffectedRows ?? 0n);
  }
  return written;
}

/**
 * Gives every live customer without a row of run `runId` an empty one (no score, no orders), in
 * slices of 2,000 customers (short write locks), and deletes the rows of erased customers. Called after the run's
 * `writeCustomerScores`, so that each customer has exactly one row of the latest run. Returns the
 * rows written.
 */
export async function fillUnscoredCustomers(
  db: Executor,
  workspaceId: number,
  runId: RowId,
  now: number,
): Promise<number> {
  const slice = 2_000;
  let written = 0;
  let after = 0;
  for (;;) {
    const boundary = await db
      .selectFrom('customer')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('id', '>', after)
      .orderBy('id')
      .offset(slice - 1)
      .limit(1)
      .executeTakeFirst();
    const upTo = boundary === undefined ? null : Number(boundary.id);
    const result = await sql`insert into customer_score
        (workspace_id, customer_id, run_id, reasons, orders_count, value_cents, computed_at)
      select c.workspace_id, c.id, cast(${runId} as bigint), '[]', 0, 0, cast(${now} as bigint)
      from customer c
      where c.workspace_id = ${workspaceId} and c.id > ${after}
        ${upTo === null ? sql`` : sql`and c.id <= ${upTo}`}
        and c.erased_at is null
        and not exists (select 1 from customer_score s
          where s.workspace_id = c.workspace_id and s.customer_id = c.id and s.run_id = ${runId})
      on conflict (workspace_id, customer_id) do update set run_id = excluded.run_id,
        risk_score = null, reasons = excluded.reasons, p_alive = null, expected_purchases = null,
        predicted_clv_cents = null, rfm_segment = null, rfm_r = null, rfm_f = null, rfm_m = null,
        orders_count = 0, value_cents = 0, first_order_at = null, last_order_at = null,
        computed_at = excluded.computed_at`.execute(db);
    written += Number(result.numAffectedRows ?? 0n);
    if (upTo === null) break;
    after = upTo;
  }
  await withScoreTables(db)
    .deleteFrom('customer_score')
    .where('workspace_id', '=', workspaceId)
    .where((eb) =>
      eb(
        'customer_id',
        'in',
        eb
          .selectFrom('customer')
          .select('id')
          .where('workspace_id', '=', workspaceId)
          .where('erased_at', 'is not', null),
      ),
    )
    .execute();
  return written;
}

type ScoreRow = Pick<
  CustomerScoreTable,
  'customer_id' | 'run_id' | 'computed_at' | (typeof SCORE_COLUMNS)[number]
>;

/** A stored row as services read it. */
export function toStoredScore(row: Omit<ScoreRow, 'reasons'> & { reasons: string }): StoredCustomerScore {
  const number = (value: number | null) => (value === null ? null : Number(value));
  return {
    customerId: Number(row.customer_id),
    runId: Number(row.run_id),
    computedAt: Number(row.computed_at),
    riskScore: number(row.risk_score),
    reasons: fromJson<AtRiskReason[]>(row.reasons),
    pAlive: number(row.p_alive),
    expectedPurchases: number(row.expected_purchases),
    predictedClvCents: number(row.predicted_clv_cents),
    rfmSegment: row.rfm_segment as RfmSegmentCode | null,
    rfmR: number(row.rfm_r),
    rfmF: number(row.rfm_f),
    rfmM: number(row.rfm_m),
    ordersCount: Number(row.orders_count),
    valueCents: Number(row.value_cents),
    firstOrderAt: number(row.first_order_at),
    lastOrderAt: number(row.last_order_at),
  };
}

/** The customer's stored scores, or `undefined` (not scored yet, erased, another workspace's). */
export async function findCustomerScore(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
): Promise<StoredCustomerScore | undefined> {
  const row = await withScoreTables(db)
    .selectFrom('customer_score')
    .select(['customer_id', 'run_id', 'computed_at', ...SCORE_COLUMNS])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return row === undefined ? undefined : toStoredScore(row);
}

/** Deletes the customer's scores (erasure); returns how many rows went. */
export async function deleteScoresOfCustomer(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
): Promise<number> {
  const result = await withScoreTables(db)
    .deleteFrom('customer_score')
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The stored score columns, for queries that join `customer_score`. */
export const STORED_SCORE_COLUMNS = SCORE_COLUMNS;
