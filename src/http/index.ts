export { clientAddress } from './client-address.js';
export type { AppEnv, AppServices, AuthContext } from './env.js';
export { hostileJsonIssues, MAX_JSON_DEPTH, refuseHostileInput, unstorableText } from './hostile-input.js';
export {
  type MultipartLimits,
  type MultipartPart,
  type MultipartSink,
  multipartBoundary,
  readMultipart,
  tooLargeError,
} from './multipart.js';
export {
  ApiErrorSchema,
  AUTHENTICATED_ERRORS,
  authenticatedErrors,
  CSRF_REFUSED,
  describeErrors,
  type ErrorResponse,
  type ErrorStatus,
  JSON_BODY_ERRORS,
} from './openapi.js';
export { createRouter, requireRole } from './router.js';
