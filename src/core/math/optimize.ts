/**
 * Unconstrained minimisation for maximum-likelihood fits: BFGS with a strong-Wolfe line search
 * (Nocedal & Wright, "Numerical Optimization", 2nd ed., Algorithms 6.1, 3.5 and 3.6), and
 * Nelder–Mead (Lagarias, Reeds, Wright & Wright 1998) as the derivative-free fallback.
 * A fit that does not converge is an error value carrying the last iterate, never silent numbers.
 */
import { fail, ok, type Result } from '../result.js';

/** Returns f(x); when `gradient` is non-null it must also fill it with ∇f(x). */
export type Objective = (x: Float64Array, gradient: Float64Array | null) => number;

export interface MinimizeOptions {
  /** 'auto' (default): BFGS, and Nelder–Mead from the best point found when BFGS fails. */
  method?: 'auto' | 'bfgs' | 'nelder-mead';
  /** Iteration cap for each method (default max(1000, 200 × dimension)). */
  maxIterations?: number;
  /** BFGS stops when ‖∇f‖∞ ≤ this (default 1e-6). */
  gradientTolerance?: number;
  /**
   * Relative change of f treated as "no further progress possible" (default 1e-12): BFGS stops when
   * a step lowers f by less than this × max(1, |f|); Nelder–Mead when the simplex's values agree to it.
   */
  functionTolerance?: number;
  /**
   * With 'auto': when BFGS fails at a point this says is hopeless (e.g. parameters already run off
   * to the edge of the model), fail there instead of trying Nelder–Mead from it — which would
   * spend its whole iteration cap drifting further along the same ridge.
   */
  abandon?: (x: Float64Array) => boolean;
}

export interface Minimum {
  x: Float64Array;
  value: number;
  iterations: number;
  /** Objective calls (with or without gradient), over all methods tried. */
  evaluations: number;
  /** ‖∇f(x)‖∞ at the returned point (NaN when the gradient is not finite there). */
  gradientNorm: number;
  method: 'bfgs' | 'nelder-mead';
  converged: true;
}

interface Attempt {
  readonly converged: boolean;
  readonly x: Float64Array;
  readonly value: number;
  readonly gradientNorm: number;
  readonly iterations: number;
  readonly reason: string;
}

interface Settings {
  readonly maxIterations: number;
  readonly gradientTolerance: number;
  readonly functionTolerance: number;
}

/**
 * Minimises `objective` from `start`.
 *
 * 'bfgs' is quasi-Newton with the inverse-Hessian update (N&W eq. 6.17), H₀ scaled by yᵀs / yᵀy
 * after the first step (eq. 6.20), and a line search meeting the strong Wolfe conditions
 * (c₁ = 1e-4, c₂ = 0.9). Non-finite trial values are treated as "too far" so the search backs off.
 * 'nelder-mead' uses reflection 1, expansion 2, contraction ½, shrink ½.
 *
 * Cost: BFGS O(n²) per iteration plus one or a few objective calls; Nelder–Mead O(n) calls per
 * iteration in the worst case (shrink), usually one or two.
 *
 * @example
 * const result = minimize((x, g) => { if (g) { g[0] = 2 * (x[0]! - 3); } return (x[0]! - 3) ** 2; }, [0]);
 * // result.ok && result.value.x[0] ≈ 3
 */
