/**
 * `/v1/track` throughput with flows active (`npx tsx bench/flows.bench.ts [seconds] [rounds]`,
 * default bursts of 3 s, 6 rounds): events per second acknowledged (2xx) by the real server
 * (`buildApp` + `@hono/node-server`, a child process on 127.0.0.1), loaded by autocannon with
 * `POST /v1/batch` of 100 track events per request (unique messageIds, 1,000 users) — without
 * flows and with 10 active event-triggered flows (issue 12: ≥ 80 % of the figure without flows).
 *
 * Both servers run side by side in the same run, each on its own fresh store (SQLite file,
 * PostgreSQL schema), and the load alternates between them in short bursts (ABBA order, `rounds`
 * pairs after a warm-up burst each), so the machine's drift — other work on a shared box — falls
 * on both alike. The ratio is of the summed events of the "with" bursts to the "without" ones; each
 * pair's own ratio and the median are printed too. Then `rounds` bursts load both servers at once
 * (one autocannon each): on a busy machine the steadier figure, since every disturbance hits both
 * at the same instants and each server gets its share of the cores — the ratio of what each
 * acknowledged is then the ratio of their throughput per CPU share.
 *
 * The flows trigger on the two names the load sends ("Product Viewed", "Order Completed") and
 * eight others, so every event is a trigger occurrence: the hook's worst case (one `flow_trigger`
 * row per event, in the event's transaction). The flows' tick itself runs in the job worker, not
 * in this server (the rows it would delete accumulate here).
 *
 * Child mode (internal): `flows.bench.ts --serve <database-url> <flows>`.
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
import { activateFlow, createFlow } from '../src/flows/index.js';
import { buildApp } from '../src/server/index.js';
import { createWorkspace } from '../src/workspaces/workspace.repository.js';

const EVENTS_PER_BATCH = 100;
const DISTINCT_USERS = 1_000;
const CONNECTIONS = 10;
const TRIGGER_NAMES = [
  'Product Viewed',
  'Order Completed',
  'Signed Up',
  'Cart Abandoned',
  'Checkout Started',
  'Reviewed',
  'Wishlisted',
  'Searched',
  'Subscribed',
  'Logged In',
];

/** The next batch's sequence number: messageIds stay unique across bursts and servers. */
let sequence = 0;

if (process.argv[2] === '--serve') {
  await serveForBench(process.argv[3] ?? 'sqlite::memory:', Number(process.argv[4] ?? 0));
} else {
  await main(Number(process.argv[2] ?? 3), Number(process.argv[3] ?? 6));
}

async function serveForBench(url: string, flows: number): Promise<void> {
  const connection = openDatabase(url);
  await migrateToLatest(connection.db);
  const { workspace, writeKey } = await createWorkspace(connection.db, {
    name: 'Bench',
    slug: `bench-${randomBytes(4).toString('hex')}`,
  });
  for (let index = 0; index < flows; index++) {
    const flow = await createFlow(connection.db, {
      workspaceId: workspace.id,
      name: `Flow ${index}`,
      definition: {
        trigger: { type: 'event', event: TRIGGER_NAMES[index % TRIGGER_NAMES.length] },
        steps: [
          { type: 'wait', duration: { days: 1 } },
          { type: 'send_email', subject: 'Hi', html: '<p>Hi</p>' },
        ],
      },
      createdBy: null,
      actor: { type: 'system' },
      now: Date.now(),
      checkTemplate: () => ({ ok: true }),
    });
    await activateFlow(connection.db, {
      workspaceId: workspace.id,
      id: flow.id,
      actor: { type: 'system' },
      now: Date.now(),
    });
  }
  const app = buildApp({ db: connection.db, dialect: connection.dialect, now: () => Date.now() });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
    process.stdout.write(`${JSON.stringify({ port: info.port, writeKey })}\n`);
  });
  const cpuAtStart = process.cpuUsage();
  process.on('SIGTERM', () => {
    // The server process's CPU time over the run (SQLite's work included: it runs in this process).
    const cpu = process.cpuUsage(cpuAtStart);
    process.stdout.write(`${JSON.stringify({ cpuMicroseconds: cpu.user + cpu.system })}\n`);
    server.close(() => {
      void connection.close().then(() => process.exit(0));
    });
  });
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

interface BenchServer {
  readonly child: ChildProcess;
  readonly port: number;
  readonly writeKey: string;
  /** The next line the server prints (after SIGTERM: its CPU time). */
  readonly nextLine: () => Promise<string | undefined>;
}

async function startServer(url: string, flows: number): Promise<BenchServer> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', url, String(flows)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const nextLine = async () => {
    const next = await lines.next();
    return next.done === true ? undefined : String(next.value);
  };
  const first = await nextLine();
  if (first === undefined) throw new Error('The bench server exited before listening');
  return { child, nextLine, ...(JSON.parse(first) as { port: number; writeKey: string }) };
}

/** Stops the server; resolves its CPU time since it started listening, µs. */
async function stopServer(server: BenchServer): Promise<number> {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  const line = await server.nextLine();
  await exited;
  return line === undefined ? Number.NaN : (JSON.parse(line) as { cpuMicroseconds: number }).cpuMicroseconds;
}

/** Events/s acknowledged during one burst of load on `server`. */
async function burst(server: BenchServer, seconds: number): Promise<number> {
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/v1/batch',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${server.writeKey}:`).toString('base64')}`,
        },
        setupRequest: (request) => ({ ...request, body: batchBody(sequence++) }),
      },
    ],
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) process.stdout.write(`  (${failed} requests failed)\n`);
  return (result['2xx'] / (result.duration || 1)) * EVENTS_PER_BATCH;
}

