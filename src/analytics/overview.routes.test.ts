/**
 * `GET /analytics/overview` serves the numbers the other analytics endpoints (and `retain analyze`)
 * give for the same range — never figures of its own: on the CDNOW sample imported through the
 * import service, each KPI of the chosen period and of the period before is compared with the
 * retention, series, clv and at-risk answers for the same dates and with the core's report of the
 * same file; subscriptions with the mrr endpoint. On SQLite and PostgreSQL.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { analyticsTestApp } from '../../test/support/analytics-app.js';
import { describeEachDatabase, type TestDatabase } from '../../test/support/databases.js';
import { fixturePath, loadCdnowSampleTransactions } from '../../test/support/fixtures.js';
import type { Role } from '../auth/index.js';
import { analyzeOrders, type OrderTable } from '../core/index.js';
import { formatCsvIssue, readOrdersCsv } from '../csv/index.js';
import type { Database, WorkspaceSettings } from '../db/index.js';
import type { AppEnv } from '../http/index.js';
import { runImport } from '../imports/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { atRiskReport, clvReport } from './analytics.service.js';
import type { AnalyticsRunner } from './analytics-runner.js';
import type { OverviewReport } from './overview.service.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-overview-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** The CDNOW sample transaction log (test/fixtures/README.md) as a generic orders file. */
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
const STRIPE = fixturePath('exports/stripe-subscriptions.csv');

/**
 * The analytics routes for a fixed caller, computed as `retain start` computes them: in the
 * database's analytics worker (pass `new AnalyticsRunner()` to compute on this thread instead).
 */
function appFor(
  database: TestDatabase,
  workspaceId: number,
  role: Role = 'analyst',
  runner?: AnalyticsRunner,
): OpenAPIHono<AppEnv> {
  return analyticsTestApp(database, workspaceId, { role, now: Date.now, ...(runner ? { runner } : {}) });
}

async function getJson<Body>(app: OpenAPIHono<AppEnv>, path: string): Promise<Body> {
  const response = await app.request(path);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Body;
}

let slugs = 0;
async function importedWorkspace(
  db: Kysely<Database>,
  file: string,
  type: 'orders' | 'subscriptions',
  settings: Partial<WorkspaceSettings> = {},
): Promise<number> {
  slugs++;
  const { workspace } = await createWorkspace(db, {
    name: 'Overview test',
    slug: `overview-${slugs}-${Math.random().toString(36).slice(2, 8)}`,
    settings,
  });
  const outcome = await runImport(db, { workspaceId: workspace.id, path: file, type, format: 'auto' });
  expect(outcome.run.status).toBe('succeeded');
  return workspace.id;
}

async function readTable(file: string): Promise<OrderTable> {
  const read = await readOrdersCsv(file, { timeZone: 'UTC' });
  if (!read.ok) throw new Error(read.error.map(formatCsvIssue).join('\n'));
  return read.value.table;
}

/** Midnight UTC of a `YYYY-MM-DD` date, `days` later. */
const midnight = (date: string, days = 0) => Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;

type Range = NonNullable<OverviewReport['previous']>;

/**
 * Every KPI of `range` against the endpoint or core function that defines it, for the same dates:
 * retention (CRR with S, E, N, the rates, active and new customers), the core's order report
 * (`retain analyze --from --to`), the clv endpoint's predictions (their mean) and the at-risk
 * endpoint's scores (active customers at or above the threshold, and their revenue in the window).
 */
