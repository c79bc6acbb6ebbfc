export { clientAddress } from './client-address.js';
export type { AppEnv, AppServices, AuthContext } from './env.js';
export { createRouter, requireRole } from './router.js';
