/**
 * Where analytics requests are computed: in a pool of worker threads (analytics-worker.ts), each
 * with its own connection to the store, so that neither the SQL aggregation (better-sqlite3's
 * queries are synchronous) nor the core's computation runs on the server's event loop; the route
 * keeps authentication, validation and the role check, and sends the JSON text the worker made.
 *
 * - **Keeping answers**: the last answer of each key (workspace, endpoint, normalized parameters:
 *   `jobKey`) is kept with the version of what it was computed from (`analyticsVersion`: the
 *   workspace's settings and its data version, two primary-key reads). A request reads the version
 *   first, on the caller's thread, and gets the kept answer — in memory, else the one stored in
 *   `analytics_answer` by any process of the installation — when it still holds: no queue, no
 *   worker, the same bytes (the overview's `computedAt` included).
 * - **Stale answers, on request**: a caller that accepts them (`maxStaleMs`, from the request's
 *   `Cache-Control: max-stale`) gets the last answer at once even when the data has changed since,
 *   marked stale, while a recomputation runs in the background (`refresh`); others get fresh numbers.
 * - **Sharing**: requests with the same key that arrive while their job waits for a worker share
 *   it; a key's jobs run one at a time.
 * - **Timeout and cancellation**: a request waits at most `timeoutMs` (queue included), then gets a
 *   503; a request whose client went away (its abort signal) stops waiting. A job nobody waits for
 *   any more is dropped from the queue, or its worker is terminated and replaced. A `refresh` (the
 *   background recomputation, the `analytics.refresh` job) is nobody's request: it runs to its end,
 *   bounded by `refreshTimeoutMs`, and a request joining its key does not cancel it. A caller
 *   joins a recomputation only if it read the data's version no earlier than the caller did; one
 *   that began before a change (an import committing while the previous data was being computed)
 *   is followed by another, and its answer is served — marked stale — only to a caller accepting
 *   stale answers, never as fresh.
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
import { findStoredAnswer } from './analytics-answer.repository.js';
import {
  type AnalyticsJob,
  type AnalyticsLimits,
  type AnalyticsOutcome,
  executeAnalyticsJob,
  jobKey,
  queryKey,
} from './analytics-jobs.js';
import type { AnalyticsTask, AnalyticsWorkerData } from './analytics-worker.js';
import { analyticsVersion } from './overview.repository.js';

/** How long a request may wait for its analytics answer by default, queue included: 60 s. */
export const DEFAULT_ANALYTICS_TIMEOUT_MS = 60_000;
/** How long a background recomputation (`refresh`) may run by default: 30 minutes. */
export const DEFAULT_REFRESH_TIMEOUT_MS = 30 * 60_000;

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
  /** Longest run of a background recomputation, ms (default 30 minutes). */
  readonly refreshTimeoutMs?: number | undefined;
}

export interface AnalyticsRunnerOptions extends AnalyticsSettings {
  /** The store the workers open; absent or `sqlite::memory:`: computed inline. */
  readonly databaseUrl?: string | undefined;
}

/** The request a job answers: its connection (versions, stored answers, inline computing) and its abort signal. */
export interface AnswerContext {
  readonly db: Kysely<Database>;
  readonly signal?: AbortSignal | undefined;
}

/** What a caller accepts besides a fresh answer. */
export interface AnswerOptions {
  /**
   * Accept the last answer even if the data changed since, when computed at most this many ms
   * before `now` (`Infinity`: any age); a fresh one is then computed in the background.
   */
  readonly maxStaleMs?: number | undefined;
  /** The current instant, epoch ms, for the age of an answer (default `Date.now()`). */
  readonly now?: number | undefined;
  /**
   * Let the computation finish when the request stops waiting (its timeout, its client gone): it
   * runs as a `refresh`, whose answer the next request gets — for answers that take longer than a
   * request may wait on a large workspace (the overview), which a cancelled computation would
   * never produce.
   */
  readonly finishInBackground?: boolean | undefined;
}

/** An answer with when it was computed and whether it still holds. */
export interface Answer {
  readonly json: string;
  /** When it was computed, epoch ms (the overview's `computedAt`). */
  readonly computedAt: number;
  /** True when the data or settings changed since: served under `maxStaleMs` while recomputed. */
  readonly stale: boolean;
}

