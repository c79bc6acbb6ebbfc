/**
 * Area under the ROC curve: the probability that a randomly chosen positive (churned) case scores
 * higher than a randomly chosen negative one, ties counting one half — the Mann–Whitney U statistic
 * divided by n₊·n₋ (Hanley & McNeil 1982, eq. 1–2). Computed from mid-ranks:
 * AUC = (R₊ − n₊(n₊ + 1)/2) / (n₊ n₋), R₊ the sum of the positives' ranks, tied scores sharing the
 * mean of their ranks.
 *
 * Returns `null` when there is no positive or no negative case (the AUC is undefined, never 0.5).
 * Complexity: O(n log n) (one sort), O(n) memory.
 *
 * @example
 * auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) // 0.75
 */
import { InvalidInputError } from '../input-error.js';
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number | null {
  const length = scores.length;
  if (labels.length !== length)
    throw new RangeError(`scores has ${length} values but labels has ${labels.length}`);
  const order = new Int32Array(length);
  let positives = 0;
  for (let i = 0; i < length; i++) {
    if (Number.isNaN(scores[i]!)) throw new RangeError(`score ${i} is NaN`);
    order[i] = i;
    if (labels[i]) positives++;
  }
  const negatives = length - positives;
  if (positives === 0 || negatives === 0) return null;
  order.sort((a, b) => scores[a]! - scores[b]!);

  let positiveRankSum = 0;
  let position = 0;
  while (position < length) {
    const score = scores[order[position]!]!;
    let end = position;
    let positivesInTie = 0;
    while (end < length && scores[order[end]!]! === score) {
      if (labels[order[end]!]) positivesInTie++;
      end++;
    }
    // Ranks position+1 … end share their mean.
    const midRank = (position + 1 + end) / 2;
    positiveRankSum += positivesInTie * midRank;
    position = end;
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** One bin of a reliability (calibration) diagram. */
export interface CalibrationBin {
  /** The bin is `[binStart, binEnd)`, the last one closed at 1. */
  readonly binStart: number;
  readonly binEnd: number;
  /** Mean predicted probability of the cases in the bin. */
  readonly meanPredicted: number;
  /** Share of the cases in the bin that are positive. */
  readonly observedRate: number;
  readonly count: number;
}

/**
 * Reliability diagram: predicted probabilities cut into `bins` equal-width bins over [0, 1] (the
 * "uniform" strategy of scikit-learn's `calibration_curve`), each with its mean prediction and its
 * observed positive rate. A well calibrated model has meanPredicted ≈ observedRate in every bin.
 * Empty bins are left out. Scores must lie in [0, 1].
 *
 * Complexity: O(n + bins).
 *
 * @example
 * calibration([0.1, 0.2, 0.9], [0, 1, 1], 2)
 * // [{ binStart: 0, binEnd: 0.5, meanPredicted: 0.15, observedRate: 0.5, count: 2 },
 * //  { binStart: 0.5, binEnd: 1, meanPredicted: 0.9, observedRate: 1, count: 1 }]
 */
export function calibration(
  scores: ArrayLike<number>,
  labels: ArrayLike<number | boolean>,
  bins = 10,
): CalibrationBin[] {
  const length = scores.length;
  if (labels.length !== length)
    throw new RangeError(`scores has ${length} values but labels has ${labels.length}`);
  if (!(Number.isInteger(bins) && bins >= 1))
    throw new InvalidInputError(`bins must be a positive integer, got ${bins}`);
  const sums = new Float64Array(bins);
  const positives = new Float64Array(bins);
  const counts = new Float64Array(bins);
  for (let i = 0; i < length; i++) {
    const score = scores[i]!;
    if (!(score >= 0 && score <= 1))
      throw new RangeError(`score ${i} must be a probability in [0, 1], got ${score}`);
    const bin = Math.min(bins - 1, Math.floor(score * bins));
    sums[bin]! += score;
    counts[bin]!++;
    if (labels[i]) positives[bin]!++;
  }
  const result: CalibrationBin[] = [];
  for (let bin = 0; bin < bins; bin++) {
    const count = counts[bin]!;
    if (count === 0) continue;
    result.push({
      binStart: bin / bins,
      binEnd: (bin + 1) / bins,
      meanPredicted: sums[bin]! / count,
      observedRate: positives[bin]! / count,
      count,
    });
  }
  return result;
}
