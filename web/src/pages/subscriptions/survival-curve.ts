/**
 * The Kaplan–Meier curve read at whole months, for a chart with one point a month: the curve is a
 * step function (it changes only at the times in its points), so S(m) is the survival of the last
 * point at or before m, and 1 before the first.
 */

export interface CurvePoint {
  readonly time: number;
  readonly survival: number;
}

/**
 * S(0), S(1), … S(months) from `curve` (points ascending by time). O(points + months).
 * Example: points (0.5, 0.9), (2.2, 0.7) → months 0…3: [1, 0.9, 0.9, 0.7].
 */
export function survivalByMonth(curve: readonly CurvePoint[], months: number): number[] {
  const values: number[] = [];
  let next = 0;
  let current = 1;
  for (let month = 0; month <= months; month++) {
    while (next < curve.length && curve[next]!.time <= month) current = curve[next++]!.survival;
    values.push(current);
  }
  return values;
}

/** The whole months the curve covers: up to its last time, at most `cap`. */
export function monthsCovered(curve: readonly CurvePoint[], cap = 60): number {
  const last = curve[curve.length - 1]?.time ?? 0;
  return Math.min(cap, Math.floor(last));
}
