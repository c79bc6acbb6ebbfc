/**
 * Loyalty: the points ledger (earn, redeem, expire, adjust, reverse) with its cached balance that
 * never goes below zero, idempotent API writes, earning on orders, tiers, and coupons; the API.
 */
export { loyaltyRoutes } from './loyalty.routes.js';
export {
  adjustPoints,
  earnOnOrder,
  earnOrderThroughApi,
  redeemPoints,
  reverseOnRefund,
  settleDuePoints,
} from './loyalty.service.js';
export { type LoyaltySettings, LoyaltySettingsSchema } from './loyalty-settings.js';
