/**
 * `core/risk`: who is about to leave and why — the churn classifier (L2 logistic regression on
 * customer attributes, cross-validated), the at-risk score of metrics.md §7 with its reasons, and
 * the ranking metrics used to judge both.
 */
export {
  type AtRiskInputs,
  type AtRiskOptions,
  type AtRiskScores,
  type AtRiskWeights,
  atRiskScores,
  BREACHED_TICKETS_SATURATION,
  DEFAULT_AT_RISK_WEIGHTS,
  evaluateAtRisk,
  OVERDUE_SATURATION_GAPS,
} from './at-risk-score.js';
export { auc, type CalibrationBin, calibration } from './auc.js';
export {
  type CrossValidateOptions,
  type CrossValidation,
  crossValidate,
  stratifiedFolds,
} from './cross-validate.js';
export {
  buildDesign,
  type ColumnEncoding,
  type Design,
  type DesignOptions,
  encodeColumns,
  type FeatureKind,
  type FeatureTable,
  fitFeatureTable,
  type RawColumn,
} from './feature-table.js';
export {
  type Driver,
  type LogisticModel,
  type LogisticOptions,
  trainLogistic,
} from './logistic-regression.js';
export { type PurchaseRhythm, purchaseRhythm } from './purchase-rhythm.js';
