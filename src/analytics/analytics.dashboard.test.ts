/**
 * The analytics the dashboard's Cohorts and Value pages add, on the CDNOW sample imported into a
 * workspace (test/fixtures/CDNOW_sample.txt: 2,357 customers, 6,919 purchases, 1997-01-01 …
 * 1998-06-30), on SQLite and PostgreSQL:
 * - `GET /analytics/cohorts` with `kind` and `measure` is the core's report with those options;
 * - `GET /analytics/cohorts/customers` lists, page by page, exactly the cell's count of customers,
 *   and they are the customers the transaction log itself puts in the cell (computed here from the
 *   file, without the core);
 * - `GET /analytics/clv/diagnostics` reproduces the published CDNOW fits (Fader, Hardie & Lee 2005;
 *   test/fixtures/README.md) and its calibration/holdout table is the one computed here from the
 *   file, the predictions by an independent transcription of BG/NBD's eq. (10).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import hyp2f1 from '@stdlib/math-base-special-hyp2f1';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { analyticsTestApp } from '../../test/support/analytics-app.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { loadCdnowSampleTransactions } from '../../test/support/fixtures.js';
import { analyzeOrders, type CohortKind, type CohortMeasure } from '../core/index.js';
import { readOrdersCsv } from '../csv/index.js';
import type { AppEnv } from '../http/index.js';
import { runImport } from '../imports/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-dashboard-analytics-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const TRANSACTIONS = loadCdnowSampleTransactions();

/** The sample as a generic orders file (one order a purchase, dates read in UTC). */
const CDNOW_CSV = join(directory, 'cdnow-sample.csv');
writeFileSync(
  CDNOW_CSV,
  [
    'customer_id,order_id,ordered_at,amount',
    ...TRANSACTIONS.map((row, line) => `${row.customerId},s${line + 1},${row.date},${row.dollars}`),
  ].join('\n'),
);

/** The country each customer is given in the store: an arbitrary but fixed rule. */
const countryOf = (customerId: string) => (Number(customerId) % 3 === 0 ? 'FR' : 'US');

/** Per customer, from the file: the months (`YYYY-MM`) with a purchase, and the first. */
const MONTHS = new Map<string, { first: string; active: Set<string> }>();
for (const row of TRANSACTIONS) {
  const month = row.date.slice(0, 7);
  const entry = MONTHS.get(row.customerId) ?? { first: month, active: new Set<string>() };
  if (month < entry.first) entry.first = month;
  entry.active.add(month);
  MONTHS.set(row.customerId, entry);
}

/** `month` plus `k` months, `YYYY-MM`. */
function addMonths(month: string, k: number): string {
  const [year, index] = month.split('-').map(Number) as [number, number];
  const date = new Date(Date.UTC(year, index - 1 + k, 1));
  return date.toISOString().slice(0, 7);
}

/** metrics.md §3 read directly: who the file puts in monthly cell (cohort, age). */
function expectedMembers(
  cohort: string,
  age: number,
  kind: CohortKind,
  measure: CohortMeasure,
  country?: string,
): string[] {
  const period = addMonths(cohort, age);
  return [...MONTHS]
    .filter(([id]) => country === undefined || countryOf(id) === country)
    .filter(([, customer]) =>
      kind === 'first-time' ? customer.first === cohort : customer.active.has(cohort),
    )
    .filter(([, customer]) =>
      measure === 'classic'
        ? customer.active.has(period)
        : [...customer.active].some((month) => month >= period),
    )
    .map(([id]) => id)
    .sort();
}

interface CellPage {
  count: number;
  customers: { customerId: string; externalId: string | null }[];
  nextCursor: string | null;
}

async function getJson<Body>(
  app: OpenAPIHono<AppEnv>,
  path: string,
): Promise<{ status: number; body: Body }> {
  const response = await app.request(path);
  return { status: response.status, body: (await response.json()) as Body };
}