export function minimize(
  objective: Objective,
  start: ArrayLike<number>,
  options: MinimizeOptions = {},
): Result<Minimum> {
  const dimension = start.length;
  const settings: Settings = {
    maxIterations: options.maxIterations ?? Math.max(1000, 200 * dimension),
    gradientTolerance: options.gradientTolerance ?? 1e-6,
    functionTolerance: options.functionTolerance ?? 1e-12,
  };
  const method = options.method ?? 'auto';
  let evaluations = 0;
  const counted: Objective = (x, gradient) => {
    evaluations++;
    return objective(x, gradient);
  };
  const x0 = Float64Array.from(start);

  let attempt: Attempt;
  let used: 'bfgs' | 'nelder-mead';
  let iterations = 0;
  if (method === 'nelder-mead') {
    attempt = nelderMead(counted, x0, settings);
    used = 'nelder-mead';
  } else {
    attempt = bfgs(counted, x0, settings);
    used = 'bfgs';
    const hopeless = !attempt.converged && Number.isFinite(attempt.value) && options.abandon?.(attempt.x);
    if (!attempt.converged && method === 'auto' && !hopeless) {
      iterations += attempt.iterations;
      // Restart from the best point BFGS reached when it is usable, else from the start.
      const from = Number.isFinite(attempt.value) ? attempt.x : x0;
      const fallback = nelderMead(counted, from, settings);
      if (fallback.converged || !Number.isFinite(attempt.value) || fallback.value <= attempt.value) {
        attempt = {
          ...fallback,
          reason: fallback.converged
            ? fallback.reason
            : `BFGS: ${attempt.reason}; Nelder–Mead: ${fallback.reason}`,
        };
        used = 'nelder-mead';
      }
    }
  }
  iterations += attempt.iterations;
  if (!attempt.converged) {
    return fail({
      code: 'not-converged',
      message: `Minimisation did not converge (${attempt.reason}).`,
      details: { x: Array.from(attempt.x), value: attempt.value, iterations },
    });
  }
  let gradientNorm = attempt.gradientNorm;
  if (used === 'nelder-mead') {
    const gradient = new Float64Array(dimension);
    counted(attempt.x, gradient);
    gradientNorm = infinityNorm(gradient);
  }
  return ok({
    x: attempt.x,
    value: attempt.value,
    iterations,
    evaluations,
    gradientNorm,
    method: used,
    converged: true,
  });
}

function infinityNorm(vector: Float64Array): number {
  let norm = 0;
  for (let index = 0; index < vector.length; index++) {
    const magnitude = Math.abs(vector[index]!);
    // A NaN component makes the whole norm NaN (Math.max propagates it).
    norm = Math.max(norm, magnitude);
  }
  return norm;
}

function dot(left: Float64Array, right: Float64Array): number {
  let sum = 0;
  for (let index = 0; index < left.length; index++) sum += left[index]! * right[index]!;
  return sum;
}

const WOLFE_C1 = 1e-4;
const WOLFE_C2 = 0.9;

