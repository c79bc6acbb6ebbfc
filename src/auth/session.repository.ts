/**
 * The `session` table: logged-in browsers. A row's id is SHA-256 of the cookie's token, so the
 * table never holds a usable credential. The only code that queries the table.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database, UserRole } from '../db/index.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A live session with what authentication needs of its user. */
export interface SessionRecord {
  readonly workspaceId: number;
  readonly id: string;
  readonly userId: number;
  readonly role: UserRole;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly lastSeenAt: number;
  readonly userDisabledAt: number | null;
}

export async function insertSession(
  db: Db,
  row: {
    workspaceId: number;
    id: string;
    userId: number;
    now: number;
    /** When the login happened (default `now`): a session opened by a switch keeps its login's. */
    createdAt?: number;
    expiresAt: number;
    ip: string | null;
    userAgent: string | null;
  },
): Promise<void> {
  await db
    .insertInto('session')
    .values({
      workspace_id: row.workspaceId,
      id: row.id,
      user_id: row.userId,
      created_at: row.createdAt ?? row.now,
      expires_at: row.expiresAt,
      last_seen_at: row.now,
      ip: row.ip,
      user_agent: row.userAgent,
    })
    .execute();
}

/**
 * The session whose id (token hash) is `id`, joined to its user. This is a credential lookup, so
 * the workspace is not known yet: it comes from the row (index `session_id_idx`).
 */
export async function findSessionById(db: Db, id: string): Promise<SessionRecord | undefined> {
  const row = await db
    .selectFrom('session')
    .innerJoin('app_user', (join) =>
      join
        .onRef('app_user.workspace_id', '=', 'session.workspace_id')
        .onRef('app_user.id', '=', 'session.user_id'),
    )
    .select([
      'session.workspace_id',
      'session.id',
      'session.user_id',
      'session.created_at',
      'session.expires_at',
      'session.last_seen_at',
      'app_user.role',
      'app_user.disabled_at',
    ])
    .where('session.id', '=', id)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    workspaceId: row.workspace_id,
    id: row.id,
    userId: row.user_id,
    role: row.role,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    lastSeenAt: Number(row.last_seen_at),
    userDisabledAt: row.disabled_at === null ? null : Number(row.disabled_at),
  };
}

/** Slides the expiry forward (and records the activity). */
export async function extendSession(
  db: Db,
  workspaceId: number,
  id: string,
  now: number,
  expiresAt: number,
): Promise<void> {
  await db
    .updateTable('session')
    .set({ last_seen_at: now, expires_at: expiresAt })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

/** Deletes a session; true when it existed. */
export async function deleteSession(db: Db, workspaceId: number, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('session')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Removes a workspace's expired sessions; returns how many. */
export async function deleteExpiredSessions(db: Db, workspaceId: number, now: number): Promise<number> {
  const result = await db
    .deleteFrom('session')
    .where('workspace_id', '=', workspaceId)
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Ends every session of a member, and the switch grants that name them (their access is gone). */
export async function deleteSessionsOfUser(db: Db, workspaceId: number, userId: number): Promise<void> {
  await db
    .deleteFrom('session')
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', userId)
    .execute();
  await db
    .deleteFrom('session_grant')
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', userId)
    .execute();
}

/** Records that the login of session `sessionId` proved the password of each account. */
export async function insertSessionGrants(
  db: Db,
  sessionId: string,
  accounts: readonly { readonly workspaceId: number; readonly userId: number }[],
  now: number,
  expiresAt: number,
): Promise<void> {
  if (accounts.length === 0) return;
  await db
    .insertInto('session_grant')
    .values(
      accounts.map((account) => ({
        workspace_id: account.workspaceId,
        user_id: account.userId,
        session_id: sessionId,
        created_at: now,
        expires_at: expiresAt,
      })),
    )
    .execute();
}

/** A workspace a session may switch into, with the account it would use there. */
export interface SessionGrant {
  readonly workspaceId: number;
  readonly workspaceName: string;
  readonly workspaceSlug: string;
  readonly userId: number;
  readonly email: string;
  readonly role: UserRole;
}

/**
 * The workspaces session `sessionId` may be in: its grants that have not expired, whose account
 * is enabled, oldest workspace first. A credential lookup across workspaces (index
 * `session_grant_session_idx`), like `findSessionById`.
 */
export async function listSessionGrants(db: Db, sessionId: string, now: number): Promise<SessionGrant[]> {
  const rows = await db
    .selectFrom('session_grant')
    .innerJoin('app_user', (join) =>
      join
        .onRef('app_user.workspace_id', '=', 'session_grant.workspace_id')
        .onRef('app_user.id', '=', 'session_grant.user_id'),
    )
    .innerJoin('workspace', 'workspace.id', 'session_grant.workspace_id')
    .select([
      'session_grant.workspace_id',
      'session_grant.user_id',
      'workspace.name',
      'workspace.slug',
      'app_user.email',
      'app_user.role',
    ])
    .where('session_grant.session_id', '=', sessionId)
    .where('session_grant.expires_at', '>', now)
    .where('app_user.disabled_at', 'is', null)
    .orderBy('workspace.created_at')
    .orderBy('session_grant.workspace_id')
    .execute();
  return rows.map((row) => ({
    workspaceId: row.workspace_id,
    workspaceName: row.name,
    workspaceSlug: row.slug,
    userId: row.user_id,
    email: row.email,
    role: row.role,
  }));
}

/** Removes a session's grants, in every workspace (logout). */
export async function deleteSessionGrants(db: Db, sessionId: string): Promise<void> {
  await db.deleteFrom('session_grant').where('session_id', '=', sessionId).execute();
}
