/**
 * CSV imports: streaming readers that turn order and subscription exports (generic, Shopify,
 * Stripe) into the core's columnar tables, with located, structured issues instead of exceptions.
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
