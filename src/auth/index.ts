/**
 * Authentication and access: users and passwords, sessions (cookie + CSRF), API keys, and the
 * middleware every `/api/v1` route sits behind.
 */

export { actorOf } from './actor.js';
export type { ApiKey } from './api-key.repository.js';
export { apiKeyRoutes } from './api-key.routes.js';
export {
  type CreateApiKeyInput,
  canGrant,
  createApiKey,
  type IssuedApiKey,
  issueApiKey,
  listApiKeys,
  revokeApiKey,
} from './api-key.service.js';
export { type AuthRoutesOptions, authRoutes } from './auth.routes.js';
export {
  authenticateApiKey,
  authenticateSession,
  LOGIN_FAILED_MESSAGE,
  type LoginInput,
  type LoginResult,
  login,
  logout,
  MAX_SWITCH_WORKSPACES,
  SESSION_IDLE_MS,
  SESSION_MAX_AGE_MS,
  type SwitchInput,
  switchableWorkspaces,
  switchWorkspace,
} from './auth.service.js';
export { type AuthenticateOptions, authenticate, CSRF_HEADER, PUBLIC_PATHS } from './authenticate.js';
export { DEFAULT_LOGIN_THROTTLE, type LoginThrottleOptions } from './login-throttle.js';
export { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password.js';
export { ROLES, type Role } from './roles.js';
export { SESSION_COOKIE } from './session-cookie.js';
export { listUsers, normalizeEmail, type User } from './user.repository.js';
export { userRoutes } from './user.routes.js';
export {
  type CreateUserInput,
  createUser,
  removeUser,
  type UpdateUserInput,
  updateUser,
} from './user.service.js';
