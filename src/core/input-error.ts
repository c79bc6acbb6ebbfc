/**
 * The one exception the core throws for a caller's mistake: an option or input it cannot use
 * (a period with its end before its start, an unknown time zone, a horizon of −3 months, no
 * orders to analyse). Coded, so that the API answers exactly these with 400 and the CLI with exit
 * 2, while anything else — a bug, or the engine's own RangeError for an impossible allocation —
 * stays a 500 / exit 1 and is not reported as the user's fault.
 *
 * Expected failures of a computation (a fit that does not converge) are `Result` values, not this.
 */
export class InvalidInputError extends Error {
  readonly code = 'invalid_input';
  /** The option or field at fault, when one is (e.g. `['horizonDays']`). */
  readonly path: readonly string[];

  constructor(message: string, path: readonly string[] = []) {
    super(message);
    this.name = 'InvalidInputError';
    this.path = path;
  }
}

/** True for the core's coded input error (works across bundles, where `instanceof` may not). */
export function isInvalidInputError(error: unknown): error is InvalidInputError {
  return (
    error instanceof InvalidInputError || (error as { name?: unknown } | null)?.name === 'InvalidInputError'
  );
}
