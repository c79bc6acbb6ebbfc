/**
 * `retain/core`: Retain's pure analytics — metrics, models and numerics over in-memory data.
 * No I/O, no database, no Node built-ins: it runs in Node and in the browser alike.
 * This file is the curated public surface; nothing else under src/core is imported from outside.
 */
export * from './clv/index.js';
export * from './cohorts/index.js';
export * from './data/index.js';
export * from './feedback/index.js';
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
export * from './math/index.js';
export * from './orders/index.js';
export * from './report/index.js';
export { type CoreIssue, fail, ok, type Result } from './result.js';
export * from './retention/index.js';
export * from './revenue/index.js';
export * from './rfm/index.js';
export * from './risk/index.js';
export * from './survival/index.js';
export * from './time/index.js';
export * from './uplift/index.js';
