/**
 * A fixed-size pool of worker threads that run tasks off the main thread's event loop, so that a
 * long computation (or a synchronous database driver) never delays the requests of others.
 *
 * - **Queue**: tasks wait in arrival order for a free worker; workers start on demand, up to `size`.
 * - **Sharing**: calls with the same `key` whose task has not started yet wait for that one task
 *   (its result is computed after all of them arrived, so it is as fresh as a task of their own).
 *   A key's tasks run one at a time: the next one starts when the previous one has finished, so
 *   at most one runs and one waits per key however many callers there are.
 * - **Timeout and cancellation**: each call may have a deadline (queue wait included) and an abort
 *   signal (e.g. the client went away). A call that times out or is aborted is rejected at once; a
 *   task left with no caller is dropped from the queue, or, when running, its worker is terminated
 *   and replaced — a computation cannot be interrupted any other way.
 *
 * Messages: the pool posts `{ id, payload }`; the worker answers `{ id, ok: true, value }` or
 * `{ id, ok: false, error }` (`serveTasks` implements that side). Payloads and values cross the
 * thread boundary by structured clone, so a large result is best sent as one string.
 */
import { parentPort, type Worker } from 'node:worker_threads';

/** The message the pool posts to a worker. */
export interface TaskRequest<Payload> {
  readonly id: number;
  readonly payload: Payload;
}

/** A worker's answer to one task. */
export type TaskResponse<Value> =
  | { readonly id: number; readonly ok: true; readonly value: Value }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { readonly name: string; readonly message: string };
    };

export interface WorkerPoolOptions {
  /** Starts one worker, e.g. `() => startWorkerModule('./x-worker', import.meta.url)`. */
  readonly start: () => Worker;
  /** Most workers running at once (≥ 1). */
  readonly size: number;
}

export interface TaskOptions {
  /** Calls with the same key share a task that has not started yet (see the module comment). */
  readonly key?: string;
  /** Aborting rejects the call (`TaskAbortedError`) and cancels the task if no one else waits. */
  readonly signal?: AbortSignal;
  /** Rejects the call with `TaskTimeoutError` after this many ms (queue wait included), likewise. */
  readonly timeoutMs?: number;
  /** Dispatched before the tasks queued without priority (e.g. a task expected to be short). */
  readonly priority?: boolean;
}

/** The call's deadline passed (`TaskOptions.timeoutMs`). */
export class TaskTimeoutError extends Error {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`The task did not finish within ${timeoutMs} ms.`);
    this.name = 'TaskTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** The call's signal was aborted. */
export class TaskAbortedError extends Error {
  constructor() {
    super('The task was cancelled by its caller.');
    this.name = 'TaskAbortedError';
  }
}

/** The task failed in the worker (the handler threw) or the worker stopped; `name` is the worker's error's name. */
export class WorkerTaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The pool was closed before the task finished. */
export class PoolClosedError extends Error {
  constructor() {
    super('The worker pool is closed.');
    this.name = 'PoolClosedError';
  }
}

interface Caller<Value> {
  readonly resolve: (value: Value) => void;
  readonly reject: (error: Error) => void;
  /** Detaches the timer and the abort listener. */
  readonly detach: () => void;
}

interface Task<Payload, Value> {
  readonly id: number;
  readonly key: string | undefined;
  readonly payload: () => Payload;
  readonly priority: boolean;
  readonly callers: Set<Caller<Value>>;
  state: 'queued' | 'running' | 'settled';
  slot: Slot<Payload, Value> | null;
}

interface Slot<Payload, Value> {
  readonly worker: Worker;
  task: Task<Payload, Value> | null;
}

/** What the pool is doing, for tests and logs. */
export interface PoolStats {
  readonly workers: number;
  readonly running: number;
  readonly queued: number;
  /** Tasks started in a worker so far (a shared task counts once). */
  readonly started: number;
  /** Workers terminated to cancel a task (timed out or abandoned) and replaced. */
  readonly recycled: number;
}

