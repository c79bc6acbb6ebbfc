/**
 * `npx tsx bench/import.bench.ts [rows] [--runs N]` (default 1,000,000 orders of rows/10
 * customers, best of 2 alternating runs): order rows per second through `runImport`, end to end
 * (fingerprint, validate, parse, store), into SQLite, for
 * - a first import: the file into an empty workspace of a fresh store;
 * - a re-import: the same file again into that workspace (every row already stored, unchanged);
 * - an incremental import: a second file of as many new orders (a tenth of them from new
 *   customers) into the workspace that already holds the first;
 * each beside the same-run reference: the simplest fast loop there is — better-sqlite3, one
 * prepared single-row INSERT per customer and per order, one transaction, values already parsed —
 * into the same schema. PostgreSQL is measured beside it (one run of each).
 *
 * It runs the built package (dist/, as `retain import` does; `npm run bench` builds it first;
 * BENCH_DIST=<dist directory> measures another build, e.g. an earlier commit's).
 *
 * Targets (issue 8 part 4), on SQLite: first import ≥ 150 k rows/s, re-import ≥ 200 k rows/s,
 * incremental ≥ the raw loop. Rates move with the shared machine's load; the ratio to the raw
 * loop measured in the same run does not (much). Each line also gives this process's CPU time per
 * million rows (`process.cpuUsage`: every thread of the process, the import's reader thread
 * included; on PostgreSQL the server's work is not in it) and the CPU ratio to the raw loop, which
 * a loaded machine moves less than wall time; the load average is printed at the start, after
 * each run and at the end.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Sqlite from 'better-sqlite3';
import pg from 'pg';

// The built package, as `retain import` and the server run it (`npm run bench` builds it first):
// from the sources, each of the import's worker threads would first compile them (tsx), a cost
// no user pays. BENCH_DIST=<dir> measures another build (e.g. an earlier commit's dist/).
const dist = pathToFileURL(
  `${process.env.BENCH_DIST ?? fileURLToPath(new URL('../dist', import.meta.url))}/`,
);
const { migrateToLatest, newId, openDatabase } = (await import(
  new URL('db/index.js', dist).href
)) as typeof import('../src/db/index.js');
const { runImport } = (await import(
  new URL('imports/index.js', dist).href
)) as typeof import('../src/imports/index.js');
const { createWorkspace } = (await import(
  new URL('workspaces/workspace.repository.js', dist).href
)) as typeof import('../src/workspaces/workspace.repository.js');

const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag === -1 ? 2 : Number(process.argv[runsFlag + 1]);
const ROWS = Number(
  process.argv
    .slice(2)
    .find((argument, index, all) => /^\d+$/.test(argument) && all[index - 1] !== '--runs') ?? 1_000_000,
);
const CUSTOMERS = Math.max(1, Math.floor(ROWS / 10));
const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const directory = mkdtempSync(join(tmpdir(), 'retain-import-bench-'));

/** Orders `first…first+ROWS-1`; customers cycle through `customers` ids (from `c0`). */
function writeOrders(name: string, first: number, customers: number): string {
  const path = join(directory, name);
  const lines = ['order_id,customer_id,ordered_at,amount,currency'];
  for (let index = first; index < first + ROWS; index++) {
    const day = String(1 + (index % 28)).padStart(2, '0');
    const month = String(1 + (index % 12)).padStart(2, '0');
    const cents = (index % 9_973) + 100;
    const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    lines.push(`o${index},c${index % customers},2024-${month}-${day},${amount},USD`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** Wall seconds and this process's CPU seconds (every thread: the reader thread included). */
interface Timed {
  readonly seconds: number;
  readonly cpu: number;
}

interface ImportTimes {
  readonly first: Timed;
  readonly again: Timed;
  readonly incremental: Timed;
}

/** Runs `work`, timing its wall time and the process's CPU time (`process.cpuUsage`). */
async function timedWork(work: () => unknown): Promise<Timed> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { seconds, cpu: (cpu.user + cpu.system) / 1e6 };
}

/** First import, re-import and incremental import into one fresh store (seconds each). */
async function importsInto(url: string, first: string, second: string): Promise<ImportTimes> {
  const connection = openDatabase(url);
  try {
    await migrateToLatest(connection.db);
    const { workspace } = await createWorkspace(connection.db, { name: 'Bench', slug: `bench-${newId()}` });
    const timed = (file: string): Promise<Timed> =>
      timedWork(async () => {
        const outcome = await runImport(connection.db, {
          workspaceId: workspace.id,
          path: file,
          type: 'orders',
        });
        if (outcome.run.status !== 'succeeded' || outcome.run.rowsWritten !== ROWS) {
          throw new Error(`import ${outcome.run.status}: wrote ${outcome.run.rowsWritten} of ${ROWS}`);
        }
      });
    const firstSeconds = await timed(first);
    const againSeconds = await timed(first);
    const incrementalSeconds = await timed(second);
    return { first: firstSeconds, again: againSeconds, incremental: incrementalSeconds };
  } finally {
    await connection.close();
  }
}

/**
 * The reference: raw prepared single-row INSERTs of the same customers and orders (pre-parsed),
 * into an empty workspace (`first`); then, as a second reference for the incremental import, the
 * incremental file's orders (and its new customers) by the same loop into the filled workspace
 * (`incremental`).
 */
async function rawInsertLoop(run: number): Promise<{ first: Timed; incremental: Timed }> {
  const path = join(directory, `raw-${run}.db`);
  const setup = openDatabase(`sqlite:${path}`);
  await migrateToLatest(setup.db);
  const { workspace } = await createWorkspace(setup.db, { name: 'Raw', slug: `raw-${newId()}` });
  await setup.close();
  const sqlite = new Sqlite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const ordersFrom = (first: number, customers: number) =>
    Array.from({ length: ROWS }, (_, offset) => ({
      externalId: `o${first + offset}`,
      customer: (first + offset) % customers,
      orderedAt: Date.UTC(2024, (first + offset) % 12, 1 + ((first + offset) % 28)),
      cents: ((first + offset) % 9_973) + 100,
    }));
  const orders = ordersFrom(0, CUSTOMERS);
  const moreCustomers = Math.floor(CUSTOMERS * 1.1);
  const moreOrders = ordersFrom(ROWS, moreCustomers);
  const insertCustomer = sqlite.prepare(
    'insert into customer (workspace_id, external_id, created_at, updated_at) values (?, ?, ?, ?)',
  );
  const insertOrder = sqlite.prepare(
    `insert into customer_order (workspace_id, external_id, customer_id, ordered_at, currency, amount_cents, status, source, created_at, updated_at)
     values (?, ?, ?, ?, 'USD', ?, 'completed', 'csv', ?, ?)`,
  );
  const now = Date.now();
  const customerIds: number[] = [];
  const load = (rows: typeof orders, customers: number): Promise<Timed> =>
    timedWork(() =>
      sqlite.transaction(() => {
        for (let index = customerIds.length; index < customers; index++) {
          customerIds.push(Number(insertCustomer.run(workspace.id, `c${index}`, now, now).lastInsertRowid));
        }
        for (const order of rows) {
          insertOrder.run(
            workspace.id,
            order.externalId,
            customerIds[order.customer],
            order.orderedAt,
            order.cents,
            now,
            now,
          );
        }
      })(),
    );
  const first = await load(orders, CUSTOMERS);
  const incremental = await load(moreOrders, moreCustomers);
  sqlite.close();
  return { first, incremental };
}

async function postgresSchemaUrl(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const schema = `retain_bench_${process.pid}_${Date.now().toString(36)}`;
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query(`create schema "${schema}"`);
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return {
    url: url.toString(),
    drop: async () => {
      const admin = new pg.Client({ connectionString: POSTGRES_URL });
      await admin.connect();
      await admin.query(`drop schema "${schema}" cascade`);
      await admin.end();
    },
  };
}

const rate = (seconds: number) => `${String(Math.round(ROWS / seconds / 1000)).padStart(4)} k rows/s`;
/** CPU seconds per million rows. */
const cpuPerMillion = (cpu: number) => `CPU ${((cpu * 1e6) / ROWS).toFixed(2).padStart(5)} s/1 M`;
const line = (label: string, times: Timed, extra = '') =>
  `  ${label.padEnd(36)} ${times.seconds.toFixed(2).padStart(6)} s  ${rate(times.seconds)}  ${cpuPerMillion(times.cpu)}${extra}`;
/** The run with the least wall time, and the least CPU time of all runs (each its own best). */
const best = (values: readonly Timed[]): Timed => ({
  seconds: Math.min(...values.map((value) => value.seconds)),
  cpu: Math.min(...values.map((value) => value.cpu)),
});
const loadAverage = () =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');

try {
  const first = writeOrders('orders.csv', 0, CUSTOMERS);
  // The next ROWS orders; a tenth of their customers are new (c<CUSTOMERS>… up to 1.1 × CUSTOMERS).
  const second = writeOrders('more-orders.csv', ROWS, Math.floor(CUSTOMERS * 1.1));
  process.stdout.write(
    `import bench: ${ROWS.toLocaleString('en')} orders of ${CUSTOMERS.toLocaleString('en')} customers, best of ${RUNS} alternating runs; load average ${loadAverage()} on ${availableParallelism()} cores\n`,
  );
  const raw: Timed[] = [];
  const rawMore: Timed[] = [];
  const imports: ImportTimes[] = [];
  const show = (times: Timed) => `${times.seconds.toFixed(2)} s (CPU ${times.cpu.toFixed(2)} s)`;
  for (let run = 0; run < RUNS; run++) {
    const loops = await rawInsertLoop(run);
    raw.push(loops.first);
    rawMore.push(loops.incremental);
    imports.push(await importsInto(`sqlite:${join(directory, `import-${run}.db`)}`, first, second));
    const last = imports.at(-1)!;
    process.stdout.write(
      `  run ${run + 1}: raw ${show(raw.at(-1)!)}, then ${show(rawMore.at(-1)!)} into the filled workspace; first ${show(last.first)}, re-import ${show(last.again)}, incremental ${show(last.incremental)}; load ${loadAverage()}\n`,
    );
  }
  const rawTimes = best(raw);
  const rawMoreTimes = best(rawMore);
  const ratio = (times: Timed, reference: Timed = rawTimes) =>
    `  ${(reference.seconds / times.seconds).toFixed(2)} × raw (CPU ${(reference.cpu / times.cpu).toFixed(2)} ×)`;
  const firstTimes = best(imports.map((times) => times.first));
  const againTimes = best(imports.map((times) => times.again));
  const incrementalTimes = best(imports.map((times) => times.incremental));
  const verdict = (ok: boolean) => (ok ? ' ✔' : ' ✘');
  const lines = [
    "SQLite (ratios: the raw loop's time over the import's, wall and CPU; above 1 the import is faster)",
    line('raw single-row INSERT loop (ref.)', rawTimes, '  (reference, same run)'),
    line(
      'first import, empty workspace',
      firstTimes,
      `${ratio(firstTimes)}  target ≥ 150 k rows/s${verdict(ROWS / firstTimes.seconds >= 150_000)}`,
    ),
    line(
      're-import of the same file',
      againTimes,
      `${ratio(againTimes)}  target ≥ 200 k rows/s${verdict(ROWS / againTimes.seconds >= 200_000)}`,
    ),
    line(
      'incremental import (new rows)',
      incrementalTimes,
      `${ratio(incrementalTimes)}  target ≥ 1.00 × raw${verdict(incrementalTimes.seconds <= rawTimes.seconds)}`,
    ),
    line(
      'raw loop of the same new rows (ref.)',
      rawMoreTimes,
      `  into the filled workspace: the import runs at ${(rawMoreTimes.seconds / incrementalTimes.seconds).toFixed(2)} × it (CPU ${(rawMoreTimes.cpu / incrementalTimes.cpu).toFixed(2)} ×)`,
    ),
  ];
  // BENCH_POSTGRES=0 leaves PostgreSQL out (SQLite experiments).
  const postgres = process.env.BENCH_POSTGRES === '0' ? null : await postgresSchemaUrl();
  if (postgres === null) {
    lines.push(
      process.env.BENCH_POSTGRES === '0'
        ? 'PostgreSQL: left out (BENCH_POSTGRES=0)'
        : 'PostgreSQL: unreachable, not measured',
    );
  } else {
    try {
      const times = await importsInto(postgres.url, first, second);
      lines.push(
        "PostgreSQL (one run; CPU: this process only, not the server's)",
        line('first import, empty workspace', times.first, ratio(times.first)),
        line('re-import of the same file', times.again, ratio(times.again)),
        line('incremental import (new rows)', times.incremental, ratio(times.incremental)),
      );
    } finally {
      await postgres.drop();
    }
  }
  lines.push(`load average at the end ${loadAverage()}`);
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
