import { seededHash } from '../math/random.js';

/**
 * The holdout of an action (docs/metrics.md §9): each customer entering a flow is assigned to the
 * *holdout* or the *treatment* arm by a deterministic hash of (flow id, customer id), so the same
 * customer always lands in the same arm of the same flow — on every entry, in every process, after
 * a restart — while different flows draw independent arms.
 */

/** Buckets the hash is cut into: a holdout share is a whole number of hundredths of a percent. */
export const HOLDOUT_BUCKETS = 10_000;
/** The seed of the holdout hash (fixed forever: changing it would move customers between arms). */
export const HOLDOUT_HASH_SEED = 0x5f3759df;

/**
 * The customer's bucket in a flow, 0 … 9,999: `seededHash("<flowId>:<customerId>", HOLDOUT_HASH_SEED)`
 * (FNV-1a then MurmurHash3's finaliser, core/math/random.ts) scaled to `HOLDOUT_BUCKETS`. Uniform
 * in practice; deterministic. O(length of the ids).
 *
 * Example: `holdoutBucket(7, 42)` is the same number on every call.
 */
export function holdoutBucket(flowId: number | string, customerId: number | string): number {
  return Math.floor(
    (seededHash(`${flowId}:${customerId}`, HOLDOUT_HASH_SEED) / 4_294_967_296) * HOLDOUT_BUCKETS,
  );
}

/**
 * Whether the customer is in the flow's holdout, for a holdout share of `percent` (0–100, in steps
 * of 0.01): bucket < percent × 100. With percent 10, about one customer in ten. O(1).
 *
 * Example: `isInHoldout(7, 42, 0)` → `false`; `isInHoldout(7, 42, 100)` → `true`.
 */
export function isInHoldout(flowId: number | string, customerId: number | string, percent: number): boolean {
  return holdoutBucket(flowId, customerId) < Math.round(percent * (HOLDOUT_BUCKETS / 100));
}
