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
import { lookupApiKey } from './api-key-cache.js';
import { verifyPassword } from './password.js';
import { csrfTokenOf, generateToken, hashSecret, looksLikeApiKey } from './secrets.js';
import {
  deleteSession,
  deleteSessionGrants,
  extendSession,
  findSessionById,
  insertSession,
  insertSessionGrants,
  listSessionGrants,
  type SessionGrant,
} from './session.repository.js';
import { findAccountsByEmail, findUserForLogin, getUser, recordLogin, type User } from './user.repository.js';

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

/**
 * At most this many accounts of one e-mail (other workspaces) are checked at login for the
 * workspace switcher: each costs one argon2 verification (~50 ms, run in parallel on libuv's pool).
 */
export const MAX_SWITCH_WORKSPACES = 20;

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
  // Only now that this password is proven: the other workspaces where it opens the same e-mail's
  // account, so the session can switch there without asking again (a failed login does no more
  // work than before, so the extra checks tell an attacker nothing).
  const otherAccounts = await provenOtherAccounts(db, found.user, input.password);
  const token = generateToken();
  const sessionId = hashSecret(token);
  const expiresAt = input.now + SESSION_IDLE_MS;
  await db.transaction().execute(async (transaction) => {
    await insertSession(transaction, {
      workspaceId: workspace.id,
      id: sessionId,
      userId: found.user.id,
      now: input.now,
      expiresAt,
      ip: input.ip ?? null,
      userAgent: input.userAgent?.slice(0, 512) ?? null,
    });
    await insertSessionGrants(
      transaction,
      sessionId,
      [found.user, ...otherAccounts].map((user) => ({ workspaceId: user.workspaceId, userId: user.id })),
      input.now,
      input.now + SESSION_MAX_AGE_MS,
    );
    await recordLogin(transaction, workspace.id, found.user.id, input.now);
  });
  return { token, csrfToken: csrfTokenOf(token, workspace.id), expiresAt, user: found.user, workspace };
}

/** The enabled accounts of `user`'s e-mail in other workspaces that `password` opens. */
async function provenOtherAccounts(db: Kysely<Database>, user: User, password: string): Promise<User[]> {
  const accounts = (await findAccountsByEmail(db, user.email, MAX_SWITCH_WORKSPACES + 1)).filter(
    (account) =>
      account.user.workspaceId !== user.workspaceId &&
      account.user.disabledAt === null &&
      account.passwordHash !== null,
  );
  const checks = await Promise.all(
    accounts
      .slice(0, MAX_SWITCH_WORKSPACES)
      .map(async (account) => ((await verifyPassword(account.passwordHash, password)) ? account.user : null)),
  );
  return checks.filter((account): account is User => account !== null);
}

/** Ends the session of `token` (a no-op for an unknown token), and its switch grants. */
export async function logout(db: Kysely<Database>, workspaceId: number, token: string): Promise<void> {
  const sessionId = hashSecret(token);
  await db.transaction().execute(async (transaction) => {
    await deleteSession(transaction, workspaceId, sessionId);
    await deleteSessionGrants(transaction, sessionId);
  });
}

/**
 * The workspaces the session of `token` may switch into (its own included): those whose account
 * its login proved and that are still enabled. Empty for an unknown token.
 */
export async function switchableWorkspaces(
  db: Kysely<Database>,
  token: string,
  now: number,
): Promise<SessionGrant[]> {
  return listSessionGrants(db, hashSecret(token), now);
}

export interface SwitchInput {
  /** The current session's token (from the cookie). */
  readonly token: string;
  /** The workspace to move to: its slug or id. */
  readonly workspace: string;
  readonly now: number;
  readonly ip?: string | null;
  readonly userAgent?: string | null;
}

/**
 * Moves a session into another workspace its login proved the password for, as the account
 * there, without asking the password again. The session keeps its token (so a request already on
 * its way with the cookie is not refused, and the cookie is never cleared under a page's feet) and
 * its login's 90-day limit; its CSRF token changes with the workspace (`csrfTokenOf`), so a page
 * still holding the old one cannot write into the new workspace unawares.
 * Throws `forbidden` when the workspace is unknown, was not proven at login, or its account is
 * disabled or gone; `unauthenticated` when the session itself has ended.
 * Cost: two small reads and one transaction.
 */
export async function switchWorkspace(db: Kysely<Database>, input: SwitchInput): Promise<LoginResult> {
  const sessionId = hashSecret(input.token);
  const session = await findSessionById(db, sessionId);
  if (session === undefined || session.expiresAt <= input.now || session.userDisabledAt !== null) {
    throw new RetainError('unauthenticated', 'The session has ended; log in again.');
  }
  const grants = await listSessionGrants(db, sessionId, input.now);
  const grant = grants.find(
    (candidate) =>
      candidate.workspaceSlug === input.workspace || String(candidate.workspaceId) === input.workspace,
  );
  const user = grant === undefined ? undefined : await getUser(db, grant.workspaceId, grant.userId);
  const workspace = grant === undefined ? undefined : await getWorkspace(db, grant.workspaceId);
  if (grant === undefined || user === undefined || user.disabledAt !== null || workspace === undefined) {
    throw new RetainError('forbidden', 'This session cannot switch to that workspace; log in to it instead.');
  }
  const expiresAt = Math.min(input.now + SESSION_IDLE_MS, session.createdAt + SESSION_MAX_AGE_MS);
  await db.transaction().execute(async (transaction) => {
    // The row moves (every table's key leads with its workspace): deleting first makes two
    // concurrent switches of one session end with one row, not two.
    if (!(await deleteSession(transaction, session.workspaceId, sessionId))) {
      throw new RetainError('unauthenticated', 'The session has ended; log in again.');
    }
    await insertSession(transaction, {
      workspaceId: workspace.id,
      id: sessionId,
      userId: user.id,
      now: input.now,
      createdAt: session.createdAt,
      expiresAt,
      ip: input.ip ?? null,
      userAgent: input.userAgent?.slice(0, 512) ?? null,
    });
  });
  return {
    token: input.token,
    csrfToken: csrfTokenOf(input.token, workspace.id),
    expiresAt,
    user,
    workspace,
  };
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
      csrfToken: csrfTokenOf(token, session.workspaceId),
    },
    sessionId,
    renewedExpiresAt,
  };
}

/**
 * The caller behind an API key, or `undefined` when the key is malformed, unknown or revoked.
 * Records `last_used_at` (at most once a minute per key, to keep reads from becoming writes).
 * Verified keys are cached (api-key-cache.ts): a client's next request costs no read.
 */
export async function authenticateApiKey(
  db: Kysely<Database>,
  key: string,
  now: number,
): Promise<AuthContext | undefined> {
  if (!looksLikeApiKey(key)) return undefined;
  const hash = hashSecret(key);
  const cached = lookupApiKey(db, hash);
  let apiKey = cached.key ?? (await findApiKeyByHash(db, hash));
  if (apiKey === undefined || apiKey.revokedAt !== null) return undefined;
  if (apiKey.lastUsedAt === null || now - apiKey.lastUsedAt >= API_KEY_TOUCH_MS) {
    await touchApiKey(db, apiKey.workspaceId, apiKey.id, now);
    apiKey = { ...apiKey, lastUsedAt: now };
  }
  cached.store(apiKey);
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
