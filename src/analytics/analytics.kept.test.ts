/**
 * Answers that survive and are ready before they are asked (analytics-runner.ts,
 * analytics-refresh.ts), on SQLite and PostgreSQL with the CDNOW sample imported: an answer one
 * runner computed is found by another (a restart, a `retain worker` process) without computing;
 * after a change, `Cache-Control: max-stale` gets the last answer at once, marked stale, while a
 * fresh one is computed — and a request without it gets fresh numbers; the `analytics.refresh` job
 * an import enqueues computes the overview's default answers before the first visit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyticsTestApp } from '../../test/support/analytics-app.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { loadCdnowSampleTransactions } from '../../test/support/fixtures.js';
import { upsertOrders } from '../customers/index.js';
import { newId } from '../db/index.js';
import { runImport } from '../imports/index.js';
import { Worker } from '../jobs/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { ANALYTICS_REFRESH_JOB_TYPE, analyticsJobHandlers } from './analytics-refresh.js';
import { AnalyticsRunner } from './analytics-runner.js';
import { maxStaleMs } from './overview.routes.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-analytics-kept-'));
const CDNOW_CSV = join(directory, 'cdnow-sample.csv');
writeFileSync(
  CDNOW_CSV,
  [
    'customer_id,order_id,ordered_at,amount',
    ...loadCdnowSampleTransactions().map(
      (row, line) => `${row.customerId},s${line + 1},${row.date},${row.dollars}`,
    ),
  ].join('\n'),
);
const runners: AnalyticsRunner[] = [];
afterAll(async () => {
  for (const runner of runners) await runner.close();
  rmSync(directory, { recursive: true, force: true });
});

describeEachDatabase('analytics answers kept, stored and refreshed', (getDb) => {
  const runnerOf = () => {
    const runner = new AnalyticsRunner({ databaseUrl: getDb().url, workers: 1 });
    runners.push(runner);
    return runner;
  };
  const cdnowWorkspace = async () => {
    const { db } = getDb();
    const { workspace } = await createWorkspace(db, { name: 'Kept', slug: `kept-${newId()}` });
    const imported = await runImport(db, { workspaceId: workspace.id, path: CDNOW_CSV, type: 'orders' });
    expect(imported.run.status).toBe('succeeded');
    return workspace.id;
  };
  /** Apps whose clock moves one second per read (one clock for all), so each computation has its own `computedAt`. */
  let clock = Date.UTC(2026, 0, 1);
  const appOf = (workspaceId: number, runner: AnalyticsRunner) =>
    analyticsTestApp(getDb(), workspaceId, { runner, now: () => (clock += 1_000) });
  const newOrder = async (workspaceId: number, externalId: string, orderedAt = Date.UTC(1998, 5, 30)) => {
    const { db } = getDb();
    await upsertOrders(db, workspaceId, [
      {
        externalId,
        customerExternalId: '00001',
        orderedAt,
        currency: 'USD',
        amountCents: 1_234,
      },
    ]);
  };

  it('finds an answer another runner computed (a restart, another process), without computing', async () => {
    const workspaceId = await cdnowWorkspace();
    const first = runnerOf();
    const computed = await appOf(workspaceId, first).request('/api/v1/analytics/overview?period=quarter');
    expect(computed.status).toBe(200);
    const text = await computed.text();
    expect(first.stats.started).toBe(1);

    const restarted = runnerOf();
    const again = await appOf(workspaceId, restarted).request('/api/v1/analytics/overview?period=quarter');
    expect(await again.text()).toBe(text);
    expect(restarted.stats).toMatchObject({ started: 0, workers: 0 });

    // Once the data changes, the stored answer no longer holds: computed again.
    await newOrder(workspaceId, 'late-1');
    const changed = await appOf(workspaceId, restarted).request('/api/v1/analytics/overview?period=quarter');
    expect(await changed.text()).not.toBe(text);
    expect(restarted.stats.started).toBe(1);
  });

  it('serves the last answer at once under max-stale after a change, marked stale, and recomputes it meanwhile', async () => {
    const workspaceId = await cdnowWorkspace();
    const runner = runnerOf();
    const app = appOf(workspaceId, runner);
    const overview = (cacheControl?: string) =>
      app.request('/api/v1/analytics/overview', {
        headers: cacheControl === undefined ? {} : { 'Cache-Control': cacheControl },
      });
    const before = await overview();
    const beforeText = await before.text();
    expect(before.headers.get('retain-stale')).toBeNull();
    // Unchanged data: fresh whatever the header says.
    const unchanged = await overview('max-stale');
    expect(await unchanged.text()).toBe(beforeText);
    expect(unchanged.headers.get('retain-stale')).toBeNull();
    expect(runner.stats.started).toBe(1);

    await newOrder(workspaceId, 'late-2');
    const stale = await overview('max-stale');
    expect(await stale.text()).toBe(beforeText);
    expect(stale.headers.get('retain-stale')).toBe('true');
    // The app's clock moved one second per request since the answer was computed.
    expect(Number(stale.headers.get('age'))).toBeGreaterThanOrEqual(1);
    // The recomputation runs in the background; the next request finds it.
    expect(runner.stats.refreshing).toBe(1);
    await runner.whenRefreshed();
    expect(runner.stats.started).toBe(2);
    const fresh = await overview();
    const freshText = await fresh.text();
    expect(freshText).not.toBe(beforeText);
    expect(fresh.headers.get('retain-stale')).toBeNull();
    expect(runner.stats.started).toBe(2);
    expect(
      (JSON.parse(freshText) as { current: { kpis: { orders: number } } }).current.kpis.orders,
    ).toBeGreaterThanOrEqual(0);

    // Without the header, or past the staleness it accepts, a change is computed before answering.
    await newOrder(workspaceId, 'late-3');
    const plain = await overview();
    expect(plain.headers.get('retain-stale')).toBeNull();
    expect(await plain.text()).not.toBe(freshText);
    expect(runner.stats.started).toBe(3);
    await newOrder(workspaceId, 'late-4');
    const tooOld = await overview('max-stale=0');
    expect(tooOld.headers.get('retain-stale')).toBeNull();
    expect(runner.stats.started).toBe(4);
  });

  it('never answers as fresh a computation that began before the data changed (an import landing while the overview computes)', async () => {
    const workspaceId = await cdnowWorkspace();
    const runner = runnerOf();
    const app = appOf(workspaceId, runner);
    const overview = (cacheControl?: string) =>
      app.request('/api/v1/analytics/overview', {
        headers: cacheControl === undefined ? {} : { 'Cache-Control': cacheControl },
      });
    // The worker started, its code loaded and the workspace's data read (another range: the
    // at-risk points of the default month's trend are not among its own).
    const range = await app.request('/api/v1/analytics/overview?from=1997-01-01&to=1997-03-31');
    expect(range.status).toBe(200);
    // The first visit (the dashboard asks with max-stale): its computation starts in the worker,
    // reads the data's version and the data (kept from the range's), then fits for seconds…
    const first = overview('max-stale');
    while (runner.stats.running === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    await new Promise((resolve) => setTimeout(resolve, 300));
    // …and meanwhile an order of the default month (May 1998, the last complete one) lands; the
    // page is reloaded and asks again.
    await newOrder(workspaceId, 'while-computing', Date.UTC(1998, 4, 15));
    const after = await overview('max-stale');
    expect(after.status).toBe(200);
    const afterText = await after.text();
    expect((await first).status).toBe(200);
    await runner.whenRefreshed();
    // The numbers of the data with the new order: asked without max-stale, always fresh.
    const fresh = await overview();
    expect(fresh.headers.get('retain-stale')).toBeNull();
    const withoutInstant = (text: string) => ({ ...(JSON.parse(text) as object), computedAt: null });
    const freshAnswer = withoutInstant(await fresh.text());
    if (after.headers.get('retain-stale') === 'true') {
      expect(withoutInstant(afterText)).not.toEqual(freshAnswer);
    } else {
      // Answered as fresh: then computed from the data with the new order, not joined to the
      // computation of the data before it.
      expect(withoutInstant(afterText)).toEqual(freshAnswer);
    }
    // Either way the dashboard's next ask (it re-asks while stale) gets them, fresh.
    const next = await overview('max-stale');
    expect(next.headers.get('retain-stale')).toBeNull();
    expect(withoutInstant(await next.text())).toEqual(freshAnswer);
  });

  it('finishes an overview that outlasts its request in the background, for the next request', async () => {
    const workspaceId = await cdnowWorkspace();
    const runner = new AnalyticsRunner({ databaseUrl: getDb().url, workers: 1, timeoutMs: 50 });
    runners.push(runner);
    const app = appOf(workspaceId, runner);
    const first = await app.request('/api/v1/analytics/overview?period=year');
    expect(first.status).toBe(503);
    expect(((await first.json()) as { error: { message: string } }).error.message).toMatch(
      /still being computed and will be ready shortly/,
    );
    expect(runner.stats.refreshing).toBe(1);
    await runner.whenRefreshed();
    const next = await app.request('/api/v1/analytics/overview?period=year');
    expect(next.status).toBe(200);
    expect(runner.stats).toMatchObject({ started: 1, recycled: 0 });
  });

  it('the analytics.refresh job an import enqueues computes the default answers before the first visit', async () => {
    const { db } = getDb();
    const workspaceId = await cdnowWorkspace();
    const queued = await db
      .selectFrom('job')
      .select(['type', 'status'])
      .where('workspace_id', '=', workspaceId)
      .where('type', '=', ANALYTICS_REFRESH_JOB_TYPE)
      .execute();
    expect(queued).toEqual([{ type: ANALYTICS_REFRESH_JOB_TYPE, status: 'queued' }]);
    // A re-import that changes nothing enqueues no second refresh.
    await runImport(db, { workspaceId, path: CDNOW_CSV, type: 'orders' });
    const jobs = () =>
      db
        .selectFrom('job')
        .select('status')
        .where('workspace_id', '=', workspaceId)
        .where('type', '=', ANALYTICS_REFRESH_JOB_TYPE)
        .execute();
    expect(await jobs()).toHaveLength(1);

    const runner = runnerOf();
    const worker = new Worker({ db, handlers: analyticsJobHandlers(runner) });
    expect(await worker.drain()).toBeGreaterThanOrEqual(1);
    expect((await jobs()).map((job) => job.status)).toEqual(['succeeded']);
    const computed = runner.stats.started;
    expect(computed).toBeGreaterThanOrEqual(3);

    // The first visit, by the server's runner or another's: no computation.
    const server = runnerOf();
    const app = appOf(workspaceId, server);
    for (const period of ['month', 'quarter', 'year']) {
      const response = await app.request(`/api/v1/analytics/overview?period=${period}`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { period: string }).period).toBe(period);
    }
    expect((await app.request('/api/v1/analytics/overview')).status).toBe(200);
    expect(server.stats.started).toBe(0);
  });
});

describe('maxStaleMs (Cache-Control, RFC 9111 §5.2.1.2)', () => {
  it('reads max-stale with or without seconds among other directives, case-insensitively', () => {
    expect(maxStaleMs(undefined)).toBeUndefined();
    expect(maxStaleMs('no-cache')).toBeUndefined();
    expect(maxStaleMs('max-stale')).toBe(Number.POSITIVE_INFINITY);
    expect(maxStaleMs('no-cache, Max-Stale=600')).toBe(600_000);
    expect(maxStaleMs('max-stale="30"')).toBe(30_000);
    expect(maxStaleMs('max-stale=0')).toBe(0);
    // Malformed: accepts nothing stale.
    expect(maxStaleMs('max-stale=-1')).toBeUndefined();
    expect(maxStaleMs('max-stale=soon')).toBeUndefined();
  });
});
