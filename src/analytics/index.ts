/** Analytics over the store: the retention, cohort, MRR, RFM, CLV and at-risk endpoints. */
export {
  dataBounds,
  loadDayOrderTable,
  loadSubscriptionTable,
  offsetSegments,
} from './analytics.repository.js';
export { analyticsRoutes } from './analytics.routes.js';
export {
  type AnalyticsLimits,
  type AnalyticsQuery,
  type AtRiskQuery,
  atRiskReport,
  type ClvQuery,
  clvReport,
  cohortsReport,
  mrrReport,
  type PageQuery,
  retentionReport,
  rfmReport,
  seriesReport,
} from './analytics.service.js';
export { type AnalyticsEndpoint, type AnalyticsJob, executeAnalyticsJob, jobKey } from './analytics-jobs.js';
export {
  ANALYTICS_REFRESH_JOB_TYPE,
  analyticsJobHandlers,
  REFRESHED_OVERVIEW_PERIODS,
  requestAnalyticsRefresh,
} from './analytics-refresh.js';
export {
  AnalyticsRunner,
  type AnalyticsRunnerOptions,
  type AnalyticsSettings,
  type Answer,
  type AnswerOptions,
  DEFAULT_ANALYTICS_TIMEOUT_MS,
  defaultAnalyticsWorkers,
} from './analytics-runner.js';
export { overviewRoutes } from './overview.routes.js';
export { type OverviewQuery, type OverviewReport, overviewReport } from './overview.service.js';
export { type ScoreJobOptions, scoreJobHandlers, scoresRefreshHandler } from './scores.job.js';
export {
  type ComputedScores,
  computeCustomerScores,
  type RefreshedScores,
  refreshCustomerScores,
} from './scores.service.js';
