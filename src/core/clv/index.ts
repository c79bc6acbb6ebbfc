/**
 * Customer lifetime value (metrics.md §5): the per-customer summary the models read, historical
 * value, the transaction models (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB), the Gamma-Gamma spend model,
 * predictive CLV and calibration/holdout evaluation, and the whole analysis `retain clv` prints
 * (`analyzeClv`).
 */
export { BgBb, type BgBbColumns, type BgBbInput, type BgBbParams, type BgBbRow } from './bg-bb.js';
export { BgNbd, type BgNbdParams } from './bg-nbd.js';
export {
  analyzeClv,
  type ClvAnalysis,
  type ClvAnalysisOptions,
  type ClvCustomer,
  type ClvFitFailure,
  type ClvModelChoice,
  type ClvSummaries,
  clvSummaries,
} from './clv-pipeline.js';
export {
  DEFAULT_FIT_SAMPLE_CUSTOMERS,
  FIT_SAMPLE_SEED,
  type FitSample,
  fitSampleOf,
  fitSampleRows,
  fitSampleRowsOfCustomers,
  sampleSummary,
} from './fit-sample.js';
export {
  FREQUENCY_MONETARY_CORRELATION_LIMIT,
  GammaGamma,
  type GammaGammaFitOptions,
  type GammaGammaParams,
  type SpendInput,
  type SpendModel,
  type SpendRow,
} from './gamma-gamma.js';
export { type HistoricalValue, type HistoricalValueOptions, historicalValue } from './historical-value.js';
export {
  type CandidateOutcome,
  DEFAULT_FITTERS,
  evaluateHoldout,
  type FrequencyBucket,
  type HoldoutColumns,
  type HoldoutEvaluation,
  type HoldoutInput,
  type HoldoutRow,
  type ModelSelection,
  type SelectModelOptions,
  selectModel,
  type TransactionModelFitter,
  type TransactionModelName,
} from './holdout.js';
export {
  type CustomerLifetimeValueOptions,
  customerLifetimeValue,
  type PurchasePredictor,
} from './lifetime-value.js';
export { MbgNbd, type MbgNbdParams } from './mbg-nbd.js';
export { ParetoNbd, type ParetoNbdFitOptions, type ParetoNbdParams } from './pareto-nbd.js';
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
export type { AliveHistory, TransactionFitOptions, TransactionModel } from './transaction-model.js';
