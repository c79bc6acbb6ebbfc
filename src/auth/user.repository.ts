/**
 * The `app_user` table: workspace members who log in with an e-mail and a password. The only code
 * that queries it; every query names the workspace.
 */
import type { Kysely, Transaction } from 'kysely';
import { type AppUserRow, type Database, dialectOf, type UserRole } from '../db/index.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A member as the application sees it (the password hash never leaves the auth folder). */
export interface User {
  readonly id: number;
  readonly workspaceId: number;
  readonly email: string;
  readonly name: string | null;
  readonly role: UserRole;
  readonly createdAt: number;
  readonly lastLoginAt: number | null;
  readonly disabledAt: number | null;
}

/** E-mails are compared case-insensitively: stored trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function insertUser(
  db: Db,
  row: {
    workspaceId: number;
    email: string;
    name: string | null;
    passwordHash: string | null;
    role: UserRole;
    now: number;
  },
): Promise<User> {
  const inserted = await db
    .insertInto('app_user')
    .values({
      workspace_id: row.workspaceId,
      email: normalizeEmail(row.email),
      name: row.name,
      password_hash: row.passwordHash,
      role: row.role,
      created_at: row.now,
      updated_at: row.now,
      last_login_at: null,
      disabled_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toUser(inserted);
}

/** The member with this e-mail in this workspace, with the password hash (for login only). */
export async function findUserForLogin(
  db: Db,
  workspaceId: number,
  email: string,
): Promise<{ user: User; passwordHash: string | null } | undefined> {
  const row = await db
    .selectFrom('app_user')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('email', '=', normalizeEmail(email))
    .executeTakeFirst();
  return row === undefined ? undefined : { user: toUser(row), passwordHash: row.password_hash };
}

export async function getUser(db: Db, workspaceId: number, id: number): Promise<User | undefined> {
  const row = await db
    .selectFrom('app_user')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toUser(row);
}

/** The workspace's members, oldest first. */
export async function listUsers(db: Db, workspaceId: number): Promise<User[]> {
  const rows = await db
    .selectFrom('app_user')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toUser);
}

export async function recordLogin(db: Db, workspaceId: number, id: number, now: number): Promise<void> {
  await db
    .updateTable('app_user')
    .set({ last_login_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

/** What `updateUserRow` may change; a field left out stays as it is. */
export interface UserChanges {
  readonly role?: UserRole;
  readonly name?: string | null;
  readonly passwordHash?: string;
  readonly disabledAt?: number | null;
}

/** Changes a member of the workspace; returns the new row, or `undefined` for an unknown id. */
export async function updateUserRow(
  db: Db,
  workspaceId: number,
  id: number,
  changes: UserChanges,
  now: number,
): Promise<User | undefined> {
  const row = await db
    .updateTable('app_user')
    .set({
      ...(changes.role === undefined ? {} : { role: changes.role }),
      ...(changes.name === undefined ? {} : { name: changes.name }),
      ...(changes.passwordHash === undefined ? {} : { password_hash: changes.passwordHash }),
      ...(changes.disabledAt === undefined ? {} : { disabled_at: changes.disabledAt }),
      updated_at: now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toUser(row);
}

/**
 * The ids of the workspace's enabled owners. On PostgreSQL the rows are locked (`FOR UPDATE`)
 * until the transaction ends, so two owners demoting or removing each other at once cannot both
 * pass the "not the last owner" check; SQLite runs one write transaction at a time.
 */
export async function lockEnabledOwners(db: Transaction<Database>, workspaceId: number): Promise<number[]> {
  let query = db
    .selectFrom('app_user')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('role', '=', 'owner')
    .where('disabled_at', 'is', null);
  if (dialectOf(db) === 'postgres') query = query.forUpdate();
  const rows = await query.execute();
  return rows.map((row) => row.id);
}

/**
 * Every account with this e-mail, in every workspace, with its password hash (for a login that
 * proves the password for each; see auth.service.ts). A credential lookup: no workspace is known
 * yet. At most `limit` rows, oldest first.
 */
export async function findAccountsByEmail(
  db: Db,
  email: string,
  limit: number,
): Promise<{ user: User; passwordHash: string | null }[]> {
  const rows = await db
    .selectFrom('app_user')
    .selectAll()
    .where('email', '=', normalizeEmail(email))
    .orderBy('created_at')
    .orderBy('workspace_id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ user: toUser(row), passwordHash: row.password_hash }));
}

function toUser(row: AppUserRow): User {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    email: row.email,
    name: row.name,
    role: row.role,
    createdAt: Number(row.created_at),
    lastLoginAt: row.last_login_at === null ? null : Number(row.last_login_at),
    disabledAt: row.disabled_at === null ? null : Number(row.disabled_at),
  };
}
