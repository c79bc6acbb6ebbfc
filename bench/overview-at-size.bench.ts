/**
 * The Overview's API at size (`npx tsx bench/overview-at-size.bench.ts [customers] [orders per
 * customer] [engines]`, default 100,000 × 10 on `sqlite,postgres`; the size is
 * `1000000 10`). Target (issue 11, "Fast at size"): on a workspace of 1 M customers / 10 M
 * orders, the calls the Overview makes (`/auth/me`, `/workspace`, `/analytics/overview`) answer in
 * < 300 ms warm (p95) on SQLite, with the PostgreSQL figure beside it.
 *
 * The workspace is generated in SQL (customers, and orders spread over three years at
 * deterministic pseudo-random instants and amounts), not imported: the import has its own bench.
 * The app is built as `retain start` builds it (analytics in worker threads with their own
 * connections) and called in-process through `app.request` with an analyst's API key.
 * Figures: the first (cold) overview — the whole report computed at this size — then 20 warm
 * rounds of the three calls for each period the page offers (month, quarter, year), p50 / p95 of
 * each; and the overview again after one new order (the kept answer no longer holds: computed
 * again), the case a live shop meets after every change. The reference, same run and app:
 * `/api/health` (a request that reads nothing), p95.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createApiKey } from '../src/auth/index.js';
import { type DatabaseConnection as Connection, migrateToLatest, openDatabase } from '../src/db/index.js';
import { buildApp, closeApp } from '../src/server/index.js';
import { createWorkspace } from '../src/workspaces/workspace.repository.js';
import {
  createTestSchema,
  dropTestSchema,
  postgresUrlForSchema,
} from '../test/support/db/postgres-schema.js';

const customers = Number(process.argv[2] ?? 100_000);
const ordersPerCustomer = Number(process.argv[3] ?? 10);
const engines = (process.argv[4] ?? 'sqlite,postgres').split(',');
const TARGET_P95_MS = 300;
const WARM_ROUNDS = 20;
const PERIODS = ['month', 'quarter', 'year'] as const;

const DAY = 86_400_000;
const START = Date.UTC(2023, 0, 1);
const SPAN_DAYS = 3 * 365;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Customers `c1…cN`, then N × k orders, each to a pseudo-random customer at a pseudo-random day. */
async function generate(connection: Connection, workspaceId: number): Promise<void> {
  const { db, dialect } = connection;
  const now = Date.now();
  const orders = customers * ordersPerCustomer;
  // SQLite has no generate_series in every build: a recursive CTE there.
  const numbers = (count: number) =>
    dialect === 'postgres'
      ? sql`select i from generate_series(1, ${count}::bigint) as s(i)`
      : sql`select i from (with recursive n(i) as (select 1 union all select i + 1 from n where i < ${count}) select i from n)`;
  await sql`insert into customer (workspace_id, external_id, email, country, created_at, updated_at)
    select ${workspaceId}, 'c' || i, 'c' || i || '@example.com',
      case i % 4 when 0 then 'US' when 1 then 'DE' when 2 then 'CN' else 'FR' end, ${now}, ${now}
    from (${numbers(customers)}) as numbers`.execute(db);
  const first = await db
    .selectFrom('customer')
    .select((eb) => eb.fn.min<number>('id').as('id'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  const firstId = Number(first.id);
  // Knuth's multiplicative hash spreads i over customers and days; amounts 5.00–204.99.
  await sql`insert into customer_order
      (workspace_id, external_id, customer_id, ordered_at, currency, amount_cents, status, created_at, updated_at)
    select ${workspaceId}, 'o' || i, ${firstId} + ((i * 2654435761) % 4294967296) % ${customers},
      ${START} + (((i * 40503) % 65537) * ${SPAN_DAYS} / 65537) * ${DAY} + (i % 86400) * 1000,
      'USD', 500 + (i * 7919) % 20000, 'completed', ${now}, ${now}
    from (${numbers(orders)}) as numbers`.execute(db);
  await sql`analyze`.execute(db);
}

async function timed(call: () => Promise<Response>): Promise<number> {
  const started = performance.now();
  const response = await call();
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${response.status} ${response.url}`);
  return performance.now() - started;
}

async function benchEngine(engine: string): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'retain-bench-size-'));
  // PostgreSQL: a schema of its own in the test database, dropped at the end (as the tests do).
  const schema = engine === 'postgres' ? await createTestSchema() : null;
  const url = schema ? postgresUrlForSchema(schema) : `sqlite:${join(directory, 'retain.db')}`;
  const connection = openDatabase(url);
  try {
    await migrateToLatest(connection.db);
    const slug = `size-${process.pid}-${Date.now()}`;
    const { workspace } = await createWorkspace(connection.db, { name: 'At size', slug });
    let started = performance.now();
    await generate(connection, workspace.id);
    process.stdout.write(
      `\n[${engine}] ${customers.toLocaleString('en')} customers, ${(customers * ordersPerCustomer).toLocaleString('en')} orders generated in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    const { key } = await createApiKey(connection.db, {
      workspaceId: workspace.id,
      name: 'bench',
      role: 'analyst',
      grantedBy: null,
      actor: { type: 'system' },
      now: Date.now(),
    });
    const app = buildApp(
      { db: connection.db, dialect: connection.dialect, now: () => Date.now(), databaseUrl: url },
      { rateLimit: false, trackingRateLimit: false },
    );
    const headers = { authorization: `Bearer ${key}` };
    const get = (path: string) => async () => app.request(path, { headers });
    const overview = (period: string) => get(`/api/v1/analytics/overview?period=${period}`);

    started = performance.now();
    const cold = await timed(overview('month'));
    process.stdout.write(`[${engine}] first overview (cold: the report computed): ${cold.toFixed(0)} ms\n`);
    for (const period of PERIODS.slice(1)) {
      process.stdout.write(
        `[${engine}]   first ${period}: ${(await timed(overview(period))).toFixed(0)} ms\n`,
      );
    }

    const health: number[] = [];
    const calls: Record<string, number[]> = { me: [], workspace: [], overview: [] };
    for (let round = 0; round < WARM_ROUNDS; round++) {
      for (const period of PERIODS) {
        health.push(await timed(get('/api/health')));
        const [me, ws, ov] = await Promise.all([
          timed(get('/api/v1/auth/me')),
          timed(get('/api/v1/workspace')),
          timed(overview(period)),
        ]);
        calls.me!.push(me);
        calls.workspace!.push(ws);
        calls.overview!.push(ov);
      }
    }
    const worst = Math.max(...Object.values(calls).map((values) => percentile(values, 95)));
    for (const [name, values] of Object.entries(calls)) {
      process.stdout.write(
        `[${engine}] warm ${name}: p50 ${percentile(values, 50).toFixed(1)} ms, p95 ${percentile(values, 95).toFixed(1)} ms\n`,
      );
    }
    process.stdout.write(
      `[${engine}] reference /api/health p95 ${percentile(health, 95).toFixed(1)} ms; the Overview's calls p95 ≤ ${worst.toFixed(1)} ms — target < ${TARGET_P95_MS} ms: ${worst < TARGET_P95_MS ? 'met' : 'NOT MET'}\n`,
    );

    // One new order: the kept answers no longer hold.
    const customer = await connection.db
      .selectFrom('customer')
      .select('id')
      .where('workspace_id', '=', workspace.id)
      .limit(1)
      .executeTakeFirstOrThrow();
    const now = Date.now();
    await connection.db
      .insertInto('customer_order')
      .values({
        workspace_id: workspace.id,
        external_id: 'new-order',
        customer_id: customer.id,
        ordered_at: START + SPAN_DAYS * DAY,
        currency: 'USD',
        amount_cents: 1000,
        created_at: now,
        updated_at: now,
      })
      .execute();
    process.stdout.write(
      `[${engine}] overview after one new order (computed again): ${(await timed(overview('month'))).toFixed(0)} ms\n`,
    );
    await closeApp(app);
  } finally {
    await connection.close();
    if (schema) await dropTestSchema(schema);
    rmSync(directory, { recursive: true, force: true });
  }
}

for (const engine of engines) await benchEngine(engine);
process.exit(0);
