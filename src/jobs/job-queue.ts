/**
 * The durable job queue, stored in the `job` table of the same database as everything else, so
 * that enqueuing can share a transaction with the change that caused it.
 *
 * Life of a job: `queued` → (claim) `running` with a lease (`locked_by`, `locked_until`) →
 * `succeeded`, or back to `queued` after a failure (exponential backoff) until `max_attempts`,
 * then `dead`. A running job whose lease ended (its worker crashed or stalled) is claimable
 * again. Delivery is therefore *at least once*; "exactly once in effect" comes from `completeWith`,
 * which commits a handler's database effect and the completion in one transaction.
 *
 * A claim is identified by (`locked_by`, `attempts`): every claim increments `attempts`, so a
 * worker whose lease was taken over cannot complete or fail the newer claim.
 */
import type { Kysely, Transaction } from 'kysely';
import {
  type Database,
  dialectOf,
  fromJson,
  type JobRow,
  type JobStatus,
  type RowId,
  toJson,
} from '../db/index.js';

/** Attempts a job gets unless `enqueue` says otherwise. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/** A job as the application sees it. */
export interface Job<Payload = unknown> {
  readonly workspaceId: number;
  readonly id: RowId;
  readonly type: string;
  readonly payload: Payload;
  readonly status: JobStatus;
  /** Claims so far (the current one included, while running). */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly runAt: number;
  readonly lockedBy: string | null;
  readonly lockedUntil: number | null;
  readonly lastError: string | null;
  readonly idempotencyKey: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly finishedAt: number | null;
}

/** A job returned by `claim`: running, under a lease held by `lockedBy`. */
export interface ClaimedJob<Payload = unknown> extends Job<Payload> {
  readonly status: 'running';
  readonly lockedBy: string;
  readonly lockedUntil: number;
}

/** What identifies one claim of a job (a `ClaimedJob` is one). */
export interface JobLease {
  readonly workspaceId: number;
  readonly id: RowId;
  readonly lockedBy: string;
  readonly attempts: number;
}

/** Thrown when a worker acts on a claim it no longer holds (its lease was taken over). */
export class JobLeaseLostError extends Error {
  readonly code = 'job_lease_lost';
  constructor(lease: JobLease) {
    super(`Job ${lease.id} (attempt ${lease.attempts}) is no longer held by ${lease.lockedBy}`);
    this.name = 'JobLeaseLostError';
  }
}

export interface EnqueueInput<Payload> {
  readonly workspaceId: number;
  readonly type: string;
  /** Any JSON-serialisable value. */
  readonly payload: Payload;
  /** Not claimable before this instant, epoch ms (default: now). */
  readonly runAt?: number;
  /** Unique per workspace: enqueuing the same key again returns the existing job. */
  readonly idempotencyKey?: string;
  readonly maxAttempts?: number;
  /** The current instant, epoch ms (default `Date.now()`). */
  readonly now?: number;
}

/**
 * Adds a job. With an `idempotencyKey` that the workspace already used, nothing is inserted and
 * the existing job is returned with `created: false` (whatever its status), so a retried request
 * cannot enqueue twice. Pass a transaction as `db` to enqueue atomically with other writes.
 *
 * One insert (+ one select on a duplicate key). Example:
 * `await enqueue(db, { workspaceId, type: 'email.send', payload: { to }, idempotencyKey: 'welcome:42' })`
 * → `{ job: { status: 'queued', attempts: 0, … }, created: true }`.
 */
