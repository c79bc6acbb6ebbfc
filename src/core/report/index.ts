export {
  analyzeOrders,
  analyzeSubscriptions,
  type ReportClv,
  type ReportCohortRow,
  type ReportCohorts,
  type ReportMrr,
  type ReportOptions,
  type ReportOrders,
  type ReportRfm,
  type RetentionReport,
} from './retention-report.js';
