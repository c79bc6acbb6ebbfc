import { describe, expect, it } from 'vitest';
import { integrate } from './quadrature.js';

describe('integrate', () => {
  it('is exact for cubics (Simpson): ∫₀³ x³ dx = 3⁴/4 = 20.25', () => {
    expect(integrate((x) => x ** 3, 0, 3)).toBeCloseTo(20.25, 12);
  });
  it('reaches the tolerance on a peaked integrand: ∫₀¹⁰ 50 e^(−50x) dx = 1 − e^(−500)', () => {
    expect(integrate((x) => 50 * Math.exp(-50 * x), 0, 10, 1e-12)).toBeCloseTo(1, 10);
  });
  it('∫₀^π sin = 2', () => {
    expect(integrate(Math.sin, 0, Math.PI)).toBeCloseTo(2, 11);
  });
});
