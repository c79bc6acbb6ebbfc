/**
 * Runs `readOrdersCsv` once on the file given as argument, in its own process, and prints one JSON
 * line: rows, seconds, rows/s and the process's peak RSS (so the figure is the reader's alone).
 */
import { readOrdersCsv } from '../../src/imports/index.js';

const path = process.argv[2];
const attributes = process.argv[3] ? process.argv[3].split(',') : [];
if (!path) throw new Error('usage: reader-child.ts <orders.csv> [attribute,…]');
const started = performance.now();
const result = await readOrdersCsv(path, { attributes });
const seconds = (performance.now() - started) / 1000;
if (!result.ok) throw new Error(JSON.stringify(result.error.slice(0, 3)));
process.stdout.write(
  `${JSON.stringify({
    rows: result.value.rows,
    customers: result.value.table.customerIds.length,
    seconds,
    rowsPerSecond: result.value.rows / seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
