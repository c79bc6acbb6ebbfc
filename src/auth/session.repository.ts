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
      created_at: row.now,
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

export async function deleteSession(db: Db, workspaceId: number, id: string): Promise<void> {
  await db.deleteFrom('session').where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
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
