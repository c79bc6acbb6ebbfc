/**
 * `npx tsx bench/import.bench.ts [rows]`: order rows per second through `runImport` (validate pass
 * + write pass, upserts on natural keys, customers created on the way) into a fresh SQLite file,
 * with the PostgreSQL figure beside it, and a same-run reference: the same rows written by the
 * simplest fast loop there is — better-sqlite3 prepared single-row INSERTs in one transaction,
 * rows already parsed in memory — so the ratio says what the import costs over raw inserts on this
 * machine. Target (issue #4): ≥ 300 k order rows/s into SQLite.
 *
 * The raw loop is this schema's ceiling on SQLite, not the import's: every order row writes four
 * B-trees (primary key on a 36-character UUID text, the unique external id, and the
 * (customer, ordered_at) and (ordered_at) indexes, the last two at random positions), and that is
 * ~85–95 k rows/s on the 2-core bench machine even with no parsing, no upsert and one transaction.
 * Profiled (node --cpu-prof): ~75 % of the import's time is inside SQLite's statement execution.
 * The output says how far the 300 k target is above that ceiling, and shows where the ceiling comes
 * from with a ladder measured in the same run: the same pre-parsed rows inserted by the same loop
 * into an in-file table with the order table's columns and no key at all, then with each of the
 * order table's B-trees added in turn (primary key, unique external id, customer index, date
 * index). The first rung — a table with no index, no constraint and no parsing — is the fastest
 * single-row insert SQLite does here; it is the bound for any import of order rows into SQLite.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { migrateToLatest, newId, openDatabase } from '../src/db/index.js';
import { runImport } from '../src/imports/index.js';
import { createWorkspace } from '../src/workspaces/workspace.repository.js';

const ROWS = Number(process.argv[2] ?? 300_000);
const CUSTOMERS = Math.max(1, Math.floor(ROWS / 10));
const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const directory = mkdtempSync(join(tmpdir(), 'retain-import-bench-'));

function generate(): string {
  const path = join(directory, 'orders.csv');
  const lines = ['order_id,customer_id,ordered_at,amount,currency'];
  for (let index = 0; index < ROWS; index++) {
    const day = String(1 + (index % 28)).padStart(2, '0');
    const month = String(1 + (index % 12)).padStart(2, '0');
    const cents = (index % 9_973) + 100;
    const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    lines.push(`o${index},c${index % CUSTOMERS},2024-${month}-${day},${amount},USD`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function importInto(url: string, file: string): Promise<number> {
  const connection = openDatabase(url);
  try {
    await migrateToLatest(connection.db);
    const { workspace } = await createWorkspace(connection.db, { name: 'Bench', slug: `bench-${newId()}` });
    const started = performance.now();
    const outcome = await runImport(connection.db, { workspaceId: workspace.id, path: file, type: 'orders' });
    const seconds = (performance.now() - started) / 1000;
    if (outcome.run.rowsWritten !== ROWS) throw new Error(`wrote ${outcome.run.rowsWritten} of ${ROWS}`);
    return seconds;
  } finally {
    await connection.close();
  }
}

/** The reference: raw prepared INSERTs of the same customers and orders (values pre-parsed). */
async function rawInsertLoop(): Promise<number> {
  const path = join(directory, 'raw.db');
  const setup = openDatabase(`sqlite:${path}`);
  await migrateToLatest(setup.db);
  const { workspace } = await createWorkspace(setup.db, { name: 'Raw', slug: `raw-${newId()}` });
  await setup.close();
  const sqlite = new Sqlite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const customerIds: string[] = Array.from({ length: CUSTOMERS }, () => newId());
  const orders = Array.from({ length: ROWS }, (_, index) => ({
    id: newId(),
    externalId: `o${index}`,
    customer: customerIds[index % CUSTOMERS]!,
    orderedAt: Date.UTC(2024, index % 12, 1 + (index % 28)),
    cents: (index % 9_973) + 100,
  }));
  const insertCustomer = sqlite.prepare(
    'insert into customer (workspace_id, id, external_id, created_at, updated_at) values (?, ?, ?, ?, ?)',
  );
  const insertOrder = sqlite.prepare(
    `insert into customer_order (workspace_id, id, external_id, customer_id, ordered_at, currency, amount_cents, status, source, created_at, updated_at)
     values (?, ?, ?, ?, ?, 'USD', ?, 'completed', 'csv', ?, ?)`,
  );
  const now = Date.now();
  const started = performance.now();
  sqlite.transaction(() => {
    customerIds.forEach((id, index) => {
      insertCustomer.run(workspace.id, id, `c${index}`, now, now);
    });
    for (const order of orders) {
      insertOrder.run(
        workspace.id,
        order.id,
        order.externalId,
        order.customer,
        order.orderedAt,
        order.cents,
        now,
        now,
      );
    }
  })();
  const seconds = (performance.now() - started) / 1000;
  sqlite.close();
  return seconds;
}

