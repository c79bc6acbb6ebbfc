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
  annualizedCents,
  type BillingInterval,
  type SubscriptionRecord,
  type SubscriptionTable,
  subscriptionTableFromRecords,
} from './subscription-table.js';
