/**
 * Loyalty earning throughput through the API (`npx tsx bench/loyalty.bench.ts [seconds]`, default
 * 10 s per run): the real server (`buildApp` + `@hono/node-server`, rate limit off) in a child
 * process on 127.0.0.1, loaded by autocannon from this process, on a fresh SQLite file and a fresh
 * PostgreSQL schema.
 *
 * Per store: a reference run of `GET /api/health` (the same server, no database work), then
 * `POST /api/v1/loyalty/customers/{id}/earn` with a new order id per request over 1,000 customers
 * (each one ledger transaction: the order's row, the entry, the account). Prints earns/s, p50/p99,
 * the ratio to health's requests/s, and checks that every accepted earn is in the ledger exactly
 * once. Target (issue 13): ≥ 2,000 earn operations/s on SQLite, PostgreSQL beside it.
 *
 * Child mode (internal): `loyalty.bench.ts --serve <database-url>` migrates, creates a workspace
 * with a marketer's API key and the customers, listens, and prints `{ port, key, customerIds }`.
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
import { createApiKey } from '../src/auth/index.js';
import { migrateToLatest, openDatabase } from '../src/db/index.js';
import { buildApp } from '../src/server/index.js';
import { createWorkspace } from '../src/workspaces/workspace.repository.js';

const CUSTOMERS = 1_000;
const CONNECTIONS = 10;
const TARGET = 2_000;

if (process.argv[2] === '--serve') {
  await serveForBench(process.argv[3] ?? 'sqlite::memory:');
} else {
  await main(Number(process.argv[3] ?? process.argv[2] ?? 10));
}

async function serveForBench(url: string): Promise<void> {
  const connection = openDatabase(url);
  await migrateToLatest(connection.db);
  const { workspace } = await createWorkspace(connection.db, {
    name: 'Bench',
    slug: `bench-${randomBytes(4).toString('hex')}`,
  });
  const { key } = await createApiKey(connection.db, {
    workspaceId: workspace.id,
    name: 'bench',
    role: 'marketer',
    grantedBy: null,
    actor: { type: 'system' },
    now: Date.now(),
  });
  const rows = await connection.db
    .insertInto('customer')
    .values(
      Array.from({ length: CUSTOMERS }, (_, index) => ({
        workspace_id: workspace.id,
        external_id: `c-${index}`,
        created_at: Date.now(),
        updated_at: Date.now(),
      })),
    )
    .returning('id')
    .execute();
  const app = buildApp(
    { db: connection.db, dialect: connection.dialect, now: () => Date.now() },
    { rateLimit: false },
  );
  // Requests still running when the load stops (their client gone) finish before the store closes.
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const fetch = async (request: Request) => {
    inFlight++;
    try {
      return await app.fetch(request);
    } finally {
      inFlight--;
      if (inFlight === 0) drained?.();
    }
  };
  const server = serve({ fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
    process.stdout.write(
      `${JSON.stringify({ port: info.port, key, workspaceId: workspace.id, customerIds: rows.map((row) => row.id) })}\n`,
    );
  });
  // SIGUSR2: the CPU time this process has used so far (µs), to price a run's requests.
  process.on('SIGUSR2', () => {
    const { user, system } = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ cpuMicros: user + system })}\n`);
  });
  process.on('SIGTERM', () => {
    server.close(() => {
      const idle = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (drained = resolve));
      void idle.then(() => connection.close()).then(() => process.exit(0));
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

async function startServer(url: string) {
  // BENCH_CPU_PROFILE=<directory>: the server writes a V8 CPU profile there when it stops.
  const profile = process.env.BENCH_CPU_PROFILE;
  const profiling = profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`];
  const child = spawn(
    process.execPath,
    [...profiling, '--import', 'tsx', fileURLToPath(import.meta.url), '--serve', url],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const nextLine = async () => {
    const line = await lines.next();
    if (line.done) throw new Error('The bench server exited');
    return JSON.parse(line.value) as unknown;
  };
  const info = (await nextLine()) as { port: number; key: string; customerIds: number[] };
  /** The server's CPU time so far, ms. */
  const cpuMs = async () => {
    child.kill('SIGUSR2');
    return ((await nextLine()) as { cpuMicros: number }).cpuMicros / 1_000;
  };
  return { child, cpuMs, ...info };
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function benchStore(
  label: string,
  url: string,
  seconds: number,
  countLedger: () => Promise<{ orders: number; entries: number }>,
) {
  const { child, cpuMs, port, key, customerIds } = await startServer(url);
  let stopped = false;
  try {
    const base = `http://127.0.0.1:${port}`;
    const cpuAtStart = await cpuMs();
    const health = await load({ url: `${base}/api/health`, connections: CONNECTIONS, duration: seconds });
    const cpuAfterHealth = await cpuMs();
    let sequence = 0;
    const earn = await load({
      url: base,
      connections: CONNECTIONS,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          setupRequest: (request) => {
            const order = sequence++;
            return {
              ...request,
              path: `/api/v1/loyalty/customers/${customerIds[order % customerIds.length]}/earn`,
              body: JSON.stringify({ orderId: `bench-${order}`, amount: `${10 + (order % 90)}.50` }),
            };
          },
        },
      ],
    });
    const cpuAfterEarn = await cpuMs();
    // The server's CPU time per request: what the machine's other load does not change much.
    const healthCpu = (cpuAfterHealth - cpuAtStart) / Math.max(1, health.ok);
    const earnCpu = (cpuAfterEarn - cpuAfterHealth) / Math.max(1, earn.ok);
    // Counted once the server has stopped (it finishes the requests in flight first), so the two
    // counts see the same ledger.
    await stopServer(child);
    stopped = true;
    const stored = await countLedger();
    // Requests still in flight when autocannon stops are written but not counted as 2xx.
    const consistent =
      stored.orders === stored.entries && stored.orders >= earn.ok && stored.orders <= earn.ok + CONNECTIONS;
    process.stdout.write(
      `${label.padEnd(10)} ${Math.round(earn.requestsPerSecond).toLocaleString('en').padStart(7)} earns/s` +
        `  p50 ${String(earn.p50).padStart(3)} ms  p99 ${String(earn.p99).padStart(4)} ms` +
        `  | health ${Math.round(health.requestsPerSecond).toLocaleString('en')} req/s` +
        `  | earn/health ratio ${(earn.requestsPerSecond / health.requestsPerSecond).toFixed(3)}` +
        `  | server CPU ${earnCpu.toFixed(3)} ms/earn, ${healthCpu.toFixed(3)} ms/health (${(1000 / earnCpu).toFixed(0)} earns per CPU-second)` +
        `  | ${earn.failed} failed, ${stored.orders.toLocaleString('en')} orders / ${stored.entries.toLocaleString('en')} entries in the ledger` +
        `${consistent ? '' : ' (MISMATCH with accepted requests!)'}` +
        `  ${earn.requestsPerSecond >= TARGET ? 'meets' : 'BELOW'} the ${TARGET.toLocaleString('en')}/s target\n`,
    );
  } finally {
    if (!stopped) await stopServer(child);
  }
}

