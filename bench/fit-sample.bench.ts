/**
 * How many customers a model fit needs (`npx tsx bench/fit-sample.bench.ts [customers]`, default
 * 1,000,000): customers simulated from BG/NBD with Gamma-Gamma spend (seeded), fitted on all of
 * them and on deterministic samples of 5,000 … 100,000 (`fitSampleRows`, three seeds each); printed:
 * each sample's fit time and its parameters' and predictions' distance from the fit on everyone.
 * What docs/models.md, "Fitting on a sample", chose `DEFAULT_FIT_SAMPLE_CUSTOMERS` from.
 */

import { fitSampleRows, sampleSummary } from '../src/core/clv/fit-sample.js';
import { BgNbd, customerLifetimeValue, GammaGamma, ParetoNbd } from '../src/core/index.js';
import { seededRandom } from '../src/core/math/random.js';

const customers = Number(process.argv[2] ?? 1_000_000);
const SAMPLE_SIZES = [5_000, 10_000, 20_000, 50_000, 100_000];
const SEEDS = [1, 2, 3];
// BG/NBD as fitted on CDNOW (FHL 2005), Gamma-Gamma likewise (γ in cents).
const truth = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258, p: 6.25, q: 3.74, gamma: 1544 };

const random = seededRandom(7);
const uniform = () => random() + 0.5 / 4_294_967_296;
const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
/** Marsaglia & Tsang (2000), with the U^(1/shape) boost for shape < 1. */
const gamma = (shape: number): number => {
  if (shape < 1) return gamma(shape + 1) * uniform() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = normal();
    const v = (1 + c * z) ** 3;
    if (v <= 0) continue;
    if (Math.log(uniform()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
};

// Acquired on a uniform day of three years, purchases recorded to the day (weeks = days / 7).
const frequency = new Float64Array(customers);
const recency = new Float64Array(customers);
const T = new Float64Array(customers);
const monetary = new Float64Array(customers);
const ids: string[] = [];
for (let index = 0; index < customers; index++) {
  const lambda = gamma(truth.r) / truth.alpha;
  const g1 = gamma(truth.a);
  const dropout = g1 / (g1 + gamma(truth.b));
  const scale = gamma(truth.q) / truth.gamma;
  const age = (3 * 365 - Math.floor(uniform() * 3 * 365)) / 7;
  let clock = 0;
  let repeats = 0;
  let last = 0;
  let spend = 0;
  for (;;) {
    clock += -Math.log(uniform()) / lambda;
    if (clock > age) break;
    const day = Math.floor(clock * 7) / 7;
    if (day > last) {
      repeats++;
      last = day;
      spend += gamma(truth.p) / scale;
    }
    if (uniform() < dropout) break;
  }
  frequency[index] = repeats;
  recency[index] = last;
  T[index] = age;
  monetary[index] = repeats > 0 ? spend / repeats : 0;
  ids.push(String(100_000 + index));
}
const everyone = { length: customers, ids, frequency, recency, T, monetary };
type Summary = typeof everyone;

function spenders(summary: Summary) {
  const rows: number[] = [];
  for (let index = 0; index < summary.length; index++) if (summary.frequency[index]! > 0) rows.push(index);
  const repeat = Float64Array.from(rows, (row) => summary.frequency[row]!);
  const spend = Float64Array.from(rows, (row) => summary.monetary[row]!);
  return { length: rows.length, frequency: repeat, recency: repeat, T: repeat, monetary: spend };
}

function measure(summary: Summary) {
  const started = performance.now();
  const transactions = BgNbd.fit(summary);
  const spend = GammaGamma.fit(spenders(summary));
  const fitMs = performance.now() - started;
  const paretoStarted = performance.now();
  const pareto = ParetoNbd.fit(summary, { maxScaleRatio: 100 });
  const paretoMs = performance.now() - paretoStarted;
  if (!transactions.ok || !spend.ok || !pareto.ok) throw new Error('a fit failed');
  const values = customerLifetimeValue(transactions.value, spend.value, everyone, {
    horizonMonths: 12,
    monthlyDiscountRate: 0.01,
    margin: 1,
    timeUnit: 'week',
  });
  let clv = 0;
  for (const value of values) clv += value;
  let expected = 0;
  let expectedPareto = 0;
  for (let index = 0; index < customers; index++) {
    expected += transactions.value.conditionalExpectedPurchases(
      13,
      frequency[index]!,
      recency[index]!,
      T[index]!,
    );
    expectedPareto += pareto.value.conditionalExpectedPurchases(
      13,
      frequency[index]!,
      recency[index]!,
      T[index]!,
    );
  }
  return {
    params: { ...transactions.value.params, ...spend.value.params },
    meanClv: clv / customers,
    expected,
    expectedPareto,
    fitMs,
    paretoMs,
  };
}

const full = measure(everyone);
const percent = (value: number, reference: number) => `${((value / reference - 1) * 100).toFixed(2)} %`;
console.log(
  `${customers.toLocaleString('en')} customers, fitted on all: BG/NBD + Gamma-Gamma ${full.fitMs.toFixed(0)} ms, Pareto/NBD ${full.paretoMs.toFixed(0)} ms`,
);
for (const size of SAMPLE_SIZES) {
  for (const seed of SEEDS) {
    const sampled = measure(sampleSummary(everyone, fitSampleRows(ids, size, seed)));
    const distances = Object.entries(sampled.params)
      .map(([name, value]) => `${name} ${percent(value, full.params[name as keyof typeof full.params])}`)
      .join(', ');
    console.log(
      `${size.toLocaleString('en')} (seed ${seed}): fit ${sampled.fitMs.toFixed(0)} ms, Pareto/NBD ${sampled.paretoMs.toFixed(0)} ms | ${distances} | mean CLV ${percent(sampled.meanClv, full.meanClv)}, Σ E[Y(13 weeks)] ${percent(sampled.expected, full.expected)} (Pareto/NBD ${percent(sampled.expectedPareto, full.expectedPareto)})`,
    );
  }
}