/** What a refresh ends with: the answer kept, or an expected failure. */
type Refreshed = Kept | Extract<AnalyticsOutcome, { kind: 'failed' }>;

/**
 * What a caller needs of a background recomputation before it may take its answer as fresh: one
 * that read the data's version no earlier than the caller did — it started after the caller's
 * `ticket` was taken, or it saw the caller's `version` (a version only grows, and the worker reads
 * it again before computing). A recomputation that began before a change would answer for the data
 * before it: the page that asks after an import would be told, as fresh, what the import changed.
 */
interface Wanted {
  readonly ticket: number;
  readonly version: string;
}

/** A background recomputation under way: its ticket (taken as it began) and the version it read first. */
interface Refreshing {
  readonly promise: Promise<Refreshed>;
  readonly ticket: number;
  version: string | undefined;
}

/** An answer kept for its key, with the version it was computed for. */
interface Kept {
  readonly version: string;
  readonly json: string;
  readonly computedAt: number;
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
  readonly refreshTimeoutMs: number;
  readonly #limits: AnalyticsLimits;
  readonly #pool: WorkerPool<AnalyticsTask, AnalyticsOutcome> | null;
  readonly #kept = new Map<string, Kept>();
  /** Background recomputations under way, by key. */
  readonly #refreshing = new Map<string, Refreshing>();
  /** Increases with every caller and recomputation: which began first (`Wanted`). */
  #tickets = 0;
  #keptCharacters = 0;

