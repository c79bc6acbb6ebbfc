/**
 * Adaptive Simpson quadrature (Lyness 1969): ∫ₐᵇ f(x) dx, halving each interval until the Richardson
 * estimate of its error is below its share of `tolerance` (absolute). For smooth, bounded integrands
 * such as the probability densities in the Pareto/NBD P(X(t) = n). O(evaluations) ≈ O(intervals).
 *
 * @example integrate((x) => x * x, 0, 3) // 9
 */
export function integrate(
  integrand: (x: number) => number,
  lower: number,
  upper: number,
  tolerance = 1e-12,
  maxDepth = 50,
): number {
  if (upper === lower) return 0;
  const middle = 0.5 * (lower + upper);
  const fLower = integrand(lower);
  const fMiddle = integrand(middle);
  const fUpper = integrand(upper);
  const whole = ((upper - lower) / 6) * (fLower + 4 * fMiddle + fUpper);
  return refine(integrand, lower, upper, fLower, fMiddle, fUpper, whole, tolerance, maxDepth);
}

function refine(
  integrand: (x: number) => number,
  lower: number,
  upper: number,
  fLower: number,
  fMiddle: number,
  fUpper: number,
  whole: number,
  tolerance: number,
  depth: number,
): number {
  const middle = 0.5 * (lower + upper);
  const leftMiddle = 0.5 * (lower + middle);
  const rightMiddle = 0.5 * (middle + upper);
  const fLeft = integrand(leftMiddle);
  const fRight = integrand(rightMiddle);
  const left = ((middle - lower) / 6) * (fLower + 4 * fLeft + fMiddle);
  const right = ((upper - middle) / 6) * (fMiddle + 4 * fRight + fUpper);
  const difference = left + right - whole;
  if (depth <= 0 || Math.abs(difference) <= 15 * tolerance) return left + right + difference / 15;
  return (
    refine(integrand, lower, middle, fLower, fLeft, fMiddle, left, tolerance / 2, depth - 1) +
    refine(integrand, middle, upper, fMiddle, fRight, fUpper, right, tolerance / 2, depth - 1)
  );
}
