import { InvalidInputError } from '../input-error.js';
import { type CoreIssue, fail, ok, type Result } from '../result.js';
import { type Design, encodeColumns, type FeatureTable, type RawColumn } from './feature-table.js';

/** A feature's weight in a fitted model. */
export interface Driver {
  readonly feature: string;
  /** Coefficient on the design column (log-odds of churn per unit of that column). */
  readonly weight: number;
  /**
   * Coefficient × the column's standard deviation on the training rows: log-odds per standard
   * deviation, comparable across features. Equal to `weight` for designs from `buildDesign`.
   */
  readonly standardisedWeight: number;
}

/** A fitted L2-regularised logistic regression. */
export interface LogisticModel {
  readonly intercept: number;
  /** One coefficient per design column. */
  readonly coefficients: Float64Array;
  readonly featureNames: readonly string[];
  /** The encoding of the design it was trained on (absent for a hand-made design). */
  readonly table?: FeatureTable;
  readonly l2: number;
  /** Newton iterations used. */
  readonly iterations: number;
  /** Penalised negative log-likelihood at the optimum. */
  readonly objective: number;
  /** P(churn) for one design row (already encoded and standardised). */
  predict(row: ArrayLike<number>): number;
  /** P(churn) for every row of a design. */
  predictDesign(design: Pick<Design, 'rows' | 'width' | 'values'>): Float64Array;
  /** P(churn) for raw columns, encoded with the training `table`. */
  predictColumns(columns: Readonly<Record<string, RawColumn>>): Float64Array;
  /** Features by decreasing |standardised weight| (ties: design order). */
  drivers(): Driver[];
}

export interface LogisticOptions {
  /** L2 penalty λ on the coefficients (not the intercept), objective −ℓ + λ/2·‖β‖². Default 1. */
  readonly l2?: number;
  /** Default 100. */
  readonly maxIterations?: number;
  /** Convergence: largest Newton step component below this. Default 1e-9. */
  readonly tolerance?: number;
}

/** Numerically safe log(1 + e^x). */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Solves A x = b for a symmetric positive-definite A by Cholesky (A = L Lᵀ); `null` when a pivot is
 * not clearly positive (relative to its diagonal entry), i.e. A is singular to working precision.
 */
function choleskySolve(matrix: Float64Array, size: number, rightHandSide: Float64Array): Float64Array | null {
  const lower = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = matrix[i * size + j]!;
      for (let k = 0; k < j; k++) sum -= lower[i * size + k]! * lower[j * size + k]!;
      if (i === j) {
        if (!(sum > 1e-12 * matrix[i * size + i]!)) return null;
        lower[i * size + i] = Math.sqrt(sum);
      } else {
        lower[i * size + j] = sum / lower[j * size + j]!;
      }
    }
  }
  const solution = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    let sum = rightHandSide[i]!;
    for (let k = 0; k < i; k++) sum -= lower[i * size + k]! * solution[k]!;
    solution[i] = sum / lower[i * size + i]!;
  }
  for (let i = size - 1; i >= 0; i--) {
    let sum = solution[i]!;
    for (let k = i + 1; k < size; k++) sum -= lower[k * size + i]! * solution[k]!;
    solution[i] = sum / lower[i * size + i]!;
  }
  return solution;
}

/**
 * Fits P(churn | x) = σ(b₀ + βᵀx) by minimising the penalised negative log-likelihood
 * f(b₀, β) = Σᵢ [log(1 + e^{ηᵢ}) − yᵢηᵢ] + λ/2 ‖β‖² (ηᵢ = b₀ + βᵀxᵢ; the intercept is not
 * penalised) with Newton's method — iteratively reweighted least squares (Hastie, Tibshirani &
 * Friedman, *Elements of Statistical Learning*, §4.4.1, eq. 4.26 plus the ridge term): gradient
 * Xᵀ(p − y) + λβ, Hessian XᵀWX + λI with W = diag(p(1 − p)), solved by Cholesky, with step halving
 * whenever a full step does not lower f. With λ > 0 the objective is strictly convex, so perfectly
 * separable data still has a finite optimum (λ = 1 is scikit-learn's default `C = 1`).
 *
 * Expected failures are values: `single-class` (all labels equal), `singular-hessian` (λ = 0 with
 * collinear features), `not-converged` (e.g. λ = 0 on separable data, whose optimum is at infinity).
 *
 * Complexity: O(iterations × n × p²) time, O(p²) memory, n rows and p features.
 *
 * @example
 * const model = trainLogistic(buildDesign({ tickets: [0, 3, 1, 4] }), Uint8Array.from([0, 1, 0, 1]));
 * if (model.ok) model.value.drivers(); // [{ feature: 'tickets', weight: 0.9975…, standardisedWeight: 0.9975… }]
 */
