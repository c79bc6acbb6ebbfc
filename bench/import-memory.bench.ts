/**
 * `npx tsx bench/import-memory.bench.ts [megabytes]` (default 250): peak memory of `runImport`
 * (issue 9 §4: "streaming imports should stay within a few hundred MB whatever the file"; a 254 MB
 * upload once peaked at 1.1 GB, an 87 MB file of 8 M columns at 4.6 GB). Each import runs in a
 * fresh child process (its peak RSS is its own) into a fresh SQLite store, and PostgreSQL beside it
 * unless BENCH_POSTGRES=0:
 * - a generic orders file of ~`megabytes` MB, with the columns of a real export (e-mail, status,
 *   product, quantity, price): imported whole;
 * - the probe's shape, one line of 8 M fields (87 MB): refused once the line passes 1 Mi characters;
 * - the first file with an unclosed quote on line 2: refused at the same bound.
 * The reference is the child's RSS before it imports (Node, the modules, the store open).
 * The child runs the built package (`import-memory.child.mjs`, plain Node, as `retain import` runs)
 * when dist/ is at least as new as src/ (`npm run bench` builds first), else the sources through
 * tsx (≈ 55 MB more at start: the TypeScript loader and its compiled modules); the output says which.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface ChildReport {
  readonly status: string;
  readonly rowsWritten: number;
  readonly problems: readonly { line: number; code: string }[];
  readonly seconds: number;
  /** Peak resident set (bytes) of the whole child, and its RSS before the import started. */
  readonly peakRss: number;
  readonly baseRss: number;
  /** The main thread's largest V8 heap in use and off-heap memory (Buffers, ArrayBuffers), sampled. */
  readonly peakHeapUsed: number;
  readonly peakExternal: number;
}

const megabytes = Number(process.argv.slice(2).find((argument) => /^\d+$/.test(argument)) ?? 250);
const directory = mkdtempSync(join(tmpdir(), 'retain-import-memory-'));

/** Writes a file of `lines` produced by `line(index)` until it holds `bytes` bytes; its rows. */
function writeLines(path: string, header: string, bytes: number, line: (index: number) => string): number {
  const file = openSync(path, 'w');
  let written = writeSync(file, `${header}\n`);
  let rows = 0;
  let buffer: string[] = [];
  while (written < bytes) {
    buffer.push(line(rows++));
    if (buffer.length === 10_000) {
      written += writeSync(file, `${buffer.join('\n')}\n`);
      buffer = [];
    }
  }
  if (buffer.length > 0) writeSync(file, `${buffer.join('\n')}\n`);
  closeSync(file);
  return rows;
}

const ORDER_HEADER =
  'order_id,customer_id,email,ordered_at,amount,currency,status,product_name,quantity,unit_price';
function orderLine(index: number): string {
  const customer = index % 250_000;
  const day = String(1 + (index % 28)).padStart(2, '0');
  const month = String(1 + (index % 12)).padStart(2, '0');
  const cents = (index % 9_973) + 100;
  const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
  return `order-${index},customer-${customer},customer-${customer}@example.com,2024-${month}-${day}T10:${String(index % 60).padStart(2, '0')}:00Z,${amount},USD,completed,Product ${index % 500},1,${amount}`;
}

/** The newest modification time under `path`. */
function newest(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce(
    (latest, name) => Math.max(latest, newest(join(path, name))),
    stats.mtimeMs,
  );
}

const root = fileURLToPath(new URL('..', import.meta.url));
const builtImport = join(root, 'dist', 'imports', 'index.js');
const childScript = fileURLToPath(new URL('./import-memory.child.mjs', import.meta.url));
/** Whether the built package is current: measured as users run it, without the TypeScript loader. */
const useBuilt = existsSync(builtImport) && newest(join(root, 'src')) <= statSync(builtImport).mtimeMs;

function runChild(url: string, path: string): ChildReport {
  const argv = useBuilt ? [childScript, url, path] : ['--import', 'tsx', childScript, url, path, 'src'];
  const child = spawnSync(process.execPath, argv, {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (child.status !== 0) throw new Error(`the import child failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as ChildReport;
}

async function postgresSchemaUrl(): Promise<{ url: string; drop(): Promise<void> } | null> {
  if (process.env.BENCH_POSTGRES === '0') return null;
  const schema = `retain_memory_${process.pid}_${Date.now().toString(36)}`;
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

const mb = (bytes: number) => `${Math.round(bytes / 1_048_576)} MB`;

try {
  const orders = join(directory, 'orders.csv');
  const rows = writeLines(orders, ORDER_HEADER, megabytes * 1_048_576, orderLine);
  const wide = join(directory, 'wide.csv');
  {
    // The probe's shape: a header of 8 M columns (`col_0,col_1,…`, ~87 MB), then one row.
    const file = openSync(wide, 'w');
    for (let block = 0; block < 80; block++) {
      const names = Array.from({ length: 100_000 }, (_, index) => `col_${block * 100_000 + index}`);
      writeSync(file, `${block === 0 ? '' : ','}${names.join(',')}`);
    }
    writeSync(file, '\n1\n');
    closeSync(file);
  }
  const unclosed = join(directory, 'unclosed.csv');
  writeLines(unclosed, ORDER_HEADER, megabytes * 1_048_576, (index) =>
    index === 0 ? `"${orderLine(index)}` : orderLine(index),
  );

  process.stdout.write(
    `import memory bench: ${mb(statSync(orders).size)} of ${rows.toLocaleString('en')} orders (10 columns); peak RSS of a child process per import, running ${useBuilt ? 'the built package (dist/)' : 'the sources through tsx (dist/ missing or older than src/: `npm run build` first)'}\n`,
  );
  const stores: [string, string, (() => Promise<void>) | null][] = [
    ['SQLite', `sqlite:${join(directory, 'memory.db')}`, null],
  ];
  const postgres = await postgresSchemaUrl();
  if (postgres !== null) stores.push(['PostgreSQL', postgres.url, postgres.drop]);
  else process.stdout.write('PostgreSQL: left out (BENCH_POSTGRES=0 or unreachable)\n');
  try {
    for (const [name, url] of stores) {
      for (const [label, path] of [
        [`${mb(statSync(orders).size)} orders file`, orders],
        [`${mb(statSync(wide).size)}, one line of 8 M fields`, wide],
        [`${mb(statSync(unclosed).size)}, unclosed quote on line 2`, unclosed],
      ] as const) {
        const report = runChild(url, path);
        const verdict =
          report.status === 'succeeded'
            ? `${report.rowsWritten.toLocaleString('en')} rows written`
            : `${report.status}: ${report.problems.map((problem) => `line ${problem.line} ${problem.code}`).join(', ')}`;
        process.stdout.write(
          `  ${name.padEnd(10)} ${label.padEnd(40)} peak RSS ${mb(report.peakRss).padStart(7)} (${mb(report.baseRss)} before the import; main thread's heap ≤ ${mb(report.peakHeapUsed)}, external ≤ ${mb(report.peakExternal)})  ${report.seconds.toFixed(1).padStart(6)} s  ${verdict}\n`,
        );
      }
    }
  } finally {
    for (const [, , drop] of stores) await drop?.();
  }
} finally {
  rmSync(directory, { recursive: true, force: true });
}
