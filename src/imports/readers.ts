/**
 * The CSV readers without the database: streaming readers that turn order, subscription and
 * customer-table exports into the core's columnar tables.
 * `retain analyze`, `clv`, `survival`, `churn` and `at-risk` import from here, not from
 * `index.ts`, so that they start without loading the store (Kysely, SQLite, PostgreSQL) or HTTP code.
 */
export { type AmountProblem, amountProblem, parseAmountCents } from './amount.js';
export { type CsvIssue, formatCsvIssue } from './csv-issue.js';
export { InstantParser } from './instant-parser.js';
export { type OrdersFile, type ReadOrdersOptions, readOrdersCsv } from './orders-csv.js';
export {
  type ReadSubscriptionsOptions,
  readSubscriptionsCsv,
  type SubscriptionsFile,
} from './subscriptions-csv.js';
export { readTableCsv, type TableColumnKind, type TableFile } from './table-csv.js';
