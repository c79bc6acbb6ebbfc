/**
 * The part of `retain/core` that loads in milliseconds: results and input errors, the supported
 * ranges, time, and the in-memory tables — what the CSV readers need. `index.ts` also loads the
 * models and their numerics (≈ 200 ms on this project's machines, half of it `@stdlib`), which a
 * thread started for one task (an import's reader and check threads, `retain analyze`'s second
 * scanner) would pay before its first row. A light surface (docs/architecture.md): everything here
 * is also exported by `index.ts`.
 */
export * from './data/index.js';
export { InvalidInputError, isInvalidInputError } from './input-error.js';
export {
  EARLIEST_INSTANT,
  isSupportedDate,
  isSupportedInstant,
  LATEST_INSTANT,
  MAX_COHORT_CELLS,
  MAX_PERIODS,
  SUPPORTED_DATES,
  unsupportedInstantReason,
} from './limits.js';
export { type CoreIssue, fail, ok, type Result } from './result.js';
export * from './time/index.js';