/**
 * The ladder: rows/s of the raw loop into a scratch table with `customer_order`'s columns, with
 * more of its B-trees at each rung. Each rung is a fresh file so no rung warms the next.
 */
function ceilingLadder(): { rung: string; seconds: number }[] {
  const rungs: [rung: string, keys: string, indexes: string[]][] = [
    ['no key, no index (heap table)', '', []],
    ['+ primary key (workspace_id, id)', ', primary key (workspace_id, id)', []],
    [
      '+ unique (workspace_id, external_id)',
      ', primary key (workspace_id, id), unique (workspace_id, external_id)',
      [],
    ],
    [
      '+ index (workspace_id, customer_id, ordered_at)',
      ', primary key (workspace_id, id), unique (workspace_id, external_id)',
      ['(workspace_id, customer_id, ordered_at)'],
    ],
    [
      '+ index (workspace_id, ordered_at) = customer_order',
      ', primary key (workspace_id, id), unique (workspace_id, external_id)',
      ['(workspace_id, customer_id, ordered_at)', '(workspace_id, ordered_at)'],
    ],
  ];
  const workspaceId = newId();
  const customerIds: string[] = Array.from({ length: CUSTOMERS }, () => newId());
  const orders = Array.from({ length: ROWS }, (_, index) => ({
    id: newId(),
    externalId: `o${index}`,
    customer: customerIds[index % CUSTOMERS]!,
    orderedAt: Date.UTC(2024, index % 12, 1 + (index % 28)),
    cents: (index % 9_973) + 100,
  }));
  return rungs.map(([rung, keys, indexes], position) => {
    const sqlite = new Sqlite(join(directory, `ladder-${position}.db`));
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.exec(
      `create table scratch_order (workspace_id text not null, id text not null, external_id text,
         customer_id text not null, ordered_at bigint not null, currency text not null,
         amount_cents bigint not null, status text not null, source text, created_at bigint not null,
         updated_at bigint not null${keys})`,
    );
    indexes.forEach((columns, number) => {
      sqlite.exec(`create index scratch_order_${number} on scratch_order ${columns}`);
    });
    const insert = sqlite.prepare(
      `insert into scratch_order values (?, ?, ?, ?, ?, 'USD', ?, 'completed', 'csv', ?, ?)`,
    );
    const now = Date.now();
    const started = performance.now();
    sqlite.transaction(() => {
      for (const order of orders) {
        insert.run(
          workspaceId,
          order.id,
          order.externalId,
          order.customer,
          order.orderedAt,
          order.cents,
          now,
          now,
        );
      }
    })();
    const seconds = (performance.now() - started) / 1000;
    sqlite.close();
    return { rung, seconds };
  });
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

const rate = (seconds: number) => `${Math.round(ROWS / seconds / 1000)} k rows/s`;
try {
  const file = generate();
  process.stdout.write(
    `import bench: ${ROWS.toLocaleString('en')} orders of ${CUSTOMERS.toLocaleString('en')} customers\n`,
  );
  const sqliteSeconds = await importInto(`sqlite:${join(directory, 'import.db')}`, file);
  const rawSeconds = await rawInsertLoop();
  const ladder = ceilingLadder();
  const postgres = await postgresSchemaUrl();
  let postgresLine = 'PostgreSQL: unreachable, not measured';
  if (postgres !== null) {
    try {
      const seconds = await importInto(postgres.url, file);
      postgresLine = `PostgreSQL  runImport                  ${seconds.toFixed(2)} s  ${rate(seconds)}`;
    } finally {
      await postgres.drop();
    }
  }
  process.stdout.write(
    [
      `SQLite      runImport (2 passes, upsert) ${sqliteSeconds.toFixed(2)} s  ${rate(sqliteSeconds)}  (target ≥ 300 k rows/s)`,
      `SQLite      raw prepared INSERT loop     ${rawSeconds.toFixed(2)} s  ${rate(rawSeconds)}  (reference, same run)`,
      `            import / raw reference       ${(rawSeconds / sqliteSeconds).toFixed(2)} × the raw loop's throughput`,
      `            the 300 k target is ${(300_000 / (ROWS / rawSeconds)).toFixed(1)} × this schema's raw ceiling (the raw loop) on this machine: not reachable by the import alone`,
      postgresLine,
      '',
      "Where the ceiling comes from: the raw loop, same rows, into a scratch table with more of the order table's B-trees",
      ...ladder.map(({ rung, seconds }) => `  ${rung.padEnd(52)} ${seconds.toFixed(2)} s  ${rate(seconds)}`),
      '',
    ].join('\n'),
  );
} finally {
  rmSync(directory, { recursive: true, force: true });
}
