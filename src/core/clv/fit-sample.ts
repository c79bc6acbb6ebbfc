/**
 * Bounded model fitting: the transaction and spend models are fitted on a deterministic sample of
 * at most `maxCustomers` customers, then every customer is scored with the fitted parameters.
 *
 * Why: a fit costs O(customers) per likelihood evaluation and takes tens to hundreds of
 * evaluations (thousands when it fails to converge), while the parameters' sampling error shrinks
 * like 1/√n: past a few tens of thousands of customers more data moves them less than the next
 * order does (docs/models.md, "Fitting on a sample", measured on 1 M simulated customers).
 *
 * Which customers: the `maxCustomers` whose id has the smallest seeded hash (`seededHash`, a
 * "bottom-k" sample). Unlike a shuffle of the rows it depends only on the ids, not on their order
 * or on who else is in the data, so the sample of one workspace stays the same customers from one
 * day to the next (a new customer enters it only by displacing the one with the largest hash),
 * and the fitted parameters move only as the data does.
 */
import { seededHash } from '../math/random.js';
import type { CustomerSummaryColumns } from './summarize.js';

/**
 * Default cap on the customers a model is fitted on (docs/models.md, "Fitting on a sample": at
 * 50,000 the fitted BG/NBD, Pareto/NBD and Gamma-Gamma predictions stay within ~1 % of the fit on
 * all of 1 M simulated customers).
 */
export const DEFAULT_FIT_SAMPLE_CUSTOMERS = 50_000;

/** The seed of the sample's hash: fixed, so every run and process picks the same customers. */
export const FIT_SAMPLE_SEED = 20_050_101;

/** How many customers a fit used, out of how many it could have used. */
export interface FitSample {
  /** Customers the model was fitted on. */
  readonly customers: number;
  /** Customers available (equal to `customers` when the data is within the cap). */
  readonly of: number;
}

/**
 * The rows of the sample among customers `ids` (ascending), or `null` when all of them fit under
 * `maxCustomers` (then nothing is sampled and a fit is the fit on all). Ties of the hash at the
 * cut are broken by row order. O(n log n) for n ids (one sort of their hashes).
 *
 * @example fitSampleRows(['a', 'b', 'c'], 5) // null: all three are used
 * @example fitSampleRows(ids, 50_000)?.length // 50,000 when ids has more
 */
export function fitSampleRows(
  ids: readonly string[],
  maxCustomers: number = DEFAULT_FIT_SAMPLE_CUSTOMERS,
  seed: number = FIT_SAMPLE_SEED,
): Int32Array | null {
  checkCap(maxCustomers);
  const count = ids.length;
  if (count <= maxCustomers) return null;
  const hashes = new Uint32Array(count);
  for (let row = 0; row < count; row++) hashes[row] = seededHash(ids[row]!, seed);
  return bottomRows(hashes, maxCustomers);
}

/** Hashes of a table's customer ids (`FIT_SAMPLE_SEED`), by the table's id list: computed once. */
const tableHashes = new WeakMap<readonly string[], Uint32Array>();

/**
 * `fitSampleRows` of summary rows naming customers of an order table by index — row r is customer
 * `customerIds[customerIndex[r]]` — with the table's hashes computed once and reused by every
 * sample drawn from it (the at-risk pipeline draws two per analysis, the overview's trend a dozen
 * analyses). The same rows as `fitSampleRows` of the rows' ids. O(n log n).
 */
export function fitSampleRowsOfCustomers(
  customerIds: readonly string[],
  customerIndex: Int32Array,
  maxCustomers: number = DEFAULT_FIT_SAMPLE_CUSTOMERS,
): Int32Array | null {
  checkCap(maxCustomers);
  const count = customerIndex.length;
  if (count <= maxCustomers) return null;
  let byCustomer = tableHashes.get(customerIds);
  if (byCustomer === undefined || byCustomer.length !== customerIds.length) {
    byCustomer = new Uint32Array(customerIds.length);
    for (let customer = 0; customer < customerIds.length; customer++) {
      byCustomer[customer] = seededHash(customerIds[customer]!, FIT_SAMPLE_SEED);
    }
    tableHashes.set(customerIds, byCustomer);
  }
  const hashes = new Uint32Array(count);
  for (let row = 0; row < count; row++) hashes[row] = byCustomer[customerIndex[row]!]!;
  return bottomRows(hashes, maxCustomers);
}

function checkCap(maxCustomers: number): void {
  if (!(Number.isSafeInteger(maxCustomers) && maxCustomers >= 1))
    throw new RangeError(`maxCustomers must be a whole number ≥ 1, got ${maxCustomers}`);
}

/** The rows of the `keep` smallest hashes, ascending; ties at the cut by row order. */
function bottomRows(hashes: Uint32Array, keep: number): Int32Array {
  const count = hashes.length;
  const cut = hashes.slice().sort()[keep - 1]!;
  let below = 0;
  for (let row = 0; row < count; row++) if (hashes[row]! < cut) below++;
  let ties = keep - below;
  const rows = new Int32Array(keep);
  let next = 0;
  for (let row = 0; row < count; row++) {
    const hash = hashes[row]!;
    if (hash < cut || (hash === cut && ties-- > 0)) rows[next++] = row;
  }
  return rows;
}

/**
 * `summary` restricted to `rows` (ascending, from `fitSampleRows`), every column picked alike;
 * `summary` itself when `rows` is null. O(rows).
 */
export function sampleSummary<Summary extends CustomerSummaryColumns>(
  summary: Summary,
  rows: Int32Array | null,
): Summary {
  if (rows === null) return summary;
  const pick = (column: Float64Array) => {
    const picked = new Float64Array(rows.length);
    for (let index = 0; index < rows.length; index++) picked[index] = column[rows[index]!]!;
    return picked;
  };
  const ids = Array.from(rows, (row) => summary.ids[row]!);
  return {
    ...summary,
    length: rows.length,
    ids,
    frequency: pick(summary.frequency),
    recency: pick(summary.recency),
    T: pick(summary.T),
    monetary: pick(summary.monetary),
    ...(summary.weight ? { weight: pick(summary.weight) } : {}),
    ...(summary.holdoutFrequency ? { holdoutFrequency: pick(summary.holdoutFrequency) } : {}),
  };
}

/**
 * The sample of `summary` to fit on (at most `maxCustomers` rows) and its size. O(n log n) when
 * the summary is over the cap, O(1) otherwise.
 *
 * @example const { fitted, sample } = fitSampleOf(summary); BgNbd.fit(fitted); // sample.customers ≤ 50,000
 */
export function fitSampleOf<Summary extends CustomerSummaryColumns>(
  summary: Summary,
  maxCustomers: number = DEFAULT_FIT_SAMPLE_CUSTOMERS,
): { readonly fitted: Summary; readonly rows: Int32Array | null; readonly sample: FitSample } {
  const rows = fitSampleRows(summary.ids, maxCustomers);
  const fitted = sampleSummary(summary, rows);
  return { fitted, rows, sample: { customers: fitted.length, of: summary.length } };
}
