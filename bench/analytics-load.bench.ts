/**
 * Analytics under load (`npx tsx bench/analytics-load.bench.ts [seconds]`, default 15 s): the real
 * server (`buildApp` + `@hono/node-server`, as `retain start` builds it) in a child process on the
 * 70 k-order demo workspace (SQLite), hammered by autocannon with 50 connections cycling through
 * the analytics endpoints, while a probe in this process sends `GET /api/health` and a small
 * `POST /v1/batch` one after the other and records each one's latency.
 *
 * Prints the probe's p50 / p99 / max with no load (the reference, same run) and under load, and the
 * analytics throughput. Target (issue 9 §1): under load, `/api/health` and `/v1/batch` keep
 * p99 < 100 ms — no analytics request may stall the server for others.
 *
 * Child mode (internal): `analytics-load.bench.ts --serve <database-url>` migrates, loads the demo,
 * makes an analyst API key, listens, and prints `{ port, writeKey, apiKey }` as one JSON line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import { createApiKey } from '../src/auth/index.js';
import { migrateToLatest, openDatabase } from '../src/db/index.js';
import { runImport } from '../src/imports/index.js';
import { buildApp } from '../src/server/index.js';
import { demoSamplePath } from '../src/workspaces/index.js';
import { createWorkspace } from '../src/workspaces/workspace.repository.js';

const CONNECTIONS = 50;
const TARGET_P99_MS = 100;
const ENDPOINTS = [
  '/api/v1/analytics/retention?period=month',
  '/api/v1/analytics/series?period=month',
  '/api/v1/analytics/cohorts?period=month',
  '/api/v1/analytics/rfm?limit=50',
  '/api/v1/analytics/clv?limit=50',
  '/api/v1/analytics/at-risk?limit=50',
];

/**
 * The load: `same` cycles through the six endpoints with the dashboard's queries (identical
 * requests share a computation and a kept answer); `distinct` gives every request its own
 * `windowDays`, so that none can be shared or kept and each one is computed.
 */
const SCENARIOS = ['same', 'distinct'] as const;
type Scenario = (typeof SCENARIOS)[number];

function pathOf(scenario: Scenario, request: number): string {
  const endpoint = ENDPOINTS[request % ENDPOINTS.length]!;
  if (scenario === 'same') return endpoint;
  return `${endpoint}&windowDays=${30 + Math.floor(request / ENDPOINTS.length)}`;
}

if (process.argv[2] === '--serve') {
  await serveForBench(process.argv[3] ?? 'sqlite::memory:');
} else {
  await main(Number(process.argv[2] ?? 15));
}

async function serveForBench(url: string): Promise<void> {
  const connection = openDatabase(url);
  await migrateToLatest(connection.db);
  const { workspace, writeKey } = await createWorkspace(connection.db, { name: 'Bench', slug: 'bench' });
  const imported = await runImport(connection.db, {
    workspaceId: workspace.id,
    path: demoSamplePath(),
    type: 'orders',
  });
  if (imported.run.status !== 'succeeded') throw new Error(`the demo import ${imported.run.status}`);
  const { key } = await createApiKey(connection.db, {
    workspaceId: workspace.id,
    name: 'bench',
    role: 'analyst',
    grantedBy: null,
    actor: { type: 'system' },
    now: Date.now(),
  });
  // As `retain start` builds it: the analytics workers open the same store.
  const app = buildApp(
    { db: connection.db, dialect: connection.dialect, now: () => Date.now(), databaseUrl: url },
    { rateLimit: false, trackingRateLimit: false },
  );
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
    process.stdout.write(`${JSON.stringify({ port: info.port, writeKey, apiKey: key })}\n`);
  });
  process.on('SIGTERM', () => {
    server.close(() => {
      void connection.close().then(() => process.exit(0));
    });
  });
}

