/**
 * At-risk benchmark (`npx tsx bench/at-risk.bench.ts`): `analyzeAtRisk` on the full CDNOW log
 * (`samples/cdnow-orders.csv`, 23,570 customers) as of 1997-09-30 — the first call of the process
 * (cold) and the median of 10 more — beside, as the reference measured in the same run, the four
 * model fits it makes (BG/NBD, MBG/NBD, Pareto/NBD on the history through the learning cutoff,
 * Pareto/NBD again through as-of); and as of 1997-03-31, where Pareto/NBD's fit on three months
 * drifts along s, β → ∞ and is stopped (docs/models.md, "At-risk score").
 */
import { BgNbd } from '../src/core/clv/bg-nbd.js';
import { MbgNbd } from '../src/core/clv/mbg-nbd.js';
import { ParetoNbd } from '../src/core/clv/pareto-nbd.js';
import { summarizeColumns } from '../src/core/clv/summarize.js';
import { analyzeAtRisk } from '../src/core/risk/at-risk-pipeline.js';
import { readOrdersCsv } from '../src/csv/index.js';

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function time(action: () => unknown): number {
  const start = performance.now();
  action();
  return performance.now() - start;
}

const read = await readOrdersCsv('samples/cdnow-orders.csv', { timeZone: 'UTC' });
if (!read.ok) throw new Error('samples/cdnow-orders.csv did not read');
const orders = read.value.table;
const asOf = Date.UTC(1997, 8, 30);

const cold = time(() => analyzeAtRisk(orders, { asOf }));
const warm = median(Array.from({ length: 10 }, () => time(() => analyzeAtRisk(orders, { asOf }))));
const result = analyzeAtRisk(orders, { asOf });
if (!result.ok) throw new Error(result.error.message);

const atCutoff = summarizeColumns(orders, { calibrationEnd: Date.UTC(1997, 6, 2), timeUnit: 'week' });
const atAsOf = summarizeColumns(orders, { calibrationEnd: asOf, timeUnit: 'week' });
const fits = median(
  Array.from({ length: 5 }, () =>
    time(() => {
      BgNbd.fit(atCutoff);
      MbgNbd.fit(atCutoff);
      ParetoNbd.fit(atCutoff);
      ParetoNbd.fit(atAsOf);
    }),
  ),
);
const early = median(
  Array.from({ length: 3 }, () => time(() => analyzeAtRisk(orders, { asOf: Date.UTC(1997, 2, 31) }))),
);

const ms = (value: number) => `${value.toFixed(0)} ms`;
console.log(
  `analyzeAtRisk, CDNOW ${result.value.customers.length.toLocaleString('en-US')} customers as of 1997-09-30`,
);
console.log(`  first call (cold)         ${ms(cold)}`);
console.log(
  `  median of 10              ${ms(warm)}  = ${(warm / fits).toFixed(2)} × the four model fits (${ms(fits)})`,
);
console.log(
  `  AUC ${result.value.evaluation?.auc?.toFixed(4)}, weights ${result.value.weights.source}, model ${result.value.model?.name}`,
);
console.log(`as of 1997-03-31 (Pareto/NBD stopped)  ${ms(early)}`);
