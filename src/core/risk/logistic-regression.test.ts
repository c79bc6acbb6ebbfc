import { describe, expect, it } from 'vitest';
import { seededRandom } from '../math/random.js';
import { auc } from './auc.js';
import { buildDesign } from './feature-table.js';
import { trainLogistic } from './logistic-regression.js';

/** Seeded uniform (Mulberry32) and normal (Box–Muller) draws, so the synthetic data is fixed. */
function generator(seed: number) {
  const uniform = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

/**
 * 20,000 customers from a known logistic model: η = −1 + 1.5·x1 − 0.8·x2 + 0.3·x3,
 * x1, x2 ~ N(0, 1), x3 ~ N(0, 2²). Standardised effects: |1.5·1| > |−0.8·1| > |0.3·2 = 0.6|.
 */
function syntheticChurn(seed: number, size = 20_000) {
  const random = generator(seed);
  const x1: number[] = [];
  const x2: number[] = [];
  const x3: number[] = [];
  const trueEta = new Float64Array(size);
  const labels = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    x1.push(random.normal());
    x2.push(random.normal());
    x3.push(2 * random.normal());
    trueEta[i] = -1 + 1.5 * x1[i]! - 0.8 * x2[i]! + 0.3 * x3[i]!;
    labels[i] = random.uniform() < 1 / (1 + Math.exp(-trueEta[i]!)) ? 1 : 0;
  }
  return { columns: { x1, x2, x3 }, trueEta, labels };
}

