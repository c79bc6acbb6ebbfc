/**
 * One definition per vendor export, checked end to end: each file of `test/fixtures/exports/` is
 * (1) read by `retain analyze`'s readers and reported by the core (`analyzeOrders`,
 * `analyzeSubscriptions`), and (2) imported into a workspace with `--format auto` and read back
 * through the analytics API — on SQLite and on PostgreSQL. Every figure the API serves (retention
 * and its series, the cohort matrices with their revenue, RFM segments, historical value, MRR) must
 * be the analyze report's, byte for byte. The reference is the report itself; a few totals are also
 * worked out by hand from the fixture (test/fixtures/README.md, "exports/") so that both paths being
 * wrong the same way fails too.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { analyticsTestApp } from '../../test/support/analytics-app.js';
import { describeEachDatabase, type TestDatabase } from '../../test/support/databases.js';
import { fixturePath } from '../../test/support/fixtures.js';
import {
  analyzeOrders,
  analyzeSubscriptions,
  analyzeSurvival,
  type ReportOptions,
  type RetentionReport,
  type SubscriptionTable,
} from '../core/index.js';
import { formatCsvIssue, readOrdersCsv, readSubscriptionsCsv } from '../csv/index.js';
import type { Database, WorkspaceSettings } from '../db/index.js';
import type { AppEnv } from '../http/index.js';
import { runImport } from '../imports/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { loadSubscriptionTable } from './analytics.repository.js';

const GENERIC = fixturePath('exports/generic-orders.csv');
const GENERIC_ITEMS = fixturePath('exports/generic-orders-items.csv');
const SHOPIFY = fixturePath('exports/shopify-orders.csv');
const STRIPE = fixturePath('exports/stripe-subscriptions.csv');

/** The analytics routes as an analyst of `workspaceId`, computed in the database's analytics worker. */
function appFor(database: TestDatabase, workspaceId: number): OpenAPIHono<AppEnv> {
  return analyticsTestApp(database, workspaceId);
}

let slugCounter = 0;
/** A new workspace with `settings`, `file` imported into it with `--format auto`. */
async function importedWorkspace(
  db: Kysely<Database>,
  file: string,
  type: 'orders' | 'subscriptions',
  settings: Partial<WorkspaceSettings>,
): Promise<number> {
  slugCounter += 1;
  const { workspace } = await createWorkspace(db, {
    name: 'Agreement test',
    slug: `agreement-${slugCounter}-${Math.random().toString(36).slice(2, 8)}`,
    settings,
  });
  const outcome = await runImport(db, { workspaceId: workspace.id, path: file, type, format: 'auto' });
  expect(outcome.run.problems).toEqual([]);
  expect(outcome.run.status).toBe('succeeded');
  return workspace.id;
}

/**
 * The response to `path` is `expected` serialized, after the `computedAt` every analytics answer
 * starts with: same values and same key order.
 */
async function expectBody(app: OpenAPIHono<AppEnv>, path: string, expected: object) {
  const response = await app.request(path);
  expect(response.status).toBe(200);
  const text = await response.text();
  const { computedAt, ...rest } = JSON.parse(text) as { computedAt: string };
  expect(new Date(computedAt).toISOString()).toBe(computedAt);
  expect(rest).toEqual(expected); // the readable diff when a value differs
  expect(text).toBe(JSON.stringify({ computedAt, ...expected }));
}

function header(report: RetentionReport) {
  const { mode, timeZone, period, dataStart, dataEnd } = report;
  return { mode, timeZone, period, dataStart, dataEnd };
}

/** Retention, series and cohorts (both modes), then RFM and historical value, or MRR. */
async function expectSameReport(app: OpenAPIHono<AppEnv>, query: string, expected: RetentionReport) {
  // A report with nothing in it would agree vacuously: every query here covers complete periods.
  expect(expected.series.length).toBeGreaterThan(0);
  expect(expected.cohorts.rows.some((row) => row.size > 0)).toBe(true);
  const head = header(expected);
  const notes = expected.notes;
  await expectBody(app, `/api/v1/analytics/retention?${query}`, {
    ...head,
    retention: expected.retention,
    notes,
  });
  await expectBody(app, `/api/v1/analytics/series?${query}`, { ...head, series: expected.series, notes });
  await expectBody(app, `/api/v1/analytics/cohorts?${query}`, { ...head, cohorts: expected.cohorts, notes });
  if (expected.mode === 'subscription') {
    await expectBody(app, `/api/v1/analytics/mrr?${query}`, { ...head, mrr: expected.mrr, notes });
    return;
  }
  const segments = (await (await app.request(`/api/v1/analytics/rfm?${query}`)).json()) as {
    asOf: string;
    segments: unknown;
  };
  expect({ asOf: segments.asOf, segments: segments.segments }).toEqual(expected.rfm);
  const clv = (await (await app.request(`/api/v1/analytics/clv?${query}&limit=1`)).json()) as {
    historical: unknown;
  };
  expect(clv.historical).toEqual(expected.clv.historical);
}

