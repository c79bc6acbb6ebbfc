export { type AppEnv, type AppServices, type AuthContext, ROLES, type Role } from './env.js';
export { createRouter, requireRole } from './router.js';
