/**
 * Runs `readOrdersCsv` on the file given as argument, in its own process, `repeat` times, and
 * prints one JSON line per run: rows, seconds, rows/s, and the process's peak RSS after the runs
 * (so the figure is the reader's alone). Usage:
 * `reader-child.ts <orders.csv> [attribute,…] [threads] [repeat]`; `RETAIN_READER_MODULE` may name a
 * compiled `orders-csv.js` to run instead of the sources.
 */
import { pathToFileURL } from 'node:url';
import type { readOrdersCsv as ReadOrdersCsv } from '../../src/csv/index.js';

// The reader compiled by the benchmark (plain JS, as shipped in dist/), else the TS sources.
const modulePath = process.env.RETAIN_READER_MODULE;
const { readOrdersCsv } = (await import(
  modulePath ? pathToFileURL(modulePath).href : '../../src/csv/index.js'
)) as { readOrdersCsv: typeof ReadOrdersCsv };

const path = process.argv[2];
const attributes = process.argv[3] ? process.argv[3].split(',') : [];
const threads = process.argv[4] === '1' ? 1 : 2;
const repeat = Number(process.argv[5] ?? 1);
if (!path) throw new Error('usage: reader-child.ts <orders.csv> [attribute,…] [threads] [repeat]');
for (let run = 0; run < repeat; run++) {
  const started = performance.now();
  const result = await readOrdersCsv(path, { attributes, threads });
  const seconds = (performance.now() - started) / 1000;
  if (!result.ok) throw new Error(JSON.stringify(result.error.slice(0, 3)));
  process.stdout.write(
    `${JSON.stringify({
      rows: result.value.rows,
      customers: result.value.table.customerIds.length,
      threads: result.value.threads,
      seconds,
      rowsPerSecond: result.value.rows / seconds,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  );
}
