/**
 * Period retention (metrics.md §1–§2): the seeds' CRR with its decomposition, over one period or
 * over every period of a grid in one pass, for transactional and subscription businesses.
 */
export {
  DEFAULT_WINDOW_DAYS,
  type PeriodRetention,
  type PeriodRetentionOptions,
  periodRetention,
  type SubscriptionPeriodRetentionOptions,
  subscriptionPeriodRetention,
} from './period-retention.js';
export {
  type RetentionSeriesOptions,
  retentionSeries,
  type SubscriptionRetentionSeriesOptions,
  subscriptionRetentionSeries,
} from './retention-series.js';
