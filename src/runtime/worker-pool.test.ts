/**
 * The worker pool on real worker threads (test/support/pool-test-worker.ts): work runs off this
 * thread; calls with one key share a task that has not started; a key's tasks run one at a time;
 * a timed-out or abandoned task is cancelled (dropped from the queue, or its worker terminated and
 * replaced); failures and crashes reach the caller; closing rejects what is left.
 */
import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { PoolTestAnswer, PoolTestTask } from '../../test/support/pool-test-worker.js';
import { startWorkerModule } from './worker-module.js';
import {
  PoolClosedError,
  TaskAbortedError,
  TaskTimeoutError,
  WorkerPool,
  WorkerTaskError,
} from './worker-pool.js';

const pools: WorkerPool<PoolTestTask, PoolTestAnswer>[] = [];
function pool(size = 1) {
  const created = new WorkerPool<PoolTestTask, PoolTestAnswer>({
    size,
    start: () => startWorkerModule('../../test/support/pool-test-worker', import.meta.url),
  });
  pools.push(created);
  return created;
}
afterEach(async () => {
  for (const created of pools.splice(0)) await created.close();
});

const echo = (value: unknown): PoolTestTask => ({ kind: 'echo', value });
const spin = (ms: number): PoolTestTask => ({ kind: 'spin', ms });

describe('WorkerPool', () => {
  it('computes in another thread while this one stays free', async () => {
    const workers = pool();
    await workers.run(echo('warm up')); // the first worker's start-up is not the point here
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    const answer = await workers.run(spin(600));
    clearInterval(ticker);
    expect(answer.threadId).not.toBe(threadId);
    // This thread's timers kept firing while the worker's thread was busy for 600 ms.
    expect(ticks).toBeGreaterThan(10);
  });

  it('lets calls with one key share a task that has not started, and runs a key’s tasks one at a time', async () => {
    const workers = pool(2);
    const busy = [workers.run(spin(400)), workers.run(spin(400))]; // both workers busy: the next calls queue
    const first = workers.run(echo('b'), { key: 'b' });
    const joined = [workers.run(echo('b'), { key: 'b' }), workers.run(echo('b'), { key: 'b' })];
    const [a, b, c] = await Promise.all([first, ...joined]);
    expect(b).toEqual(a); // one run answered all three
    expect(c).toEqual(a);
    await Promise.all(busy);
    // While a task of key "r" runs, a second "r" call waits for its own task, which starts only when
    // the first has finished — even with a worker free — and is shared by the calls after it.
    const running = workers.run(spin(300), { key: 'r' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = [workers.run(echo('r'), { key: 'r' }), workers.run(echo('r'), { key: 'r' })];
    const [done, second, third] = await Promise.all([running, ...next]);
    expect(second).toEqual(third);
    expect(second!.startedAt).toBeGreaterThanOrEqual(done!.finishedAt);
  });

  it('puts priority tasks before the others in the queue', async () => {
    const workers = pool();
    const busy = workers.run(spin(200));
    const order: string[] = [];
    const plain = workers.run(echo('plain')).then(() => order.push('plain'));
    const urgent = workers.run(echo('urgent'), { priority: true }).then(() => order.push('urgent'));
    await Promise.all([busy, plain, urgent]);
    expect(order).toEqual(['urgent', 'plain']);
  });

  it('rejects a call past its timeout, terminates the worker computing it and starts a fresh one', async () => {
    const workers = pool();
    const before = await workers.run(echo(1));
    await expect(workers.run(spin(60_000), { timeoutMs: 200 })).rejects.toBeInstanceOf(TaskTimeoutError);
    expect(workers.stats).toMatchObject({ recycled: 1, running: 0 });
    const after = await workers.run(echo(2));
    expect(after.threadId).not.toBe(before.threadId); // a new thread: the old one was stopped
    expect(after.run).toBe(1);
  });

  it('cancels queued work when its caller goes away, and the running work of a caller alone', async () => {
    const workers = pool();
    const first = await workers.run(echo(0));
    const busy = workers.run(spin(300));
    const client = new AbortController();
    const queued = workers.run(echo('never'), { signal: client.signal });
    client.abort();
    await expect(queued).rejects.toBeInstanceOf(TaskAbortedError);
    const afterBusy = await busy;
    // The worker was not touched and never ran the cancelled task (runs 1, 2, then 3 now).
    expect(afterBusy).toMatchObject({ threadId: first.threadId, run: 2 });
    expect(await workers.run(echo(3))).toMatchObject({ threadId: first.threadId, run: 3 });

    const running = new AbortController();
    const abandoned = workers.run(spin(60_000), { signal: running.signal });
    await new Promise((resolve) => setTimeout(resolve, 100));
    running.abort();
    await expect(abandoned).rejects.toBeInstanceOf(TaskAbortedError);
    expect(workers.stats.recycled).toBe(1);
    expect((await workers.run(echo(4))).threadId).not.toBe(first.threadId);
    // Already aborted: rejected without queueing.
    await expect(workers.run(echo(5), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      TaskAbortedError,
    );
  });

  it('keeps computing a shared task when one of its callers leaves', async () => {
    const workers = pool();
    const busy = workers.run(spin(200));
    const leaving = new AbortController();
    const gone = workers.run(echo('shared'), { key: 'k', signal: leaving.signal });
    const staying = workers.run(echo('shared'), { key: 'k' });
    leaving.abort();
    await expect(gone).rejects.toBeInstanceOf(TaskAbortedError);
    expect((await staying).value).toBe('shared');
    await busy;
    expect(workers.stats.recycled).toBe(0);
  });

  it('reports a task’s error and a worker’s crash to the caller, then goes on', async () => {
    const workers = pool();
    const error = await workers
      .run({ kind: 'throw', message: 'bad input' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkerTaskError);
    expect(error).toMatchObject({ name: 'RangeError', message: 'bad input' });
    await expect(workers.run({ kind: 'exit' })).rejects.toThrow(/The worker stopped: exit code 3/);
    expect((await workers.run(echo('alive'))).value).toBe('alive');
  });

  it('rejects what is queued or running when closed, and every call after', async () => {
    const workers = pool();
    const running = expect(workers.run(spin(60_000))).rejects.toBeInstanceOf(PoolClosedError);
    const queued = expect(workers.run(echo(1))).rejects.toBeInstanceOf(PoolClosedError);
    await workers.close();
    await running;
    await queued;
    await expect(workers.run(echo(2))).rejects.toBeInstanceOf(PoolClosedError);
  });
});