export function trainLogistic(
  design: Pick<Design, 'rows' | 'width' | 'values' | 'featureNames'> & { readonly table?: FeatureTable },
  labels: ArrayLike<number | boolean>,
  options: LogisticOptions = {},
): Result<LogisticModel> {
  const l2 = options.l2 ?? 1;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-9;
  const { rows, width, values } = design;
  if (!(l2 >= 0 && Number.isFinite(l2)))
    throw new InvalidInputError(`l2 must be a finite number ≥ 0, got ${l2}`);
  if (labels.length !== rows)
    throw new RangeError(`The design has ${rows} rows but there are ${labels.length} labels`);
  if (values.length !== rows * width)
    throw new RangeError(`The design values do not hold ${rows} × ${width} numbers`);
  if (design.featureNames.length !== width)
    throw new RangeError('featureNames must name every design column');

  let positives = 0;
  for (let i = 0; i < rows; i++) if (labels[i]) positives++;
  if (positives === 0 || positives === rows) {
    return fail({
      code: 'single-class',
      message: `Every label is ${positives === 0 ? 'negative' : 'positive'}: a classifier needs both churned and retained customers.`,
      path: ['labels'],
    });
  }

  // Parameters: index 0 = intercept, 1..width = coefficients.
  const size = width + 1;
  let parameters = new Float64Array(size);
  // Start the intercept at the base-rate log-odds: the first Newton step then has less to do.
  parameters[0] = Math.log(positives / (rows - positives));

  const objectiveAt = (candidate: Float64Array): number => {
    let total = 0;
    for (let i = 0; i < rows; i++) {
      let eta = candidate[0]!;
      for (let j = 0; j < width; j++) eta += candidate[j + 1]! * values[i * width + j]!;
      total += softplus(eta) - (labels[i] ? eta : 0);
    }
    let penalty = 0;
    for (let j = 1; j < size; j++) penalty += candidate[j]! * candidate[j]!;
    return total + (l2 / 2) * penalty;
  };

  let objective = objectiveAt(parameters);
  const gradient = new Float64Array(size);
  const hessian = new Float64Array(size * size);
  const row = new Float64Array(size);
  row[0] = 1;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    gradient.fill(0);
    hessian.fill(0);
    for (let i = 0; i < rows; i++) {
      let eta = parameters[0]!;
      for (let j = 0; j < width; j++) {
        row[j + 1] = values[i * width + j]!;
        eta += parameters[j + 1]! * row[j + 1]!;
      }
      const probability = sigmoid(eta);
      const residual = probability - (labels[i] ? 1 : 0);
      const weight = probability * (1 - probability);
      for (let j = 0; j < size; j++) {
        gradient[j]! += residual * row[j]!;
        const scaled = weight * row[j]!;
        for (let k = 0; k <= j; k++) hessian[j * size + k]! += scaled * row[k]!;
      }
    }
    for (let j = 1; j < size; j++) {
      gradient[j]! += l2 * parameters[j]!;
      hessian[j * size + j]! += l2;
    }
    for (let j = 0; j < size; j++) for (let k = 0; k < j; k++) hessian[k * size + j] = hessian[j * size + k]!;

    const step = choleskySolve(hessian, size, gradient);
    if (step === null) {
      // Singular from the start: collinear or constant features. Later: the weights p(1 − p) have
      // underflowed because the fit is running off to infinity (separation).
      return fail(
        iteration === 1
          ? {
              code: 'singular-hessian',
              message:
                'The features are collinear (or constant) and there is no L2 penalty to separate them: set l2 > 0.',
            }
          : notConverged(iteration, parameters),
      );
    }
    // Halve the Newton step until the objective does not increase.
    let scale = 1;
    let accepted = false;
    const candidate = new Float64Array(size);
    let candidateObjective = objective;
    for (let halving = 0; halving < 40 && !accepted; halving++) {
      for (let j = 0; j < size; j++) candidate[j] = parameters[j]! - scale * step[j]!;
      candidateObjective = objectiveAt(candidate);
      if (candidateObjective <= objective) accepted = true;
      else scale /= 2;
    }
    if (!accepted) {
      // No step lowers f any more: at the optimum to rounding, provided the gradient agrees.
      let largestGradient = 0;
      for (let j = 0; j < size; j++) largestGradient = Math.max(largestGradient, Math.abs(gradient[j]!));
      if (largestGradient < 1e-6 * (rows + 1))
        return ok(makeModel(design, parameters, l2, iteration, objective));
      break;
    }
    let largestStep = 0;
    for (let j = 0; j < size; j++) largestStep = Math.max(largestStep, Math.abs(scale * step[j]!));
    parameters = candidate;
    objective = candidateObjective;
    if (largestStep < tolerance) return ok(makeModel(design, parameters, l2, iteration, objective));
  }
  return fail(notConverged(maxIterations, parameters));
}