/** `retain analyze <file> --tz <zone>` up to the report, with the options of `query`. */
async function analyzedOrders(file: string, options: ReportOptions & { timeZone: string }) {
  const read = await readOrdersCsv(file, { timeZone: options.timeZone });
  if (!read.ok) throw new Error(read.error.map(formatCsvIssue).join('\n'));
  return {
    file: read.value,
    report: analyzeOrders(read.value.table, { weekStartsOn: 'monday', ...options }),
  };
}

/** The paid subscriptions of a table by id: `[id, start, end, yearly cents]`, sorted by id. */
function paidRows(table: SubscriptionTable, idOf: (id: string) => string) {
  return Array.from({ length: table.length }, (_, row) => [
    idOf(table.subscriptionIds[row]!),
    new Date(table.startedAt[row]!).toISOString(),
    Number.isFinite(table.endedAt[row]!) ? new Date(table.endedAt[row]!).toISOString() : 'open',
    table.annualCents[row]!,
  ]).sort((left, right) => String(left[0]).localeCompare(String(right[0])));
}

const PARIS = 'Europe/Paris';

const directory = mkdtempSync(join(tmpdir(), 'retain-agreement-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const SUBSCRIPTIONS_SAMPLE = 'samples/subscriptions.csv';

describeEachDatabase('retain analyze and retain import + the analytics API agree', (getDb) => {
  it('on the bundled subscriptions sample: retention, cohorts, MRR and its movements, and survival', async () => {
    const { db } = getDb();
    const workspaceId = await importedWorkspace(db, SUBSCRIPTIONS_SAMPLE, 'subscriptions', {});
    const app = appFor(getDb(), workspaceId);
    const read = await readSubscriptionsCsv(SUBSCRIPTIONS_SAMPLE, { timeZone: 'UTC' });
    if (!read.ok) throw new Error(read.error.map(formatCsvIssue).join('\n'));
    // samples/README.md: 2,000 customers, one monthly subscription each ($29 basic, $99 pro).
    expect(read.value.table.length).toBe(2000);
    // `retain analyze samples/subscriptions.csv --mode subscription` (UTC, months, Monday weeks).
    const options = { timeZone: 'UTC', weekStartsOn: 'monday' as const, margin: 1, windowDays: 365 };
    const expected = analyzeSubscriptions(read.value.table, { ...options, period: 'month' });
    // MRR by hand from the file: Σ monthly prices of the subscriptions open at the data's end.
    const dataEnd = Date.parse(expected.dataEnd);
    let openCents = 0;
    for (let row = 0; row < read.value.table.length; row++) {
      if (read.value.table.startedAt[row]! <= dataEnd && read.value.table.endedAt[row]! > dataEnd)
        openCents += read.value.table.annualCents[row]! / 12;
    }
    expect(expected.mrr?.current).toBeCloseTo(openCents / 100, 6);
    expect(expected.mrr?.movements.length).toBeGreaterThan(24);
    await expectSameReport(app, 'mode=subscription&period=month', expected);
    // `retain survival samples/subscriptions.csv --json`, and the same by day.
    for (const unit of ['month', 'day'] as const) {
      const survival = analyzeSurvival(read.value.table, { timeZone: 'UTC', unit });
      if (!survival.ok) throw new Error(survival.error.message);
      await expectBody(app, `/api/v1/analytics/survival?unit=${unit}`, survival.value);
    }
  }, 120_000);

  it('on generic orders read by the byte scanner: a two-line order, a refund row, DST in the zone', async () => {
    const { db } = getDb();
    const app = appFor(
      getDb(),
      await importedWorkspace(db, GENERIC, 'orders', { timeZone: PARIS, currency: 'EUR' }),
    );
    const { file, report } = await analyzedOrders(GENERIC, {
      timeZone: PARIS,
      period: 'month',
      windowDays: 365,
    });
    expect(file.format).toBe('generic');
    // Hand-worked from the fixture: o3's second line is the same order (15.50 once); r1 is a refund
    // of 10.00. Net = 25 + 40 + 15.50 + 30 + 12 − 10 + 60 + 22 + 18 + 45 + 35 + 12 + 55 + 27 + 10
    // = 396.50 over 6 customers (c1…c6), 15 rows (14 orders and the refund).
    expect(file.rows).toBe(15);
    expect(report.clv.historical).toMatchObject({ customers: 6, total: 396.5 });
    await expectSameReport(app, 'period=month', report);
    await expectSameReport(
      app,
      'period=week&windowDays=30',
      (await analyzedOrders(GENERIC, { timeZone: PARIS, period: 'week', windowDays: 30 })).report,
    );
    const range = { from: Date.UTC(2024, 1, 1) - 3_600_000, to: Date.UTC(2024, 4, 1) - 7_200_000 }; // Paris midnights
    await expectSameReport(
      app,
      'from=2024-02-01&to=2024-04-30&windowDays=60',
      (await analyzedOrders(GENERIC, { timeZone: PARIS, period: 'month', windowDays: 60, ...range })).report,
    );
  });

  it('on generic orders with statuses, refunds and line items (read by record)', async () => {
    const { db } = getDb();
    const app = appFor(
      getDb(),
      await importedWorkspace(db, GENERIC_ITEMS, 'orders', { timeZone: PARIS, currency: 'EUR' }),
    );
    const { file, report } = await analyzedOrders(GENERIC_ITEMS, { timeZone: PARIS, period: 'month' });
    // Hand-worked (docs/imports.md, "Generic columns"): A3 pending, A5 cancelled (its refund with
    // it) and A11 canceled do not count; A1's two lines are one order of 50.00. Counted: A1 50, A2 80
    // and its refund −20 on 5 February, A4 42, A6 25, R1 −15 (a refund row), A7 90 − 90, A8 28,
    // A9 33 − 3 (dated at the order), A10 48 → net 268.00 over u1, u2, u3, u4, u5.
    expect(file.skipped).toEqual([
      { reason: 'pending', count: 1 },
      { reason: 'cancelled', count: 2 },
    ]);
    expect(report.clv.historical).toMatchObject({ customers: 5, total: 268 });
    await expectSameReport(app, 'period=month', report);
    await expectSameReport(
      app,
      'period=quarter&windowDays=90',
      (await analyzedOrders(GENERIC_ITEMS, { timeZone: PARIS, period: 'quarter', windowDays: 90 })).report,
    );
  });

  it('on a refund row that carries the id of the order it refunds: a refund, never a new version of the order', async () => {
    const { db } = getDb();
    const path = join(directory, `refund-row-${Math.random().toString(36).slice(2, 8)}.csv`);
    writeFileSync(
      path,
      [
        'order_id,customer_id,ordered_at,amount',
        'o1,a,2024-01-05 10:00,30.00',
        'o2,b,2024-01-20 10:00,20.00',
        'o1,a,2024-02-10 10:00,-5.00', // 5.00 of o1 refunded on 10 February
        'o3,a,2024-03-02 10:00,12.00',
      ].join('\n'),
    );
    const workspaceId = await importedWorkspace(db, path, 'orders', {});
    const stored = await db
      .selectFrom('customer_order')
      .select(['external_id', 'status', 'amount_cents'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('external_id')
      .execute();
    expect(stored.map((row) => [row.external_id, row.status, Number(row.amount_cents)])).toEqual([
      ['o1', 'completed', 3000],
      ['o1:refund:2024-02-10T10:00:00.000Z', 'cancelled', 0],
      ['o2', 'completed', 2000],
      ['o3', 'completed', 1200],
    ]);
    // Net 30 + 20 − 5 + 12 = 57.00 over a and b, on both paths.
    const { report } = await analyzedOrders(path, { timeZone: 'UTC', period: 'month' });
    expect(report.clv.historical).toMatchObject({ customers: 2, total: 57 });
    await expectSameReport(appFor(getDb(), workspaceId), 'period=month', report);
  });

  it('on a Shopify orders export: line items, refunds, pending, voided, expired and cancelled orders', async () => {
    const { db } = getDb();
    const settings = { timeZone: 'America/New_York' };
    const app = appFor(getDb(), await importedWorkspace(db, SHOPIFY, 'orders', settings));
    const { file, report } = await analyzedOrders(SHOPIFY, { ...settings, period: 'month', windowDays: 90 });
    expect(file.format).toBe('shopify');
    // Hand-worked from the fixture (docs/imports.md, "Shopify"): counted Subtotals 84.50 + 40 + 108
    // + 30 + 42 + 60 + 35 + 100 + 18 + 75 + 20 + 33 + 50 + 12.50 = 708.00; refunds (the goods part
    // of Refunded Amount, × Subtotal ÷ (Subtotal + Taxes), capped at the Subtotal): #1003 58.32 ×
    // 108 / 116.64 = 54.00, #1004 37.40 × 30 / 32.40 = 34.63 → 30.00, #1013 10.00 × 100 / 108 =
    // 9.26 → net 614.74. Left out: #1009 pending, #1011 authorized, #1018 partially_paid, #1007
    // voided, #1015 expired, #1012 cancelled (refunded, but cancelled: neither order nor refund),
    // #1006 without an e-mail. Customers: ann, ben, cara, dan (Dan@Example.com), eve, finn, gus.
    expect(file.skipped).toEqual(
      expect.arrayContaining([
        { reason: 'partially_paid', count: 1 },
        { reason: 'cancelled', count: 1 },
        { reason: 'authorized', count: 1 },
        { reason: 'pending', count: 1 },
        { reason: 'expired', count: 1 },
        { reason: 'voided', count: 1 },
        { reason: 'no customer e-mail', count: 1 },
      ]),
    );
    expect(file.skipped).toHaveLength(7);
    expect(report.clv.historical).toMatchObject({ customers: 7, total: 614.74 });
    await expectSameReport(app, 'period=month&windowDays=90', report);
    await expectSameReport(
      app,
      'period=quarter',
      (await analyzedOrders(SHOPIFY, { ...settings, period: 'quarter', windowDays: 365 })).report,
    );
  });

  it('on a Stripe subscriptions export: the same paid coverage (unpaid, past-due grace, trials) and report', async () => {
    const { db } = getDb();
    const workspaceId = await importedWorkspace(db, STRIPE, 'subscriptions', { timeZone: PARIS });
    const app = appFor(getDb(), workspaceId);
    const read = await readSubscriptionsCsv(STRIPE, { timeZone: PARIS });
    if (!read.ok) throw new Error(read.error.map(formatCsvIssue).join('\n'));
    expect(read.value.columns.started_at).toBe('Start Date (UTC)');

    // Hand-worked from the fixture (UTC; docs/imports.md, "Stripe"): the paid coverage of each
    // subscription that paid, and its price a year.
    const expectedPaid = [
      ['sub_01', '2024-01-03T09:00:00.000Z', 'open', 2900 * 12], // active
      ['sub_02', '2024-01-10T12:00:00.000Z', '2024-04-10T12:00:00.000Z', 2 * 1500 * 12], // canceled at period end, 2 seats
      ['sub_03', '2024-02-01T10:00:00.000Z', '2024-03-01T10:00:00.000Z', 4900 * 12], // canceled at once: paid to period end
      ['sub_05', '2024-01-29T10:00:00.000Z', 'open', 29_000], // paid from its trial's end
      ['sub_07', '2024-02-12T00:00:00.000Z', '2024-06-26T00:00:00.000Z', 1900 * 12], // past_due: 12 June + 14 days
      ['sub_08', '2024-01-20T08:00:00.000Z', '2024-05-20T08:00:00.000Z', 2500 * 12], // unpaid: ended when its unpaid period began
      ['sub_12', '2024-03-04T00:00:00.000Z', '2024-07-01T00:00:00.000Z', 1200 * 52], // cancels at period end
      ['sub_15', '2024-01-08T10:00:00.000Z', 'open', 12_000],
    ];
    expect(paidRows(read.value.table, (id) => id)).toEqual(expectedPaid);
    // Left out: sub_04 trialing, sub_11 paused, sub_13 free; never paid: sub_06 (canceled in its
    // trial), sub_09 incomplete, sub_10 incomplete_expired, sub_14 unpaid from its first period.
    expect(read.value.skipped).toEqual([
      { reason: 'trialing', count: 1 },
      { reason: 'never paid', count: 4 },
      { reason: 'paused', count: 1 },
      { reason: 'free (amount 0)', count: 1 },
    ]);

    // The API's side: the stored subscriptions through the same rule, by their external ids.
    const stored = await db
      .selectFrom('subscription')
      .select(['id', 'external_id'])
      .where('workspace_id', '=', workspaceId)
      .execute();
    const externalId = new Map(stored.map((row) => [String(row.id), row.external_id ?? '']));
    expect(stored).toHaveLength(15); // every row is stored, paid or not
    const table = await loadSubscriptionTable(db, workspaceId);
    expect(paidRows(table, (id) => externalId.get(id)!)).toEqual(expectedPaid);

    const options = { timeZone: PARIS, weekStartsOn: 'monday' as const, margin: 1, windowDays: 365 };
    for (const period of ['month', 'week'] as const) {
      const expected = analyzeSubscriptions(read.value.table, { ...options, period });
      await expectSameReport(app, `mode=subscription&period=${period}`, expected);
    }
    const range = { from: Date.UTC(2024, 1, 1) - 3_600_000, to: Date.UTC(2024, 5, 1) - 7_200_000 };
    await expectSameReport(
      app,
      'mode=subscription&from=2024-02-01&to=2024-05-31',
      analyzeSubscriptions(read.value.table, { ...options, period: 'month', ...range }),
    );
  });
});
