/**
 * CSV reading without the database: streaming readers that turn order, subscription and
 * customer-table exports into the core's columnar tables, and the pieces the import service builds
 * its record readers from (the stream, column resolution, the exact date and amount parsers, the
 * located issues). Imports only `core` and `runtime`, so `retain analyze`, `clv`, `survival`,
 * `churn` and `at-risk` start without loading the store (Kysely, SQLite, PostgreSQL) or HTTP code.
 */
export { type AmountProblem, amountProblem, parseAmountCents } from './amount.js';
export { type FieldSpec, normalizeHeader, type ResolvedColumns, resolveColumns } from './columns.js';
export { type CsvIssue, formatCsvIssue, IssueCollector } from './csv-issue.js';
export { type CsvStreamOutcome, recordLines, streamCsv } from './csv-stream.js';
export { type DateProblem, dateProblem, InstantParser } from './instant-parser.js';
export { type OrdersFile, type ReadOrdersOptions, readOrdersCsv } from './orders-csv.js';
export {
  type ReadSubscriptionsOptions,
  readSubscriptionsCsv,
  type SubscriptionsFile,
} from './subscriptions-csv.js';
export { readTableCsv, type TableColumnKind, type TableFile } from './table-csv.js';
