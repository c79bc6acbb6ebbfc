/**
 * An analytics request as a job that can cross a thread boundary: what to compute (plain,
 * structured-clone-safe data), the key under which identical requests share one computation, and
 * `executeAnalyticsJob` — the whole heavy part (the data's version, the SQL aggregation, the core's
 * computation and the JSON text of the answer), run by an analytics worker on its own connection,
 * or inline where the store cannot be opened twice (an in-memory SQLite).
 */
import type { Kysely } from 'kysely';
import { isInvalidInputError } from '../core/index.js';
import { type Database, storageUnavailableReason } from '../db/index.js';
import { type InputIssue, RetainError, type RetainErrorCode } from '../errors/index.js';
import {
  type AnalyticsLimits,
  type AnalyticsQuery,
  type AtRiskQuery,
  atRiskReport,
  type ClvQuery,
  clvReport,
  cohortsReport,
  mrrReport,
  type PageQuery,
  retentionReport,
  rfmReport,
  seriesReport,
} from './analytics.service.js';
import { storeAnswer } from './analytics-answer.repository.js';
import { type ClvDiagnosticsQuery, clvDiagnosticsReport } from './clv-diagnostics.service.js';
import { type CohortCellQuery, type CursorPage, cohortCustomersReport } from './cohort-customers.service.js';
import { analyticsVersion } from './overview.repository.js';
import { type OverviewQuery, overviewReport } from './overview.service.js';
import { type SurvivalQuery, survivalReport } from './survival.service.js';

/** A workspace id as the services take it, passed through untouched. */
type WorkspaceId = Parameters<typeof retentionReport>[1];

/**
 * What one analytics request asks for: the endpoint and its validated parameters. `now`: the
 * request's instant, the answer's `computedAt` (not part of the key; default when the job runs).
 */
export type AnalyticsJob = { readonly workspaceId: WorkspaceId; readonly now?: number } & (
  | { readonly endpoint: 'retention' | 'series' | 'cohorts' | 'mrr'; readonly query: AnalyticsQuery }
  | { readonly endpoint: 'rfm'; readonly query: AnalyticsQuery; readonly page: PageQuery }
  | { readonly endpoint: 'clv'; readonly query: ClvQuery; readonly page: PageQuery }
  | { readonly endpoint: 'at-risk'; readonly query: AtRiskQuery; readonly limit: number }
  | { readonly endpoint: 'overview'; readonly query: OverviewQuery; readonly now: number }
  | {
      readonly endpoint: 'cohort-customers';
      readonly query: CohortCellQuery;
      readonly page: CursorPage;
    }
  | { readonly endpoint: 'clv-diagnostics'; readonly query: ClvDiagnosticsQuery }
  | { readonly endpoint: 'survival'; readonly query: SurvivalQuery }
);

export type AnalyticsEndpoint = AnalyticsJob['endpoint'];

/** A worker's answer to a job. */
export type AnalyticsOutcome =
  /** The answer's JSON text, computed at `computedAt` (epoch ms) for the data at `version`. */
  | { readonly kind: 'answer'; readonly version: string; readonly json: string; readonly computedAt: number }
  /** The data is still at `version`, the one the caller already has an answer for. */
  | { readonly kind: 'unchanged'; readonly version: string }
  /** An expected failure (a 4xx or 503): the `RetainError` to answer with. */
  | {
      readonly kind: 'failed';
      readonly code: RetainErrorCode;
      readonly message: string;
      readonly issues: readonly InputIssue[];
    };

/** `value` as JSON with object keys sorted and `undefined` left out: equal queries, equal text. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, entry]) => entry !== undefined)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  return `{${entries.map(([name, entry]) => `${JSON.stringify(name)}:${canonical(entry)}`).join(',')}}`;
}

/**
 * The key identical requests share: workspace, endpoint and the normalized parameters (page and
 * limits included; the overview's `now` is not — a shared answer has one `computedAt`). The data's
 * version completes it where the answer is kept (see AnalyticsRunner).
 * Example: `jobKey({ workspaceId: 'w1', endpoint: 'series', query: { period: 'day' } })` →
 * `"w1|series|{"query":{"period":"day"}}"`.
 */
export function jobKey(job: AnalyticsJob): string {
  return `${String(job.workspaceId)}|${queryKey(job)}`;
}