async function countWith(query: (text: string) => Promise<number>) {
  return {
    orders: await query('select count(*) as count from loyalty_order'),
    entries: await query("select count(*) as count from loyalty_entry where kind = 'earn'"),
  };
}

async function main(seconds: number): Promise<void> {
  process.stdout.write(
    `POST /api/v1/loyalty/customers/{id}/earn, a new order per request over ${CUSTOMERS.toLocaleString('en')} customers, ${CONNECTIONS} connections, ${seconds} s per run\n`,
  );
  const directory = mkdtempSync(join(tmpdir(), 'retain-bench-'));
  const sqliteUrl = `sqlite:${join(directory, 'retain.db')}`;
  try {
    await benchStore('sqlite', sqliteUrl, seconds, async () => {
      const connection = openDatabase(sqliteUrl);
      const { sql } = await import('kysely');
      const counts = await countWith(async (text) => {
        const result = await sql<{ count: number }>`${sql.raw(text)}`.execute(connection.db);
        return Number(result.rows[0]?.count ?? 0);
      });
      await connection.close();
      return counts;
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
    await benchStore('postgres', url.toString(), seconds, () =>
      countWith(async (text) => {
        const result = await admin.query<{ count: string }>(
          text.replace(/from (\w+)/, `from "${schema}".$1`),
        );
        return Number(result.rows[0]?.count ?? 0);
      }),
    );
  } finally {
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
  }
}
