/**
 * Special functions for the customer-base models: log-gamma, log-beta, digamma, trigamma and the
 * Gauss hypergeometric function ₂F₁ (from the stdlib packages), plus log-space helpers and the one
 * ₂F₁ family the Pareto/NBD likelihood needs, with its derivatives.
 */
import stdlibBetaln from '@stdlib/math-base-special-betaln';
import stdlibDigamma from '@stdlib/math-base-special-digamma';
import stdlibGammaln from '@stdlib/math-base-special-gammaln';
import stdlibHyp2f1 from '@stdlib/math-base-special-hyp2f1';
import stdlibTrigamma from '@stdlib/math-base-special-trigamma';

/** ln |Γ(x)|. O(1). @example logGamma(5) // ln 24 ≈ 3.178 */
export const logGamma: (x: number) => number = stdlibGammaln;

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), computed without cancellation. O(1). @example logBeta(1, 1) // 0 */
export const logBeta: (a: number, b: number) => number = stdlibBetaln;

/** ψ(x) = d ln Γ(x) / dx. O(1). @example digamma(1) // −γ ≈ −0.5772 */
export const digamma: (x: number) => number = stdlibDigamma;

/** ψ′(x) = d² ln Γ(x) / dx². O(1). @example trigamma(1) // π²/6 */
export const trigamma: (x: number) => number = stdlibTrigamma;

/** Most terms `hyp2f1` sums on the Pfaff path before giving up (z within ~1e-6 of 1). */
const PFAFF_MAX_TERMS = 20_000_000;

/**
 * Gauss's hypergeometric function ₂F₁(a, b; c; z) = Σₙ (a)ₙ (b)ₙ / ((c)ₙ n!) zⁿ and its analytic
 * continuation to z < 0.
 *
 * For z ≤ 0 with a > 0, c > 0 and c − b > 0 — the BG/NBD and MBG/NBD expectations (Fader, Hardie &
 * Lee 2005, eqs. 7 and 10, after the Pfaff transform) — it sums Pfaff's transform (Abramowitz &
 * Stegun 15.3.4) ₂F₁(a, b; c; z) = (1 − z)^(−a) ₂F₁(a, c − b; c; z / (z − 1)), whose series has
 * positive terms and an argument in [0, 1): no cancellation, relative error ~1e-16. The stdlib port
 * of Cephes is used elsewhere; its continuation for z < −1 was measured wrong by orders of
 * magnitude in part of that region (e.g. ₂F₁(39.5, 3.53; 61.3; −2.01) = 0.05421, Cephes −4126.6;
 * the value checked by Euler's integral). NaN when the series would need more than 20 M terms
 * (z/(z − 1) within ~1e-6 of 1). O(terms) on the Pfaff path, O(1) to O(terms) otherwise.
 *
 * @example hyp2f1(1, 1, 2, 0.5) // −ln(1 − 0.5) / 0.5 = 2 ln 2 ≈ 1.386
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (!(z <= 0 && a > 0 && c > 0 && c - b > 0)) return stdlibHyp2f1(a, b, c, z);
  if (z === 0) return 1;
  const w = z / (z - 1);
  const upper = c - b;
  let term = 1;
  let sum = 1;
  for (let n = 0; n < PFAFF_MAX_TERMS; n++) {
    term *= (((a + n) * (upper + n)) / ((c + n) * (n + 1))) * w;
    sum += term;
    // Terms are positive and their ratio tends to w < 1: once it is below w' < 1, the tail is under
    // term · w' / (1 − w'); stop when that is negligible.
    const ratio = (((a + n + 1) * (upper + n + 1)) / ((c + n + 1) * (n + 2))) * w;
    if (ratio < 1 && term * ratio <= 1e-17 * sum * (1 - ratio)) return sum * (1 - z) ** -a;
  }
  return Number.NaN;
}

/** ln(eᵃ + eᵇ) without overflow; −∞ when both are −∞. O(1). @example logAddExp(0, 0) // ln 2 */
export function logAddExp(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** ln Σᵢ exp(valuesᵢ) without overflow; −∞ for no values. O(n). @example logSumExp([0, 0, 0]) // ln 3 */
export function logSumExp(values: ArrayLike<number>): number {
  let maximum = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < values.length; index++) maximum = Math.max(maximum, values[index]!);
  if (maximum === Number.NEGATIVE_INFINITY || !Number.isFinite(maximum)) return maximum;
  let sum = 0;
  for (let index = 0; index < values.length; index++) sum += Math.exp(values[index]! - maximum);
  return maximum + Math.log(sum);
}

/** ln(1 + eˣ) (softplus) without overflow or loss for very negative x. O(1). @example log1pExp(0) // ln 2 */
export function log1pExp(x: number): number {
  if (x > 35) return x + Math.exp(-x);
  if (x < -35) return Math.exp(x);
  return Math.log1p(Math.exp(x));
}