async function expectRangeAgrees(
  db: Kysely<Database>,
  workspaceId: number,
  app: OpenAPIHono<AppEnv>,
  table: OrderTable,
  range: Range,
  threshold: number,
) {
  const { kpis } = range;
  const query = `from=${range.from}&to=${range.to}`;
  const { retention } = await getJson<{ retention: Record<string, number | null> }>(
    app,
    `/api/v1/analytics/retention?${query}`,
  );
  expect({
    crr: kpis.crr,
    S: kpis.S,
    E: kpis.E,
    N: kpis.N,
    retentionRate: kpis.retentionRate,
    churnRate: kpis.churnRate,
  }).toEqual({
    crr: retention.crr,
    S: retention.S,
    E: retention.E,
    N: retention.N,
    retentionRate: retention.retentionRate,
    churnRate: retention.churnRate,
  });
  expect(kpis.activeCustomers).toBe(retention.E);
  expect(kpis.newCustomers).toBe(retention.N);

  const start = midnight(range.from);
  const end = midnight(range.to, 1);
  const report = analyzeOrders(table, { from: start, to: end, timeZone: 'UTC' });
  expect({
    revenue: kpis.revenue,
    orders: kpis.orders,
    averageOrderValue: kpis.averageOrderValue,
    repeatPurchaseRate: kpis.repeatPurchaseRate,
  }).toEqual({
    revenue: report.orders!.revenue,
    orders: report.orders!.orders,
    averageOrderValue: report.orders!.averageOrderValue,
    repeatPurchaseRate: report.orders!.repeatPurchaseRate,
  });

  const clv = await clvReport(db, workspaceId, { to: range.to }, { limit: 1_000_000, offset: 0 });
  const values = clv.customers.items.flatMap((item) => (item.clv === null ? [] : [item.clv]));
  expect(values.length).toBeGreaterThan(0);
  expect(kpis.averagePredictedClv).toBeCloseTo(
    values.reduce((sum, value) => sum + value, 0) / values.length,
    9,
  );

  const scored = await atRiskReport(db, workspaceId, { to: range.to }, 1_000_000);
  const atRisk = scored.customers.filter(
    (customer) =>
      customer.score >= threshold &&
      customer.daysSinceLastOrder !== null &&
      // Active: a purchase day in the 365 local days before the range's end, i.e. at most 364 days
      // before its last day, from which the at-risk endpoint counts (metrics.md §1).
      customer.daysSinceLastOrder < 365,
  );
  expect(kpis.customersAtRisk).toBe(atRisk.length);
  expect(atRisk.length).toBeGreaterThan(0);
  // Their net revenue over the 365 days before the range's end, summed from the file itself.
  const flagged = new Set(atRisk.map((customer) => customer.externalId));
  let cents = 0;
  for (let row = 0; row < table.length; row++) {
    const at = table.orderedAt[row]!;
    if (flagged.has(table.customerIds[table.customer[row]!]!) && at >= end - 365 * 86_400_000 && at < end) {
      cents += table.amountCents[row]!;
    }
  }
  expect(kpis.revenueAtRisk).toBeCloseTo(cents / 100, 6);
}