export async function enqueue<Payload>(
  db: Kysely<Database>,
  input: EnqueueInput<Payload>,
): Promise<{ job: Job<Payload>; created: boolean }> {
  const now = input.now ?? Date.now();
  const maxAttempts = input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a positive integer, got ${maxAttempts}`);
  }
  const inserted = await db
    .insertInto('job')
    .values({
      workspace_id: input.workspaceId,
      type: input.type,
      payload: toJson(input.payload),
      max_attempts: maxAttempts,
      run_at: input.runAt ?? now,
      idempotency_key: input.idempotencyKey ?? null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'idempotency_key']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted !== undefined) return { job: toJob<Payload>(inserted), created: true };
  // Only a duplicate idempotency key makes the insert do nothing.
  if (input.idempotencyKey === undefined) throw new Error('Job insert returned no row');
  const existing = await db
    .selectFrom('job')
    .selectAll()
    .where('workspace_id', '=', input.workspaceId)
    .where('idempotency_key', '=', input.idempotencyKey)
    .executeTakeFirstOrThrow();
  return { job: toJob<Payload>(existing), created: false };
}

export interface ClaimOptions {
  /** Identifies the claiming worker (stored in `locked_by`). */
  readonly workerId: string;
  /** Lease length, ms: the job is claimable by others once it passes without completion. */
  readonly lockMs: number;
  /** Only jobs of these types (default: any type). */
  readonly types?: readonly string[];
  /** At most this many jobs (default 1). */
  readonly limit?: number;
  readonly now?: number;
}

/**
 * Claims due jobs: queued ones whose `run_at` has come, and running ones whose lease expired,
 * oldest `run_at` first. Each is marked running under a new lease and its `attempts` incremented.
 * Also marks dead the expired running jobs that had used their last attempt.
 *
 * Atomic on both engines: on PostgreSQL the candidates are selected `FOR UPDATE SKIP LOCKED`
 * inside the claiming `UPDATE` (concurrent claimers skip each other's rows instead of waiting);
 * on SQLite it is one `UPDATE … RETURNING` statement, and SQLite runs one writer at a time.
 * O(limit · log n) with the (status, run_at) index. Example:
 * `await claim(db, { workerId: 'w1', lockMs: 60_000 })` → `[{ status: 'running', attempts: 1, … }]`.
 */
export async function claim(db: Kysely<Database>, options: ClaimOptions): Promise<ClaimedJob[]> {
  const now = options.now ?? Date.now();
  const limit = options.limit ?? 1;
  const types = options.types;
  if (types !== undefined && types.length === 0) return [];
  if (!(options.lockMs > 0)) throw new RangeError(`lockMs must be positive, got ${options.lockMs}`);

  await reapExpiredLastAttempts(db, now);

  const candidates = db
    .selectFrom('job')
    .select(['workspace_id', 'id'])
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', now)]),
        eb.and([eb('status', '=', 'running'), eb('locked_until', '<=', now)]),
      ]),
    )
    .$if(types !== undefined, (query) => query.where('type', 'in', types ?? []))
    .orderBy('run_at')
    .orderBy('id')
    .limit(limit);
  const lease = {
    status: 'running' as const,
    locked_by: options.workerId,
    locked_until: now + options.lockMs,
    updated_at: now,
  };

  let rows: JobRow[];
  if (dialectOf(db) === 'postgres') {
    // The CTE is evaluated once, so each locked candidate is updated exactly once.
    rows = await db
      .with('candidate', () => candidates.forUpdate().skipLocked())
      .updateTable('job')
      .from('candidate')
      .set((eb) => ({ ...lease, attempts: eb('job.attempts', '+', 1) }))
      .whereRef('job.workspace_id', '=', 'candidate.workspace_id')
      .whereRef('job.id', '=', 'candidate.id')
      .returningAll('job')
      .execute();
  } else {
    rows = await db
      .updateTable('job')
      .set((eb) => ({ ...lease, attempts: eb('attempts', '+', 1) }))
      .where((eb) => eb(eb.refTuple('workspace_id', 'id'), 'in', candidates.$asTuple('workspace_id', 'id')))
      .returningAll()
      .execute();
  }
  // RETURNING gives no order guarantee; hand them out in claim order.
  return rows
    .map((row) => toJob(row) as ClaimedJob)
    .sort(
      (left, right) => left.runAt - right.runAt || (left.id < right.id ? -1 : left.id > right.id ? 1 : 0),
    );
}

/**
 * Marks dead the running jobs whose lease expired during their last attempt (their worker crashed
 * or stalled), so they are not claimed beyond `max_attempts`. On PostgreSQL rows locked by an open
 * `completeWith` transaction are skipped, not waited for: that transaction decides their fate.
 */
async function reapExpiredLastAttempts(db: Kysely<Database>, now: number): Promise<void> {
  const expired = db
    .selectFrom('job')
    .select(['workspace_id', 'id'])
    .where('status', '=', 'running')
    .where('locked_until', '<=', now)
    .where((eb) => eb('attempts', '>=', eb.ref('max_attempts')));
  const candidates = dialectOf(db) === 'postgres' ? expired.forUpdate().skipLocked() : expired;
  await db
    .updateTable('job')
    .set({
      status: 'dead',
      last_error: 'Lease expired on the last attempt (the worker crashed or stalled)',
      locked_by: null,
      locked_until: null,
      updated_at: now,
      finished_at: now,
    })
    .where((eb) => eb(eb.refTuple('workspace_id', 'id'), 'in', candidates.$asTuple('workspace_id', 'id')))
    .execute();
}

/** Options shared by the functions that act on a claim. */
export interface LeaseOptions {
  readonly now?: number;
}

/**
 * Marks a claimed job succeeded. Throws `JobLeaseLostError` if the claim was taken over (the job
 * may then run again elsewhere: use `completeWith` when the effect is in the database).
 */
export async function complete(
  db: Kysely<Database>,
  lease: JobLease,
  options: LeaseOptions = {},
): Promise<void> {
  await markSucceeded(db, lease, options.now ?? Date.now());
}

/**
 * The "runs once" pattern: runs `effect` in a transaction that also marks the job succeeded, so
 * the effect and the completion commit together or not at all. A worker killed mid-effect leaves
 * neither; the job's lease then expires and it runs again from scratch.
 *
 * The completion is written first: it takes the job's row lock (PostgreSQL) or the write lock
 * (SQLite), so no other worker can claim the job until the transaction ends, and it fails with
 * `JobLeaseLostError` (rolling everything back) if the claim was already taken over. Effects
 * should also carry the job id as their idempotency key (a unique column) as a second guard.
 *
 * Example: `await completeWith(db, job, (trx) => trx.insertInto('…').values({ job_id: job.id, … }).execute())`.
 */
export async function completeWith<Result>(
  db: Kysely<Database>,
  lease: JobLease,
  effect: (trx: Transaction<Database>) => Promise<Result>,
  options: LeaseOptions = {},
): Promise<Result> {
  const now = options.now ?? Date.now();
  return db.transaction().execute(async (trx) => {
    await markSucceeded(trx, lease, now);
    return effect(trx);
  });
}

async function markSucceeded(db: Kysely<Database>, lease: JobLease, now: number): Promise<void> {
  const result = await whereLease(
    db.updateTable('job').set({
      status: 'succeeded',
      locked_by: null,
      locked_until: null,
      last_error: null,
      updated_at: now,
      finished_at: now,
    }),
    lease,
  ).executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new JobLeaseLostError(lease);
}

/** Retry delays: `baseMs · 2^(attempt − 1)`, capped at `maxMs`. */
export interface BackoffOptions {
  /** Delay after the first failed attempt (default 1 s). */
  readonly baseMs?: number;
  /** Longest delay (default 1 h). */
  readonly maxMs?: number;
}

/**
 * The wait before retrying a job whose attempt number `attempts` (1-based) failed: exponential,
 * `min(maxMs, baseMs · 2^(attempts − 1))`, no jitter (claims are already spread by SKIP LOCKED and
 * per-job run_at). O(1). Example: with the defaults, attempts 1, 2, 3 → 1 s, 2 s, 4 s; 13 → 1 h (cap).
 */
export function retryDelayMs(attempts: number, backoff: BackoffOptions = {}): number {
  const baseMs = backoff.baseMs ?? 1_000;
  const maxMs = backoff.maxMs ?? 3_600_000;
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

export interface FailOptions extends LeaseOptions {
  readonly backoff?: BackoffOptions;
}

/**
 * Records a failed attempt: the job is queued again after `retryDelayMs(attempts)`, or marked
 * `dead` if it has used `maxAttempts`. Returns the job's new status. Throws `JobLeaseLostError`
 * if the claim was taken over (the newer claim decides the job's fate).
 */
export async function fail(
  db: Kysely<Database>,
  lease: JobLease & { readonly maxAttempts: number },
  error: unknown,
  options: FailOptions = {},
): Promise<'queued' | 'dead'> {
  const now = options.now ?? Date.now();
  const dead = lease.attempts >= lease.maxAttempts;
  const result = await whereLease(
    db.updateTable('job').set({
      status: dead ? 'dead' : 'queued',
      run_at: dead ? now : now + retryDelayMs(lease.attempts, options.backoff),
      locked_by: null,
      locked_until: null,
      last_error: describeError(error),
      updated_at: now,
      finished_at: dead ? now : null,
    }),
    lease,
  ).executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new JobLeaseLostError(lease);
  return dead ? 'dead' : 'queued';
}

/**
 * Extends a running claim's lease to `now + lockMs` (a worker's heartbeat during a long job).
 * Returns the new `lockedUntil`, or `null` if the claim is no longer held.
 */
export async function extendLease(
  db: Kysely<Database>,
  lease: JobLease,
  lockMs: number,
  options: LeaseOptions = {},
): Promise<number | null> {
  const now = options.now ?? Date.now();
  const lockedUntil = now + lockMs;
  const result = await whereLease(
    db.updateTable('job').set({ locked_until: lockedUntil, updated_at: now }),
    lease,
  ).executeTakeFirst();
  return result.numUpdatedRows === 0n ? null : lockedUntil;
}

/**
 * Brings a queued job forward: its `run_at` becomes `runAt` when that is earlier (a debounced job
 * asked for again by a change that should not wait as long). Returns `true` while the job is still
 * queued — moved, or already due by `runAt` — and `false` once it was claimed or finished, when a
 * caller that needs a run after its change must enqueue another. One update (+ one select when
 * nothing moved). Example: `await expediteJob(db, ws, job.id, now)` → `true`.
 */
export async function expediteJob(
  db: Kysely<Database>,
  workspaceId: number,
  id: RowId,
  runAt: number,
  options: LeaseOptions = {},
): Promise<boolean> {
  const moved = await db
    .updateTable('job')
    .set({ run_at: runAt, updated_at: options.now ?? Date.now() })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .where('run_at', '>', runAt)
    .executeTakeFirst();
  if (moved.numUpdatedRows > 0n) return true;
  return (await getJob(db, workspaceId, id))?.status === 'queued';
}

/** One job of a workspace, or `undefined` (also for another workspace's job). */
export async function getJob<Payload = unknown>(
  db: Kysely<Database>,
  workspaceId: number,
  id: RowId,
): Promise<Job<Payload> | undefined> {
  const row = await db
    .selectFrom('job')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toJob<Payload>(row);
}

export interface ListJobsOptions {
  readonly status?: JobStatus;
  readonly type?: string;
  /** Default 100. */
  readonly limit?: number;
}

/** A workspace's jobs, newest first, optionally by status and type. */
export async function listJobs(
  db: Kysely<Database>,
  workspaceId: number,
  options: ListJobsOptions = {},
): Promise<Job[]> {
  const rows = await db
    .selectFrom('job')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .$if(options.status !== undefined, (query) => query.where('status', '=', options.status ?? 'queued'))
    .$if(options.type !== undefined, (query) => query.where('type', '=', options.type ?? ''))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 100)
    .execute();
  return rows.map((row) => toJob(row));
}

/** Restricts an update to the given claim: same job, same holder, same attempt, still running. */
function whereLease<Query extends LeaseFilterable<Query>>(query: Query, lease: JobLease): Query {
  return query
    .where('workspace_id', '=', lease.workspaceId)
    .where('id', '=', lease.id)
    .where('locked_by', '=', lease.lockedBy)
    .where('attempts', '=', lease.attempts)
    .where('status', '=', 'running');
}

interface LeaseFilterable<Query> {
  where(column: 'locked_by' | 'status', operator: '=', value: string): Query;
  where(column: 'workspace_id' | 'id' | 'attempts', operator: '=', value: number): Query;
}

const MAX_ERROR_LENGTH = 4_000;

function describeError(error: unknown): string {
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}

function toJob<Payload>(row: JobRow): Job<Payload> {
  return {
    workspaceId: row.workspace_id,
    id: row.id,
    type: row.type,
    payload: fromJson<Payload>(row.payload),
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: row.run_at,
    lockedBy: row.locked_by,
    lockedUntil: row.locked_until,
    lastError: row.last_error,
    idempotencyKey: row.idempotency_key,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}
