/** Survival curves for contractual customers: Kaplan–Meier (with Greenwood intervals) and the shifted-beta-geometric model. */
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
