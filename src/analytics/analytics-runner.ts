/**
 * Where analytics requests are computed: in a pool of worker threads (analytics-worker.ts), each
 * with its own connection to the store, so that neither the SQL aggregation (better-sqlite3's
 * queries are synchronous) nor the core's computation runs on the server's event loop; the route
 * keeps authentication, validation and the role check, and sends the JSON text the worker made.
 *
 * - **Sharing**: requests with the same key (workspace, endpoint, normalized parameters: `jobKey`)
 *   that arrive while their job waits for a worker share it; a key's jobs run one at a time.
 * - **Keeping answers**: the last answer of each key is kept with the version of the data it was
 *   computed for (`analyticsVersion`: the workspace's settings and its orders, refunds,
 *   subscriptions and customers). The next job of the key carries that version; the worker checks
 *   it first (four aggregates, or O(1) on SQLite while no one committed) and answers `unchanged`
 *   instead of computing, so a repeated query on unchanged data costs a version check — and gets
 *   the same bytes, the overview's `computedAt` included.
 * - **Timeout and cancellation**: a request waits at most `timeoutMs` (queue included), then gets a
 *   503; a request whose client went away (its abort signal) stops waiting. A job nobody waits for
 *   any more is dropped from the queue, or its worker is terminated and replaced.
 *
 * Without a database URL a worker can open (none given, or an in-memory SQLite), jobs run inline,
 * on the caller's thread, with the same keeping of answers.
 */
import { availableParallelism } from 'node:os';
import type { Kysely } from 'kysely';
import { type Database, parseDatabaseUrl } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import {
  PoolClosedError,
  type PoolStats,
  startWorkerModule,
  TaskAbortedError,
  TaskTimeoutError,
  WorkerPool,
} from '../runtime/index.js';
import {
  type AnalyticsJob,
  type AnalyticsLimits,
  type AnalyticsOutcome,
  executeAnalyticsJob,
  jobKey,
} from './analytics-jobs.js';
import type { AnalyticsTask, AnalyticsWorkerData } from './analytics-worker.js';

/** How long a request may wait for its analytics answer by default, queue included: 60 s. */
export const DEFAULT_ANALYTICS_TIMEOUT_MS = 60_000;

/** The default pool size: one worker per core but one (left to the server), at least one. */
export function defaultAnalyticsWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}

export interface AnalyticsSettings {
  /** Worker threads computing analytics (default `defaultAnalyticsWorkers()`). */
  readonly workers?: number | undefined;
  /** Longest wait for an answer, ms, queue included (default 60 000); then 503. */
  readonly timeoutMs?: number | undefined;
  /** Most periods and cohort cells one request may ask for (default the core's). */
  readonly limits?: AnalyticsLimits | undefined;
}

export interface AnalyticsRunnerOptions extends AnalyticsSettings {
  /** The store the workers open; absent or `sqlite::memory:`: computed inline. */
  readonly databaseUrl?: string | undefined;
}

/** The request a job answers: its connection (for inline computing) and its abort signal. */
export interface AnswerContext {
  readonly db: Kysely<Database>;
  readonly signal?: AbortSignal | undefined;
}

/** An answer kept for its key, with the data version it was computed for. */
interface Kept {
  readonly version: string;
  readonly json: string;
}

/** Answers kept: at most this many keys, and this many characters of JSON in all. */
const KEPT_ANSWERS = 256;
const KEPT_CHARACTERS = 64_000_000;

/** A database URL a second connection can open (not an in-memory SQLite), else `undefined`. */
function shareableUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const location = parseDatabaseUrl(url);
  return location.dialect === 'sqlite' && location.path === ':memory:' ? undefined : url;
}

export class AnalyticsRunner {
  /** `pool`: worker threads; `inline`: the caller's thread. */
  readonly mode: 'pool' | 'inline';
  readonly workers: number;
  readonly timeoutMs: number;
  readonly #limits: AnalyticsLimits;
  readonly #pool: WorkerPool<AnalyticsTask, AnalyticsOutcome> | null;
  readonly #kept = new Map<string, Kept>();
  #keptCharacters = 0;

