/**
 * Expected failures are values, not exceptions (a fit that does not converge, a row that does not
 * parse): callers must look at `ok` before they can reach the value.
 */
export type Result<T, E = CoreIssue> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };

/** A structured problem: a stable machine-readable `code`, where it is, and a sentence for people. */
export interface CoreIssue {
  readonly code: string;
  readonly message: string;
  /** Where the problem is, e.g. `['params', 'alpha']` or `['row', 12, 'amount']`. */
  readonly path?: readonly (string | number)[];
  /** Extra data for callers (e.g. the last iterate of an optimiser). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function fail<E = CoreIssue>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}
