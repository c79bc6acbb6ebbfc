/**
 * CSV parser choice and order reader throughput:
 * `npx tsx bench/csv.bench.ts [--rows N] [--ids prefixed|numeric|uuid|email|all] [--customers N]
 *  [--repeat N] [--no-parsers]` (default 2 M rows, `cust-00012345` ids, rows / 5 customers).
 *
 * 1. Generates (once) a seeded file of generic order rows under bench/.data/ per id kind.
 * 2. Unless `--no-parsers`: streams the first file with each installed parser in its quote-capable
 *    streaming mode (uDSV, Papa Parse, csv-parse) and Retain's strict reader (what imports run), best
 *    of 2 runs, rows/s and ratio to the fastest.
 * 3. Compiles the reader (src/csv → bench/.data/dist, as `npm run build` would) and runs
 *    `readOrdersCsv` (parse, exact amounts, dates, interning, table) in a child process per
 *    configuration (1 or 2 threads, with or without an attribute column), `--repeat` times (default
 *    3): best and median rows/s, and the child's peak RSS.
 * The machine is shared: the load average is printed before and after; compare within one run.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedOrdersFile, ID_KINDS, type IdKind } from './csv/generate-orders.js';
import { type ParserRun, runCsvParse, runPapa, runStrict, runUdsv } from './csv/parsers.js';

const argv = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const index = argv.indexOf(`--${name}`);
  return index === -1 ? undefined : argv[index + 1];
};
const rows = Number(option('rows') ?? 2_000_000);
const idsOption = option('ids') ?? 'prefixed';
const kinds: IdKind[] = idsOption === 'all' ? [...ID_KINDS] : [idsOption as IdKind];
if (!kinds.every((kind) => ID_KINDS.includes(kind)))
  throw new Error(`--ids: one of ${ID_KINDS.join(', ')}, all`);
const customers = option('customers') === undefined ? undefined : Number(option('customers'));
const repeat = Number(option('repeat') ?? 3);
const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

process.stdout.write(`load average (1, 5, 15 min) at start: ${load()}\n`);
const files: [IdKind, string][] = [];
for (const kind of kinds) {
  files.push([kind, await generatedOrdersFile(rows, { ids: kind, ...(customers ? { customers } : {}) })]);
}

if (!argv.includes('--no-parsers')) {
  const path = files[0]![1];
  process.stdout.write(`\nfile: ${path} (${rows.toLocaleString('en')} rows)\n`);
  const parsers: [string, () => Promise<ParserRun>][] = [
    ['udsv (chunk, stringArrs)', () => runUdsv(path)],
    ['retain strict (tokenizer, UTF-8 check)', () => runStrict(path)],
    ['papaparse (stream, auto fastMode)', () => runPapa(path, undefined)],
    ['papaparse (stream, fastMode: false)', () => runPapa(path, false)],
    ['csv-parse (stream)', () => runCsvParse(path)],
  ];
  const results: { name: string; rowsPerSecond: number }[] = [];
  for (const [name, run] of parsers) {
    let best = Number.POSITIVE_INFINITY;
    for (let attempt = 0; attempt < 2; attempt++) {
      const started = performance.now();
      const result = await run();
      const seconds = (performance.now() - started) / 1000;
      if (result.rows !== rows) throw new Error(`${name} read ${result.rows} rows, expected ${rows}`);
      best = Math.min(best, seconds);
    }
    results.push({ name, rowsPerSecond: rows / best });
  }
  const fastest = Math.max(...results.map((result) => result.rowsPerSecond));
  process.stdout.write('parser                                   rows/s     vs fastest\n');
  for (const result of results) {
    process.stdout.write(
      `${result.name.padEnd(38)} ${Math.round(result.rowsPerSecond).toLocaleString('en').padStart(10)}   ${(result.rowsPerSecond / fastest).toFixed(2)}×\n`,
    );
  }
}

const here = dirname(fileURLToPath(import.meta.url));
const compile = spawnSync(
  process.execPath,
  [
    join(here, '..', 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    join(here, 'csv', 'tsconfig.reader.json'),
  ],
  { encoding: 'utf8' },
);
if (compile.status !== 0) throw new Error(`compiling the reader failed:\n${compile.stdout}${compile.stderr}`);
const compiled = join(here, '.data', 'dist', 'csv', 'orders-csv.js');
const child = join(here, 'csv', 'reader-child.ts');

const format = (value: number): string => Math.round(value).toLocaleString('en').padStart(10);
for (const [kind, path] of files) {
  process.stdout.write(`\nreadOrdersCsv on ${path}\n`);
  process.stdout.write('configuration (own process)         best rows/s  median rows/s  peak RSS\n');
  for (const threads of ['1', '2']) {
    for (const attributes of ['', 'country']) {
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', child, path, attributes, threads, String(repeat)],
        {
          encoding: 'utf8',
          env: { ...process.env, RETAIN_READER_MODULE: compiled },
        },
      );
      if (run.status !== 0) throw new Error(run.stderr);
      const reports = run.stdout
        .trim()
        .split('\n')
        .map(
          (line) =>
            JSON.parse(line) as {
              rowsPerSecond: number;
              peakRssMb: number;
              customers: number;
              threads: number;
            },
        );
      if (reports.some((report) => String(report.threads) !== threads)) {
        throw new Error(
          `asked for ${threads} threads, the reader used ${reports.map((report) => report.threads)}`,
        );
      }
      const speeds = reports.map((report) => report.rowsPerSecond).sort((a, b) => a - b);
      const label = `${kind}, ${threads} thread${threads === '1' ? '' : 's'}${attributes ? ` + ${attributes}` : ''}`;
      process.stdout.write(
        `${label.padEnd(34)} ${format(speeds.at(-1)!)}   ${format(speeds[Math.floor(speeds.length / 2)]!)}   ${Math.round(reports.at(-1)!.peakRssMb)} MB (${reports[0]!.customers.toLocaleString('en')} customers)\n`,
      );
    }
  }
}
process.stdout.write(`\nload average (1, 5, 15 min) at end: ${load()}\n`);
