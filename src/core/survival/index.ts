/**
 * Survival curves for contractual customers: Kaplan–Meier (with Greenwood intervals), the
 * shifted-beta-geometric model, and the whole analysis `retain survival` prints (`analyzeSurvival`).
 */
export {
  type GroupCurve,
  type KaplanMeierCurve,
  type KaplanMeierOptions,
  kaplanMeier,
  kaplanMeierBy,
  type SubscriptionLifetimes,
  type SurvivalUnit,
  standardNormalQuantile,
  survivalAt,
  survivalFromSubscriptions,
} from './kaplan-meier.js';
export {
  ShiftedBetaGeometric,
  type ShiftedBetaGeometricParams,
} from './shifted-beta-geometric.js';
export {
  analyzeSurvival,
  MAX_SBG_FITTED_MONTHS,
  type SurvivalAnalysis,
  type SurvivalAnalysisOptions,
  type SurvivalGroup,
  type SurvivalGroupSbg,
  shiftedBetaGeometricOnCurve,
} from './survival-pipeline.js';