/** BFGS (N&W Algorithm 6.1). */
function bfgs(objective: Objective, start: Float64Array, settings: Settings): Attempt {
  const n = start.length;
  const x = Float64Array.from(start);
  const gradient = new Float64Array(n);
  let value = objective(x, gradient);
  let gradientNorm = infinityNorm(gradient);
  if (!Number.isFinite(value) || !Number.isFinite(gradientNorm)) {
    return {
      converged: false,
      x,
      value,
      gradientNorm,
      iterations: 0,
      reason: 'non-finite value at the start',
    };
  }
  const inverseHessian = new Float64Array(n * n);
  const resetHessian = (scale: number) => {
    inverseHessian.fill(0);
    for (let index = 0; index < n; index++) inverseHessian[index * n + index] = scale;
  };
  resetHessian(1);
  let scaled = false;
  const direction = new Float64Array(n);
  const trialX = new Float64Array(n);
  const trialGradient = new Float64Array(n);
  const step = new Float64Array(n);
  const gradientChange = new Float64Array(n);
  const hy = new Float64Array(n);
  let freshHessian = true;

  for (let iteration = 0; iteration < settings.maxIterations; iteration++) {
    if (gradientNorm <= settings.gradientTolerance) {
      return { converged: true, x, value, gradientNorm, iterations: iteration, reason: 'gradient' };
    }
    // d = −H g
    for (let row = 0; row < n; row++) {
      let sum = 0;
      for (let column = 0; column < n; column++) sum += inverseHessian[row * n + column]! * gradient[column]!;
      direction[row] = -sum;
    }
    let slope = dot(direction, gradient);
    if (!(slope < 0)) {
      // H lost positive definiteness to rounding: restart from steepest descent.
      resetHessian(1);
      scaled = false;
      for (let index = 0; index < n; index++) direction[index] = -gradient[index]!;
      slope = dot(direction, gradient);
    }
    // Without curvature information a unit step along −g can be wildly off scale.
    const initialStep = freshHessian ? Math.min(1, 1 / Math.max(gradientNorm, Number.MIN_VALUE)) : 1;
    const search = wolfeLineSearch(objective, x, value, slope, direction, initialStep, trialX, trialGradient);
    if (!search.ok) {
      if (!freshHessian) {
        // One retry along steepest descent before giving up.
        resetHessian(1);
        scaled = false;
        freshHessian = true;
        continue;
      }
      return { converged: false, x, value, gradientNorm, iterations: iteration, reason: search.reason };
    }
    freshHessian = false;
    const previousValue = value;
    for (let index = 0; index < n; index++) {
      step[index] = trialX[index]! - x[index]!;
      gradientChange[index] = trialGradient[index]! - gradient[index]!;
      x[index] = trialX[index]!;
      gradient[index] = trialGradient[index]!;
    }
    value = search.value;
    gradientNorm = infinityNorm(gradient);
    if (gradientNorm <= settings.gradientTolerance) {
      return { converged: true, x, value, gradientNorm, iterations: iteration + 1, reason: 'gradient' };
    }
    if (previousValue - value <= settings.functionTolerance * Math.max(1, Math.abs(value))) {
      return { converged: true, x, value, gradientNorm, iterations: iteration + 1, reason: 'function' };
    }
    const curvature = dot(gradientChange, step);
    if (curvature <= 1e-12 * Math.sqrt(dot(step, step) * dot(gradientChange, gradientChange))) continue;
    if (!scaled) {
      resetHessian(curvature / dot(gradientChange, gradientChange)); // N&W eq. 6.20
      scaled = true;
    }
    // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, expanded (N&W eq. 6.17), ρ = 1 / yᵀs.
    const rho = 1 / curvature;
    for (let row = 0; row < n; row++) {
      let sum = 0;
      for (let column = 0; column < n; column++)
        sum += inverseHessian[row * n + column]! * gradientChange[column]!;
      hy[row] = sum;
    }
    const yHy = dot(gradientChange, hy);
    const factor = (1 + rho * yHy) * rho;
    for (let row = 0; row < n; row++) {
      for (let column = 0; column < n; column++) {
        inverseHessian[row * n + column] =
          inverseHessian[row * n + column]! +
          factor * step[row]! * step[column]! -
          rho * (hy[row]! * step[column]! + step[row]! * hy[column]!);
      }
    }
  }
  return {
    converged: false,
    x,
    value,
    gradientNorm,
    iterations: settings.maxIterations,
    reason: `no convergence in ${settings.maxIterations} iterations`,
  };
}

type LineSearchResult = { ok: true; value: number } | { ok: false; reason: string };

/**
 * Strong-Wolfe line search (N&W Algorithm 3.5 with `zoom`, Algorithm 3.6, using safeguarded
 * cubic interpolation). On success `trialX`/`trialGradient` hold the accepted point.
 */
