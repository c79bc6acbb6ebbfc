/**
 * The analytics endpoints give exactly what `retain analyze --json` gives for the same orders:
 * each test loads a CSV into the store and compares the endpoint JSON with
 * `analyzeOrders(readOrdersCsv(same file))` field by field, on SQLite and PostgreSQL; the at-risk
 * endpoint with `analyzeAtRisk` and `retain at-risk` on the same file.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Insertable, Kysely } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { analyticsTestApp } from '../../test/support/analytics-app.js';
import { runRetain } from '../../test/support/cli.js';
import { describeEachDatabase, type TestDatabase } from '../../test/support/databases.js';
import type { Role } from '../auth/index.js';
import type * as Core from '../core/index.js';
import {
  analyzeAtRisk,
  analyzeOrders,
  type OrderTable,
  orderReportParts,
  type ReportOptions,
  rfm,
} from '../core/index.js';
import { readOrdersCsv } from '../csv/index.js';
import type { CustomerOrderTable, Database, WorkspaceSettings } from '../db/index.js';
import type { AppEnv } from '../http/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { offsetSegments } from './analytics.repository.js';
import { AnalyticsRunner } from './analytics-runner.js';

// The core's two report entry points, wrapped in spies that call the real functions, so a test can
// see which report parts each endpoint computes; every result stays the real one.
vi.mock('../core/index.js', async (importOriginal) => {
  const core = await importOriginal<typeof Core>();
  return {
    ...core,
    analyzeOrders: vi.fn(core.analyzeOrders),
    orderReportParts: vi.fn(core.orderReportParts),
  };
});

const CDNOW = 'samples/cdnow-orders.csv';
const BY_COUNTRY = 'test/fixtures/cli/orders-by-country.csv';
const NEW_YORK = 'test/fixtures/csv/new-york-dst.csv';

/** Reads a CSV as `retain analyze` does. */
async function readTable(file: string, timeZone: string, attributes: string[] = []): Promise<OrderTable> {
  const read = await readOrdersCsv(file, { timeZone, attributes });
  if (!read.ok) throw new Error(JSON.stringify(read.error));
  return read.value.table;
}

/**
 * `compute`'s result, computed on the first call and shared by later ones. The references below
 * read only the CSV, never a database, so the SQLite and PostgreSQL tests compare their endpoints
 * with the same one: computing each twice (a CDNOW fit and a `retain at-risk` process) was seconds
 * of this file's time for the same numbers.
 */
function computedOnce<Value>(compute: () => Promise<Value>): () => Promise<Value> {
  let value: Promise<Value> | undefined;
  return () => {
    value ??= compute();
    return value;
  };
}

const cdnowTable = computedOnce(() => readTable(CDNOW, 'UTC'));
/** What `retain analyze samples/cdnow-orders.csv --period quarter --window-days 90` computes. */
const cdnowByQuarter = computedOnce(async () =>
  analyzeOrders(await cdnowTable(), {
    period: 'quarter',
    windowDays: 90,
    timeZone: 'UTC',
    weekStartsOn: 'monday',
  }),
);
const CDNOW_RANGE: ReportOptions = {
  period: 'month',
  windowDays: 365,
  timeZone: 'UTC',
  weekStartsOn: 'monday',
  from: Date.UTC(1997, 2, 1),
  to: Date.UTC(1997, 9, 1), // --to 1997-09-30 inclusive
};
const cdnowInRange = computedOnce(async () => analyzeOrders(await cdnowTable(), CDNOW_RANGE));
/** The core's analyzeAtRisk — the very call `retain at-risk --as-of 1997-09-30` makes. */
const cdnowAtRisk = computedOnce(async () => {
  const analyzed = analyzeAtRisk(await cdnowTable(), { asOf: Date.UTC(1997, 8, 30), timeZone: 'UTC' });
  if (!analyzed.ok) throw new Error(analyzed.error.message);
  return analyzed.value;
});
const cdnowAtRiskPrinted = computedOnce(() =>
  runRetain('at-risk', CDNOW, '--as-of', '1997-09-30', '--top', '1000', '--json'),
);

/**
 * Writes an order table into the store (the customers capability's import is not there yet):
 * one customer per id (the attribute, if any, as `country`), one completed order per row with
 * amount ≥ 0, and each negative row as a refund of that customer's first order.
 */