  constructor(options: AnalyticsRunnerOptions = {}) {
    this.workers = options.workers ?? defaultAnalyticsWorkers();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_ANALYTICS_TIMEOUT_MS;
    this.#limits = options.limits ?? {};
    if (!(Number.isSafeInteger(this.workers) && this.workers >= 1)) {
      throw new RangeError(`Analytics workers: expected a whole number ≥ 1, got ${this.workers}`);
    }
    if (!(this.timeoutMs > 0))
      throw new RangeError(`Analytics timeout: expected ms > 0, got ${this.timeoutMs}`);
    const databaseUrl = shareableUrl(options.databaseUrl);
    this.mode = databaseUrl === undefined ? 'inline' : 'pool';
    this.#pool =
      databaseUrl === undefined
        ? null
        : new WorkerPool({
            size: this.workers,
            start: () =>
              startWorkerModule('./analytics-worker', import.meta.url, {
                workerData: { databaseUrl } satisfies AnalyticsWorkerData,
              }),
          });
  }

  /** Workers started, jobs running and queued (pool mode), and answers kept. */
  get stats(): PoolStats & { readonly kept: number } {
    const pool = this.#pool?.stats ?? { workers: 0, running: 0, queued: 0, started: 0, recycled: 0 };
    return { ...pool, kept: this.#kept.size };
  }

  /**
   * The JSON text answering `job`: computed in a worker (or inline), or the kept answer when the
   * data has not changed since. Throws the job's `RetainError` (4xx), `unavailable` (503) past the
   * timeout or when closed, and any unexpected error (500).
   */
  async answer(job: AnalyticsJob, context: AnswerContext): Promise<string> {
    const limited = { ...job, query: { ...job.query, limits: this.#limits } } as AnalyticsJob;
    const key = jobKey(limited);
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#compute(key, limited, context, attempt === 0);
      if (outcome.kind === 'failed') throw new RetainError(outcome.code, outcome.message, outcome.issues);
      if (outcome.kind === 'answer') {
        this.#keep(key, { version: outcome.version, json: outcome.json });
        return outcome.json;
      }
      // Unchanged: the answer kept for that version.
      const answer = this.#kept.get(key);
      if (answer?.version === outcome.version) {
        this.#keep(key, answer);
        return answer.json;
      }
      // Dropped from the kept answers while the job ran (rare): compute it without a known version.
    }
  }

  async #compute(key: string, job: AnalyticsJob, context: AnswerContext, useKept: boolean) {
    if (this.#pool === null) {
      const known = useKept ? this.#kept.get(key) : undefined;
      return executeAnalyticsJob(context.db, job, { knownVersion: known?.version });
    }
    try {
      return await this.#pool.run(
        // Read as the job starts: the answer the key's previous job has just kept counts.
        () => ({ job, knownVersion: useKept ? this.#kept.get(key)?.version : undefined }),
        {
          key: useKept ? key : `${key}|recompute`,
          timeoutMs: this.timeoutMs,
          // A key with a kept answer is likely unchanged, a version check: let it pass the queue.
          priority: useKept && this.#kept.has(key),
          ...(context.signal === undefined ? {} : { signal: context.signal }),
        },
      );
    } catch (error) {
      if (error instanceof TaskTimeoutError) {
        throw new RetainError(
          'unavailable',
          `The analytics computation took longer than ${formatSeconds(this.timeoutMs)} and was stopped: ask for a shorter range or a longer period, or try again when the server is less busy.`,
        );
      }
      if (error instanceof TaskAbortedError) {
        throw new RetainError('unavailable', 'The request was cancelled by its client.');
      }
      if (error instanceof PoolClosedError) {
        throw new RetainError('unavailable', 'The server is shutting down: try again in a moment.');
      }
      throw error;
    }
  }

  /** Keeps `answer` as the most recent of `key`, dropping the least recent beyond the limits. */
  #keep(key: string, answer: Kept): void {
    const previous = this.#kept.get(key);
    if (previous) {
      this.#kept.delete(key);
      this.#keptCharacters -= previous.json.length;
    }
    if (answer.json.length > KEPT_CHARACTERS / 4) return; // a huge answer is not worth the memory
    this.#kept.set(key, answer);
    this.#keptCharacters += answer.json.length;
    for (const [oldest, kept] of this.#kept) {
      if (this.#kept.size <= KEPT_ANSWERS && this.#keptCharacters <= KEPT_CHARACTERS) break;
      this.#kept.delete(oldest);
      this.#keptCharacters -= kept.json.length;
    }
  }

  /** Stops the workers (waiting and running jobs answer 503). Idempotent. */
  async close(): Promise<void> {
    await this.#pool?.close();
  }
}

function formatSeconds(milliseconds: number): string {
  const seconds = milliseconds / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
