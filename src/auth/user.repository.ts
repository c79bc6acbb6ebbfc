/**
 * The `app_user` table: workspace members who log in with an e-mail and a password. The only code
 * that queries it; every query names the workspace.
 */
import type { Kysely, Transaction } from 'kysely';
import type { AppUserRow, Database, UserRole } from '../db/index.js';

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