/**
 * `jobKey` without the workspace: the key of the query within its workspace, under which its
 * answer is stored (analytics-answer.repository.ts).
 * Example: `queryKey({ workspaceId: 'w1', endpoint: 'series', query: { period: 'day' } })` →
 * `"series|{"query":{"period":"day"}}"`.
 */
export function queryKey(job: AnalyticsJob): string {
  const { workspaceId: _workspaceId, endpoint, ...parameters } = job;
  const { now: _now, ...kept } = parameters as typeof parameters & { now?: number };
  return `${endpoint}|${canonical(kept)}`;
}

/**
 * The answer of `job`'s endpoint, as the route used to compute it on the main thread, led by
 * `computedAt` (the overview places its own), so every page can say "as of" (issue 11, Freshness).
 */
async function answerOf(db: Kysely<Database>, job: AnalyticsJob, version: string): Promise<object> {
  if (job.endpoint === 'overview') return overviewReport(db, job.workspaceId, job.query, job.now, version);
  const computedAt = new Date(job.now ?? Date.now()).toISOString();
  return { computedAt, ...(await reportOf(db, job)) };
}

async function reportOf(db: Kysely<Database>, job: Exclude<AnalyticsJob, { endpoint: 'overview' }>) {
  const workspaceId = job.workspaceId;
  switch (job.endpoint) {
    case 'retention':
      return retentionReport(db, workspaceId, job.query);
    case 'series':
      return seriesReport(db, workspaceId, job.query);
    case 'cohorts':
      return cohortsReport(db, workspaceId, job.query);
    case 'mrr':
      return mrrReport(db, workspaceId, job.query);
    case 'rfm':
      return rfmReport(db, workspaceId, job.query, job.page);
    case 'clv':
      return clvReport(db, workspaceId, job.query, job.page);
    case 'at-risk':
      return atRiskReport(db, workspaceId, job.query, job.limit);
    case 'cohort-customers':
      return cohortCustomersReport(db, workspaceId, job.query, job.page);
    case 'clv-diagnostics':
      return clvDiagnosticsReport(db, workspaceId, job.query);
    case 'survival':
      return survivalReport(db, workspaceId, job.query);
  }
}

export interface ExecuteOptions {
  /** The version of the answer the caller already holds: an unchanged version answers `unchanged`. */
  readonly knownVersion?: string | undefined;
  /** Also store the answer in `analytics_answer`, for the other processes and the next start. */
  readonly store?: boolean;
}

/**
 * Computes `job` on `db`: the data's version first (so a caller holding the answer for it gets
 * `unchanged` without the computation), then the endpoint's answer as JSON text — byte for byte
 * what `c.json(answer)` sends. The domain's expected failures come back as `failed` (a
 * `RetainError`, the core's `InvalidInputError` as `invalid_input`, an unreachable or full store as
 * `unavailable`); anything else is a bug and is thrown.
 */
export async function executeAnalyticsJob(
  db: Kysely<Database>,
  job: AnalyticsJob,
  options: ExecuteOptions = {},
): Promise<AnalyticsOutcome> {
  try {
    // Read before the data, so the answer is never labelled newer than what it was computed from.
    const version = await analyticsVersion(db, job.workspaceId);
    if (options.knownVersion !== undefined && version === options.knownVersion) {
      return { kind: 'unchanged', version };
    }
    const computedAt = job.endpoint === 'overview' ? job.now : Date.now();
    const json = JSON.stringify(await answerOf(db, job, version));
    if (options.store && version !== '') {
      // A cache write must not cost the answer: a busy or full store only means it is not shared.
      await storeAnswer(db, job.workspaceId, queryKey(job), { version, computedAt, json }).catch(() => {});
    }
    return { kind: 'answer', version, json, computedAt };
  } catch (error) {
    if (error instanceof RetainError) {
      return { kind: 'failed', code: error.code, message: error.message, issues: error.issues };
    }
    if (isInvalidInputError(error)) {
      const issues = [{ path: ['query', ...error.path], message: error.message }];
      return { kind: 'failed', code: 'invalid_input', message: error.message, issues };
    }
    const unavailable = storageUnavailableReason(error);
    if (unavailable !== null)
      return { kind: 'failed', code: 'unavailable', message: unavailable, issues: [] };
    throw error;
  }
}

/** The limits a job's report options carry (undefined: the core's defaults). */
export type { AnalyticsLimits };
