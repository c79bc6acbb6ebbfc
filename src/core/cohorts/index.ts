/** Cohort retention matrices (metrics.md §3): first-time or recurring, classic or rolling. */
export type {
  CohortBreakdownEntry,
  CohortKind,
  CohortMatrix,
  CohortMeasure,
  CohortOptions,
  CohortRow,
} from './cohort-matrix.js';
export { type CohortCell, orderCohortMembers, subscriptionCohortMembers } from './cohort-members.js';
export { orderCohorts, orderCohortsBy } from './order-cohorts.js';
export { subscriptionCohorts, subscriptionCohortsBy } from './subscription-cohorts.js';
