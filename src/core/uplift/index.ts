/** Proving an action worked: the deterministic holdout and the uplift with its intervals (metrics.md §9). */
export { HOLDOUT_BUCKETS, HOLDOUT_HASH_SEED, holdoutBucket, isInHoldout } from './holdout.js';
export {
  type Interval,
  newcombeDifference,
  type SampleSummary,
  summarizeSample,
  type WelchInterval,
  welchInterval,
  wilsonInterval,
  Z_95,
} from './intervals.js';
export {
  type ArmOutcomes,
  computeUplift,
  MIN_CUSTOMERS_PER_ARM,
  type Uplift,
  type UpliftEstimate,
} from './uplift.js';
