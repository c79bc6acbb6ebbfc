export {
  type CategoricalColumn,
  customerCount,
  groupRowsByCustomer,
  isOrder,
  type OrderRecord,
  type OrderTable,
  OrderTableBuilder,
  orderTableFromRecords,
  type RowsByCustomer,
  toInstant,
} from './order-table.js';
export {
  PAST_DUE_GRACE_DAYS,
  type PaidCoverage,
  paidCoverage,
  type SubscriptionStanding,
  type SubscriptionStatus,
} from './paid-coverage.js';
export {
  annualizedCents,
  type BillingInterval,
  type SubscriptionRecord,
  type SubscriptionTable,
  subscriptionTableFromRecords,
} from './subscription-table.js';
