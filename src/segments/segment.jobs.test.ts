/**
 * When segments are recomputed, on both engines: one waiting `segments.recompute` job per workspace
 * (requests join it, bring it forward, race to one), none for a workspace without segments; the
 * worker's run writes the events of what changed — data, or only the clock for time-relative
 * rules — and asks for the next scheduled run; an import and tracking calls ask for a run.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { DAY, seedPopulation } from '../../test/segments/population.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { scoreJobHandlers } from '../analytics/index.js';
import { requestScoreRefresh } from '../customers/index.js';
import { type Database, newId } from '../db/index.js';
import { runImport } from '../imports/index.js';
import { listJobs, Worker } from '../jobs/index.js';
import { buildApp } from '../server/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import {
  RECOMPUTE_EVERY_MS,
  requestRecomputeAfterChange,
  requestSegmentRecompute,
  SEGMENT_RECOMPUTE_JOB,
  segmentJobHandlers,
  TRACKING_RECOMPUTE_DELAY_MS,
} from './segment.jobs.js';
import { listSegmentEvents } from './segment.repository.js';
import { createSegment, getSegment } from './segment.service.js';

const NOW = Date.UTC(2025, 5, 15, 12);
const SYSTEM = { type: 'system' } as const;

async function newWorkspace(db: Kysely<Database>) {
  return createWorkspace(db, { name: 'Jobs', slug: `jobs-${newId()}` });
}

const recomputeJobs = (db: Kysely<Database>, workspaceId: number) =>
  listJobs(db, workspaceId, { type: SEGMENT_RECOMPUTE_JOB });

describeEachDatabase('segment recompute jobs', (getDb) => {
  it('keeps one waiting job a workspace: requests join it, bring it forward, and race to one', async () => {
    const { db } = getDb();
    const { workspace } = await newWorkspace(db);
    const first = await requestSegmentRecompute(db, workspace.id, {
      reason: 'schedule',
      now: NOW,
      delayMs: RECOMPUTE_EVERY_MS,
    });
    expect(first.created).toBe(true);
    expect(first.job.runAt).toBe(NOW + RECOMPUTE_EVERY_MS);
    // Later than the waiting job: joins it unchanged. Sooner: brings it forward.
    const later = await requestSegmentRecompute(db, workspace.id, {
      reason: 'tracking',
      now: NOW,
      delayMs: 2 * RECOMPUTE_EVERY_MS,
    });
    expect(later).toMatchObject({
      created: false,
      job: { id: first.job.id, runAt: NOW + RECOMPUTE_EVERY_MS },
    });
    const sooner = await requestSegmentRecompute(db, workspace.id, { reason: 'import', now: NOW + 5 });
    expect(sooner).toMatchObject({ created: false, job: { id: first.job.id, runAt: NOW + 5 } });
    expect((await recomputeJobs(db, workspace.id)).map((job) => [job.id, job.status, job.runAt])).toEqual([
      [first.job.id, 'queued', NOW + 5],
    ]);
    // Four at once, none waiting: one job.
    const { workspace: other } = await newWorkspace(db);
    const raced = await Promise.all(
      Array.from({ length: 4 }, () =>
        requestSegmentRecompute(db, other.id, { reason: 'tracking', now: NOW }),
      ),
    );
    expect(new Set(raced.map((result) => result.job.id)).size).toBe(1);
    expect(await recomputeJobs(db, other.id)).toHaveLength(1);
  });

  it('asks for nothing after a change in a workspace without segments', async () => {
    const { db } = getDb();
    const { workspace } = await newWorkspace(db);
    expect(await requestRecomputeAfterChange(db, workspace.id, { reason: 'import', now: NOW })).toBeNull();
    expect(await recomputeJobs(db, workspace.id)).toEqual([]);
  });

  it('runs: writes what changed, even when only the clock moved, then asks for the next scheduled run', async () => {
    const { db } = getDb();
    const { workspace } = await newWorkspace(db);
    const customer = await db
      .insertInto('customer')
      .values({ workspace_id: workspace.id, signed_up_at: NOW - DAY / 2, created_at: NOW, updated_at: NOW })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { segment } = await createSegment(db, {
      workspaceId: workspace.id,
      name: 'New this day',
      rule: { all: [{ field: 'signed_up_at', op: 'within_last', value: { days: 1 } }] },
      createdBy: null,
      actor: SYSTEM,
      now: NOW,
    });
    expect(segment.memberCount).toBe(1);
    const [scheduled] = await recomputeJobs(db, workspace.id);
    expect(scheduled).toMatchObject({ status: 'queued', runAt: NOW + RECOMPUTE_EVERY_MS });

    // An hour later nothing is due to change; a day later the customer is no longer new.
    let clock = NOW + RECOMPUTE_EVERY_MS;
    const worker = new Worker({ db, handlers: segmentJobHandlers, now: () => clock, pollIntervalMs: 10 });
    // (The worker also runs what other tests of this database left due.)
    await worker.drain();
    expect(await listSegmentEvents(db, workspace.id, { afterId: 0 })).toHaveLength(1);
    clock = NOW + DAY;
    await worker.drain();
    const events = await listSegmentEvents(db, workspace.id, { segmentId: segment.id });
    expect(events.map((event) => [event.kind, event.customerId, event.at])).toEqual([
      ['entered', customer.id, NOW],
      ['exited', customer.id, NOW + DAY],
    ]);
    expect((await getSegment(db, workspace.id, segment.id)).memberCount).toBe(0);
    const jobs = await recomputeJobs(db, workspace.id);
    expect(jobs.map((job) => [job.status, job.runAt])).toEqual([
      ['queued', NOW + DAY + RECOMPUTE_EVERY_MS],
      ['succeeded', NOW + 2 * RECOMPUTE_EVERY_MS],
      ['succeeded', NOW + RECOMPUTE_EVERY_MS],
    ]);
  });

  it('is asked for by a finished import, in its transaction', async () => {
    const { db } = getDb();
    const { workspace } = await newWorkspace(db);
    const { segment } = await createSegment(db, {
      workspaceId: workspace.id,
      name: 'Buyers',
      rule: { all: [{ field: 'orders_count', op: '>=', value: 1 }] },
      createdBy: null,
      actor: SYSTEM,
      now: NOW,
    });
    const directory = mkdtempSync(join(tmpdir(), 'retain-segments-'));
    const path = join(directory, 'orders.csv');
    writeFileSync(path, 'order_id,customer_id,ordered_at,amount,currency\no1,c1,2025-06-01,10.00,USD\n');
    const outcome = await runImport(db, {
      workspaceId: workspace.id,
      path,
      type: 'orders',
      now: () => NOW + 10,
    });
    expect(outcome.run.status, JSON.stringify(outcome.run.problems)).toBe('succeeded');
    // The schedule's job, brought forward to the import's end.
    expect((await recomputeJobs(db, workspace.id)).map((job) => [job.status, job.runAt])).toEqual([
      ['queued', NOW + 10],
    ]);
    const worker = new Worker({ db, handlers: segmentJobHandlers, now: () => NOW + 20 });
    await worker.drain();
    expect((await getSegment(db, workspace.id, segment.id)).memberCount).toBe(1);
  });

  it('is asked for by a score refresh that succeeded (predictions moved)', async () => {
    const { db } = getDb();
    const { workspace } = await newWorkspace(db);
    await seedPopulation(db, workspace.id, { seed: 31, size: 30, now: NOW });
    const { segment } = await createSegment(db, {
      workspaceId: workspace.id,
      name: 'At risk',
      rule: { all: [{ field: 'at_risk_score', op: 'is_set' }] },
      createdBy: null,
      actor: SYSTEM,
      now: NOW,
    });
    expect(segment.memberCount).toBe(0); // nobody scored yet
    await requestScoreRefresh(db, workspace.id, { reason: 'on_demand', now: NOW });
    // Scores run inline (no URL to open in a thread), at the test's clock.
    await new Worker({ db, handlers: scoreJobHandlers({ now: () => NOW + 5 }), now: () => NOW + 5 }).drain();
    expect((await recomputeJobs(db, workspace.id)).map((job) => [job.status, job.runAt])).toEqual([
      ['queued', NOW + 5],
    ]);
    await new Worker({ db, handlers: segmentJobHandlers, now: () => NOW + 6 }).drain();
    expect((await getSegment(db, workspace.id, segment.id)).memberCount).toBeGreaterThan(0);
  });

  it('is asked for by tracking, a minute on, for workspaces with segments only', async () => {
    const { db, dialect } = getDb();
    const track = async (writeKey: string, workspaceId: number) => {
      const app = buildApp({ db, dialect, now: () => NOW });
      const response = await app.request('/v1/track', {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
        },
        body: JSON.stringify({ userId: `u-${workspaceId}`, event: 'Viewed Product' }),
      });
      expect(response.status).toBe(200);
    };
    const without = await newWorkspace(db);
    await track(without.writeKey, without.workspace.id);
    expect(await recomputeJobs(db, without.workspace.id)).toEqual([]);

    const withSegments = await newWorkspace(db);
    await createSegment(db, {
      workspaceId: withSegments.workspace.id,
      name: 'Viewers',
      rule: { all: [{ field: 'event', op: 'done', value: 'Viewed Product' }] },
      createdBy: null,
      actor: SYSTEM,
      now: NOW,
    });
    await track(withSegments.writeKey, withSegments.workspace.id);
    expect(
      (await recomputeJobs(db, withSegments.workspace.id)).map((job) => [job.status, job.runAt]),
    ).toEqual([['queued', NOW + TRACKING_RECOMPUTE_DELAY_MS]]);
  });
});
