/**
 * A histogram for skewed, non-negative quantities such as customer lifetime values: equal-width
 * bins with a round width, cut at a high quantile so that a few very large values do not squeeze
 * every other customer into the first bar; the values beyond are counted in one open-ended bin.
 */
import { InvalidInputError } from '../input-error.js';

export interface HistogramBin {
  /** Inclusive lower bound. */
  readonly from: number;
  /** Exclusive upper bound; `null` for the open-ended last bin (the tail beyond the cut). */
  readonly to: number | null;
  readonly count: number;
}

export interface Histogram {
  /** Ascending, contiguous bins; every value falls in exactly one. */
  readonly bins: readonly HistogramBin[];
  /** Values counted (finite ones only). */
  readonly total: number;
}

export interface HistogramOptions {
  /** About this many equal bins before the tail (default 20). */
  readonly bins?: number;
  /** Quantile (0–1] the equal bins reach at least (default 0.99); the rest is the tail bin. */
  readonly tailQuantile?: number;
  /** Narrowest bin (default 1e-6; e.g. 0.01 for money in currency units): no bins finer than the data's unit. */
  readonly minWidth?: number;
}

/** The smallest of 1, 2, 2.5, 5 × 10^k that is ≥ `step` (a round bin width). */
function roundWidth(step: number): number {
  const power = 10 ** Math.floor(Math.log10(step));
  for (const multiple of [1, 2, 2.5, 5, 10]) if (multiple * power >= step) return multiple * power;
  return 10 * power;
}

/**
 * Counts `values` (non-finite ones skipped) in bins of one round width (at least `minWidth`) from min(0, smallest value)
 * up to the first multiple of the width above the `tailQuantile` quantile (nearest rank), about
 * `bins` of them, then one open bin `[cut, ∞)` when any value lies beyond the cut. Equal values
 * (or none) give a single bin of width 1.
 * O(n log n) for the quantile's sort.
 *
 * @example
 * histogram([0, 1, 2, 3, 100], { bins: 2, tailQuantile: 0.8 })
 * // 80th percentile 3 → width 2: [0,2) 2, [2,4) 2, [4,∞) 1
 */
export function histogram(values: ArrayLike<number>, options: HistogramOptions = {}): Histogram {
  const binCount = options.bins ?? 20;
  const tailQuantile = options.tailQuantile ?? 0.99;
  if (!(Number.isSafeInteger(binCount) && binCount >= 1 && binCount <= 1000)) {
    throw new InvalidInputError(`bins must be a whole number from 1 to 1000, got ${binCount}.`, ['bins']);
  }
  if (options.minWidth !== undefined && !(Number.isFinite(options.minWidth) && options.minWidth > 0)) {
    throw new InvalidInputError(`minWidth must be a finite number > 0, got ${options.minWidth}.`, [
      'minWidth',
    ]);
  }
  if (!(tailQuantile > 0 && tailQuantile <= 1)) {
    throw new InvalidInputError(`tailQuantile must be in (0, 1], got ${tailQuantile}.`, ['tailQuantile']);
  }
  const finite: number[] = [];
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (Number.isFinite(value)) finite.push(value);
  }
  const sorted = Float64Array.from(finite).sort();
  const total = sorted.length;
  if (total === 0) return { bins: [], total: 0 };
  const low = Math.min(0, sorted[0]!);
  const quantile = sorted[Math.max(0, Math.ceil(tailQuantile * total) - 1)]!;
  const minWidth = options.minWidth ?? 1e-6;
  const width = quantile > low ? Math.max(roundWidth((quantile - low) / binCount), minWidth) : 1;
  // Bins up to the first multiple of the width strictly above the quantile, so it is inside them.
  const equalBins = Math.floor((quantile - low) / width) + 1;
  const cut = low + equalBins * width;
  const counts = new Float64Array(equalBins);
  let tail = 0;
  for (const value of sorted) {
    if (value >= cut) tail++;
    else counts[Math.min(equalBins - 1, Math.floor((value - low) / width))]! += 1;
  }
  const bins: HistogramBin[] = Array.from(counts, (count, index) => ({
    from: low + index * width,
    to: low + (index + 1) * width,
    count,
  }));
  if (tail > 0) bins.push({ from: cut, to: null, count: tail });
  return { bins, total };
}
