/**
 * Customer list benchmark (`npx tsx bench/customers.bench.ts`): the list, its filters and sorts,
 * the at-risk list, the search and the CSV export on a generated workspace on SQLite — by default
 * 200,000 customers (a few minutes with the generation); `RETAIN_BENCH_CUSTOMERS=1000000` for the
 * million of issue 11 (docs/benchmarks.md has both). Each query is the service the route calls,
 * answer serialised to JSON, repeated; printed: median and p95, and the p95 as a ratio to the
 * reference measured in the same run — one scan of the workspace's customers, which is what every
 * page would cost without the indexes of migration 006.
 *
 * The workspace is generated in SQL (a recursive CTE), deterministic: customers with e-mails,
 * names and 20 countries; a stored score row each (risk 0–100, RFM segments, orders, value,
 * predicted CLV — null for one in 17 —, last order over two years); 5,000 more customers without
 * scores. `writeCustomerScores` — the score job's write — is timed on 20,000 rows beside it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { customersCsvStream } from '../src/customers/customer-export.js';
import { listCustomersPage } from '../src/customers/customer-list.service.js';
import {
  type CustomerListFilter,
  finishScoreRun,
  RFM_SEGMENT_CODES,
  startScoreRun,
  writeCustomerScores,
} from '../src/customers/index.js';
import { migrateToLatest, openDatabase } from '../src/db/index.js';
import { createWorkspace } from '../src/workspaces/workspace.repository.js';

const CUSTOMERS = Number(process.env.RETAIN_BENCH_CUSTOMERS ?? 200_000);
const UNSCORED = 5_000;
const RUNS = 30;
const DAY = 86_400_000;
const BASE = Date.UTC(2023, 0, 1);

const directory = mkdtempSync(join(tmpdir(), 'retain-bench-customers-'));
const connection = openDatabase(`sqlite:${join(directory, 'retain.db')}`);
const db = connection.db;

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}

async function measure(action: () => Promise<unknown>, runs = RUNS) {
  await action(); // warm: statements prepared, pages cached
  const times: number[] = [];
  for (let run = 0; run < runs; run++) times.push(await timed(action));
  return { median: percentile(times, 0.5), p95: percentile(times, 0.95) };
}

try {
  await migrateToLatest(db);
  const { workspace } = await createWorkspace(db, { name: 'Bench', slug: 'bench', now: BASE });
  const ws = workspace.id;
  const generation = performance.now();
  // Customers 1…N (+ the unscored ones), deterministic "random" fields from multiplicative hashes.
  await sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${CUSTOMERS + UNSCORED})
    insert into customer (workspace_id, external_id, email, name, country, created_at, updated_at)
    select ${ws}, 'cus_' || i,
      'user' || i || '@' || (case i % 4 when 0 then 'example.com' when 1 then 'mail.example'
        when 2 then 'shop.example' else 'post.example' end),
      (case (i * 7) % 8 when 0 then 'Ada' when 1 then 'Grace' when 2 then 'Alan' when 3 then 'Edsger'
        when 4 then 'Barbara' when 5 then 'Donald' when 6 then 'Ken' else 'Frances' end) || ' ' ||
      (case (i * 13) % 6 when 0 then 'Lovelace' when 1 then 'Hopper' when 2 then 'Turing'
        when 3 then 'Dijkstra' when 4 then 'Liskov' else 'Knuth' end) || ' ' || i,
      (case (i * 11) % 20 when 0 then 'US' when 1 then 'GB' when 2 then 'DE' when 3 then 'FR'
        when 4 then 'CN' when 5 then 'JP' when 6 then 'BR' when 7 then 'IN' when 8 then 'CA'
        when 9 then 'AU' when 10 then 'ES' when 11 then 'IT' when 12 then 'NL' when 13 then 'SE'
        when 14 then 'MX' when 15 then 'KR' when 16 then 'PL' when 17 then 'CH' when 18 then 'BE'
        else 'NZ' end),
      ${BASE} + i, ${BASE} + i
    from n`.execute(db);
  const run = await startScoreRun(db, ws, { jobId: null, now: BASE });
  const segments = RFM_SEGMENT_CODES.map((code, index) => sql`when ${index} then ${code}`);
  await sql`insert into customer_score (workspace_id, customer_id, run_id, risk_score, reasons, p_alive,
      expected_purchases, predicted_clv_cents, rfm_segment, rfm_r, rfm_f, rfm_m, orders_count, value_cents,
      first_order_at, last_order_at, computed_at)
    select c.workspace_id, c.id, ${run}, ((c.id * 7919) % 10000) / 100.0,
      '[{"code":"overdue","points":12.5,"daysOverdue":40,"usualGapDays":30}]',
      ((c.id * 104729) % 1000) / 1000.0, ((c.id * 7) % 300) / 100.0,
      case when c.id % 17 = 0 then null else (c.id * 40503) % 500000 end,
      case (c.id * 31) % 10 ${sql.join(segments, sql` `)} end,
      1 + c.id % 5, 1 + (c.id * 3) % 5, 1 + (c.id * 7) % 5,
      1 + (c.id * 13) % 20, (c.id * 2654435761) % 1000000,
      ${BASE} + ((c.id * 89) % 300) * ${DAY}, ${BASE} + ((c.id * 97) % 700) * ${DAY}, ${BASE}
    from customer c where c.workspace_id = ${ws} and c.id <= ${CUSTOMERS}`.execute(db);
  await finishScoreRun(db, ws, run, {
    status: 'succeeded',
    asOf: '2024-12-31',
    customers: CUSTOMERS,
    now: BASE,
  });
  const generated = performance.now() - generation;

  // The score job's write path, on a slice (its rows replace the generated ones).
  const slice = Array.from({ length: 20_000 }, (_, index) => ({
    customerId: index + 1,
    riskScore: (index % 100) + 0.5,
    reasons: [],
    pAlive: 0.5,
    expectedPurchases: 0.2,
    predictedClvCents: 12_345,
    rfmSegment: 'at_risk' as const,
    rfmR: 2,
    rfmF: 3,
    rfmM: 4,
    ordersCount: 3,
    valueCents: 4_500,
    firstOrderAt: BASE,
    lastOrderAt: BASE + 100 * DAY,
  }));
  const writeMs = await timed(() => writeCustomerScores(db, ws, run, slice, BASE));

  const reference = await measure(
    () =>
      sql`select count(*) from customer where workspace_id = ${ws} and lower(name) like '%zzz%'`.execute(db),
    10,
  );
  const page =
    (filter: CustomerListFilter, order: Parameters<typeof listCustomersPage>[3] = {}) =>
    () =>
      listCustomersPage(db, ws, filter, order).then((answer) => JSON.stringify(answer));
  // A cursor 50 pages deep in the risk order, to show depth costs nothing.
  let deepCursor: string | undefined;
  for (let pageNumber = 0; pageNumber < 50; pageNumber++) {
    const answer = await listCustomersPage(
      db,
      ws,
      {},
      {
        sort: 'risk',
        ...(deepCursor === undefined ? {} : { cursor: deepCursor }),
      },
    );
    deepCursor = answer.nextCursor ?? undefined;
  }
  const cases: [string, () => Promise<unknown>][] = [
    ['newest first, page 1 (+ count)', page({})],
    ['sort risk, page 1 (+ count)', page({}, { sort: 'risk' })],
    [
      'sort risk, page 51 (cursor)',
      page({}, { sort: 'risk', ...(deepCursor ? { cursor: deepCursor } : {}) }),
    ],
    ['sort predicted CLV ascending', page({}, { sort: 'clv', direction: 'asc' })],
    ['sort last order', page({}, { sort: 'lastOrder' })],
    ['sort spent', page({}, { sort: 'spent' })],
    ['sort orders', page({}, { sort: 'orders' })],
    ['segment at_risk, sort risk', page({ segments: ['at_risk'] }, { sort: 'risk' })],
    ['risk high + country FR, sort spent', page({ riskFrom: 70, country: 'FR' }, { sort: 'spent' })],
    ['value 100–200, sort CLV', page({ minValueCents: 10_000, maxValueCents: 20_000 }, { sort: 'clv' })],
    ['country NZ, newest first', page({ country: 'NZ' })],
    ['search prefix "user12345"', page({ search: 'user12345', match: 'prefix' })],
    ['search prefix "grace"', page({ search: 'grace', match: 'prefix' })],
    ['search contains "hopper 1"', page({ search: 'hopper 1' })],
    ['search contains, no match', page({ search: 'zzzz' })],
  ];
  const rows: [string, { median: number; p95: number }][] = [];
  for (const [name, action] of cases) rows.push([name, await measure(action)]);

  // The export of a filtered list, streamed to the end.
  const exportFilter: CustomerListFilter = { segments: ['at_risk', 'hibernating'] };
  let exportedRows = 0;
  const exportMs = await timed(async () => {
    const reader = customersCsvStream(db, ws, exportFilter, {
      access: 'personal',
      currency: 'USD',
      sort: 'risk',
      direction: 'desc',
    }).getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      exportedRows += new TextDecoder().decode(read.value).split('\r\n').length - 1;
    }
  });

  const ms = (value: number) => `${value.toFixed(1).padStart(7)} ms`;
  console.log(
    `Customer list, SQLite, ${CUSTOMERS.toLocaleString('en-US')} scored customers (+${UNSCORED.toLocaleString('en-US')} unscored), generated in ${(generated / 1000).toFixed(1)} s`,
  );
  console.log(
    `  reference: one scan of the workspace's customers  median ${ms(reference.median)}  p95 ${ms(reference.p95)}`,
  );
  for (const [name, { median, p95 }] of rows) {
    console.log(
      `  ${name.padEnd(38)} median ${ms(median)}  p95 ${ms(p95)}  = ${(p95 / reference.p95).toFixed(3)} × the scan`,
    );
  }
  console.log(
    `  export (2 segments, sort risk): ${(exportedRows - 1).toLocaleString('en-US')} rows in ${(exportMs / 1000).toFixed(2)} s = ${Math.round((exportedRows - 1) / (exportMs / 1000)).toLocaleString('en-US')} rows/s`,
  );
  console.log(
    `  writeCustomerScores (the score job's write): ${slice.length.toLocaleString('en-US')} rows in ${writeMs.toFixed(0)} ms = ${Math.round(slice.length / (writeMs / 1000)).toLocaleString('en-US')} rows/s`,
  );
} finally {
  await connection.close();
  rmSync(directory, { recursive: true, force: true });
}
