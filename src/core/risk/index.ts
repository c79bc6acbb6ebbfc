/**
 * `core/risk`: who is about to leave and why — the churn classifier (L2 logistic regression on
 * customer attributes, cross-validated), the at-risk score of metrics.md §7 with its reasons, and
 * the whole at-risk analysis (`analyzeAtRisk`, shared by the CLI and the API), the churn
 * classifier's training and scoring on a customer table, and the ranking metrics used to judge both.
 */
export {
  AT_RISK_LEARNING_MINIMUMS,
  type AtRiskAnalysis,
  type AtRiskAnalysisOptions,
  type AtRiskCustomer,
  type AtRiskCustomerColumns,
  type AtRiskEvaluation,
  type AtRiskExtraSignals,
  type AtRiskModel,
  type AtRiskModelCandidate,
  type AtRiskTrainingSplit,
  type AtRiskWeightChoice,
  analyzeAtRisk,
  atRiskCustomer,
  DEFAULT_AT_RISK_HORIZON_DAYS,
} from './at-risk-pipeline.js';
export {
  AT_RISK_SIGNALS,
  type AtRiskInputs,
  type AtRiskReason,
  type AtRiskReasonCode,
  type AtRiskReference,
  type AtRiskReferenceOptions,
  type AtRiskScoreOptions,
  type AtRiskScores,
  type AtRiskSignal,
  type AtRiskSignals,
  type AtRiskWeights,
  atRiskScores,
  atRiskSignals,
  BREACHED_TICKETS_SATURATION,
  DEFAULT_AT_RISK_WEIGHTS,
  describeAtRiskReason,
  evaluateAtRisk,
  type NegativeFeedbackDetail,
  ORDER_HISTORY_SIGNALS,
  type OrderHistorySignal,
  rescaleAtRiskWeights,
} from './at-risk-score.js';
export {
  type LearnAtRiskWeightsOptions,
  type LearnedAtRiskWeights,
  learnAtRiskWeights,
  withLearnedWeights,
} from './at-risk-weights.js';
export { auc, type CalibrationBin, calibration } from './auc.js';
export {
  CHURN_FOLDS,
  type ChurnTraining,
  type ChurnTrainingOptions,
  type CustomerTable,
  churnModelColumnKinds,
  DEFAULT_POSITIVE_LABELS,
  MAX_CATEGORY_LEVELS,
  parseSavedChurnModel,
  type SavedChurnModel,
  scoreChurnModel,
  trainChurnModel,
} from './churn-pipeline.js';
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