async function startServer(
  url: string,
): Promise<{ child: ChildProcess; port: number; writeKey: string; apiKey: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', url], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const info = JSON.parse(line) as { port: number; writeKey: string; apiKey: string };
    return { child, ...info };
  }
  throw new Error('The bench server exited before listening');
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** One scenario's load with the probe running beside it; returns the probe's worse p99. */
async function underLoad(
  base: string,
  writeKey: string,
  apiKey: string,
  seconds: number,
  scenario: Scenario,
  reference: number,
): Promise<number> {
  let loadRunning = true;
  const probing = probe(base, writeKey, () => !loadRunning);
  let request = 0;
  const load = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 120,
    requests: [
      {
        method: 'GET',
        headers: { authorization: `Bearer ${apiKey}` },
        setupRequest: (next) => ({ ...next, path: pathOf(scenario, request++) }),
      },
    ],
  });
  loadRunning = false;
  const loaded = await probing;
  const analyticsPerSecond = load['2xx'] / (load.duration || 1);
  process.stdout.write(
    `under load (${scenario} queries): analytics ${analyticsPerSecond.toFixed(2)} req/s, p50 ${load.latency.p50} ms, p99 ${load.latency.p99} ms, ${load.non2xx + load.errors + load.timeouts} failed\n`,
  );
  process.stdout.write(
    `  ${describe('/api/health', loaded.health)}\n  ${describe('/v1/batch', loaded.batch)}\n`,
  );
  const worst = Math.max(percentile(loaded.health, 99), percentile(loaded.batch, 99));
  process.stdout.write(
    `  health and batch p99 ${worst.toFixed(1)} ms (${(worst / reference).toFixed(1)}× the no-load p99)` +
      `${loaded.failed > 0 ? `; ${loaded.failed} probe requests failed` : ''}\n`,
  );
  return worst;
}

interface Latencies {
  readonly health: number[];
  readonly batch: number[];
  readonly failed: number;
}

/** Health then a 10-event batch, one after the other, until `stop()` says so. */
async function probe(base: string, writeKey: string, stop: () => boolean): Promise<Latencies> {
  const health: number[] = [];
  const batch: number[] = [];
  let failed = 0;
  let sequence = 0;
  const authorization = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  while (!stop()) {
    let started = performance.now();
    const healthResponse = await fetch(`${base}/api/health`);
    await healthResponse.arrayBuffer();
    health.push(performance.now() - started);
    if (!healthResponse.ok) failed++;
    const events = Array.from({ length: 10 }, (_, index) => ({
      type: 'track',
      userId: `probe-${index}`,
      event: 'Probe',
      messageId: `probe-${process.pid}-${sequence}-${index}`,
    }));
    sequence++;
    started = performance.now();
    const batchResponse = await fetch(`${base}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ batch: events }),
    });
    await batchResponse.arrayBuffer();
    batch.push(performance.now() - started);
    if (!batchResponse.ok) failed++;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { health, batch, failed };
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function describe(label: string, values: readonly number[]): string {
  const format = (value: number) => `${value.toFixed(1).padStart(7)} ms`;
  return `${label.padEnd(12)} n=${String(values.length).padStart(5)}  p50 ${format(percentile(values, 50))}  p99 ${format(percentile(values, 99))}  max ${format(Math.max(...values))}`;
}

async function main(seconds: number): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'retain-analytics-load-'));
  const { child, port, writeKey, apiKey } = await startServer(`sqlite:${join(directory, 'retain.db')}`);
  try {
    const base = `http://127.0.0.1:${port}`;
    process.stdout.write(
      `Demo workspace (69,659 orders, SQLite); ${CONNECTIONS} connections on ${ENDPOINTS.length} analytics endpoints for ${seconds} s\n`,
    );
    const quietUntil = performance.now() + 5_000;
    const quiet = await probe(base, writeKey, () => performance.now() > quietUntil);
    process.stdout.write('no load (reference):\n');
    process.stdout.write(
      `  ${describe('/api/health', quiet.health)}\n  ${describe('/v1/batch', quiet.batch)}\n`,
    );

    const reference = Math.max(percentile(quiet.health, 99), percentile(quiet.batch, 99));
    let worst = 0;
    for (const scenario of SCENARIOS) {
      worst = Math.max(worst, await underLoad(base, writeKey, apiKey, seconds, scenario, reference));
    }
    process.stdout.write(
      `health and batch p99 under load, worst of the scenarios: ${worst.toFixed(1)} ms — ${worst < TARGET_P99_MS ? 'meets' : 'MISSES'} the < ${TARGET_P99_MS} ms target\n`,
    );
  } finally {
    await stopServer(child);
    rmSync(directory, { recursive: true, force: true });
  }
}