function wolfeLineSearch(
  objective: Objective,
  x: Float64Array,
  value0: number,
  slope0: number,
  direction: Float64Array,
  initialStep: number,
  trialX: Float64Array,
  trialGradient: Float64Array,
): LineSearchResult {
  const n = x.length;
  const evaluate = (alpha: number): { value: number; slope: number } => {
    for (let index = 0; index < n; index++) trialX[index] = x[index]! + alpha * direction[index]!;
    const value = objective(trialX, trialGradient);
    const slope = dot(trialGradient, direction);
    return Number.isFinite(value) && Number.isFinite(slope)
      ? { value, slope }
      : { value: Number.POSITIVE_INFINITY, slope: Number.NaN };
  };
  const maxStep = 1e10;
  let previousAlpha = 0;
  let previousValue = value0;
  let previousSlope = slope0;
  let alpha = initialStep;
  for (let iteration = 0; iteration < 60; iteration++) {
    const trial = evaluate(alpha);
    if (trial.value > value0 + WOLFE_C1 * alpha * slope0 || (iteration > 0 && trial.value >= previousValue)) {
      return zoom(previousAlpha, previousValue, previousSlope, alpha, trial.value, trial.slope);
    }
    if (Math.abs(trial.slope) <= -WOLFE_C2 * slope0) return { ok: true, value: trial.value };
    if (trial.slope >= 0)
      return zoom(alpha, trial.value, trial.slope, previousAlpha, previousValue, previousSlope);
    previousAlpha = alpha;
    previousValue = trial.value;
    previousSlope = trial.slope;
    alpha *= 2;
    if (alpha > maxStep) break;
  }
  return { ok: false, reason: 'line search found no step meeting the Wolfe conditions (unbounded below?)' };

  function zoom(
    lowAlpha: number,
    lowValue: number,
    lowSlope: number,
    highAlpha: number,
    highValue: number,
    highSlope: number,
  ): LineSearchResult {
    for (let iteration = 0; iteration < 60; iteration++) {
      const alphaTrial = interpolate(lowAlpha, lowValue, lowSlope, highAlpha, highValue, highSlope);
      const trial = evaluate(alphaTrial);
      if (trial.value > value0 + WOLFE_C1 * alphaTrial * slope0 || trial.value >= lowValue) {
        highAlpha = alphaTrial;
        highValue = trial.value;
        highSlope = trial.slope;
      } else {
        if (Math.abs(trial.slope) <= -WOLFE_C2 * slope0) return { ok: true, value: trial.value };
        if (trial.slope * (highAlpha - lowAlpha) >= 0) {
          highAlpha = lowAlpha;
          highValue = lowValue;
          highSlope = lowSlope;
        }
        lowAlpha = alphaTrial;
        lowValue = trial.value;
        lowSlope = trial.slope;
      }
      if (Math.abs(highAlpha - lowAlpha) <= 1e-16 * Math.max(1, Math.abs(lowAlpha))) break;
    }
    // The bracket collapsed: accept the best point if it lowered f (sufficient decrease holds for it).
    if (lowAlpha > 0 && lowValue < value0) {
      const accepted = evaluate(lowAlpha);
      return { ok: true, value: accepted.value };
    }
    return { ok: false, reason: 'line search bracket collapsed without decrease' };
  }
}

/**
 * Minimiser of the cubic through (a, fa, da) and (b, fb, db), kept inside the middle 80 % of the
 * bracket; bisection when the cubic is unusable (e.g. an infinite value at one end).
 */
function interpolate(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const lower = Math.min(a, b);
  const upper = Math.max(a, b);
  const margin = 0.1 * (upper - lower);
  const midpoint = 0.5 * (a + b);
  if (!Number.isFinite(fb) || !Number.isFinite(db) || !Number.isFinite(fa) || !Number.isFinite(da))
    return midpoint;
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const discriminant = d1 * d1 - da * db;
  if (!(discriminant >= 0)) return midpoint;
  const d2 = Math.sign(b - a) * Math.sqrt(discriminant);
  const candidate = b - ((b - a) * (db + d2 - d1)) / (db - da + 2 * d2);
  if (!Number.isFinite(candidate) || candidate < lower + margin || candidate > upper - margin)
    return midpoint;
  return candidate;
}