export class WorkerPool<Payload, Value> {
  readonly size: number;
  readonly #start: () => Worker;
  readonly #slots = new Set<Slot<Payload, Value>>();
  readonly #queue: Task<Payload, Value>[] = [];
  /** Tasks not yet started, by key (the ones new callers may join). */
  readonly #waiting = new Map<string, Task<Payload, Value>>();
  /** Keys with a running task. */
  readonly #runningKeys = new Set<string>();
  #nextId = 1;
  #recycled = 0;
  #started = 0;
  #closed = false;

  constructor(options: WorkerPoolOptions) {
    if (!(Number.isSafeInteger(options.size) && options.size >= 1)) {
      throw new RangeError(`A worker pool needs at least one worker, got ${options.size}.`);
    }
    this.size = options.size;
    this.#start = options.start;
  }

  get stats(): PoolStats {
    let running = 0;
    for (const slot of this.#slots) if (slot.task !== null) running++;
    return {
      workers: this.#slots.size,
      running,
      queued: this.#queue.length,
      started: this.#started,
      recycled: this.#recycled,
    };
  }

  /**
   * Runs `payload` (or, when a function, its value computed as the task starts) in a worker and
   * resolves with the worker's value. Rejects with `TaskTimeoutError`, `TaskAbortedError`,
   * `WorkerTaskError` or `PoolClosedError`.
   */
  run(payload: Payload | (() => Payload), options: TaskOptions = {}): Promise<Value> {
    if (this.#closed) return Promise.reject(new PoolClosedError());
    if (options.signal?.aborted) return Promise.reject(new TaskAbortedError());
    const joined = options.key === undefined ? undefined : this.#waiting.get(options.key);
    const task: Task<Payload, Value> = joined ?? {
      id: this.#nextId++,
      key: options.key,
      payload: typeof payload === 'function' ? (payload as () => Payload) : () => payload,
      priority: options.priority ?? false,
      callers: new Set(),
      state: 'queued',
      slot: null,
    };
    const answer = new Promise<Value>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => this.#leave(task, caller, new TaskAbortedError());
      const caller: Caller<Value> = {
        resolve,
        reject,
        detach: () => {
          if (timer !== undefined) clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
        },
      };
      task.callers.add(caller);
      if (options.timeoutMs !== undefined && Number.isFinite(options.timeoutMs)) {
        const timeoutMs = options.timeoutMs;
        timer = setTimeout(() => this.#leave(task, caller, new TaskTimeoutError(timeoutMs)), timeoutMs);
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
    if (!joined) {
      if (task.priority) {
        const firstPlain = this.#queue.findIndex((queued) => !queued.priority);
        this.#queue.splice(firstPlain === -1 ? this.#queue.length : firstPlain, 0, task);
      } else this.#queue.push(task);
      if (task.key !== undefined) this.#waiting.set(task.key, task);
      this.#dispatch();
    }
    return answer;
  }

  /** Rejects every call, terminates every worker. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const tasks = [...this.#queue];
    for (const slot of this.#slots) if (slot.task) tasks.push(slot.task);
    this.#queue.length = 0;
    this.#waiting.clear();
    for (const task of tasks) this.#settle(task, (caller) => caller.reject(new PoolClosedError()));
    const slots = [...this.#slots];
    this.#slots.clear();
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  /** A caller gives up (timeout, abort): reject it; a task nobody waits for any more is cancelled. */
  #leave(task: Task<Payload, Value>, caller: Caller<Value>, reason: Error): void {
    if (!task.callers.delete(caller)) return;
    caller.detach();
    caller.reject(reason);
    if (task.callers.size > 0 || task.state === 'settled') return;
    if (task.state === 'queued') {
      this.#dequeue(task);
      task.state = 'settled';
      return;
    }
    // Running: the only way to stop a computation is to stop its thread.
    const slot = task.slot!;
    this.#recycled++;
    this.#finish(task);
    this.#retire(slot);
    this.#dispatch();
  }

  #dequeue(task: Task<Payload, Value>): void {
    const index = this.#queue.indexOf(task);
    if (index !== -1) this.#queue.splice(index, 1);
    if (task.key !== undefined && this.#waiting.get(task.key) === task) this.#waiting.delete(task.key);
  }

  /** Starts the queued tasks that can start: a free (or new) worker, and no running task of the same key. */
  #dispatch(): void {
    if (this.#closed) return;
    for (let index = 0; index < this.#queue.length; ) {
      const task = this.#queue[index]!;
      if (task.key !== undefined && this.#runningKeys.has(task.key)) {
        index++;
        continue;
      }
      const slot = this.#idleSlot();
      if (slot === null) return;
      this.#queue.splice(index, 1);
      this.#begin(task, slot);
    }
  }

  #idleSlot(): Slot<Payload, Value> | null {
    for (const slot of this.#slots) if (slot.task === null) return slot;
    if (this.#slots.size >= this.size) return null;
    return this.#spawn();
  }

  #begin(task: Task<Payload, Value>, slot: Slot<Payload, Value>): void {
    if (task.key !== undefined) {
      if (this.#waiting.get(task.key) === task) this.#waiting.delete(task.key);
      this.#runningKeys.add(task.key);
    }
    task.state = 'running';
    task.slot = slot;
    slot.task = task;
    slot.worker.ref();
    let payload: Payload;
    try {
      payload = task.payload();
    } catch (error) {
      this.#finish(task);
      slot.task = null;
      slot.worker.unref();
      this.#settle(task, (caller) => caller.reject(error as Error));
      return;
    }
    this.#started++;
    slot.worker.postMessage({ id: task.id, payload } satisfies TaskRequest<Payload>);
  }

  /** The task leaves its worker and its key; its callers are settled separately. */
  #finish(task: Task<Payload, Value>): void {
    if (task.key !== undefined) this.#runningKeys.delete(task.key);
    task.state = 'settled';
    task.slot = null;
  }

  #settle(task: Task<Payload, Value>, action: (caller: Caller<Value>) => void): void {
    task.state = 'settled';
    for (const caller of task.callers) {
      caller.detach();
      action(caller);
    }
    task.callers.clear();
  }

  #spawn(): Slot<Payload, Value> {
    const worker = this.#start();
    const slot: Slot<Payload, Value> = { worker, task: null };
    this.#slots.add(slot);
    worker.unref();
    worker.on('message', (message: TaskResponse<Value>) => {
      const task = slot.task;
      if (task === null || task.id !== message.id) return; // a cancelled task's late answer
      this.#finish(task);
      slot.task = null;
      worker.unref();
      if (message.ok) this.#settle(task, (caller) => caller.resolve(message.value));
      else {
        const failure = new WorkerTaskError(message.error.name, message.error.message);
        this.#settle(task, (caller) => caller.reject(failure));
      }
      this.#dispatch();
    });
    const stopped = (reason: string) => {
      if (!this.#slots.has(slot)) return; // retired on purpose
      this.#slots.delete(slot);
      const task = slot.task;
      slot.task = null;
      if (task !== null) {
        this.#finish(task);
        const failure = new WorkerTaskError('WorkerStopped', `The worker stopped: ${reason}`);
        this.#settle(task, (caller) => caller.reject(failure));
      }
      this.#dispatch();
    };
    worker.on('error', (error) => stopped(error.message));
    worker.on('exit', (code) => stopped(`exit code ${code}`));
    return slot;
  }

  /** Terminates a worker (its task was cancelled); the next dispatch starts a fresh one. */
  #retire(slot: Slot<Payload, Value>): void {
    this.#slots.delete(slot);
    slot.task = null;
    void slot.worker.terminate();
  }
}

/**
 * The worker's side: answers each `{ id, payload }` with `handler(payload)`'s value, or with the
 * error it threw (name and message). Call once, at the top of the worker module.
 * Example: `serveTasks(async (payload: Job) => compute(payload));`
 */
export function serveTasks<Payload, Value>(handler: (payload: Payload) => Promise<Value> | Value): void {
  const port = parentPort;
  if (port === null) throw new Error('serveTasks runs in a worker thread');
  port.on('message', (request: TaskRequest<Payload>) => {
    void (async () => {
      let response: TaskResponse<Value>;
      try {
        response = { id: request.id, ok: true, value: await handler(request.payload) };
      } catch (error) {
        const { name, message } = error instanceof Error ? error : new Error(String(error));
        response = { id: request.id, ok: false, error: { name, message } };
      }
      port.postMessage(response);
    })();
  });
}
