import { sql } from 'kysely';
import { beforeAll, expect, it, vi } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { newId } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { claim, enqueue, getJob, listJobs } from './job-queue.js';
import { Worker } from './worker.js';

type RunTable = { workspace_id: number; job_id: number; worker_id: string };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describeEachDatabase('worker', (getDb) => {
  const runs = () => getDb().db.withTables<{ test_run: RunTable }>();

  beforeAll(async () => {
    // No unique constraint on purpose: a job run twice would leave two rows.
    await sql`create table test_run (workspace_id bigint not null, job_id bigint not null, worker_id text not null)`.execute(
      getDb().db,
    );
  });

  async function workspaceId(): Promise<number> {
    const { workspace } = await createWorkspace(getDb().db, { name: 'Worker', slug: `worker-${newId()}` });
    return workspace.id;
  }

  it('runs each job with the handler of its type and records success and failure', async () => {
    const { db } = getDb();
    const workspace = await workspaceId();
    const [okType, badType] = [`ok.${newId()}`, `bad.${newId()}`];
    const seen: unknown[] = [];
    const worker = new Worker({
      db,
      handlers: {
        [okType]: async (job) => {
          seen.push(job.payload);
        },
        [badType]: async () => {
          throw new Error('handler failed');
        },
      },
      backoff: { baseMs: 0 }, // retry at once, so drain() sees every attempt
      onError: (error) => {
        throw error;
      },
    });
    const { job: good } = await enqueue(db, { workspaceId: workspace, type: okType, payload: { n: 1 } });
    const { job: bad } = await enqueue(db, {
      workspaceId: workspace,
      type: badType,
      payload: {},
      maxAttempts: 2,
    });
    // 1 success + 2 attempts of the failing job.
    expect(await worker.drain()).toBe(3);
    expect(seen).toEqual([{ n: 1 }]);
    expect(await getJob(db, workspace, good.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    const dead = await getJob(db, workspace, bad.id);
    expect(dead).toMatchObject({ status: 'dead', attempts: 2 });
    expect(dead?.lastError).toContain('handler failed');
  });

  it('lets the event loop run between jobs, so a queue of jobs never holds the server', async () => {
    // On SQLite every query runs synchronously: without a yield between jobs, a backlog would be
    // worked through without a single timer or socket being served.
    const { db } = getDb();
    const workspace = await workspaceId();
    const type = `quick.${newId()}`;
    let ticks = 0;
    let ticking = true;
    const tick = () => {
      if (!ticking) return;
      ticks++;
      setImmediate(tick);
    };
    const ticksAtJob: number[] = [];
    const worker = new Worker({
      db,
      pollIntervalMs: 10,
      handlers: {
        [type]: async () => {
          ticksAtJob.push(ticks);
        },
      },
    });
    for (let n = 0; n < 10; n++) await enqueue(db, { workspaceId: workspace, type, payload: { n } });
    setImmediate(tick);
    worker.start();
    await vi.waitFor(() => expect(ticksAtJob).toHaveLength(10), { timeout: 10_000 });
    ticking = false;
    await worker.stop();
    // The loop ran between the jobs (once between every two; at least half of them, whatever the
    // order of callbacks within a turn).
    expect(ticksAtJob[9]! - ticksAtJob[0]!).toBeGreaterThanOrEqual(5);
  });

  it('stops gracefully: stop() resolves only after the running job has finished', async () => {
    const { db } = getDb();
    const workspace = await workspaceId();
    const type = `slow.${newId()}`;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = false;
    let sawAbort = false;
    const worker = new Worker({
      db,
      pollIntervalMs: 10,
      handlers: {
        [type]: async (_job, context) => {
          started = true;
          await gate;
          sawAbort = context.signal.aborted;
        },
      },
    });
    const { job } = await enqueue(db, { workspaceId: workspace, type, payload: {} });
    worker.start();
    await vi.waitFor(() => expect(started).toBe(true), { timeout: 5_000 });
    let stopped = false;
    const stopping = worker.stop().then(() => {
      stopped = true;
    });
    await sleep(50);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(sawAbort).toBe(true);
    expect(worker.running).toBe(false);
    expect((await getJob(db, workspace, job.id))?.status).toBe('succeeded');
  });

  it('keeps the lease alive while a long job runs, so no one else claims it', async () => {
    const { db } = getDb();
    const workspace = await workspaceId();
    const type = `long.${newId()}`;
    // Renewed every 400 / 3 ≈ 133 ms: a timer may run over 250 ms late (a loaded CI) before the
    // lease lapses.
    const lockMs = 400;
    let finished = false;
    const worker = new Worker({
      db,
      lockMs,
      handlers: {
        [type]: async () => {
          await sleep(lockMs * 3);
          finished = true;
        },
      },
    });
    const { job } = await enqueue(db, { workspaceId: workspace, type, payload: {} });
    const running = worker.runOnce();
    const stolen: number[] = [];
    while (!finished) {
      const claimed = await claim(db, { workerId: 'thief', lockMs, types: [type] });
      stolen.push(...claimed.map((item) => item.id));
      await sleep(20);
    }
    await running;
    expect(stolen).toEqual([]);
    expect(await getJob(db, workspace, job.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('completes through context.completeWith, in the same transaction as the effect', async () => {
    const { db } = getDb();
    const workspace = await workspaceId();
    const type = `effect.${newId()}`;
    const errors: unknown[] = [];
    const worker = new Worker({
      db,
      onError: (error) => errors.push(error),
      handlers: {
        [type]: async (job, context) => {
          await context.completeWith((trx) =>
            trx
              .withTables<{ test_run: RunTable }>()
              .insertInto('test_run')
              .values({ workspace_id: job.workspaceId, job_id: job.id, worker_id: 'effect' })
              .execute(),
          );
          throw new Error('after the commit');
        },
      },
    });
    const { job } = await enqueue(db, { workspaceId: workspace, type, payload: {} });
    expect(await worker.drain()).toBe(1);
    // The error after completeWith cannot undo the committed effect: it is reported, not retried.
    expect(await getJob(db, workspace, job.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(errors).toHaveLength(1);
    expect(
      await runs().selectFrom('test_run').select('worker_id').where('job_id', '=', job.id).execute(),
    ).toEqual([{ worker_id: 'effect' }]);
  });

  it('never runs the same job twice with two workers racing on separate connections', async () => {
    const { open } = getDb();
    const workspace = await workspaceId();
    const type = `race.${newId()}`;
    const jobCount = 40;
    for (let index = 0; index < jobCount; index += 1) {
      await enqueue(getDb().db, { workspaceId: workspace, type, payload: { index } });
    }
    const workers = ['left', 'right'].map((name) => {
      const connection = open();
      return new Worker({
        db: connection.db,
        workerId: name,
        pollIntervalMs: 5,
        handlers: {
          [type]: async (job) => {
            await connection.db
              .withTables<{ test_run: RunTable }>()
              .insertInto('test_run')
              .values({ workspace_id: job.workspaceId, job_id: job.id, worker_id: name })
              .execute();
            await sleep(2);
          },
        },
      });
    });
    for (const worker of workers) worker.start();
    await vi.waitFor(
      async () =>
        expect(await listJobs(getDb().db, workspace, { status: 'succeeded', limit: 1_000 })).toHaveLength(
          jobCount,
        ),
      { timeout: 20_000, interval: 50 },
    );
    await Promise.all(workers.map((worker) => worker.stop()));

    const rows = await runs()
      .selectFrom('test_run')
      .select(['job_id', 'worker_id'])
      .where('workspace_id', '=', workspace)
      .execute();
    expect(rows).toHaveLength(jobCount);
    expect(new Set(rows.map((row) => row.job_id)).size).toBe(jobCount);
  });
});