describeEachDatabase('GET /analytics/overview', (getDb) => {
  let cdnow: number;
  let table: OrderTable;
  beforeAll(async () => {
    cdnow = await importedWorkspace(getDb().db, CDNOW_CSV, 'orders');
    table = await readTable(CDNOW_CSV);
  }, 60_000);

  it('serves the last complete month and the month before with the other endpoints’ numbers', async () => {
    const { db } = getDb();
    const app = appFor(getDb(), cdnow);
    const overview = await getJson<OverviewReport>(app, '/api/v1/analytics/overview');
    // The sample's last order is on 1998-06-30 (its first instant), so June is not complete.
    expect(overview).toMatchObject({
      timeZone: 'UTC',
      currency: 'USD',
      windowDays: 365,
      period: 'month',
      mode: 'transactional',
      dataStart: '1997-01-01',
      dataEnd: '1998-06-30',
      hasOrders: true,
      hasSubscriptions: false,
      current: { from: '1998-05-01', to: '1998-05-31', label: '1998-05', complete: true },
      previous: { from: '1998-04-01', to: '1998-04-30', label: '1998-04', complete: true },
      notes: [],
    });
    expect(overview.current.kpis).toMatchObject({ mrr: null, nrr: null, grr: null });
    await expectRangeAgrees(db, cdnow, app, table, overview.current, overview.atRiskThreshold);
    await expectRangeAgrees(db, cdnow, app, table, overview.previous!, overview.atRiskThreshold);

    // The retention trend is the series endpoint up to the range's end; the at-risk trend's points
    // are the KPI at each period's end.
    const { series } = await getJson<{ series: { label: string; crr: number | null; S: number }[] }>(
      app,
      '/api/v1/analytics/series?period=month&to=1998-05-31',
    );
    expect(overview.trends.retention.map(({ label, crr, S }) => ({ label, crr, S }))).toEqual(
      series.slice(-24).map(({ label, crr, S }) => ({ label, crr, S })),
    );
    expect(overview.trends.atRisk.map((point) => point.label)).toEqual(
      series.slice(-12).map((entry) => entry.label),
    );
    expect(overview.trends.atRisk.at(-1)!.customersAtRisk).toBe(overview.current.kpis.customersAtRisk);
    expect(overview.trends.atRisk.at(-2)!.customersAtRisk).toBe(overview.previous!.kpis.customersAtRisk);
  }, 120_000);

  it('takes a custom range, compares it with as many days just before, and a quarter with the quarter before', async () => {
    const { db } = getDb();
    const app = appFor(getDb(), cdnow);
    const custom = await getJson<OverviewReport>(
      app,
      '/api/v1/analytics/overview?from=1998-01-15&to=1998-02-20',
    );
    expect(custom.current).toMatchObject({ from: '1998-01-15', to: '1998-02-20', label: null });
    // 37 days before 15 January: 9 December … 14 January.
    expect(custom.previous).toMatchObject({ from: '1997-12-09', to: '1998-01-14', label: null });
    await expectRangeAgrees(db, cdnow, app, table, custom.current, custom.atRiskThreshold);

    const quarter = await getJson<OverviewReport>(
      app,
      '/api/v1/analytics/overview?period=quarter&from=1998-01-01&to=1998-03-31',
    );
    expect(quarter.current).toMatchObject({ label: '1998-Q1' });
    expect(quarter.previous).toMatchObject({ from: '1997-10-01', to: '1997-12-31', label: '1997-Q4' });
    await expectRangeAgrees(db, cdnow, app, table, quarter.previous!, quarter.atRiskThreshold);

    // The first month has no month before it in the data.
    const first = await getJson<OverviewReport>(
      app,
      '/api/v1/analytics/overview?from=1997-01-01&to=1997-01-31',
    );
    expect(first.previous).toBeNull();
  }, 120_000);

  it('answers a repeated query from its cache until the data changes', async () => {
    const { db } = getDb();
    const app = appFor(getDb(), cdnow);
    const query = '/api/v1/analytics/overview?period=year';
    const first = await getJson<OverviewReport>(app, query);
    expect(first.current).toMatchObject({ from: '1997-01-01', to: '1997-12-31', label: '1997' });
    const again = await getJson<OverviewReport>(app, query);
    expect(again).toEqual(first);

    const path = join(directory, `late-${Math.random().toString(36).slice(2, 8)}.csv`);
    writeFileSync(path, 'customer_id,order_id,ordered_at,amount\n99999,late-1,1997-12-31,10.00\n');
    await runImport(db, { workspaceId: cdnow, path, type: 'orders', format: 'auto' });
    const changed = await getJson<OverviewReport>(app, query);
    expect(changed.computedAt >= first.computedAt).toBe(true);
    expect(changed.current.kpis.orders).toBe(first.current.kpis.orders! + 1);
    expect(changed.current.kpis.newCustomers).toBe(first.current.kpis.newCustomers + 1);
  }, 120_000);

  it('adds MRR, NRR and GRR of the month from the subscriptions, as the mrr endpoint gives them', async () => {
    const { db } = getDb();
    const workspaceId = await importedWorkspace(db, STRIPE, 'subscriptions');
    const app = appFor(getDb(), workspaceId);
    const { mrr } = await getJson<{
      mrr: { movements: { month: string; mrrEnd: number; nrr: number | null; grr: number | null }[] };
    }>(app, '/api/v1/analytics/mrr');
    const overview = await getJson<OverviewReport>(app, '/api/v1/analytics/overview');
    expect(overview).toMatchObject({ mode: 'subscription', hasOrders: false, hasSubscriptions: true });
    const month = mrr.movements.find((movement) => movement.month === overview.current.label)!;
    expect(month).toBeDefined();
    expect(overview.current.kpis).toMatchObject({
      mrr: month.mrrEnd,
      nrr: month.nrr,
      grr: month.grr,
      revenue: null,
      averagePredictedClv: null,
      customersAtRisk: null,
    });
    const { retention } = await getJson<{ retention: { crr: number | null; S: number; E: number } }>(
      app,
      `/api/v1/analytics/retention?mode=subscription&from=${overview.current.from}&to=${overview.current.to}`,
    );
    expect(overview.current.kpis).toMatchObject({ crr: retention.crr, S: retention.S, E: retention.E });
  }, 60_000);

  it('answers 400 naming the field, 403 to the agent role and 404 without data', async () => {
    const { db } = getDb();
    const app = appFor(getDb(), cdnow);
    for (const [query, field] of [
      ['from=1998-01-01', 'to'],
      ['to=1998-01-01', 'from'],
      ['from=1998-02-30&to=1998-03-01', 'from'],
      ['from=1998-03-01&to=1998-02-01', 'to'],
      ['period=week', 'period'],
    ] as const) {
      const response = await app.request(`/api/v1/analytics/overview?${query}`);
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as { error: { issues: { path: string[] }[] } };
      expect(body.error.issues[0]!.path).toEqual(['query', field]);
    }
    expect((await appFor(getDb(), cdnow, 'agent').request('/api/v1/analytics/overview')).status).toBe(403);
    const { workspace } = await createWorkspace(db, { name: 'Empty', slug: `empty-${slugs++}-overview` });
    expect((await appFor(getDb(), workspace.id).request('/api/v1/analytics/overview')).status).toBe(404);
  });
});
