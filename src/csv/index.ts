/**
 * CSV reading without the database: streaming readers that turn order, subscription and
 * customer-table exports into the core's columnar tables; the one definition of each file layout
 * (`layouts/`: generic, Shopify, Stripe) that both those readers and the import's record readers
 * use; and the pieces the import builds on (the stream, the record engine `readRowGroups` and
 * `RowReader`, column resolution, the exact date and amount parsers, the located issues). Imports
 * only `core` and `runtime`, so `retain analyze`, `clv`, `survival`, `churn` and `at-risk` start
 * without loading the store (Kysely, SQLite, PostgreSQL) or HTTP code.
 */
export { type AmountProblem, amountProblem, parseAmountCents } from './amount.js';
export { type FieldSpec, normalizeHeader, type ResolvedColumns, resolveColumns } from './columns.js';
export { type CsvIssue, fileReadIssue, formatCsvIssue, IssueCollector } from './csv-issue.js';
export { CSV_LIMITS, type CsvLimits, MAX_ID_CHARS } from './csv-limits.js';
export {
  type CsvFileProblem,
  type CsvReadOptions,
  type CsvRecordIssue,
  type CsvStreamOutcome,
  recordLines,
  streamCsv,
} from './csv-stream.js';
export {
  type CsvRecordSink,
  type CsvSyntaxIssue,
  CsvTokenizer,
  type CsvTokenizerOptions,
} from './csv-tokenizer.js';
export {
  type CsvDialect,
  DATE_FORMATS,
  type DateFormat,
  DECIMAL_SEPARATORS,
  DEFAULT_DIALECT,
  type DecimalSeparator,
  type Delimiter,
  type DetectedDialect,
  type DialectRequest,
  delimiterName,
  describeDialect,
  detectDialect,
  parseDelimiter,
  readDialect,
} from './dialect.js';
export { type DateProblem, dateProblem, InstantParser } from './instant-parser.js';
export {
  detectOrderLayout,
  detectSubscriptionLayout,
  ORDER_LAYOUTS,
  SUBSCRIPTION_LAYOUTS,
} from './layouts/detect-layout.js';
export { GENERIC_ORDER_IMPORT_FIELDS, genericOrders } from './layouts/generic-orders.js';
export { genericSubscriptions } from './layouts/generic-subscriptions.js';
export {
  type CountedRow,
  countedRows,
  type OrderLayout,
  type OrderLine,
  type OrderRefund,
  type OrderStatus,
  type OrdersFormat,
  type ReadOrder,
  type ReadPurpose,
  refundOfGoodsCents,
  type SkippedRecord,
} from './layouts/order-layout.js';
export { SHOPIFY_FINANCIAL_STATUSES, shopifyOrders } from './layouts/shopify-orders.js';
export { STRIPE_INVOICE_STATUSES, stripeInvoices } from './layouts/stripe-invoices.js';
export { STRIPE_SUBSCRIPTION_STATUSES, stripeSubscriptions } from './layouts/stripe-subscriptions.js';
export type {
  ReadSubscription,
  SubscriptionLayout,
  SubscriptionsFormat,
} from './layouts/subscription-layout.js';
export { type QuickCheck, type QuickCheckOptions, quickCheckGenericOrders } from './order-check.js';
export { type OrdersFile, type ReadOrdersOptions, readOrdersCsv } from './orders-csv.js';
export {
  type CurrencyCount,
  CurrencyTally,
  mixedCurrenciesMessage,
  reportMixedCurrencies,
} from './reader-support.js';
export {
  type OtherKind,
  type ReadRowGroupsOptions,
  type ReadRowGroupsResult,
  type RowGroupHandlers,
  type RowGroupLayout,
  readRowGroups,
} from './row-groups.js';
export { type RecordProblem, RowReader } from './row-reader.js';
export {
  type ReadSubscriptionsOptions,
  readSubscriptionsCsv,
  type SubscriptionsFile,
} from './subscriptions-csv.js';
export { readTableCsv, type TableColumnKind, type TableFile } from './table-csv.js';
export { CSV_ENCODINGS, type CsvEncoding, parseCsvEncoding } from './text-decoding.js';
