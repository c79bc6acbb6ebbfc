/**
 * How the analytics routes use their worker pool (analytics-runner.ts), on SQLite and PostgreSQL,
 * with the CDNOW sample imported: identical requests arriving while their job waits share it; an
 * answer is kept until the data or the settings change (the overview's `computedAt` shows which
 * answer came back), checked without a job; a request past its timeout answers 503 and the worker computing it is
 * replaced; a client that goes away stops its job, queued or running.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { analyticsTestApp } from '../../test/support/analytics-app.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { loadCdnowSampleTransactions } from '../../test/support/fixtures.js';
import { upsertOrders } from '../customers/index.js';
import { newId, toJson } from '../db/index.js';
import { runImport } from '../imports/index.js';
import { serveApp } from '../server/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { AnalyticsRunner } from './analytics-runner.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-analytics-pool-'));
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

describeEachDatabase('analytics in the worker pool', (getDb) => {
  /** A runner of one worker on this database (its own counts), closed after the file. */
  const runnerOf = (options: { timeoutMs?: number } = {}) => {
    const runner = new AnalyticsRunner({ databaseUrl: getDb().url, workers: 1, ...options });
    runners.push(runner);
    return runner;
  };
  const cdnowWorkspace = async () => {
    const { db } = getDb();
    const { workspace } = await createWorkspace(db, { name: 'Pool', slug: `pool-${newId()}` });
    const imported = await runImport(db, { workspaceId: workspace.id, path: CDNOW_CSV, type: 'orders' });
    expect(imported.run.status).toBe('succeeded');
    return workspace.id;
  };
  /** The app with a clock that moves one second per read, so each computation has its own `computedAt`. */
  const appOf = (workspaceId: number, runner: AnalyticsRunner) => {
    let clock = Date.UTC(2026, 0, 1);
    return analyticsTestApp(getDb(), workspaceId, { runner, now: () => (clock += 1_000) });
  };

  it('shares one job among identical requests that wait for it, and keeps the answer until the data changes', async () => {
    const workspaceId = await cdnowWorkspace();
    const runner = runnerOf();
    const app = appOf(workspaceId, runner);
    const busy = app.request('/api/v1/analytics/at-risk?limit=1'); // keeps the one worker busy
    const overview = () => app.request('/api/v1/analytics/overview');
    const answers = await Promise.all(Array.from({ length: 5 }, overview));
    expect((await busy).status).toBe(200);
    const texts = await Promise.all(answers.map((answer) => answer.text()));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(texts).size).toBe(1);
    // Two jobs: the at-risk one, then one for the five overview requests.
    expect(runner.stats).toMatchObject({ started: 2, queued: 0, running: 0 });
    const first = JSON.parse(texts[0]!) as { computedAt: string };

    // Unchanged data: the kept answer, its computedAt included, after a version check on the
    // server's thread (two primary-key reads): no job at all.
    const again = await (await overview()).text();
    expect(again).toBe(texts[0]);
    expect(runner.stats.started).toBe(2);

    // A new order changes the data's version: computed again, at a later instant.
    const { db } = getDb();
    const customer = await db
      .selectFrom('customer')
      .select('external_id')
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirstOrThrow();
    const at = Date.UTC(1998, 5, 30);
    await upsertOrders(db, workspaceId, [
      {
        externalId: 'late-order',
        customerExternalId: customer.external_id!,
        orderedAt: at,
        currency: 'USD',
        amountCents: 1_234,
        source: 'test',
      },
    ]);
    const afterOrder = JSON.parse(await (await overview()).text()) as { computedAt: string };
    expect(afterOrder.computedAt > first.computedAt).toBe(true);

    // So does a change of the workspace's settings.
    await db
      .updateTable('workspace')
      .set({ settings: toJson({ activityWindowDays: 90 }) })
      .where('id', '=', workspaceId)
      .execute();
    const afterSettings = JSON.parse(await (await overview()).text()) as {
      computedAt: string;
      windowDays: number;
    };
    expect(afterSettings.windowDays).toBe(90);
    expect(afterSettings.computedAt > afterOrder.computedAt).toBe(true);
  });

  it('answers 503 past the timeout and terminates the worker computing the request', async () => {
    const workspaceId = await cdnowWorkspace();
    const runner = runnerOf({ timeoutMs: 100 });
    const response = await appOf(workspaceId, runner).request('/api/v1/analytics/at-risk');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('30');
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
      'The analytics computation took longer than 0.1 s and was stopped: ask for a shorter range or a longer period, or try again when the server is less busy.',
    );
    expect(runner.stats).toMatchObject({ recycled: 1, running: 0, workers: 0 });
  });

  it('stops the job of a client that went away, queued or running', async () => {
    const workspaceId = await cdnowWorkspace();
    const runner = runnerOf();
    const app = appOf(workspaceId, runner);
    const url = 'http://localhost/api/v1/analytics';
    // Queued behind another job: dropped, never started.
    const busy = app.request(`${url}/at-risk?limit=2`);
    const leaving = new AbortController();
    const queued = app.request(new Request(`${url}/clv?limit=3`, { signal: leaving.signal }));
    leaving.abort();
    expect((await queued).status).toBe(503);
    expect((await busy).status).toBe(200);
    expect(runner.stats).toMatchObject({ started: 1, recycled: 0 });
    // Running: its worker is terminated (and replaced by the next job).
    const gone = new AbortController();
    const running = app.request(new Request(`${url}/at-risk?limit=4`, { signal: gone.signal }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    gone.abort();
    expect((await running).status).toBe(503);
    expect(runner.stats).toMatchObject({ started: 2, recycled: 1 });
    expect((await app.request(`${url}/retention`)).status).toBe(200);
  });

  it('stops the job when the HTTP client disconnects (the abort signal of @hono/node-server)', async () => {
    const workspaceId = await cdnowWorkspace();
    const runner = runnerOf();
    const server = await serveApp(appOf(workspaceId, runner), { port: 0, hostname: '127.0.0.1' });
    try {
      const client = new AbortController();
      const request = fetch(`http://127.0.0.1:${server.port}/api/v1/analytics/at-risk`, {
        signal: client.signal,
      });
      while (runner.stats.running === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      client.abort();
      await expect(request).rejects.toThrow();
      // The server sees the socket close, the request's signal aborts, the worker is terminated.
      while (runner.stats.recycled === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(runner.stats).toMatchObject({ running: 0, started: 1, recycled: 1 });
    } finally {
      await server.close();
    }
  });
});