describe('trainLogistic', () => {
  it('matches the closed-form MLE with one binary feature and no penalty (hand-worked)', () => {
    // Untreated: 1 churn in 4 → intercept = logit(1/4) = ln(1/3) = −1.098612.
    // Treated: 3 churns in 4 → intercept + β = logit(3/4) = ln 3 → β = 2 ln 3 = 2.197225.
    const design = {
      rows: 8,
      width: 1,
      values: Float64Array.of(0, 0, 0, 0, 1, 1, 1, 1),
      featureNames: ['treated'],
    };
    const labels = Uint8Array.of(1, 0, 0, 0, 1, 1, 1, 0);
    const fitted = trainLogistic(design, labels, { l2: 0 });
    expect(fitted.ok).toBe(true);
    if (!fitted.ok) return;
    expect(fitted.value.intercept).toBeCloseTo(Math.log(1 / 3), 8);
    expect(fitted.value.coefficients[0]).toBeCloseTo(2 * Math.log(3), 8);
    expect(fitted.value.predict([1])).toBeCloseTo(0.75, 8);
    expect(fitted.value.predict([0])).toBeCloseTo(0.25, 8);
  });

  it('satisfies the penalised optimality condition Xᵀ(p − y) + λβ = 0 with λ = 1', () => {
    const { columns, labels } = syntheticChurn(7, 500);
    const design = buildDesign(columns);
    const fitted = trainLogistic(design, labels, { l2: 1 });
    if (!fitted.ok) throw new Error(fitted.error.message);
    const probabilities = fitted.value.predictDesign(design);
    const gradient = new Float64Array(design.width + 1);
    for (let i = 0; i < design.rows; i++) {
      const residual = probabilities[i]! - labels[i]!;
      gradient[0]! += residual;
      for (let j = 0; j < design.width; j++)
        gradient[j + 1]! += residual * design.values[i * design.width + j]!;
    }
    for (let j = 0; j < design.width; j++) gradient[j + 1]! += fitted.value.coefficients[j]!;
    for (const component of gradient) expect(Math.abs(component)).toBeLessThan(1e-7);
  });

  it('recovers the true coefficients of a known model (seeded synthetic data)', () => {
    const { columns, labels, trueEta } = syntheticChurn(20240601);
    const design = buildDesign(columns);
    const fitted = trainLogistic(design, labels);
    if (!fitted.ok) throw new Error(fitted.error.message);
    const model = fitted.value;
    // Back to raw units: β_raw = β_std / scale; intercept_raw = b₀ − Σ β_std · center / scale.
    const { centers, scales } = design.table;
    const raw = [0, 1, 2].map((j) => model.coefficients[j]! / scales[j]!);
    const intercept =
      model.intercept -
      [0, 1, 2].reduce((sum, j) => sum + (model.coefficients[j]! * centers[j]!) / scales[j]!, 0);
    // With n = 20,000 the standard errors are ≈ 0.02–0.03: 0.1 is > 3 standard errors.
    expect(Math.abs(intercept - -1)).toBeLessThan(0.1);
    expect(Math.abs(raw[0]! - 1.5)).toBeLessThan(0.1);
    expect(Math.abs(raw[1]! - -0.8)).toBeLessThan(0.1);
    expect(Math.abs(raw[2]! - 0.3)).toBeLessThan(0.05);
    // The fitted scores rank customers as the true model does.
    const fittedAuc = auc(model.predictDesign(design), labels)!;
    const trueAuc = auc(trueEta, labels)!;
    expect(Math.abs(fittedAuc - trueAuc)).toBeLessThan(0.003);
    expect(model.iterations).toBeLessThan(15);
  });

  it('orders drivers by |standardised weight|, not by raw coefficient', () => {
    const { columns, labels } = syntheticChurn(99, 5000);
    const fitted = trainLogistic(buildDesign(columns), labels);
    if (!fitted.ok) throw new Error(fitted.error.message);
    const drivers = fitted.value.drivers();
    // Standardised truth: x1 1.5, x2 −0.8, x3 0.3 × 2 = 0.6 (x3's raw 0.3 is the smallest, yet it is third, not last by raw).
    expect(drivers.map((driver) => driver.feature)).toEqual(['x1', 'x2', 'x3']);
    expect(drivers[1]!.weight).toBeLessThan(0);
    expect(drivers[0]!.standardisedWeight).toBeCloseTo(drivers[0]!.weight, 10);
  });

  it('does not blow up on separable data with L2, and reports non-convergence without it', () => {
    const design = buildDesign({ tickets: [1, 2, 3, 4, 5, 6] });
    const labels = Uint8Array.of(0, 0, 0, 1, 1, 1);
    const penalised = trainLogistic(design, labels, { l2: 1 });
    expect(penalised.ok).toBe(true);
    if (penalised.ok) {
      const coefficient = penalised.value.coefficients[0]!;
      expect(Number.isFinite(coefficient)).toBe(true);
      expect(coefficient).toBeGreaterThan(0);
      expect(coefficient).toBeLessThan(10);
      const scores = penalised.value.predictDesign(design);
      expect(auc(scores, labels)).toBe(1);
    }
    const unpenalised = trainLogistic(design, labels, { l2: 0 });
    expect(unpenalised.ok).toBe(false);
    if (!unpenalised.ok) expect(unpenalised.error.code).toBe('not-converged');
  });

  it('fails as a value on a single class or collinear features without penalty', () => {
    const design = { rows: 3, width: 2, values: Float64Array.of(1, 1, 2, 2, 3, 3), featureNames: ['a', 'b'] };
    const single = trainLogistic(design, Uint8Array.of(1, 1, 1));
    expect(single.ok ? null : single.error.code).toBe('single-class');
    const collinear = trainLogistic(design, Uint8Array.of(0, 1, 0), { l2: 0 });
    expect(collinear.ok ? null : collinear.error.code).toBe('singular-hessian');
    expect(trainLogistic(design, Uint8Array.of(0, 1, 0), { l2: 1 }).ok).toBe(true);
  });

  it('scores raw columns with the training encoding, categorical and blank included', () => {
    // Churn rate by plan: basic 3/4, pro 1/4, blank 4/4.
    const plan = ['basic', 'basic', 'basic', 'basic', 'pro', 'pro', 'pro', 'pro', null, null];
    const labels = Uint8Array.of(1, 1, 1, 0, 1, 0, 0, 0, 1, 1);
    const fitted = trainLogistic(buildDesign({ plan }), labels, { l2: 0.01 });
    if (!fitted.ok) throw new Error(fitted.error.message);
    const [basic, pro, blank, unseen] = fitted.value.predictColumns({ plan: ['basic', 'pro', '', 'team'] });
    expect(pro!).toBeLessThan(basic!);
    expect(basic!).toBeLessThan(blank!);
    // With a tiny penalty the fit reproduces the group rates.
    expect(basic!).toBeCloseTo(0.75, 2);
    expect(pro!).toBeCloseTo(0.25, 2);
    expect(unseen).toBeGreaterThan(0);
  });
});