/** Every page of a cell, following `nextCursor`: the cell's count and its customers' external ids. */
async function allCellCustomers(app: OpenAPIHono<AppEnv>, query: string, limit: number) {
  const externalIds: string[] = [];
  const ids = new Set<string>();
  let cursor: string | null = null;
  let count = -1;
  for (let pages = 0; pages < 1000; pages++) {
    const path: string = `/api/v1/analytics/cohorts/customers?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const { status, body }: { status: number; body: CellPage } = await getJson<CellPage>(app, path);
    expect(status).toBe(200);
    count = body.count;
    expect(body.customers.length).toBeLessThanOrEqual(limit);
    for (const customer of body.customers) {
      ids.add(customer.customerId);
      externalIds.push(customer.externalId!);
    }
    cursor = body.nextCursor;
    if (cursor === null) break;
  }
  expect(ids.size).toBe(externalIds.length); // no customer on two pages
  return { count, externalIds: externalIds.sort() };
}

describeEachDatabase("the dashboard's analytics on the CDNOW sample", (getDb) => {
  let app: OpenAPIHono<AppEnv>;

  beforeAll(async () => {
    const { db } = getDb();
    const { workspace } = await createWorkspace(db, {
      name: 'CDNOW sample',
      slug: `cdnow-sample-${Math.random().toString(36).slice(2, 8)}`,
    });
    const outcome = await runImport(db, {
      workspaceId: workspace.id,
      path: CDNOW_CSV,
      type: 'orders',
      format: 'auto',
    });
    expect(outcome.run.status).toBe('succeeded');
    for (const country of ['FR', 'US']) {
      const ids = [...MONTHS.keys()].filter((id) => countryOf(id) === country);
      for (let start = 0; start < ids.length; start += 500) {
        await db
          .updateTable('customer')
          .set({ country })
          .where('workspace_id', '=', workspace.id)
          .where('external_id', 'in', ids.slice(start, start + 500))
          .execute();
      }
    }
    app = analyticsTestApp(getDb(), workspace.id);
  }, 120_000);

  it('the cohort matrix with kind and measure is the report with those options', async () => {
    const read = await readOrdersCsv(CDNOW_CSV, { timeZone: 'UTC' });
    if (!read.ok) throw new Error('unreadable');
    for (const [kind, measure] of [
      ['recurring', 'rolling'],
      ['first-time', 'rolling'],
    ] as const) {
      const { status, body } = await getJson<{ cohorts: unknown }>(
        app,
        `/api/v1/analytics/cohorts?period=quarter&kind=${kind}&measure=${measure}`,
      );
      expect(status).toBe(200);
      const report = analyzeOrders(read.value.table, {
        period: 'quarter',
        timeZone: 'UTC',
        weekStartsOn: 'monday',
        cohortKind: kind,
        cohortMeasure: measure,
      });
      expect(body.cohorts).toEqual(report.cohorts);
    }
  }, 60_000);

  it('every complete cell of the quarterly matrix, in each kind and measure, lists exactly its count of customers', async () => {
    const mismatches: string[] = [];
    let cells = 0;
    for (const kind of ['first-time', 'recurring'] as const) {
      for (const measure of ['classic', 'rolling'] as const) {
        const options = `period=quarter&kind=${kind}&measure=${measure}`;
        const matrix = await getJson<{ cohorts: { rows: { cohort: string; counts: (number | null)[] }[] } }>(
          app,
          `/api/v1/analytics/cohorts?${options}`,
        );
        for (const row of matrix.body.cohorts.rows) {
          for (const [age, count] of row.counts.entries()) {
            if (count === null) continue;
            cells++;
            const listed = await allCellCustomers(app, `${options}&cohort=${row.cohort}&age=${age}`, 1000);
            if (listed.count !== count || listed.externalIds.length !== count)
              mismatches.push(
                `${kind} ${measure} ${row.cohort}+${age}: ${listed.count}, ${listed.externalIds.length} vs ${count}`,
              );
          }
        }
      }
    }
    // 1997-Q1 … 1998-Q1 are complete (the data ends on 30 June 1998): 5 + 4 + 3 + 2 + 1 cells each.
    expect(cells).toBe(4 * 15);
    expect(mismatches).toEqual([]);
  }, 300_000);

  it('a cell lists the customers the file puts there: monthly cells, pages of 50, overall and by country', async () => {
    const cases: [string, number, CohortKind, CohortMeasure, string?][] = [
      ['1997-01', 0, 'first-time', 'classic'],
      ['1997-02', 3, 'first-time', 'classic'],
      ['1997-03', 1, 'first-time', 'rolling'],
      ['1997-06', 2, 'recurring', 'classic'],
      ['1997-05', 4, 'recurring', 'rolling'],
      ['1997-01', 5, 'first-time', 'classic', 'FR'],
      ['1997-04', 1, 'recurring', 'rolling', 'US'],
    ];
    for (const [cohort, age, kind, measure, country] of cases) {
      const expected = expectedMembers(cohort, age, kind, measure, country);
      expect(expected.length).toBeGreaterThan(0);
      const breakdown = country === undefined ? '' : `&by=country&value=${country}`;
      const listed = await allCellCustomers(
        app,
        `period=month&kind=${kind}&measure=${measure}&cohort=${cohort}&age=${age}${breakdown}`,
        50,
      );
      expect(listed.count).toBe(expected.length);
      expect(listed.externalIds).toEqual(expected);
    }
  }, 300_000);

  it('refuses an unknown cohort, an incomplete or absent cell, a value without by and a bad cursor, naming the parameter', async () => {
    const refusals: [string, string][] = [
      ['cohort=1996-12&age=0', 'cohort'],
      ['cohort=1998-06&age=0', 'age'], // June 1998 is not complete: its count is null
      ['cohort=1997-01&age=40', 'age'],
      ['cohort=1997-01&age=0&value=FR', 'value'],
      ['cohort=1997-01&age=0&cursor=abc', 'cursor'],
      ['age=0', 'cohort'],
    ];
    for (const [query, field] of refusals) {
      const { status, body } = await getJson<{ error: { issues: { path: string[] }[] } }>(
        app,
        `/api/v1/analytics/cohorts/customers?period=month&${query}`,
      );
      expect({ query, status }).toEqual({ query, status: 400 });
      expect(body.error.issues.map((issue) => issue.path.join('.'))).toContain(`query.${field}`);
    }
  }, 60_000);

  it('the CLV diagnostics reproduce the published CDNOW fits and the calibration/holdout table of the file', async () => {
    const { status, body } = await getJson<{
      computedAt: string;
      calibrationEnd: string;
      observationEnd: string;
      holdoutWeeks: number;
      customers: number;
      model: string;
      params: Record<string, number>;
      gammaGamma: { p: number; q: number; gamma: number; repeatCustomers: number };
      holdout: { customers: number; actual: number; predicted: number };
      byFrequency: {
        frequency: number | '7+';
        customers: number;
        actualMean: number;
        predictedMean: number;
      }[];
    }>(app, '/api/v1/analytics/clv/diagnostics?calibrationEnd=1997-09-30&observationEnd=1998-06-30');
    expect(status).toBe(200);
    expect(new Date(body.computedAt).toISOString()).toBe(body.computedAt);
    expect([body.calibrationEnd, body.observationEnd, body.holdoutWeeks]).toEqual([
      '1997-09-30',
      '1998-06-30',
      39,
    ]);
    expect(body.customers).toBe(2357);
    expect(body.model).toBe('bgnbd');
    // Published BG/NBD (FHL 2005; test/fixtures/README.md): r 0.2426, α 4.4135, a 0.7929, b 2.4258.
    // The published fit reads t_x and T rounded to 2 decimals; ours, exact: equal to ±0.5 %.
    const published = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };
    for (const [name, value] of Object.entries(published)) {
      expect(Math.abs(body.params[name]! / value - 1), name).toBeLessThan(0.005);
    }
    // Published Gamma-Gamma on the 946 repeat customers (FHL 2005, "RFM and CLV"): 6.2488, 3.7446, 15.4477.
    expect(body.gammaGamma.repeatCustomers).toBe(946);
    expect(body.gammaGamma.p).toBeCloseTo(6.2488, 2);
    expect(body.gammaGamma.q).toBeCloseTo(3.7446, 2);
    expect(body.gammaGamma.gamma).toBeCloseTo(15.4477, 1);

    // The table from the file: x = purchase days to 1997-09-30 − 1, holdout = purchase days after.
    const daysByCustomer = new Map<string, Set<string>>();
    for (const row of TRANSACTIONS) {
      const days = daysByCustomer.get(row.customerId) ?? new Set<string>();
      days.add(row.date);
      daysByCustomer.set(row.customerId, days);
    }
    const toWeeks = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / (7 * 86_400_000);
    const buckets = Array.from({ length: 8 }, () => ({ customers: 0, actual: 0, predicted: 0 }));
    for (const days of daysByCustomer.values()) {
      const sorted = [...days].sort();
      const calibration = sorted.filter((day) => day <= '1997-09-30');
      const x = calibration.length - 1;
      const holdout = sorted.length - calibration.length;
      const tx = toWeeks(calibration[0]!, calibration[x]!);
      const T = toWeeks(calibration[0]!, '1997-09-30');
      const bucket = buckets[Math.min(7, x)]!;
      bucket.customers += 1;
      bucket.actual += holdout;
      bucket.predicted += bgNbdConditionalExpectation(body.params, 39, x, tx, T);
    }
    expect(body.holdout.customers).toBe(2357);
    expect(body.holdout.actual).toBe(1882); // distinct (customer, day) pairs 1997-10-01 … 1998-06-30
    expect(body.byFrequency.map((row) => row.frequency)).toEqual([0, 1, 2, 3, 4, 5, 6, '7+']);
    body.byFrequency.forEach((row, index) => {
      const bucket = buckets[index]!;
      expect(row.customers).toBe(bucket.customers);
      expect(row.actualMean).toBe(bucket.actual / bucket.customers);
      expect(Math.abs(row.predictedMean / (bucket.predicted / bucket.customers) - 1)).toBeLessThan(1e-6);
    });
    // 1,411 never repurchased in calibration (FHL 2005).
    expect(body.byFrequency[0]!.customers).toBe(1411);
  }, 120_000);

  it('diagnostics refuse a calibration end before the data or after the observation end', async () => {
    for (const [query, field] of [
      ['calibrationEnd=1996-06-30', 'calibrationEnd'],
      ['calibrationEnd=1998-01-31&observationEnd=1997-12-31', 'observationEnd'],
      ['calibrationEnd=1998-02-30', 'calibrationEnd'],
    ] as const) {
      const { status, body } = await getJson<{ error: { issues: { path: string[] }[] } }>(
        app,
        `/api/v1/analytics/clv/diagnostics?${query}`,
      );
      expect({ query, status }).toEqual({ query, status: 400 });
      expect(body.error.issues.map((issue) => issue.path.join('.'))).toContain(`query.${field}`);
    }
    // Without dates: calibration through the day halfway (1997-01-01 … 1998-06-30 → 1997-09-30).
    const { body } = await getJson<{ calibrationEnd: string; observationEnd: string }>(
      app,
      '/api/v1/analytics/clv/diagnostics',
    );
    expect([body.calibrationEnd, body.observationEnd]).toEqual(['1997-09-30', '1998-06-30']);
  }, 60_000);
});

/** BG/NBD E[Y(t) | x, t_x, T], Fader, Hardie & Lee 2005 eq. (10), written out apart from bg-nbd.ts. */
function bgNbdConditionalExpectation(
  params: Record<string, number>,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  const { r, alpha, a, b } = params as { r: number; alpha: number; a: number; b: number };
  const hypergeometric = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t));
  const numerator =
    ((a + b + x - 1) / (a - 1)) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hypergeometric);
  const denominator = 1 + (x > 0 ? (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x) : 0);
  return numerator / denominator;
}