  constructor(options: AnalyticsRunnerOptions = {}) {
    this.workers = options.workers ?? defaultAnalyticsWorkers();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_ANALYTICS_TIMEOUT_MS;
    this.refreshTimeoutMs = options.refreshTimeoutMs ?? DEFAULT_REFRESH_TIMEOUT_MS;
    this.#limits = options.limits ?? {};
    if (!(Number.isSafeInteger(this.workers) && this.workers >= 1)) {
      throw new RangeError(`Analytics workers: expected a whole number ≥ 1, got ${this.workers}`);
    }
    if (!(this.timeoutMs > 0))
      throw new RangeError(`Analytics timeout: expected ms > 0, got ${this.timeoutMs}`);
    if (!(this.refreshTimeoutMs > 0))
      throw new RangeError(`Analytics refresh timeout: expected ms > 0, got ${this.refreshTimeoutMs}`);
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

  /** Workers started, jobs running and queued (pool mode), answers kept and background recomputations under way. */
  get stats(): PoolStats & { readonly kept: number; readonly refreshing: number } {
    const pool = this.#pool?.stats ?? { workers: 0, running: 0, queued: 0, started: 0, recycled: 0 };
    return { ...pool, kept: this.#kept.size, refreshing: this.#refreshing.size };
  }

  /** Resolves when the background recomputations under way (`refresh`) have finished, whatever their outcome. */
  async whenRefreshed(): Promise<void> {
    while (this.#refreshing.size > 0) {
      await Promise.allSettled([...this.#refreshing.values()].map((refreshing) => refreshing.promise));
    }
  }

  /**
   * The JSON text answering `job`: the kept answer when it still holds, else computed in a worker
   * (or inline). Throws the job's `RetainError` (4xx), `unavailable` (503) past the timeout or when
   * closed, and any unexpected error (500).
   */
  async answer(job: AnalyticsJob, context: AnswerContext): Promise<string> {
    return (await this.answerWith(job, context)).json;
  }

  /**
   * `answer`, with when the answer was computed, and — when `options.maxStaleMs` accepts it — the
   * last answer at once although the data changed since (`stale`), a fresh one being computed in
   * the background for the next request. O(1) reads when an answer is kept; the computation's cost
   * otherwise.
   */
  async answerWith(job: AnalyticsJob, context: AnswerContext, options: AnswerOptions = {}): Promise<Answer> {
    const limited = this.#limited(job);
    const key = jobKey(limited);
    const ticket = ++this.#tickets;
    const version = await analyticsVersion(context.db, Number(limited.workspaceId));
    const wanted: Wanted = { ticket, version };
    const last = await this.#last(key, limited, context.db, version);
    if (last?.version === version) {
      this.#keep(key, last);
      return { json: last.json, computedAt: last.computedAt, stale: false };
    }
    if (last !== undefined && this.#acceptsStale(last, options)) {
      // Served as it is; the next request finds the recomputed one.
      this.#refreshed(job, context.db, wanted).catch(() => {});
      return { json: last.json, computedAt: last.computedAt, stale: true };
    }
    if (options.finishInBackground) return this.#awaitRefresh(job, context, wanted, options);
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#compute(key, limited, context, attempt === 0);
      if (outcome.kind === 'failed') throw new RetainError(outcome.code, outcome.message, outcome.issues);
      if (outcome.kind === 'answer') {
        const kept = { version: outcome.version, json: outcome.json, computedAt: outcome.computedAt };
        this.#keep(key, kept);
        return { json: kept.json, computedAt: kept.computedAt, stale: false };
      }
      // Unchanged: the answer kept for that version.
      const answer = this.#kept.get(key);
      if (answer?.version === outcome.version) {
        this.#keep(key, answer);
        return { json: answer.json, computedAt: answer.computedAt, stale: false };
      }
      // Dropped from the kept answers while the job ran (rare): compute it without a known version.
    }
  }

  /**
   * Computes `job`'s answer in the background unless the kept one still holds, and keeps (and, in
   * a worker, stores) it: the recomputation a stale answer triggers, and the `analytics.refresh`
   * job's work. Nobody's request: no request timeout or abort applies, only `refreshTimeoutMs`.
   * One at a time per key (a second call joins the first). Resolves when done; an expected failure
   * (no data yet, a bad parameter) is not an error of the refresh.
   */
  async refresh(job: AnalyticsJob, db: Kysely<Database>): Promise<void> {
    const ticket = ++this.#tickets;
    const version = await analyticsVersion(db, Number(job.workspaceId));
    await this.#refreshed(job, db, { ticket, version });
  }

  /** Whether the recomputation under way may answer a caller that needs `wanted`. */
  #newEnough(refreshing: Refreshing, wanted: Wanted): boolean {
    return refreshing.ticket > wanted.ticket || refreshing.version === wanted.version;
  }

  /** Whether `last` (for other data) may be served as it is under `options.maxStaleMs`. */
  #acceptsStale(last: Kept, options: AnswerOptions): boolean {
    const maxStaleMs = options.maxStaleMs;
    return maxStaleMs !== undefined && (options.now ?? Date.now()) - last.computedAt <= maxStaleMs;
  }

  /**
   * `refresh`, resolving with the answer kept, or the expected failure: joins the key's
   * recomputation under way when it is new enough for `wanted`, else starts the next one when that
   * one ends (however many callers wait, one next recomputation serves them all).
   */
  #refreshed(job: AnalyticsJob, db: Kysely<Database>, wanted: Wanted): Promise<Refreshed> {
    const limited = this.#limited(job);
    const key = jobKey(limited);
    const running = this.#refreshing.get(key);
    if (running !== undefined) {
      if (this.#newEnough(running, wanted)) return running.promise;
      return running.promise.then(
        () => this.#refreshed(job, db, wanted),
        () => this.#refreshed(job, db, wanted),
      );
    }
    const started = { ticket: ++this.#tickets, version: undefined as string | undefined };
    const promise = (async (): Promise<Refreshed> => {
      const version = await analyticsVersion(db, Number(limited.workspaceId));
      started.version = version;
      const last = await this.#last(key, limited, db, version);
      if (last?.version === version) {
        this.#keep(key, last);
        return last;
      }
      for (let attempt = 0; ; attempt++) {
        const outcome = await this.#compute(key, limited, { db }, attempt === 0, 'refresh');
        if (outcome.kind === 'failed') return outcome;
        if (outcome.kind === 'answer') {
          const kept = { version: outcome.version, json: outcome.json, computedAt: outcome.computedAt };
          this.#keep(key, kept);
          return kept;
        }
        const answer = this.#kept.get(key);
        if (answer?.version === outcome.version) return answer;
      }
    })().finally(() => this.#refreshing.delete(key));
    // The same object: the version it read shows once read (a caller checks it with #newEnough).
    const entry: Refreshing = Object.assign(started, { promise });
    this.#refreshing.set(key, entry);
    return entry.promise;
  }

  /**
   * The answer of a request that lets its computation finish without it (`finishInBackground`):
   * it waits for the key's refresh — one new enough for `wanted` — at most `timeoutMs`, or until its
   * client goes away, and then answers 503 while the refresh runs on, for the next request. When
   * the refresh under way began before the data changed and the caller accepts stale answers, its
   * answer is served marked stale as soon as it is ready, the next one following in the background.
   */
  async #awaitRefresh(
    job: AnalyticsJob,
    context: AnswerContext,
    wanted: Wanted,
    options: AnswerOptions,
  ): Promise<Answer> {
    const running = this.#refreshing.get(jobKey(this.#limited(job)));
    const older =
      running !== undefined && !this.#newEnough(running, wanted) && options.maxStaleMs !== undefined
        ? running.promise.then(
            (result): Refreshed | 'newer' =>
              !('kind' in result) && this.#acceptsStale(result, options) ? result : 'newer',
            (): 'newer' => 'newer',
          )
        : undefined;
    const refreshed = this.#refreshed(job, context.db, wanted);
    refreshed.catch(() => {}); // awaited below, unless the older answer or the client's leaving comes first
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const gaveUp = new Promise<'timeout' | 'aborted'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
      onAbort = () => resolve('aborted');
      if (context.signal?.aborted) resolve('aborted');
      context.signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      let result = await Promise.race([older ?? refreshed, gaveUp]);
      let stale = false;
      if (result === 'newer') result = await Promise.race([refreshed, gaveUp]);
      else if (older !== undefined && typeof result === 'object' && !('kind' in result)) {
        // From the recomputation that began before the change: stale unless it read the data after it.
        stale = result.version !== wanted.version;
      }
      if (result === 'timeout') {
        throw new RetainError(
          'unavailable',
          `The answer takes longer than ${formatSeconds(this.timeoutMs)} to compute at this size: it is still being computed and will be ready shortly; ask again in a minute.`,
        );
      }
      if (result === 'aborted')
        throw new RetainError('unavailable', 'The request was cancelled by its client.');
      if ('kind' in result) throw new RetainError(result.code, result.message, result.issues);
      return { json: result.json, computedAt: result.computedAt, stale };
    } finally {
      clearTimeout(timer);
      if (onAbort) context.signal?.removeEventListener('abort', onAbort);
    }
  }

  #limited(job: AnalyticsJob): AnalyticsJob {
    return { ...job, query: { ...job.query, limits: this.#limits } } as AnalyticsJob;
  }

  /**
   * The most recent answer of `key` known to this process or stored by any: the kept one when it
   * holds for `version` (no read), else the newer of it and the stored one (one primary-key read).
   */
  async #last(
    key: string,
    job: AnalyticsJob,
    db: Kysely<Database>,
    version: string,
  ): Promise<Kept | undefined> {
    const kept = this.#kept.get(key);
    if (kept?.version === version) return kept;
    const stored = await findStoredAnswer(db, Number(job.workspaceId), queryKey(job)).catch(() => undefined);
    if (stored === undefined) return kept;
    return kept === undefined || stored.computedAt >= kept.computedAt ? stored : kept;
  }

  async #compute(
    key: string,
    job: AnalyticsJob,
    context: AnswerContext,
    useKept: boolean,
    purpose: 'request' | 'refresh' = 'request',
  ): Promise<AnalyticsOutcome> {
    if (this.#pool === null) {
      const known = useKept ? this.#kept.get(key) : undefined;
      return executeAnalyticsJob(context.db, job, { knownVersion: known?.version, store: true });
    }
    const refresh = purpose === 'refresh';
    try {
      return await this.#pool.run(
        // Read as the job starts: the answer the key's previous job has just kept counts.
        () => ({ job, knownVersion: useKept || refresh ? this.#kept.get(key)?.version : undefined }),
        {
          key: useKept || refresh ? key : `${key}|recompute`,
          timeoutMs: refresh ? this.refreshTimeoutMs : this.timeoutMs,
          ...(context.signal === undefined ? {} : { signal: context.signal }),
        },
      );
    } catch (error) {
      if (error instanceof TaskTimeoutError) {
        throw new RetainError(
          'unavailable',
          `The analytics computation took longer than ${formatSeconds(error.timeoutMs)} and was stopped: ask for a shorter range or a longer period, or try again when the server is less busy.`,
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
