/**
 * The roles of a workspace member; an API key carries one too. A light surface of `auth/`: the CLI's
 * option parsing and the HTTP types need the list without loading the authentication code (argon2).
 */
import type { UserRole } from '../db/index.js';

export type Role = UserRole;
export const ROLES: readonly Role[] = ['owner', 'admin', 'analyst', 'marketer', 'agent'];
