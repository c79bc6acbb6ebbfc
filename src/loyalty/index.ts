/**
 * Loyalty: the points ledger (earn, redeem, expire, adjust, reverse) with its cached balance that
 * never goes below zero, idempotent API writes, earning on orders and events, tiers, the rewards
 * catalogue, referrals, and coupons; the API and the storefront.
 */
export { couponRoutes } from './coupon.routes.js';
export {
  LOYALTY_PROCESS_JOB,
  type LoyaltyProcessPayload,
  loyaltyJobHandlers,
  processLoyalty,
  requestLoyaltyProcessing,
  requestLoyaltyProcessingThrottled,
} from './loyalty.jobs.js';
export { loyaltyRoutes } from './loyalty.routes.js';
export {
  adjustPoints,
  earnOnOrder,
  earnOrderThroughApi,
  redeemPoints,
  reverseOnRefund,
  settleDuePoints,
} from './loyalty.service.js';
export { type EarningOutcome, earnFromNewOrders } from './loyalty-earning.js';
export {
  eraseLoyaltyDataOfCustomer,
  type LoyaltyErasure,
  type LoyaltyExport,
  LoyaltyExportSchema,
  loyaltyDataOfCustomer,
} from './loyalty-privacy.js';
export { type LoyaltySettings, LoyaltySettingsSchema } from './loyalty-settings.js';
export { referralRoutes } from './referral.routes.js';
export { rewardRoutes } from './reward.routes.js';
export { storefrontCors, storefrontCustomer, storefrontRoutes } from './storefront.js';
export { signStorefrontToken, verifyStorefrontToken } from './storefront-token.js';
export { tierRoutes } from './tier.routes.js';