function notConverged(iterations: number, parameters: Float64Array): CoreIssue {
  return {
    code: 'not-converged',
    message: `Newton's method did not converge after ${iterations} iterations: the classes are probably separable; set l2 > 0.`,
    details: { intercept: parameters[0], coefficients: [...parameters.subarray(1)] },
  };
}

function makeModel(
  design: Pick<Design, 'rows' | 'width' | 'values' | 'featureNames'> & { readonly table?: FeatureTable },
  parameters: Float64Array,
  l2: number,
  iterations: number,
  objective: number,
): LogisticModel {
  const intercept = parameters[0]!;
  const coefficients = parameters.slice(1);
  const { width, rows, values, featureNames } = design;
  // Column standard deviations over the training rows, for comparable driver weights.
  const standardDeviations = new Float64Array(width);
  for (let j = 0; j < width; j++) {
    let sum = 0;
    let sumOfSquares = 0;
    for (let i = 0; i < rows; i++) {
      const value = values[i * width + j]!;
      sum += value;
      sumOfSquares += value * value;
    }
    const mean = sum / rows;
    standardDeviations[j] = Math.sqrt(Math.max(0, sumOfSquares / rows - mean * mean));
  }
  const predict = (row: ArrayLike<number>): number => {
    if (row.length !== width) throw new RangeError(`A row must have ${width} features, got ${row.length}`);
    let eta = intercept;
    for (let j = 0; j < width; j++) eta += coefficients[j]! * row[j]!;
    return sigmoid(eta);
  };
  const predictDesign = (other: Pick<Design, 'rows' | 'width' | 'values'>): Float64Array => {
    if (other.width !== width)
      throw new RangeError(`The design has ${other.width} features, the model ${width}`);
    const probabilities = new Float64Array(other.rows);
    for (let i = 0; i < other.rows; i++) {
      let eta = intercept;
      for (let j = 0; j < width; j++) eta += coefficients[j]! * other.values[i * width + j]!;
      probabilities[i] = sigmoid(eta);
    }
    return probabilities;
  };
  const table = design.table;
  return {
    intercept,
    coefficients,
    featureNames,
    ...(table ? { table } : {}),
    l2,
    iterations,
    objective,
    predict,
    predictDesign,
    predictColumns(columns) {
      if (!table)
        throw new RangeError('This model was trained on a hand-made design: encode new rows yourself');
      return predictDesign(encodeColumns(table, columns));
    },
    drivers() {
      return featureNames
        .map((feature, j) => ({
          feature,
          weight: coefficients[j]!,
          standardisedWeight: coefficients[j]! * standardDeviations[j]!,
          order: j,
        }))
        .sort((a, b) => Math.abs(b.standardisedWeight) - Math.abs(a.standardisedWeight) || a.order - b.order)
        .map(({ feature, weight, standardisedWeight }) => ({ feature, weight, standardisedWeight }));
    },
  };
}
