/**
 * `retain analyze` end to end on 10 M orders over 1 M customers (seeded), against DuckDB computing
 * the same monthly cohort matrix from the same file in the same run.
 *
 * Targets (issue #2): ≥ 1 M rows/s parse + compute, peak RSS < 2 GB, and the whole report in at most
 * 2× DuckDB's time for the cohort matrix alone.
 *
 * Each side runs `--runs` times (default 2), alternating, and the best time of each is compared:
 * on a shared 2-core machine a single run of either can be slowed by a neighbour, and the best of
 * a few is the usual estimate of what the code itself takes. Every run's time is printed.
 *
 *   npx tsx bench/analyze.bench.ts [--rows 10000000] [--customers 1000000] [--runs 2]
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { seededRandom } from '../src/core/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argument = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const ROWS = argument('--rows', 10_000_000);
const CUSTOMERS = argument('--customers', 1_000_000);
const RUNS = Math.max(1, argument('--runs', 2));

/**
 * Rows are written in time order (as exports are): row j's instant grows evenly over three years.
 * Each row is a new customer with probability CUSTOMERS / ROWS, else a repeat order by an existing
 * customer, drawn with a bias towards recent ones (u² of the id range from the top) so cohorts decay.
 */
async function generate(path: string): Promise<void> {
  const next = seededRandom(20_260_101);
  const start = Date.UTC(2022, 0, 1);
  const span = Date.UTC(2025, 0, 1) - start;
  const countries = ['US', 'FR', 'DE', 'GB', 'JP', 'BR', 'IN', 'CA'];
  const out = createWriteStream(path);
  let failure: Error | undefined;
  out.on('error', (error) => {
    failure = error;
  });
  const write = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (failure) reject(failure);
      else if (out.write(text)) resolve();
      else out.once('drain', resolve);
    });
  await write('customer_id,order_id,ordered_at,amount,country\n');
  let customers = 0;
  let chunk = '';
  const newShare = CUSTOMERS / ROWS;
  for (let row = 0; row < ROWS; row++) {
    let customer: number;
    if (customers === 0 || (customers < CUSTOMERS && next() < newShare)) customer = customers++;
    else {
      const u = next();
      customer = customers - 1 - Math.floor(u * u * customers);
    }
    const at = new Date(start + Math.floor((row / ROWS) * span)).toISOString();
    const cents = 500 + Math.floor(next() * 20_000);
    chunk += `c${customer},o${row},${at},${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')},${countries[customer % 8]}\n`;
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

function seconds(from: bigint): number {
  return Number(process.hrtime.bigint() - from) / 1e9;
}

/** Ours: the real CLI in a fresh process; GNU time reports its peak resident set. */
function runOurs(file: string): { seconds: number; peakMb: number; cohortCustomers: number } {
  const began = process.hrtime.bigint();
  const ours = spawnSync(
    '/usr/bin/time',
    ['-f', 'MAXRSS_KB=%M', process.execPath, join(root, 'bin', 'retain.js'), 'analyze', file, '--json'],
    { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  const elapsed = seconds(began);
  if (ours.status !== 0) {
    process.stderr.write(ours.stderr);
    throw new Error(`retain analyze failed with exit code ${ours.status}`);
  }
  const report = JSON.parse(ours.stdout) as { cohorts: { rows: { size: number }[] } };
  return {
    seconds: elapsed,
    peakMb: Number(/MAXRSS_KB=(\d+)/.exec(ours.stderr)?.[1] ?? Number.NaN) / 1024,
    cohortCustomers: report.cohorts.rows.reduce((sum, row) => sum + row.size, 0),
  };
}

/** Reference: DuckDB, same file, the monthly first-time cohort matrix (2 threads on this machine). */
async function runDuckDb(file: string): Promise<{ seconds: number; cohortCustomers: number }> {
  const duck = await DuckDBInstance.create(':memory:');
  const connection = await duck.connect();
  const began = process.hrtime.bigint();
  const result = await connection.runAndReadAll(`
    WITH o AS (
      SELECT customer_id, date_trunc('month', ordered_at::TIMESTAMP) AS month
      FROM read_csv('${file}', header = true,
        columns = { 'customer_id': 'VARCHAR', 'order_id': 'VARCHAR', 'ordered_at': 'TIMESTAMPTZ', 'amount': 'DECIMAL(12,2)', 'country': 'VARCHAR' })
    ),
    first AS (SELECT customer_id, min(month) AS cohort FROM o GROUP BY customer_id),
    active AS (SELECT DISTINCT o.customer_id, f.cohort, o.month FROM o JOIN first f USING (customer_id))
    SELECT cohort, date_diff('month', cohort, month) AS k, count(*) AS customers
    FROM active GROUP BY cohort, k ORDER BY cohort, k`);
  const elapsed = seconds(began);
  const cohortCustomers = result
    .getRowObjects()
    .filter((row) => Number(row.k) === 0)
    .reduce((sum, row) => sum + Number(row.customers), 0);
  connection.closeSync();
  duck.closeSync();
  return { seconds: elapsed, cohortCustomers };
}

async function main(): Promise<void> {
  const dataDir = join(root, 'bench', '.data');
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, `orders-${ROWS}-${CUSTOMERS}.csv`);
  if (!existsSync(file)) {
    process.stdout.write(
      `generating ${ROWS.toLocaleString('en-US')} orders over ${CUSTOMERS.toLocaleString('en-US')} customers…\n`,
    );
    const began = process.hrtime.bigint();
    await generate(file);
    process.stdout.write(
      `  ${(statSync(file).size / 1e6).toFixed(0)} MB in ${seconds(began).toFixed(1)} s\n`,
    );
  }

  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
    spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  }

  const oursRuns: number[] = [];
  const duckRuns: number[] = [];
  let peakMb = 0;
  let ourCohortCustomers = 0;
  let duckCohortCustomers = 0;
  for (let run = 0; run < RUNS; run++) {
    const ours = runOurs(file);
    oursRuns.push(ours.seconds);
    peakMb = Math.max(peakMb, ours.peakMb);
    ourCohortCustomers = ours.cohortCustomers;
    const duck = await runDuckDb(file);
    duckRuns.push(duck.seconds);
    duckCohortCustomers = duck.cohortCustomers;
  }
  const oursSeconds = Math.min(...oursRuns);
  const duckSeconds = Math.min(...duckRuns);
  const runs = (times: number[]) => times.map((time) => time.toFixed(2)).join(', ');

  const rowsPerSecond = ROWS / oursSeconds;
  const ratio = oursSeconds / duckSeconds;
  const lines = [
    `rows                     ${ROWS.toLocaleString('en-US')} orders, ${CUSTOMERS.toLocaleString('en-US')} customers, ${(statSync(file).size / 1e6).toFixed(0)} MB`,
    `retain analyze (whole)   ${oursSeconds.toFixed(2)} s   ${(rowsPerSecond / 1e6).toFixed(2)} M rows/s   (target ≥ 1.00; best of ${runs(oursRuns)} s)`,
    `peak memory              ${peakMb.toFixed(0)} MB   (target < 2048)`,
    `DuckDB cohort matrix     ${duckSeconds.toFixed(2)} s   (best of ${runs(duckRuns)} s)`,
    `ratio ours / DuckDB      ${ratio.toFixed(2)}×   (target ≤ 2.00)`,
    `cohort customers         ours ${ourCohortCustomers.toLocaleString('en-US')}, DuckDB ${duckCohortCustomers.toLocaleString('en-US')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
