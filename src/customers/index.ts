/**
 * Customers, orders (with lines and refunds), subscriptions and events: batch upserts by natural
 * key for the importers and the tracking endpoint, reads for the API and privacy, and the routes.
 */
export {
  type CustomerFilter,
  type CustomerInput,
  customerIdsByExternalId,
  type EnsureCustomersOptions,
  ensureCustomers,
  ensureCustomersCounted,
  findCustomer,
  findCustomerByExternalId,
  findCustomers,
  LIVE_SUBSCRIPTION_STATUSES,
  setCustomerAttribute,
  type UpsertOptions,
  type UpsertResult,
  upsertCustomers,
} from './customer.repository.js';
export {
  addCustomerNote,
  type CustomerNote,
  type CustomerOverview,
  deleteCustomerNote,
  getCustomerOverview,
} from './customer-360.service.js';
export { CUSTOMER_SORTS, type CustomerListFilter, type CustomerSort } from './customer-list.js';
export { type CustomerListPage, listCustomersPage } from './customer-list.service.js';
export { customerRoutes } from './customers.routes.js';
export {
  CustomerSchema,
  CustomerScoreSchema,
  customerIdParams,
  ErrorSchema,
  EventSchema,
  errorResponses,
  notFoundResponse,
  OrderSchema,
  SubscriptionSchema,
} from './customers.schemas.js';
export {
  type Customer,
  type CustomerView,
  getCustomerView,
  type Order,
  type OrderItem,
  type Page,
  type Refund,
  type Subscription,
  type TrackedEvent,
} from './customers.service.js';
export { bumpDataVersion, DATA_VERSION_SLOTS, dataVersion } from './data-version.repository.js';
export {
  type EventFilter,
  type EventInput,
  type EventInsertResult,
  insertEvents,
  listEventsAboutCustomer,
  type NewEvent,
  upsertEvents,
} from './event.repository.js';
export {
  applyGroupTraits,
  type CustomerGroup,
  type CustomerMembership,
  findGroup,
  type GroupTraitsUpdate,
  linkGroupMembers,
} from './group.repository.js';
export {
  customerIdsByAlias,
  erasedExternalIds,
  erasedIdentitiesAmong,
  linkEventsOfIdentity,
  liveCustomerIds,
  lockCustomersForUpdate,
  lockLiveCustomers,
  type MergeResult,
  mergeCustomers,
  recordAlias,
  renameCustomer,
} from './identity.repository.js';
export {
  type OrderFilter,
  type OrderInput,
  type OrderItemInput,
  type OrderUpsertOptions,
  orderIdsByExternalId,
  type RefundInput,
  upsertOrders,
  upsertRefunds,
} from './order.repository.js';
export { type CopyInto, type OrderBatchResult, writeOrderBatch } from './order-batch.js';
export {
  type BatchEncoding,
  type EncodedOrderBatch,
  encodeOrderBatch,
  OrderBatchEncoder,
  type OrderBatchRecord,
} from './order-batch-rows.js';
export { type CustomerHoldings, type CustomerPrivacyStore, customerPrivacyStore } from './privacy-store.js';
export {
  productsBoughtTogether,
  type RecommendedProduct,
  setEmailMarketingConsent,
} from './product-affinity.repository.js';
export {
  type CustomerScoreInput,
  fillUnscoredCustomers,
  findCustomerScore,
  finishScoreRun,
  latestScoreRun,
  RFM_SEGMENT_CODES,
  type RfmSegmentCode,
  RISK_BANDS,
  type RiskBand,
  rfmSegmentCode,
  riskBand,
  type ScoreRun,
  type StoredCustomerScore,
  startScoreRun,
  writeCustomerScores,
} from './score.repository.js';
export {
  requestScoreRefresh,
  requestScoreRefreshThrottled,
  SCORE_REFRESH_JOB,
  type ScoreRefreshPayload,
  type ScoreStatus,
  scoreStatus,
} from './score-refresh.js';
export {
  type SubscriptionFilter,
  type SubscriptionInput,
  upsertSubscriptions,
} from './subscription.repository.js';
export { ROWS_PER_STATEMENT } from './upsert-batch.js';