async function storeTable(db: Kysely<Database>, workspaceId: number, table: OrderTable, country?: string) {
  const now = Date.UTC(2026, 0, 1);
  // Explicit integer ids, one range per workspace (nothing else allocates ids in these tables here).
  const idBase = workspaceId * 10_000_000;
  const customerIds = table.customerIds.map((_, index) => idBase + index + 1);
  let nextId = idBase + 5_000_000;
  const countryColumn = country === undefined ? undefined : table.attributes.get(country);
  const countries = new Map<number, string>();
  for (let row = 0; row < table.length; row++) {
    const customer = table.customer[row]!;
    if (countryColumn && !countries.has(customer)) {
      countries.set(customer, countryColumn.labels[countryColumn.codes[row]!]!);
    }
  }
  for (let start = 0; start < customerIds.length; start += 500) {
    await db
      .insertInto('customer')
      .values(
        customerIds.slice(start, start + 500).map((id, offset) => ({
          workspace_id: workspaceId,
          id,
          external_id: table.customerIds[start + offset]!,
          email: null,
          name: null,
          phone: null,
          language: null,
          country: countries.get(start + offset) ?? null,
          time_zone: null,
          consent_updated_at: null,
          signed_up_at: null,
          created_at: now,
          updated_at: now,
          erased_at: null,
        })),
      )
      .execute();
  }
  const orders: Insertable<CustomerOrderTable>[] = [];
  const firstOrder = new Map<number, number>();
  const refunds: { customer: number; at: number; amount: number }[] = [];
  for (let row = 0; row < table.length; row++) {
    const customer = table.customer[row]!;
    const amount = table.amountCents[row]!;
    if (amount < 0) {
      refunds.push({ customer, at: table.orderedAt[row]!, amount: -amount });
      continue;
    }
    nextId += 1;
    const id = nextId;
    if (!firstOrder.has(customer)) firstOrder.set(customer, id);
    orders.push({
      workspace_id: workspaceId,
      id,
      external_id: null,
      customer_id: customerIds[customer]!,
      ordered_at: table.orderedAt[row]!,
      currency: 'USD',
      amount_cents: amount,
      source: 'csv',
      created_at: now,
      updated_at: now,
    });
  }
  for (let start = 0; start < orders.length; start += 500) {
    await db
      .insertInto('customer_order')
      .values(orders.slice(start, start + 500))
      .execute();
  }
  for (const refund of refunds) {
    await db
      .insertInto('refund')
      .values({
        workspace_id: workspaceId,
        external_id: null,
        order_id: firstOrder.get(refund.customer)!,
        customer_id: customerIds[refund.customer]!,
        refunded_at: refund.at,
        currency: 'USD',
        amount_cents: refund.amount,
        reason: null,
        created_at: now,
      })
      .execute();
  }
}

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
  return analyticsTestApp(database, workspaceId, {
    role,
    now: () => Date.UTC(2026, 0, 1),
    ...(runner ? { runner } : {}),
  });
}

/**
 * `value` with every number replaced by a matcher for it to about 7 significant digits: model fits
 * over customers listed in another order stop at another point within the optimiser's tolerance.
 */
function nearly(value: unknown): unknown {
  if (typeof value === 'number') return expect.closeTo(value, 7 - Math.ceil(Math.log10(Math.abs(value) + 1)));
  if (Array.isArray(value)) return value.map(nearly);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, nearly(entry)]));
  }
  return value;
}

let slugCounter = 0;
async function workspaceWith(
  db: Kysely<Database>,
  file: string,
  settings: Partial<WorkspaceSettings>,
  attribute?: string,
): Promise<number> {
  slugCounter += 1;
  const { workspace } = await createWorkspace(db, {
    name: 'Analytics test',
    slug: `analytics-${slugCounter}-${Math.random().toString(36).slice(2, 8)}`,
    settings,
  });
  const table = await readTable(file, settings.timeZone ?? 'UTC', attribute ? [attribute] : []);
  await storeTable(db, workspace.id, table, attribute);
  return workspace.id;
}

