import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { newId } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import {
  claim,
  complete,
  completeWith,
  enqueue,
  extendLease,
  fail,
  getJob,
  JobLeaseLostError,
  listJobs,
  retryDelayMs,
} from './job-queue.js';

/** A fixed clock: every instant in these tests is T0 plus a hand-picked offset. */
const T0 = 1_700_000_000_000;

describe('retryDelayMs', () => {
  it('doubles from the base and stops at the cap', () => {
    // Defaults base 1 000 ms, cap 3 600 000 ms: 1000·2^0, 1000·2^1, 1000·2^2, 1000·2^11 = 2 048 000,
    // 1000·2^12 = 4 096 000 > cap.
    expect([1, 2, 3, 12, 13].map((attempt) => retryDelayMs(attempt))).toEqual([
      1_000, 2_000, 4_000, 2_048_000, 3_600_000,
    ]);
    expect(retryDelayMs(3, { baseMs: 50, maxMs: 120 })).toBe(120); // 50·2^2 = 200, capped at 120
  });
});

describeEachDatabase('job queue', (getDb) => {
  type EffectTable = { workspace_id: number; job_id: number; note: string };
  const effects = () => getDb().db.withTables<{ test_effect: EffectTable }>();

  beforeAll(async () => {
    await sql`create table test_effect (workspace_id bigint not null, job_id bigint not null, note text not null,
      primary key (workspace_id, job_id))`.execute(getDb().db);
  });

  /** A fresh workspace per test keeps the tests independent on the shared database. */
  async function workspaceId(): Promise<number> {
    const { workspace } = await createWorkspace(getDb().db, { name: 'Jobs', slug: `jobs-${newId()}` });
    return workspace.id;
  }

  /** Claims only this workspace's jobs, by giving each test its own job type. */
  function uniqueType(): string {
    return `test.${newId()}`;
  }

  it('enqueues a queued job with the defaults and reads it back', async () => {
    const { db } = getDb();
    const workspace = await workspaceId();
    const { job, created } = await enqueue(db, {
      workspaceId: workspace,
      type: 'email.send',
      payload: { to: 'a@example.com', tags: ['x'] },
      now: T0,
    });
    expect(created).toBe(true);
    expect(job).toMatchObject({
      workspaceId: workspace,
      type: 'email.send',
      payload: { to: 'a@example.com', tags: ['x'] },
      status: 'queued',
      attempts: 0,
      maxAttempts: 5,
      runAt: T0,
      lockedBy: null,
      idempotencyKey: null,
      createdAt: T0,
    });
    expect(await getJob(db, workspace, job.id)).toEqual(job);
  });

  it('returns the existing job for a repeated idempotency key, per workspace', async () => {
    const { db } = getDb();
    const [first, second] = [await workspaceId(), await workspaceId()];
    const input = { type: 'import.run', payload: { file: 'a.csv' }, idempotencyKey: 'import:42', now: T0 };
    const original = await enqueue(db, { ...input, workspaceId: first });
    const repeat = await enqueue(db, { ...input, workspaceId: first, payload: { file: 'other.csv' } });
    expect(repeat.created).toBe(false);
    expect(repeat.job).toEqual(original.job);
    const elsewhere = await enqueue(db, { ...input, workspaceId: second });
    expect(elsewhere.created).toBe(true);
    expect(elsewhere.job.id).not.toBe(original.job.id);
    expect((await listJobs(db, first)).map((job) => job.id)).toEqual([original.job.id]);
  });

  it('claims due jobs only, oldest run_at first, with a lease and an attempt count', async () => {
    const { db } = getDb();
    const workspace = await workspaceId();
    const type = uniqueType();
    const later = await enqueue(db, { workspaceId: workspace, type, payload: 2, runAt: T0 + 500, now: T0 });
    const sooner = await enqueue(db, { workspaceId: workspace, type, payload: 1, runAt: T0 + 100, now: T0 });
    const future = await enqueue(db, {
      workspaceId: workspace,
      type,
      payload: 3,
      runAt: T0 + 10_000,
      now: T0,
    });

    expect(await claim(db, { workerId: 'w1', lockMs: 1_000, types: [type], now: T0 + 50 })).toEqual([]);
    const claimed = await claim(db, {
      workerId: 'w1',
      lockMs: 1_000,
      types: [type],
      limit: 5,
      now: T0 + 600,
    });
    expect(claimed.map((job) => job.id)).toEqual([sooner.job.id, later.job.id]);
    // The lease ends lockMs after the claim: 600 + 1 000.
    expect(claimed[0]).toMatchObject({
      status: 'running',
      attempts: 1,
      lockedBy: 'w1',
      lockedUntil: T0 + 1_600,
    });
    expect((await getJob(db, workspace, future.job.id))?.status).toBe('queued');
    expect(
      await claim(db, { workerId: 'w2', lockMs: 1_000, types: ['other.type'], now: T0 + 20_000 }),
    ).toEqual([]);
  });

  it('hands a job whose lease expired to another worker, and the old claim can no longer act', async () => {
    const { db } = getDb();
    const workspace = await workspaceId();
    const type = uniqueType();
    await enqueue(db, { workspaceId: workspace, type, payload: {}, now: T0 });
    const [first] = await claim(db, { workerId: 'crashed', lockMs: 1_000, types: [type], now: T0 });
    if (first === undefined) throw new Error('expected a claim');
    // Still leased at T0 + 999 (lease ends at T0 + 1 000).
    expect(await claim(db, { workerId: 'w2', lockMs: 1_000, types: [type], now: T0 + 999 })).toEqual([]);
    const [second] = await claim(db, { workerId: 'w2', lockMs: 1_000, types: [type], now: T0 + 1_000 });
    expect(second).toMatchObject({ id: first.id, attempts: 2, lockedBy: 'w2' });

    await expect(complete(db, first, { now: T0 + 1_100 })).rejects.toBeInstanceOf(JobLeaseLostError);
    await expect(fail(db, first, new Error('late'), { now: T0 + 1_100 })).rejects.toBeInstanceOf(
      JobLeaseLostError,
    );
    expect(await extendLease(db, first, 1_000, { now: T0 + 1_100 })).toBeNull();
    if (second === undefined) throw new Error('expected a claim');
    expect(await extendLease(db, second, 5_000, { now: T0 + 1_100 })).toBe(T0 + 6_100);
    await complete(db, second, { now: T0 + 1_200 });
    expect(await getJob(db, workspace, first.id)).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      lockedBy: null,
      lockedUntil: null,
      finishedAt: T0 + 1_200,
    });
  });

  it('retries a failed job with exponential backoff, then marks it dead', async () => {
    const { db } = getDb();
    const workspace = await workspaceId();
    const type = uniqueType();
    const { job } = await enqueue(db, { workspaceId: workspace, type, payload: {}, maxAttempts: 3, now: T0 });
    const backoff = { baseMs: 100 };
    const claimAt = async (now: number) => {
      const [claimed] = await claim(db, { workerId: 'w', lockMs: 10_000, types: [type], now });
      if (claimed === undefined) throw new Error(`nothing to claim at T0 + ${now - T0}`);
      return claimed;
    };

    // Attempt 1 fails at T0 → retry after 100·2^0 = 100 ms.
    expect(await fail(db, await claimAt(T0), new Error('boom 1'), { now: T0, backoff })).toBe('queued');
    expect(await getJob(db, workspace, job.id)).toMatchObject({
      status: 'queued',
      runAt: T0 + 100,
      attempts: 1,
    });
    expect(await claim(db, { workerId: 'w', lockMs: 10_000, types: [type], now: T0 + 99 })).toEqual([]);
    // Attempt 2 fails at T0 + 100 → retry after 100·2^1 = 200 ms, at T0 + 300.
    expect(await fail(db, await claimAt(T0 + 100), new Error('boom 2'), { now: T0 + 100, backoff })).toBe(
      'queued',
    );
    expect((await getJob(db, workspace, job.id))?.runAt).toBe(T0 + 300);
    // Attempt 3 of 3 fails: dead, never claimed again.
    expect(await fail(db, await claimAt(T0 + 300), new Error('boom 3'), { now: T0 + 300, backoff })).toBe(
      'dead',
    );
    const dead = await getJob(db, workspace, job.id);
    expect(dead).toMatchObject({ status: 'dead', attempts: 3, finishedAt: T0 + 300 });
    expect(dead?.lastError).toContain('boom 3');
    expect(await claim(db, { workerId: 'w', lockMs: 10_000, types: [type], now: T0 + 10 ** 9 })).toEqual([]);
  });

  it('marks dead a job whose worker vanished during its last attempt', async () => {
    const { db } = getDb();
    const workspace = await workspaceId();
    const type = uniqueType();
    const { job } = await enqueue(db, { workspaceId: workspace, type, payload: {}, maxAttempts: 1, now: T0 });
    expect(await claim(db, { workerId: 'gone', lockMs: 1_000, types: [type], now: T0 })).toHaveLength(1);
    expect(await claim(db, { workerId: 'w2', lockMs: 1_000, types: [type], now: T0 + 1_000 })).toEqual([]);
    const dead = await getJob(db, workspace, job.id);
    expect(dead).toMatchObject({ status: 'dead', attempts: 1, lockedBy: null, finishedAt: T0 + 1_000 });
    expect(dead?.lastError).toMatch(/Lease expired/);
  });

  it('commits an effect together with the completion, or neither', async () => {
    const { db } = getDb();
    const workspace = await workspaceId();
    const type = uniqueType();
    const { job } = await enqueue(db, { workspaceId: workspace, type, payload: {}, now: T0 });
    const [claimed] = await claim(db, { workerId: 'w', lockMs: 1_000, types: [type], now: T0 });
    if (claimed === undefined) throw new Error('expected a claim');

    const failing = completeWith(
      db,
      claimed,
      async (trx) => {
        await trx
          .withTables<{ test_effect: EffectTable }>()
          .insertInto('test_effect')
          .values({ workspace_id: workspace, job_id: job.id, note: 'first' })
          .execute();
        throw new Error('effect failed half-way');
      },
      { now: T0 + 10 },
    );
    await expect(failing).rejects.toThrow('effect failed half-way');
    expect(
      await effects().selectFrom('test_effect').selectAll().where('job_id', '=', job.id).execute(),
    ).toEqual([]);
    expect((await getJob(db, workspace, job.id))?.status).toBe('running');

    await completeWith(
      db,
      claimed,
      (trx) =>
        trx
          .withTables<{ test_effect: EffectTable }>()
          .insertInto('test_effect')
          .values({ workspace_id: workspace, job_id: job.id, note: 'second' })
          .execute(),
      { now: T0 + 20 },
    );
    expect(
      await effects().selectFrom('test_effect').select('note').where('job_id', '=', job.id).execute(),
    ).toEqual([{ note: 'second' }]);
    expect(await getJob(db, workspace, job.id)).toMatchObject({ status: 'succeeded', finishedAt: T0 + 20 });
  });

  it('rolls the effect back when the claim was taken over', async () => {
    const { db } = getDb();
    const workspace = await workspaceId();
    const type = uniqueType();
    const { job } = await enqueue(db, { workspaceId: workspace, type, payload: {}, now: T0 });
    const [stale] = await claim(db, { workerId: 'slow', lockMs: 100, types: [type], now: T0 });
    await claim(db, { workerId: 'fast', lockMs: 100, types: [type], now: T0 + 100 });
    if (stale === undefined) throw new Error('expected a claim');
    let effectRan = false;
    const attempt = completeWith(db, stale, async (trx) => {
      effectRan = true;
      await trx
        .withTables<{ test_effect: EffectTable }>()
        .insertInto('test_effect')
        .values({ workspace_id: workspace, job_id: job.id, note: 'stale' })
        .execute();
    });
    await expect(attempt).rejects.toBeInstanceOf(JobLeaseLostError);
    // The completion is checked before the effect runs, so a stale claim never even starts it.
    expect(effectRan).toBe(false);
    expect(
      await effects().selectFrom('test_effect').selectAll().where('job_id', '=', job.id).execute(),
    ).toEqual([]);
  });

  it("never shows or claims-for-completion another workspace's jobs through the scoped reads", async () => {
    const { db } = getDb();
    const [mine, theirs] = [await workspaceId(), await workspaceId()];
    const { job: their } = await enqueue(db, {
      workspaceId: theirs,
      type: 'x',
      payload: { secret: true },
      now: T0,
    });
    const { job: own } = await enqueue(db, { workspaceId: mine, type: 'x', payload: {}, now: T0 });
    expect(await getJob(db, mine, their.id)).toBeUndefined();
    expect((await listJobs(db, mine)).map((job) => job.id)).toEqual([own.id]);
    expect((await listJobs(db, theirs, { status: 'queued', type: 'x' })).map((job) => job.id)).toEqual([
      their.id,
    ]);
    // A lease naming the wrong workspace matches nothing, even with the right id.
    const forged = { workspaceId: mine, id: their.id, lockedBy: 'w', attempts: 0 };
    await expect(complete(db, forged)).rejects.toBeInstanceOf(JobLeaseLostError);
  });

  it('gives each job to exactly one of many concurrent claimers', async () => {
    const { db, open } = getDb();
    const workspace = await workspaceId();
    const type = uniqueType();
    const jobCount = 60;
    for (let index = 0; index < jobCount; index += 1) {
      await enqueue(db, { workspaceId: workspace, type, payload: index, now: T0 });
    }
    // Two separate connections (pools of 10 on PostgreSQL), 30 claims of up to 3 jobs in flight at once.
    const connections = [open(), open()];
    const claims = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        claim(connections[index % 2]!.db, {
          workerId: `w${index}`,
          lockMs: 60_000,
          types: [type],
          limit: 3,
          now: T0,
        }),
      ),
    );
    const claimedIds = claims.flat().map((job) => job.id);
    // 30 claims × up to 3 = 90 slots for 60 jobs: every job is claimed, none twice.
    expect(claimedIds).toHaveLength(jobCount);
    expect(new Set(claimedIds).size).toBe(jobCount);
  });
});
