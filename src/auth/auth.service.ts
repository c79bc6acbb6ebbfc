/**
 * Who is calling: logging in and out (sessions), and turning a session token or an API key into
 * an `AuthContext`. The HTTP side (cookies, headers, CSRF) is in authenticate.ts and auth.routes.ts.
 */
import type { Kysely } from 'kysely';
import { type Database, parseRowId } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import type { AuthContext } from '../http/index.js';
import { getWorkspace, getWorkspaceBySlug, type Workspace } from '../workspaces/workspace.repository.js';
import { findApiKeyByHash, touchApiKey } from './api-key.repository.js';
import { verifyPassword } from './password.js';
import { csrfTokenOf, generateToken, hashSecret, looksLikeApiKey } from './secrets.js';
import { deleteSession, extendSession, findSessionById, insertSession } from './session.repository.js';
import { findUserForLogin, recordLogin, type User } from './user.repository.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A session ends after this long without a request (sliding expiry). */
export const SESSION_IDLE_MS = 14 * DAY_MS;
/** …and in any case this long after login, however active it is. */
export const SESSION_MAX_AGE_MS = 90 * DAY_MS;
/** A session's expiry is pushed forward at most this often (one write per hour, not per request). */
export const SESSION_REFRESH_MS = 60 * MINUTE_MS;
/** `api_key.last_used_at` is written at most this often per key. */
export const API_KEY_TOUCH_MS = MINUTE_MS;

/** The one answer to every failed login, whatever failed (no user or workspace enumeration). */
export const LOGIN_FAILED_MESSAGE = 'The workspace, e-mail or password is not right.';

export interface LoginInput {
  /** The workspace's slug or id. */
  readonly workspace: string;
  readonly email: string;
  readonly password: string;
  readonly now: number;
  readonly ip?: string | null;
  readonly userAgent?: string | null;
}

export interface LoginResult {
  /** The session token, for the cookie only; the database keeps its SHA-256. */
  readonly token: string;
  readonly csrfToken: string;
  readonly expiresAt: number;
  readonly user: User;
  readonly workspace: Workspace;
}

/**
 * Checks an e-mail and password in a workspace and opens a session. Every failure (unknown
 * workspace, unknown e-mail, no password set, disabled user, wrong password) throws the same
 * `RetainError('unauthenticated', LOGIN_FAILED_MESSAGE)` after the same argon2 work.
 * Cost: one argon2id verification (~50 ms) and three small queries.
 */
export async function login(db: Kysely<Database>, input: LoginInput): Promise<LoginResult> {
  const workspace =
    (await getWorkspaceBySlug(db, input.workspace)) ?? (await workspaceById(db, input.workspace));
  const found = workspace === undefined ? undefined : await findUserForLogin(db, workspace.id, input.email);
  const passwordMatches = await verifyPassword(found?.passwordHash ?? null, input.password);
  if (workspace === undefined || found === undefined || !passwordMatches || found.user.disabledAt !== null) {
    throw new RetainError('unauthenticated', LOGIN_FAILED_MESSAGE);
  }
  const token = generateToken();
  const expiresAt = input.now + SESSION_IDLE_MS;
  await db.transaction().execute(async (transaction) => {
    await insertSession(transaction, {
      workspaceId: workspace.id,
      id: hashSecret(token),
      userId: found.user.id,
      now: input.now,
      expiresAt,
      ip: input.ip ?? null,
      userAgent: input.userAgent?.slice(0, 512) ?? null,
    });
    await recordLogin(transaction, workspace.id, found.user.id, input.now);
  });
  return { token, csrfToken: csrfTokenOf(token), expiresAt, user: found.user, workspace };
}

/** Ends the session of `token` (a no-op for an unknown token). */
export async function logout(db: Kysely<Database>, workspaceId: number, token: string): Promise<void> {
  await deleteSession(db, workspaceId, hashSecret(token));
}

/** A resolved session: who, and the new expiry when this request slid it forward. */
export interface SessionAuthentication {
  readonly auth: AuthContext;
  readonly sessionId: string;
  readonly renewedExpiresAt: number | null;
}

/**
 * The caller behind a session token, or `undefined` when the token is unknown, expired, or its
 * user is disabled. Slides the expiry (idle 14 days, at most 90 days after login) when the last
 * renewal is more than an hour old.
 */
export async function authenticateSession(
  db: Kysely<Database>,
  token: string,
  now: number,
): Promise<SessionAuthentication | undefined> {
  const sessionId = hashSecret(token);
  const session = await findSessionById(db, sessionId);
  if (session === undefined || session.expiresAt <= now || session.userDisabledAt !== null) return undefined;
  let renewedExpiresAt: number | null = null;
  if (now - session.lastSeenAt >= SESSION_REFRESH_MS) {
    renewedExpiresAt = Math.min(now + SESSION_IDLE_MS, session.createdAt + SESSION_MAX_AGE_MS);
    await extendSession(db, session.workspaceId, session.id, now, renewedExpiresAt);
  }
  return {
    auth: {
      workspaceId: session.workspaceId,
      role: session.role,
      via: 'session',
      userId: session.userId,
      apiKeyId: null,
      csrfToken: csrfTokenOf(token),
    },
    sessionId,
    renewedExpiresAt,
  };
}

/**
 * The caller behind an API key, or `undefined` when the key is malformed, unknown or revoked.
 * Records `last_used_at` (at most once a minute per key, to keep reads from becoming writes).
 */
export async function authenticateApiKey(
  db: Kysely<Database>,
  key: string,
  now: number,
): Promise<AuthContext | undefined> {
  if (!looksLikeApiKey(key)) return undefined;
  const apiKey = await findApiKeyByHash(db, hashSecret(key));
  if (apiKey === undefined || apiKey.revokedAt !== null) return undefined;
  if (apiKey.lastUsedAt === null || now - apiKey.lastUsedAt >= API_KEY_TOUCH_MS) {
    await touchApiKey(db, apiKey.workspaceId, apiKey.id, now);
  }
  return {
    workspaceId: apiKey.workspaceId,
    role: apiKey.role,
    via: 'api_key',
    userId: null,
    apiKeyId: apiKey.id,
  };
}

/** The workspace named by its id in decimal, or `undefined` (also for text that is no id). */
async function workspaceById(db: Kysely<Database>, text: string) {
  const id = parseRowId(text);
  return id === undefined ? undefined : getWorkspace(db, id);
}
