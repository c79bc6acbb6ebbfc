import { fail, ok, type Result } from '../result.js';

/**
 * The range a fitted parameter must stay within to be a meaningful estimate. Outside it the
 * optimiser has "converged" by running a parameter off towards 0 or ∞ — the data do not identify
 * the model (too few customers or repeat purchases, or all alike) — and the numbers must not be
 * reported as a fit.
 */
export const IDENTIFIED_PARAMETER_RANGE = { min: 1e-8, max: 1e8 } as const;

/**
 * Fails with `degenerate-fit` when a fitted parameter left `IDENTIFIED_PARAMETER_RANGE` or the
 * log-likelihood is not finite; shared by every model fitted by maximum likelihood. O(k).
 */
export function checkIdentified(
  names: readonly string[],
  params: ArrayLike<number>,
  logLikelihood: number,
): Result<true> {
  for (let index = 0; index < names.length; index++) {
    const value = params[index]!;
    if (!(value >= IDENTIFIED_PARAMETER_RANGE.min && value <= IDENTIFIED_PARAMETER_RANGE.max)) {
      return fail({
        code: 'degenerate-fit',
        message: `The data do not identify the model: parameter ${names[index]} ran off to ${value.toPrecision(3)} (too few customers or repeat purchases to fit it).`,
        path: ['params', names[index]!],
        details: { params: Array.from(params), logLikelihood },
      });
    }
  }
  if (!Number.isFinite(logLikelihood)) {
    return fail({
      code: 'degenerate-fit',
      message: 'The fitted log-likelihood is not finite: the data do not identify the model.',
      details: { params: Array.from(params), logLikelihood },
    });
  }
  return ok(true);
}