interface Store {
  readonly url: string;
  readonly counts: () => Promise<{ events: number; triggers: number }>;
  readonly drop: () => Promise<void>;
}

/**
 * Without and with flows side by side: a server each on a fresh store, then `rounds` pairs of
 * bursts in ABBA order. Prints events/s per burst, the ratio of the sums and the median pair
 * ratio, and the server's CPU time per stored event (on SQLite it includes the store's work, on
 * PostgreSQL not the database server's). Returns the ratio of the sums.
 */
async function benchStore(
  label: string,
  freshStore: () => Promise<Store>,
  seconds: number,
  rounds: number,
): Promise<number> {
  const stores = [await freshStore(), await freshStore()] as const;
  const servers: BenchServer[] = [];
  const rate = { without: [] as number[], with: [] as number[] };
  const together = { without: [] as number[], with: [] as number[] };
  const cpu = [Number.NaN, Number.NaN];
  try {
    servers.push(await startServer(stores[0].url, 0), await startServer(stores[1].url, 10));
    await burst(servers[0]!, 1); // warm-up: statements prepared, caches filled
    await burst(servers[1]!, 1);
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const index of order) {
        const eventsPerSecond = await burst(servers[index]!, seconds);
        (index === 0 ? rate.without : rate.with).push(eventsPerSecond);
      }
    }
    // Then both loaded at once: whatever else the machine does hits both at the same instants.
    for (let round = 0; round < rounds; round++) {
      const [without, withFlows] = await Promise.all([
        burst(servers[0]!, seconds),
        burst(servers[1]!, seconds),
      ]);
      together.without.push(without);
      together.with.push(withFlows);
    }
  } finally {
    for (const [index, server] of servers.entries()) cpu[index] = await stopServer(server);
  }
  const counts = [await stores[0].counts(), await stores[1].counts()];
  for (const store of stores) await store.drop();
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const ratio = sum(rate.with) / sum(rate.without);
  const pairs = rate.with.map((value, index) => value / rate.without[index]!);
  const median = [...pairs].sort((left, right) => left - right)[Math.floor(pairs.length / 2)]!;
  const togetherRatio = sum(together.with) / sum(together.without);
  const cpuPerEvent = counts.map((count, index) => cpu[index]! / Math.max(1, count.events));
  const format = (values: number[]) =>
    values.map((value) => Math.round(value).toLocaleString('en')).join(', ');
  process.stdout.write(
    `${label.padEnd(9)} without flows ${format(rate.without)} events/s | with 10 flows ${format(rate.with)} events/s\n` +
      `${''.padEnd(9)} throughput ratio ${ratio.toFixed(3)} (pairs ${pairs.map((value) => value.toFixed(2)).join(', ')};` +
      ` median ${median.toFixed(2)}) ${ratio >= 0.8 ? 'meets' : 'BELOW'} the 0.80 target\n` +
      `${''.padEnd(9)} loaded at once: without ${format(together.without)}, with ${format(together.with)} events/s` +
      ` | ratio ${togetherRatio.toFixed(3)} ${togetherRatio >= 0.8 ? 'meets' : 'BELOW'} the 0.80 target\n` +
      `${''.padEnd(9)} server CPU per stored event: without ${cpuPerEvent[0]!.toFixed(0)} µs, with ${cpuPerEvent[1]!.toFixed(0)} µs` +
      ` | trigger rows per stored event ${(counts[1]!.triggers / Math.max(1, counts[1]!.events)).toFixed(2)}\n`,
  );
  return ratio;
}

async function main(seconds: number, rounds: number): Promise<void> {
  process.stdout.write(
    `POST /v1/batch, ${EVENTS_PER_BATCH} track events per request, ${CONNECTIONS} connections, ${rounds} pairs of ${seconds} s bursts\n`,
  );
  const directory = mkdtempSync(join(tmpdir(), 'retain-bench-flows-'));
  let file = 0;
  try {
    await benchStore(
      'sqlite',
      async () => {
        const url = `sqlite:${join(directory, `retain-${file++}.db`)}`;
        return {
          url,
          counts: async () => {
            const connection = openDatabase(url);
            const events = await connection.db
              .selectFrom('event')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow();
            const triggers = await connection.db
              .selectFrom('flow_trigger')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow();
            await connection.close();
            return { events: Number(events.n), triggers: Number(triggers.n) };
          },
          drop: async () => {},
        };
      },
      seconds,
      rounds,
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }

  const postgresUrl =
    process.env.BENCH_DATABASE_URL ??
    process.env.TEST_DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/test';
  const admin = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (error) {
    process.stdout.write(`postgres  skipped: ${error instanceof Error ? error.message : String(error)}\n`);
    return;
  }
  try {
    await benchStore(
      'postgres',
      async () => {
        const schema = `retain_bench_${randomBytes(4).toString('hex')}`;
        await admin.query(`create schema "${schema}"`);
        const url = new URL(postgresUrl);
        url.searchParams.set('schema', schema);
        return {
          url: url.toString(),
          counts: async () => {
            const events = await admin.query<{ n: string }>(`select count(*) as n from "${schema}".event`);
            const triggers = await admin.query<{ n: string }>(
              `select count(*) as n from "${schema}".flow_trigger`,
            );
            return { events: Number(events.rows[0]?.n ?? 0), triggers: Number(triggers.rows[0]?.n ?? 0) };
          },
          drop: async () => {
            await admin.query(`drop schema if exists "${schema}" cascade`);
          },
        };
      },
      seconds,
      rounds,
    );
  } finally {
    await admin.end();
  }
}
