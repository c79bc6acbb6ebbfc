/** Data-subject rights: export everything held about a customer, erase their personal data. */

export { privacyRoutes } from './privacy.routes.js';
export {
  type CustomerExport,
  customerIdForExternalId,
  ERASURE_KEPT_PROPERTIES,
  type ErasureResult,
  eraseCustomer,
  exportCustomer,
  pseudonymFor,
  scrubProperties,
} from './privacy.service.js';
