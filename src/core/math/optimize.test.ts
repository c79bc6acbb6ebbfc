import { describe, expect, it } from 'vitest';
import { minimize, type Objective } from './optimize.js';

/** Rosenbrock's function Σ 100 (x_{i+1} − x_i²)² + (1 − x_i)²: minimum 0 at (1, …, 1), a classic hard valley. */
const rosenbrock: Objective = (x, gradient) => {
  const n = x.length;
  let value = 0;
  if (gradient) gradient.fill(0);
  for (let index = 0; index < n - 1; index++) {
    const xi = x[index]!;
    const next = x[index + 1]!;
    const valley = next - xi * xi;
    value += 100 * valley * valley + (1 - xi) * (1 - xi);
    if (gradient) {
      gradient[index] = gradient[index]! - 400 * xi * valley - 2 * (1 - xi);
      gradient[index + 1] = gradient[index + 1]! + 200 * valley;
    }
  }
  return value;
};

describe('minimize', () => {
  it('finds the minimum of a quadratic (x − 3)² + 10 (y + 1)², known to be (3, −1)', () => {
    const result = minimize(
      (x, gradient) => {
        const dx = x[0]! - 3;
        const dy = x[1]! + 1;
        if (gradient) {
          gradient[0] = 2 * dx;
          gradient[1] = 20 * dy;
        }
        return dx * dx + 10 * dy * dy;
      },
      [0, 0],
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.method).toBe('bfgs');
    expect(result.value.x[0]).toBeCloseTo(3, 6);
    expect(result.value.x[1]).toBeCloseTo(-1, 6);
    expect(result.value.value).toBeLessThan(1e-10);
    // BFGS with exact-enough line searches needs few steps on a 2-D quadratic.
    expect(result.value.iterations).toBeLessThan(20);
  });

  it('solves 2-D Rosenbrock from the textbook start (−1.2, 1)', () => {
    const result = minimize(rosenbrock, [-1.2, 1]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.method).toBe('bfgs');
    expect(result.value.x[0]).toBeCloseTo(1, 5);
    expect(result.value.x[1]).toBeCloseTo(1, 5);
    expect(result.value.gradientNorm).toBeLessThanOrEqual(1e-6);
  });

  it('solves 10-D Rosenbrock', () => {
    const start = Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? -1.2 : 1));
    const result = minimize(rosenbrock, start);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    for (const coordinate of result.value.x) expect(coordinate).toBeCloseTo(1, 4);
  });

  it('Nelder–Mead alone solves 2-D Rosenbrock', () => {
    const result = minimize(rosenbrock, [-1.2, 1], { method: 'nelder-mead' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.method).toBe('nelder-mead');
    expect(result.value.x[0]).toBeCloseTo(1, 4);
    expect(result.value.x[1]).toBeCloseTo(1, 4);
  });

  it('falls back to Nelder–Mead when the gradient is unusable', () => {
    // The value is a plain quadratic with minimum at 2, but the "gradient" is NaN: BFGS cannot start.
    const result = minimize(
      (x, gradient) => {
        if (gradient) gradient[0] = Number.NaN;
        return (x[0]! - 2) ** 2;
      },
      [0],
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.method).toBe('nelder-mead');
    expect(result.value.x[0]).toBeCloseTo(2, 5);
  });

  it('backs off from regions where the objective is not finite', () => {
    // f = x − log x (minimum at x = 1) is NaN for x ≤ 0; the first unit steps overshoot into it.
    const result = minimize(
      (x, gradient) => {
        const value = x[0]! - Math.log(x[0]!);
        if (gradient) gradient[0] = 1 - 1 / x[0]!;
        return value;
      },
      [0.05],
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.x[0]).toBeCloseTo(1, 5);
  });

  it('reports a function that is unbounded below as not converged, with the last iterate', () => {
    const result = minimize(
      (x, gradient) => {
        if (gradient) gradient[0] = 1;
        return x[0]!;
      },
      [0],
      { maxIterations: 500 },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('not-converged');
    expect(result.error.details?.x).toBeDefined();
    expect(result.error.details?.iterations).toBeGreaterThan(0);
  });

  it('reports hitting the iteration cap', () => {
    const result = minimize(rosenbrock, [-1.2, 1], { method: 'bfgs', maxIterations: 3 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('not-converged');
    expect(result.error.details?.iterations).toBe(3);
  });
});

describe('minimize: abandon', () => {
  // f = −x₀ + x₁²: unbounded below along x₀, a ridge BFGS runs out on until its line search collapses.
  const ridge =
    (counter: { calls: number }): Objective =>
    (x, gradient) => {
      counter.calls++;
      if (gradient) {
        gradient[0] = -1;
        gradient[1] = 2 * x[1]!;
      }
      return -x[0]! + x[1]! * x[1]!;
    };

  it('fails where BFGS failed, without Nelder–Mead, when the point is hopeless', () => {
    const plain = { calls: 0 };
    const fallback = minimize(ridge(plain), [0, 1]);
    // Without the option Nelder–Mead takes over from BFGS's last point (and "converges" far out).
    expect(fallback.ok && fallback.value.method).toBe('nelder-mead');

    const abandoning = { calls: 0 };
    const abandoned = minimize(ridge(abandoning), [0, 1], { abandon: (x) => x[0]! > 100 });
    expect(abandoned.ok).toBe(false);
    if (abandoned.ok) return;
    expect(abandoned.error.code).toBe('not-converged');
    expect(abandoned.error.message).not.toContain('Nelder');
    expect((abandoned.error.details!.x as number[])[0]).toBeGreaterThan(100);
    expect(abandoning.calls).toBeLessThan(plain.calls);
  });

  it('still falls back to Nelder–Mead when the point is not hopeless', () => {
    const counter = { calls: 0 };
    const result = minimize(ridge(counter), [0, 1], { abandon: () => false });
    expect(result.ok && result.value.method).toBe('nelder-mead');
  });
});
