/**
 * `retain/core`: Retain's pure analytics — metrics, models and numerics over in-memory data.
 * No I/O, no database, no Node built-ins: it runs in Node and in the browser alike.
 * This file is the curated public surface; nothing else under src/core is imported from outside,
 * but `light.ts` (its fast-loading part, re-exported here) by the CSV readers' threads.
 */
export * from './clv/index.js';
export * from './cohorts/index.js';
export * from './feedback/index.js';
// Results, input errors, limits, time and the tables: the part that loads in milliseconds.
export * from './light.js';
export * from './math/index.js';
export * from './orders/index.js';
export * from './report/index.js';
export * from './retention/index.js';
export * from './revenue/index.js';
export * from './rfm/index.js';
export * from './risk/index.js';
export * from './survival/index.js';
export * from './uplift/index.js';
