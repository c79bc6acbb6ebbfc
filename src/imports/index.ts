/**
 * CSV imports: streaming readers that turn order and subscription exports (generic, Shopify,
 * Stripe) into the core's columnar tables, with located, structured issues instead of exceptions.
 */
export { type AmountProblem, amountProblem, parseAmountCents } from './amount.js';
export { type CsvIssue, formatCsvIssue } from './csv-issue.js';
export {
  DEMO_ADMIN_EMAIL,
  DEMO_WORKSPACE_NAME,
  DEMO_WORKSPACE_SLUG,
  type DemoWorkspace,
  demoSamplePath,
  loadDemoWorkspace,
} from './demo-workspace.js';
export { IMPORT_JOB_TYPE, importJobHandlers, startImport } from './import.jobs.js';
export { importRoutes } from './import.routes.js';
export { type ImportOutcome, type ImportProgress, runImport } from './import.service.js';
export { IMPORT_FORMATS, IMPORT_TYPES, type ImportFormat, type ImportType } from './import.types.js';
export { InstantParser } from './instant-parser.js';
export { type OrdersFile, type ReadOrdersOptions, readOrdersCsv } from './orders-csv.js';
export {
  type ReadSubscriptionsOptions,
  readSubscriptionsCsv,
  type SubscriptionsFile,
} from './subscriptions-csv.js';
export { readTableCsv, type TableColumnKind, type TableFile } from './table-csv.js';
