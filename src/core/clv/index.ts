/**
 * Customer lifetime value (metrics.md §5): the per-customer summary the models read, historical
 * value, and (as they land) the transaction and spend models and predictive CLV.
 */
export { type HistoricalValue, type HistoricalValueOptions, historicalValue } from './historical-value.js';
export {
  type CustomerSummary,
  type CustomerSummaryColumns,
  type SummarizeOptions,
  summarize,
  summarizeColumns,
} from './summarize.js';
export {
  type SummaryColumns,
  type SummaryInput,
  type SummaryRow,
  toSummaryColumns,
} from './summary-columns.js';
