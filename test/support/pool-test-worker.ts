/**
 * A worker for the worker pool's tests (src/runtime/worker-pool.test.ts): each task says which
 * thread ran it and which run of that thread it was, so a test can tell shared calls (one run)
 * from separate ones, and recycled workers (a new thread id) from reused ones.
 */
import { threadId } from 'node:worker_threads';
import { serveTasks } from '../../src/runtime/index.js';

export type PoolTestTask =
  | { readonly kind: 'echo'; readonly value: unknown }
  /** Blocks the worker's thread for `ms` (a computation that cannot be interrupted). */
  | { readonly kind: 'spin'; readonly ms: number }
  | { readonly kind: 'throw'; readonly message: string }
  | { readonly kind: 'exit' };

export interface PoolTestAnswer {
  readonly threadId: number;
  /** 1 for the first task this thread ran, then 2… */
  readonly run: number;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly value?: unknown;
}

let runs = 0;

serveTasks((task: PoolTestTask): PoolTestAnswer => {
  runs++;
  const startedAt = performance.timeOrigin + performance.now();
  if (task.kind === 'throw') throw new RangeError(task.message);
  if (task.kind === 'exit') process.exit(3);
  if (task.kind === 'spin') {
    const until = performance.now() + task.ms;
    while (performance.now() < until) {
      // busy: the thread does nothing else meanwhile
    }
  }
  return {
    threadId,
    run: runs,
    startedAt,
    finishedAt: performance.timeOrigin + performance.now(),
    ...(task.kind === 'echo' ? { value: task.value } : {}),
  };
});
