/**
 * A worker: claims jobs of the types it has handlers for, one at a time, runs them, and records
 * the outcome. Run several workers (processes or instances) for parallelism; the queue keeps them
 * from running the same claim twice.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/index.js';
import {
  type BackoffOptions,
  type ClaimedJob,
  claim,
  complete,
  completeWith,
  extendLease,
  fail,
} from './job-queue.js';

/** What a handler gets beside its job. */
export interface JobContext {
  readonly db: Kysely<Database>;
  /** Aborted when the worker is asked to stop: a long handler may finish early at a safe point. */
  readonly signal: AbortSignal;
  /** The worker's clock, epoch ms (tests drive time-based handlers with a fake one). */
  now(): number;
  /**
   * Runs `effect` in one transaction with the job's completion (see `completeWith` in
   * job-queue.ts): the way to make a database effect happen exactly once. Call it at most once,
   * as the handler's last step; the worker then does not complete the job again.
   */
  completeWith<Result>(effect: (trx: Transaction<Database>) => Promise<Result>): Promise<Result>;
}

/**
 * Runs one job. Resolving = success (the worker completes the job unless the handler already did
 * through `context.completeWith`); throwing = a failed attempt (retried with backoff, then dead).
 * Payloads are parsed JSON, not validated: check their shape in the handler.
 */
// biome-ignore lint/suspicious/noExplicitAny: a handler map mixes payload types; each handler narrows its own.
export type JobHandler<Payload = any> = (job: ClaimedJob<Payload>, context: JobContext) => Promise<void>;

export interface WorkerOptions {
  readonly db: Kysely<Database>;
  /** Handlers by job type; the worker claims only these types. */
  readonly handlers: Readonly<Record<string, JobHandler>>;
  /** Default `<host>:<pid>:<random>`. */
  readonly workerId?: string;
  /** Lease length (default 60 s). The worker renews it every `lockMs / 3` while a job runs. */
  readonly lockMs?: number;
  /** Wait between polls when no job is due (default 1 s). */
  readonly pollIntervalMs?: number;
  readonly backoff?: BackoffOptions;
  /** Errors that are not a job's own failure (claim errors, lost leases). Default: console.error. */
  readonly onError?: (error: unknown, job?: ClaimedJob) => void;
  /** Clock, epoch ms (default `Date.now`). */
  readonly now?: () => number;
}

/**
 * The polling worker loop. `start()` returns at once; `stop()` stops claiming, waits for the job in
 * progress to finish and resolves. `runOnce()` / `drain()` run jobs without the loop (CLI, tests).
 *
 * Example:
 * `const worker = new Worker({ db, handlers: { 'email.send': sendEmail } }); worker.start(); … await worker.stop();`
 */
export class Worker {
  readonly workerId: string;
  readonly #db: Kysely<Database>;
  readonly #handlers: Readonly<Record<string, JobHandler>>;
  readonly #types: readonly string[];
  readonly #lockMs: number;
  readonly #pollIntervalMs: number;
  readonly #backoff: BackoffOptions;
  readonly #onError: (error: unknown, job?: ClaimedJob) => void;
  readonly #now: () => number;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #abort = new AbortController();
  #wake: (() => void) | undefined;

  constructor(options: WorkerOptions) {
    this.#db = options.db;
    this.#handlers = options.handlers;
    this.#types = Object.keys(options.handlers);
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.#lockMs = options.lockMs ?? 60_000;
    this.#pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.#backoff = options.backoff ?? {};
    this.#onError = options.onError ?? ((error) => console.error(`[worker ${this.workerId}]`, error));
    this.#now = options.now ?? Date.now;
  }

  /** True between `start()` and the end of `stop()`. */
  get running(): boolean {
    return this.#loop !== undefined;
  }

  /** Starts polling (idempotent). */
  start(): void {
    if (this.#loop !== undefined) return;
    this.#stopping = false;
    this.#abort = new AbortController();
    this.#loop = this.#run();
  }

  /** Stops claiming and resolves once the job in progress, if any, has finished. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#abort.abort();
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
  }

  /** Claims and runs one due job; resolves `true` if there was one. */
  async runOnce(): Promise<boolean> {
    const [job] = await claim(this.#db, {
      workerId: this.workerId,
      lockMs: this.#lockMs,
      types: this.#types,
      now: this.#now(),
    });
    if (job === undefined) return false;
    await this.#execute(job);
    return true;
  }

  /** Runs due jobs until none is left; resolves the number run. */
  async drain(): Promise<number> {
    let count = 0;
    while (await this.runOnce()) count += 1;
    return count;
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      let ran = false;
      try {
        ran = await this.runOnce();
      } catch (error) {
        // A claim can fail transiently (SQLITE_BUSY past the timeout, a dropped connection): report
        // and poll again rather than let the loop die.
        this.#onError(error);
      }
      if (!ran && !this.#stopping) await this.#sleep(this.#pollIntervalMs);
      // After a job, let requests and timers in before the next: on SQLite every query is
      // synchronous, so a backlog of jobs would otherwise hold the server until it is empty.
      else await yieldToEventLoop();
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  /** One heartbeat: extends the lease unless `quiet()` says the job no longer needs it. */
  #renewLease(job: ClaimedJob, quiet: () => boolean): void {
    if (quiet()) return;
    void extendLease(this.#db, job, this.#lockMs, { now: this.#now() }).then(
      (lockedUntil) => {
        if (lockedUntil === null && !quiet())
          this.#onError(new Error(`Lost the lease of job ${job.id}`), job);
      },
      (error: unknown) => this.#onError(error, job),
    );
  }

  async #execute(job: ClaimedJob): Promise<void> {
    const handler = this.#handlers[job.type];
    let completed = false;
    let finished = false;
    // While completeWith's transaction is open the job's row (PostgreSQL) or the whole database
    // (SQLite) is locked, so nobody can claim the job: renewing would only wait on that lock.
    let inTransaction = false;
    const quiet = (): boolean => inTransaction || completed || finished;
    const heartbeat = setInterval(
      () => this.#renewLease(job, quiet),
      Math.max(1, Math.floor(this.#lockMs / 3)),
    );
    heartbeat.unref();

    const context: JobContext = {
      db: this.#db,
      signal: this.#abort.signal,
      now: this.#now,
      completeWith: async (effect) => {
        inTransaction = true;
        try {
          const result = await completeWith(this.#db, job, effect, { now: this.#now() });
          completed = true;
          return result;
        } finally {
          inTransaction = false;
        }
      },
    };
    try {
      if (handler === undefined) throw new Error(`No handler for job type "${job.type}"`);
      await handler(job, context);
      finished = true;
      if (!completed) await complete(this.#db, job, { now: this.#now() });
    } catch (error) {
      finished = true;
      if (completed) {
        // The effect and the completion are committed; an error after them cannot undo them.
        this.#onError(error, job);
      } else {
        await fail(this.#db, job, error, { now: this.#now(), backoff: this.#backoff }).catch(
          (failError: unknown) => this.#onError(failError, job),
        );
      }
    } finally {
      clearInterval(heartbeat);
    }
  }
}
