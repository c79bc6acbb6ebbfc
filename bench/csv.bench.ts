/**
 * CSV parser choice and reader throughput (`npx tsx bench/csv.bench.ts [rows]`, default 2 M rows).
 *
 * 1. Generates (once) a seeded file of generic order rows under bench/.data/.
 * 2. Streams it with each installed parser in its quote-capable streaming mode (uDSV, Papa Parse,
 *    csv-parse), best of 2 runs each, and prints rows/s and the ratio to the fastest.
 * 3. Runs the full reader (`readOrdersCsv`: parse, exact amounts, dates, interning, table) in a
 *    child process, without and with an attribute column, and prints rows/s and its peak RSS.
 * Timings on a shared 2-core machine vary by ±30 %: compare ratios within one run.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedOrdersFile } from './csv/generate-orders.js';
import { type ParserRun, runCsvParse, runPapa, runUdsv } from './csv/parsers.js';

const rows = Number(process.argv[2] ?? 2_000_000);
const path = await generatedOrdersFile(rows);
process.stdout.write(`file: ${path} (${rows.toLocaleString('en')} rows)\n\n`);

const parsers: [string, () => Promise<ParserRun>][] = [
  ['udsv (chunk, stringArrs)', () => runUdsv(path)],
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

const child = join(dirname(fileURLToPath(import.meta.url)), 'csv', 'reader-child.ts');
process.stdout.write('\nreadOrdersCsv (own process)              rows/s     peak RSS\n');
for (const attributes of ['', 'country']) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', child, path, attributes], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  const report = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
    rowsPerSecond: number;
    peakRssMb: number;
    customers: number;
  };
  const label = attributes === '' ? 'full reader' : `full reader + attribute ${attributes}`;
  process.stdout.write(
    `${label.padEnd(38)} ${Math.round(report.rowsPerSecond).toLocaleString('en').padStart(10)}   ${Math.round(report.peakRssMb)} MB (${report.customers.toLocaleString('en')} customers)\n`,
  );
}