/**
 * 1 / (1 + eˣ) (the logistic of −x), exact 0 or 1 in the limits rather than NaN. O(1).
 * @example inverseOnePlusExp(0) // 0.5
 */
export function inverseOnePlusExp(x: number): number {
  if (x > 0) {
    const decay = Math.exp(-x);
    return decay / (1 + decay);
  }
  return 1 / (1 + Math.exp(x));
}

/**
 * (1 − e^(−ε·L)) / ε, i.e. ∫₀ᴸ e^(−ε u) du, stable as ε → 0 (where it tends to L). Used by the
 * Pareto/NBD expectations, whose closed forms divide by s − 1. O(1).
 * @example oneMinusExpOverRate(0, 2) // 2
 */
export function oneMinusExpOverRate(rate: number, length: number): number {
  const exponent = rate * length;
  if (Math.abs(exponent) < 1e-8) return length * (1 - exponent / 2);
  return -Math.expm1(-exponent) / rate;
}

/**
 * ₂F₁(1, b; c; z) for 0 ≤ z < 1 and 0 < b < c, with its partial derivatives, written to `out`
 * as [value, ∂/∂b, ∂/∂c, ∂/∂z]. Summed term by term: tₙ₊₁ = tₙ (b + n) / (c + n) · z, every
 * term positive and the ratio below z, so there is no cancellation and the truncation error after
 * n terms is below tₙ z / (1 − z). This is the Euler-transformed form of the ₂F₁'s in the
 * Pareto/NBD likelihood (Fader & Hardie 2005 note, §3): ₂F₁(a, b; a + 1; z) =
 * (1 − z)^(1 − b) ₂F₁(1, a + 1 − b; a + 1; z). Returns NaN in `out[0]` when more than
 * `maxTerms` terms would be needed (z within ~1e-5 of 1), never a truncated number.
 * O(log ε / log z) terms.
 *
 * @example const out = new Float64Array(4); hyp2f1UnitA(1, 2, 0.5, out); // out[0] = −ln(0.5)/0.5 ≈ 1.386
 */
export function hyp2f1UnitA(b: number, c: number, z: number, out: Float64Array, maxTerms = 2_000_000): void {
  let term = 1;
  let value = 1;
  let derivativeB = 0;
  let derivativeC = 0;
  let derivativeZ = 0;
  let sumInverseB = 0; // Σ_{k<n} 1 / (b + k) = ∂ ln (b)ₙ / ∂b
  let sumInverseC = 0;
  const tailFactor = 1 / ((1 - z) * (1 - z));
  let n = 0;
  for (; n < maxTerms; n++) {
    sumInverseB += 1 / (b + n);
    sumInverseC += 1 / (c + n);
    const ratio = (b + n) / (c + n);
    // d/dz of tₙ₊₁ = (n + 1) tₙ₊₁ / z, formed without dividing by z (z may underflow).
    derivativeZ += (n + 1) * term * ratio;
    term *= ratio * z;
    value += term;
    derivativeB += term * sumInverseB;
    derivativeC -= term * sumInverseC;
    // The derivative series have the slowest tails (terms × n); bound them too.
    if (z === 0 || term * (n + 2) * tailFactor * (1 + sumInverseB + sumInverseC) <= 1e-17 * value) break;
  }
  out[0] = n >= maxTerms ? Number.NaN : value;
  out[1] = derivativeB;
  out[2] = derivativeC;
  out[3] = derivativeZ;
}

/**
 * (1 − ₂F₁(a, ε; c; w)) / ε, continuous through ε = 0 (where the ratio tends to a derivative).
 * The BG/NBD and MBG/NBD expectations (Fader, Hardie & Lee 2005, eqs. 7 and 10) have this shape
 * with ε = a − 1 after the Pfaff transform; fitted values of a near 1 would otherwise divide
 * 0 by 0. For |ε| < 1e-6 it interpolates linearly between ε = ±1e-6, where the quotient is
 * still accurate to ~1e-10. O(cost of two ₂F₁).
 *
 * @example oneMinusHyp2f1OverB(1, 1, 2, -1) // (1 − ln 2) ≈ 0.307 (₂F₁(1, 1; 2; −1) = ln 2)
 */
export function oneMinusHyp2f1OverB(a: number, epsilon: number, c: number, w: number): number {
  const threshold = 1e-6;
  if (Math.abs(epsilon) >= threshold) return (1 - hyp2f1(a, epsilon, c, w)) / epsilon;
  const below = (1 - hyp2f1(a, -threshold, c, w)) / -threshold;
  const above = (1 - hyp2f1(a, threshold, c, w)) / threshold;
  return below + ((epsilon + threshold) * (above - below)) / (2 * threshold);
}