async function getJson(app: OpenAPIHono<AppEnv>, path: string) {
  const response = await app.request(path);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
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

/** Every analyze field the three report endpoints serve. */
async function expectSameAsAnalyze(
  app: OpenAPIHono<AppEnv>,
  query: string,
  expected: ReturnType<typeof analyzeOrders>,
) {
  const header = {
    mode: expected.mode,
    timeZone: expected.timeZone,
    period: expected.period,
    dataStart: expected.dataStart,
    dataEnd: expected.dataEnd,
  };
  await expectBody(app, `/api/v1/analytics/retention?${query}`, {
    ...header,
    retention: expected.retention,
    notes: expected.notes,
  });
  await expectBody(app, `/api/v1/analytics/series?${query}`, {
    ...header,
    series: expected.series,
    notes: expected.notes,
  });
  await expectBody(app, `/api/v1/analytics/cohorts?${query}`, {
    ...header,
    cohorts: expected.cohorts,
    notes: expected.notes,
  });
  const segments = await getJson(app, `/api/v1/analytics/rfm?${query}`);
  expect({ asOf: segments.body.asOf, segments: segments.body.segments }).toEqual(expected.rfm);
  const clv = await getJson(app, `/api/v1/analytics/clv?${query}&limit=3`);
  expect(clv.body.historical).toEqual(expected.clv.historical);
}

describeEachDatabase('analytics endpoints', (getDb) => {
  it('match retain analyze on the CDNOW sample (quarters, W = 90, and a from/to range by month)', async () => {
    const { db } = getDb();
    const workspaceId = await workspaceWith(db, CDNOW, {});
    const app = appFor(getDb(), workspaceId);
    // The report itself is the reference: these are the exact options `retain analyze
    // samples/cdnow-orders.csv --period quarter --window-days 90` passes to the core.
    await expectSameAsAnalyze(app, 'period=quarter&windowDays=90', await cdnowByQuarter());
    await expectSameAsAnalyze(app, 'from=1997-03-01&to=1997-09-30', await cdnowInRange());
  }, 180_000);

  it('match retain analyze with refunds, several orders a day and a breakdown by country', async () => {
    const { db } = getDb();
    const workspaceId = await workspaceWith(db, BY_COUNTRY, {}, 'country');
    const app = appFor(getDb(), workspaceId);
    const table = await readTable(BY_COUNTRY, 'UTC', ['country']);
    const expected = analyzeOrders(table, {
      period: 'month',
      by: 'country',
      windowDays: 30,
      timeZone: 'UTC',
    });
    // Country at acquisition (first order): a FR, b US (its later DE order does not move it), c US.
    expect(expected.cohorts.breakdown?.map((part) => part.value).sort()).toEqual(['FR', 'US']);
    await expectSameAsAnalyze(app, 'period=month&by=country&windowDays=30', expected);
    // The orders span January to March 2024, so no year is complete: retention is null with the
    // report's note, which the series and cohorts endpoints return too.
    const noCompleteYear = analyzeOrders(table, { period: 'year', by: 'country', timeZone: 'UTC' });
    expect(noCompleteYear.retention).toBeNull();
    expect(noCompleteYear.notes).toHaveLength(1);
    await expectSameAsAnalyze(app, 'period=year&by=country', noCompleteYear);
  });

  it('match retain analyze in a zone with DST changes inside the data (workspace time zone and week start)', async () => {
    const { db } = getDb();
    const settings = { timeZone: 'America/New_York', weekStart: 'sunday' as const };
    const workspaceId = await workspaceWith(db, NEW_YORK, settings);
    const app = appFor(getDb(), workspaceId);
    const table = await readTable(NEW_YORK, settings.timeZone);
    for (const period of ['day', 'week'] as const) {
      const expected = analyzeOrders(table, {
        period,
        windowDays: 1,
        timeZone: settings.timeZone,
        weekStartsOn: 'sunday',
      });
      await expectSameAsAnalyze(app, `period=${period}&windowDays=1`, expected);
    }
  });

  it('serve RFM customers, CLV predictions and at-risk customers consistent with the core', async () => {
    const { db } = getDb();
    const workspaceId = await workspaceWith(db, CDNOW, {});
    const app = appFor(getDb(), workspaceId, 'marketer');
    const table = await cdnowTable();
    const scores = rfm(table, { asOf: Date.UTC(1998, 5, 30) }); // the sample's last order: 1998-06-30
    const rfmPage = await getJson(app, '/api/v1/analytics/rfm?limit=5&offset=0');
    const customers = rfmPage.body.customers as {
      total: number;
      items: { externalId: string; frequency: number; r: number }[];
    };
    expect(customers.total).toBe(scores.length);
    expect(customers.items).toHaveLength(5);
    for (const item of customers.items) {
      const position = table.customerIds.indexOf(item.externalId);
      const scored = Array.from(scores.customer).indexOf(position);
      expect(item.frequency).toBe(scores.frequency[scored]);
      expect(item.r).toBe(scores.r[scored]);
    }

    const clv = await getJson(app, '/api/v1/analytics/clv?limit=10');
    expect(clv.status).toBe(200);
    const bgNbd = clv.body.bgNbd as { params: Record<string, number> };
    for (const name of ['r', 'alpha', 'a', 'b']) expect(bgNbd.params[name]).toBeGreaterThan(0);
    const clvItems = (clv.body.customers as { items: { clv: number; probabilityAlive: number }[] }).items;
    expect(clvItems).toHaveLength(10);
    for (let index = 1; index < clvItems.length; index++) {
      expect(clvItems[index - 1]!.clv).toBeGreaterThanOrEqual(clvItems[index]!.clv);
    }
    for (const item of clvItems) expect(item.probabilityAlive).toBeGreaterThan(0);

    // At-risk: the core's analyzeAtRisk — the very call `retain at-risk --as-of 1997-09-30` makes —
    // on the same file gives the same customers, scores, reasons, weights and evaluation.
    const atRisk = await getJson(app, '/api/v1/analytics/at-risk?to=1997-09-30&limit=1000');
    expect(atRisk.status).toBe(200);
    const core = await cdnowAtRisk();
    // The store lists the customers in another order than the file, so the fits agree to the
    // optimiser's tolerance, not to the bit (and so do the weights learned with them and the scores).
    expect(atRisk.body).toMatchObject(
      nearly({
        asOf: '1997-09-30',
        horizonDays: 90,
        total: core.customers.length,
        weights: core.weights,
        model: core.model,
        evaluation: core.evaluation,
      }) as object,
    );
    const served = atRisk.body.customers as {
      externalId: string;
      score: number;
      reasons: string[];
      points: Record<string, number>;
      expectedPurchases: number;
    }[];
    expect(served).toHaveLength(1000);
    const rowOf = new Map(core.customers.ids.map((id, row) => [id, row]));
    for (const [position, customer] of served.entries()) {
      const row = rowOf.get(customer.externalId)!;
      expect(customer.score).toBeCloseTo(core.customers.scores[row]!, 5);
      expect(customer.reasons).toEqual(core.customers.reasons[row]);
      expect(customer.expectedPurchases).toBeCloseTo(core.customers.expectedPurchases[row]!, 8);
      // Same order; customers with equal scores may swap (ties break on the store's ids).
      expect(customer.score).toBeCloseTo(core.customers.scores[core.ranking[position]!]!, 5);
    }
    // …and so does the command line on the same file.
    const cli = await cdnowAtRiskPrinted();
    expect(cli.code).toBe(0);
    const printed = JSON.parse(cli.stdout) as { top: { id: string; score: number }[]; evaluation: object };
    expect(atRisk.body.evaluation).toEqual(nearly(printed.evaluation));
    const servedScore = new Map(served.map((customer) => [customer.externalId, customer.score]));
    for (const [position, customer] of printed.top.entries()) {
      expect(customer.score).toBeCloseTo(served[position]!.score, 5);
      if (servedScore.has(customer.id)) expect(servedScore.get(customer.id)).toBeCloseTo(customer.score, 5);
    }
  }, 180_000);

  it('compute only the report parts each endpoint returns, never the whole report', async () => {
    const { db } = getDb();
    const workspaceId = await workspaceWith(db, BY_COUNTRY, {}, 'country');
    // The spies see this thread's calls: compute here, not in the worker.
    const app = appFor(getDb(), workspaceId, 'analyst', new AnalyticsRunner());
    /** Each `orderReportParts` call serving `endpoint`: the parts, and the attributes loaded. */
    const partsComputedBy = async (endpoint: string) => {
      vi.mocked(analyzeOrders).mockClear();
      vi.mocked(orderReportParts).mockClear();
      const response = await app.request(`/api/v1/analytics/${endpoint}?by=country`);
      expect(response.status).toBe(200);
      expect(analyzeOrders).not.toHaveBeenCalled();
      return vi
        .mocked(orderReportParts)
        .mock.calls.map(([table, , parts]) => ({ parts, attributes: [...table.attributes.keys()] }));
    };
    // Retention and series need neither the cohorts nor `by`'s attribute (only cohorts read it).
    expect(await partsComputedBy('retention')).toEqual([{ parts: ['retention'], attributes: [] }]);
    expect(await partsComputedBy('series')).toEqual([{ parts: ['retention'], attributes: [] }]);
    // Cohorts also returns the report's notes, which only the retention part produces.
    expect(await partsComputedBy('cohorts')).toEqual([{ parts: ['cohorts'], attributes: ['country'] }]);
    // RFM, CLV and at-risk call their own core functions, not the report.
    for (const endpoint of ['rfm', 'clv', 'at-risk']) expect(await partsComputedBy(endpoint)).toEqual([]);
  });

  it('answers 404 for a workspace without orders and never reads another workspace', async () => {
    const { db } = getDb();
    await workspaceWith(db, BY_COUNTRY, {});
    const { workspace: empty } = await createWorkspace(db, { name: 'Empty', slug: `empty-${Date.now()}` });
    const response = await appFor(getDb(), empty.id).request('/api/v1/analytics/retention');
    expect(response.status).toBe(404);
  });

  it('answers the core’s input error with 400 and any other error, a RangeError included, with 500', async () => {
    const { db } = getDb();
    const workspaceId = await workspaceWith(db, BY_COUNTRY, {});
    const { InvalidInputError } = await import('../core/index.js');
    vi.mocked(orderReportParts).mockImplementationOnce(() => {
      throw new InvalidInputError('Unknown attribute "plan"', ['by']);
    });
    const input = await getJson(
      appFor(getDb(), workspaceId, 'analyst', new AnalyticsRunner()),
      '/api/v1/analytics/retention',
    );
    expect(input.status).toBe(400);
    expect(input.body).toMatchObject({ error: { issues: [{ path: ['query', 'by'] }] } });
    // V8's RangeError for an impossible allocation is not the caller's mistake (the probe got a 400).
    vi.mocked(orderReportParts).mockImplementationOnce(() => {
      throw new RangeError('Invalid typed array length: 14400240001');
    });
    const errorLog = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const bug = await getJson(
        appFor(getDb(), workspaceId, 'analyst', new AnalyticsRunner()),
        '/api/v1/analytics/retention',
      );
      expect(bug.status).toBe(500);
      expect(JSON.stringify(bug.body)).not.toContain('typed array');
    } finally {
      errorLog.mockRestore();
    }
  });

  it('rejects bad query values with 400 naming the field, and the agent role with 403', async () => {
    const { db } = getDb();
    const workspaceId = await workspaceWith(db, BY_COUNTRY, {});
    const bad = await getJson(
      appFor(getDb(), workspaceId),
      '/api/v1/analytics/cohorts?period=fortnight&to=2024-02-30',
    );
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('period');
    const badDate = await getJson(appFor(getDb(), workspaceId), '/api/v1/analytics/cohorts?to=2024-02-30');
    expect(badDate.status).toBe(400);
    expect(JSON.stringify(badDate.body)).toContain('to');
    const unknownBy = await getJson(appFor(getDb(), workspaceId), '/api/v1/analytics/cohorts?by=nothing');
    expect(unknownBy.status).toBe(200); // an attribute nobody has is one '' group, as in the core
    // Names of the object prototype are attributes nobody has too (the probe got
    // "function Object() { [native code] }" as a group for by=constructor).
    for (const inherited of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const response = await getJson(
        appFor(getDb(), workspaceId),
        `/api/v1/analytics/cohorts?by=${inherited}`,
      );
      expect(response.status, inherited).toBe(200);
      const breakdownOf = (body: Record<string, unknown>) =>
        JSON.stringify((body.cohorts as { breakdown: unknown }).breakdown);
      expect(breakdownOf(response.body), inherited).toBe(
        breakdownOf(unknownBy.body).replaceAll('"nothing"', JSON.stringify(inherited)),
      );
      expect(JSON.stringify(response.body), inherited).not.toContain('native code');
    }
    const agent = await appFor(getDb(), workspaceId, 'agent').request('/api/v1/analytics/rfm');
    expect(agent.status).toBe(403);
    // Subscription mode is served by retention, series, cohorts and mrr only; MRR is never
    // transactional; a workspace with orders but no subscriptions has nothing to report there.
    const rfmSubscriptions = await getJson(
      appFor(getDb(), workspaceId),
      '/api/v1/analytics/rfm?mode=subscription',
    );
    expect(rfmSubscriptions.status).toBe(400);
    expect(JSON.stringify(rfmSubscriptions.body)).toContain('mode');
    const mrrOrders = await getJson(appFor(getDb(), workspaceId), '/api/v1/analytics/mrr?mode=transactional');
    expect(mrrOrders.status).toBe(400);
    const noSubscriptions = await appFor(getDb(), workspaceId).request('/api/v1/analytics/mrr');
    expect(noSubscriptions.status).toBe(404);
  });
});

describe('offsetSegments', () => {
  it('finds the 2024 Paris DST transitions to the millisecond', () => {
    // EU rules: summer time from 31 March 01:00 UTC to 27 October 01:00 UTC.
    const segments = offsetSegments(Date.UTC(2024, 0, 1), Date.UTC(2024, 11, 31), 'Europe/Paris');
    expect(segments.map((segment) => segment.offsetMs / 3_600_000)).toEqual([1, 2, 1]);
    expect(segments[1]!.from).toBe(Date.UTC(2024, 2, 31, 1));
    expect(segments[2]!.from).toBe(Date.UTC(2024, 9, 27, 1));
  });
});
