/**
 * Tracking throughput (`npx tsx bench/tracking.bench.ts [seconds]`, default 10 s per run): the
 * real server (`buildApp` + `@hono/node-server`) in a child process on 127.0.0.1, a random port,
 * loaded by autocannon from this process, on a fresh SQLite file and a fresh PostgreSQL schema.
 *
 * Per store: a reference run of `GET /api/health` (the same server, no database work), then
 * `POST /v1/batch` with 100 track events per request (unique messageIds, 1,000 distinct users, so
 * the customer cache warms as it would in production). Prints events/s, p50/p99 latency, the
 * ratio of batch requests/s to health requests/s, and checks that every accepted event was stored.
 * Target (issue #4): ≥ 10,000 events/s on a 2-core machine. Timings on a shared machine vary by
 * ±30 %: compare ratios within one run.
 *
 * Child mode (internal): `tracking.bench.ts --serve <database-url>` migrates, creates a workspace,
 * listens, and prints `{ port, writeKey }` as one JSON line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import pg from 'pg';
import { migrateToLatest, openDatabase } from '../src/db/index.js';
import { buildApp } from '../src/server/index.js';
import { createWorkspace } from '../src/workspaces/workspace.repository.js';

const EVENTS_PER_BATCH = 100;
const DISTINCT_USERS = 1_000;
const CONNECTIONS = 10;

if (process.argv[2] === '--serve') {
  await serveForBench(process.argv[3] ?? 'sqlite::memory:');
} else {
  await main(Number(process.argv[3] ?? process.argv[2] ?? 10));
}

async function serveForBench(url: string): Promise<void> {
  const connection = openDatabase(url);
  await migrateToLatest(connection.db);
  const { workspace, writeKey } = await createWorkspace(connection.db, {
    name: 'Bench',
    slug: `bench-${randomBytes(4).toString('hex')}`,
  });
  const app = buildApp({ db: connection.db, dialect: connection.dialect, now: () => Date.now() });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
    process.stdout.write(`${JSON.stringify({ port: info.port, writeKey, workspaceId: workspace.id })}\n`);
  });
  process.on('SIGTERM', () => {
    server.close(() => {
      void connection.close().then(() => process.exit(0));
    });
  });
}

interface RunResult {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly ok: number;
  readonly failed: number;
}

async function load(options: autocannon.Options): Promise<RunResult> {
  const result = await autocannon(options);
  return {
    requestsPerSecond: result['2xx'] / (result.duration || 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

/** A batch body of 100 track events with messageIds unique across the run. */
function batchBody(sequence: number): string {
  const batch = new Array<string>(EVENTS_PER_BATCH);
  const timestamp = new Date().toISOString();
  for (let index = 0; index < EVENTS_PER_BATCH; index++) {
    const user = (sequence * EVENTS_PER_BATCH + index) % DISTINCT_USERS;
    batch[index] = JSON.stringify({
      type: 'track',
      userId: `user-${user}`,
      event: index % 3 === 0 ? 'Order Completed' : 'Product Viewed',
      properties: { productId: `p-${index % 50}`, price: 19.99, currency: 'USD' },
      timestamp,
      messageId: `bench-${sequence}-${index}`,
    });
  }
  return `{"batch":[${batch.join(',')}]}`;
}

async function startServer(url: string): Promise<{ child: ChildProcess; port: number; writeKey: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', url], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const info = JSON.parse(line) as { port: number; writeKey: string };
    return { child, ...info };
  }
  throw new Error('The bench server exited before listening');
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function benchStore(label: string, url: string, seconds: number, countEvents: () => Promise<number>) {
  const { child, port, writeKey } = await startServer(url);
  try {
    const base = `http://127.0.0.1:${port}`;
    const health = await load({ url: `${base}/api/health`, connections: CONNECTIONS, duration: seconds });
    let sequence = 0;
    const batch = await load({
      url: base,
      connections: CONNECTIONS,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          path: '/v1/batch',
          headers: {
            'content-type': 'application/json',
            authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
          },
          setupRequest: (request) => ({ ...request, body: batchBody(sequence++) }),
        },
      ],
    });
    const stored = await countEvents();
    const eventsPerSecond = batch.requestsPerSecond * EVENTS_PER_BATCH;
    process.stdout.write(
      `${label.padEnd(10)} ${Math.round(eventsPerSecond).toLocaleString('en').padStart(8)} events/s` +
        `  p50 ${String(batch.p50).padStart(4)} ms  p99 ${String(batch.p99).padStart(4)} ms` +
        `  | health ${Math.round(health.requestsPerSecond).toLocaleString('en')} req/s, p50 ${health.p50} ms` +
        `  | batch/health req ratio ${(batch.requestsPerSecond / health.requestsPerSecond).toFixed(3)}` +
        `  | ${batch.failed} failed, ${stored.toLocaleString('en')} events stored` +
        // Requests still in flight when autocannon stops are stored but not counted as 2xx.
        `${stored >= batch.ok * EVENTS_PER_BATCH && stored <= (batch.ok + CONNECTIONS) * EVENTS_PER_BATCH ? '' : ' (MISMATCH with accepted requests!)'}` +
        `  ${eventsPerSecond >= 10_000 ? 'meets' : 'BELOW'} the 10k/s target\n`,
    );
  } finally {
    await stopServer(child);
  }
}

async function main(seconds: number): Promise<void> {
  process.stdout.write(
    `POST /v1/batch, ${EVENTS_PER_BATCH} track events per request, ${CONNECTIONS} connections, ${seconds} s per run\n`,
  );

  const directory = mkdtempSync(join(tmpdir(), 'retain-bench-'));
  const sqliteUrl = `sqlite:${join(directory, 'retain.db')}`;
  try {
    await benchStore('sqlite', sqliteUrl, seconds, async () => {
      const connection = openDatabase(sqliteUrl);
      const row = await connection.db
        .selectFrom('event')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      await connection.close();
      return Number(row.count);
    });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }

  const postgresUrl =
    process.env.BENCH_DATABASE_URL ??
    process.env.TEST_DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/test';
  const schema = `retain_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (error) {
    process.stdout.write(`postgres   skipped: ${error instanceof Error ? error.message : String(error)}\n`);
    return;
  }
  try {
    await admin.query(`create schema "${schema}"`);
    const url = new URL(postgresUrl);
    url.searchParams.set('schema', schema);
    await benchStore('postgres', url.toString(), seconds, async () => {
      const result = await admin.query<{ count: string }>(`select count(*) as count from "${schema}".event`);
      return Number(result.rows[0]?.count ?? 0);
    });
  } finally {
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
  }
}