/** Nelder–Mead with the standard coefficients; NaN values rank as +∞. */
function nelderMead(objective: Objective, start: Float64Array, settings: Settings): Attempt {
  const n = start.length;
  const vertices: Float64Array[] = [];
  const values = new Float64Array(n + 1);
  const evaluate = (point: Float64Array) => {
    const value = objective(point, null);
    return Number.isNaN(value) ? Number.POSITIVE_INFINITY : value;
  };
  vertices.push(Float64Array.from(start));
  for (let index = 0; index < n; index++) {
    const vertex = Float64Array.from(start);
    // 5 % steps, or 0.00025 for zero coordinates (as in MATLAB's fminsearch).
    vertex[index] = vertex[index] !== 0 ? vertex[index]! * 1.05 : 0.00025;
    vertices.push(vertex);
  }
  for (let index = 0; index <= n; index++) values[index] = evaluate(vertices[index]!);
  const order = Array.from({ length: n + 1 }, (_, index) => index);
  const centroid = new Float64Array(n);
  const reflected = new Float64Array(n);
  const candidate = new Float64Array(n);
  const pointAlong = (target: Float64Array, coefficient: number, worst: Float64Array) => {
    for (let index = 0; index < n; index++)
      target[index] = centroid[index]! + coefficient * (worst[index]! - centroid[index]!);
  };

  for (let iteration = 0; iteration < settings.maxIterations; iteration++) {
    order.sort((left, right) => values[left]! - values[right]!);
    const best = order[0]!;
    const worstIndex = order[n]!;
    const bestValue = values[best]!;
    if (bestValue === Number.NEGATIVE_INFINITY) {
      return {
        converged: false,
        x: Float64Array.from(vertices[best]!),
        value: bestValue,
        gradientNorm: Number.NaN,
        iterations: iteration,
        reason: 'objective reached −∞ (unbounded below)',
      };
    }
    let valueSpread = 0;
    let pointSpread = 0;
    for (let vertexIndex = 1; vertexIndex <= n; vertexIndex++) {
      const other = order[vertexIndex]!;
      valueSpread = Math.max(valueSpread, Math.abs(values[other]! - bestValue));
      for (let index = 0; index < n; index++) {
        pointSpread = Math.max(pointSpread, Math.abs(vertices[other]![index]! - vertices[best]![index]!));
      }
    }
    let scale = 1;
    for (let index = 0; index < n; index++) scale = Math.max(scale, Math.abs(vertices[best]![index]!));
    if (
      Number.isFinite(bestValue) &&
      valueSpread <= settings.functionTolerance * Math.max(1, Math.abs(bestValue)) &&
      pointSpread <= 1e-8 * scale
    ) {
      return {
        converged: true,
        x: Float64Array.from(vertices[best]!),
        value: bestValue,
        gradientNorm: Number.NaN,
        iterations: iteration,
        reason: 'simplex',
      };
    }
    centroid.fill(0);
    for (let vertexIndex = 0; vertexIndex < n; vertexIndex++) {
      const vertex = vertices[order[vertexIndex]!]!;
      for (let index = 0; index < n; index++) centroid[index] = centroid[index]! + vertex[index]! / n;
    }
    const worst = vertices[worstIndex]!;
    const worstValue = values[worstIndex]!;
    const secondWorstValue = values[order[n - 1]!]!;
    pointAlong(reflected, -1, worst);
    const reflectedValue = evaluate(reflected);
    if (reflectedValue < bestValue) {
      pointAlong(candidate, -2, worst);
      const expandedValue = evaluate(candidate);
      if (expandedValue < reflectedValue) {
        worst.set(candidate);
        values[worstIndex] = expandedValue;
      } else {
        worst.set(reflected);
        values[worstIndex] = reflectedValue;
      }
      continue;
    }
    if (reflectedValue < secondWorstValue) {
      worst.set(reflected);
      values[worstIndex] = reflectedValue;
      continue;
    }
    // Contraction: outside when the reflection improved on the worst point, inside otherwise.
    const outside = reflectedValue < worstValue;
    pointAlong(candidate, outside ? -0.5 : 0.5, worst);
    const contractedValue = evaluate(candidate);
    if (outside ? contractedValue <= reflectedValue : contractedValue < worstValue) {
      worst.set(candidate);
      values[worstIndex] = contractedValue;
      continue;
    }
    // Shrink towards the best vertex.
    const bestVertex = vertices[best]!;
    for (let vertexIndex = 1; vertexIndex <= n; vertexIndex++) {
      const other = order[vertexIndex]!;
      const vertex = vertices[other]!;
      for (let index = 0; index < n; index++)
        vertex[index] = bestVertex[index]! + 0.5 * (vertex[index]! - bestVertex[index]!);
      values[other] = evaluate(vertex);
    }
  }
  order.sort((left, right) => values[left]! - values[right]!);
  const best = order[0]!;
  return {
    converged: false,
    x: Float64Array.from(vertices[best]!),
    value: values[best]!,
    gradientNorm: Number.NaN,
    iterations: settings.maxIterations,
    reason: `no convergence in ${settings.maxIterations} iterations`,
  };
}
