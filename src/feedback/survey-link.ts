/**
 * Signed survey links. A link names one send to one customer of one workspace and carries an
 * HMAC-SHA256 of exactly those three, keyed with the workspace's signing key
 * (`feedback_signing_key`, 256 random bits made on first use):
 *
 *     /s/<workspaceId>.<sendId>.<customerId>.<signature>        signature = base64url(HMAC(key,
 *                                                                "retain-survey-link:v1:<ws>:<send>:<customer>"))
 *
 * The token is the credential of the public survey routes (no account, no cookie): it cannot be
 * guessed (256-bit key), changing any of its numbers breaks the signature, and a valid token
 * answers only for the customer it was made for. Signatures are compared in constant time.
 * Rotating a workspace's key (deleting its row) invalidates every link it signed.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database, RowId } from '../db/index.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** What a valid token names. */
export interface SurveyLinkClaims {
  readonly workspaceId: RowId;
  readonly sendId: RowId;
  readonly customerId: RowId;
}

/** A token's shape: three decimal ids and a 43-character base64url signature. */
const TOKEN_SHAPE = /^([1-9][0-9]{0,15})\.([1-9][0-9]{0,15})\.([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{43})$/;

/** Longest token (three 16-digit ids, the signature, the dots): anything longer is refused unread. */
export const MAX_TOKEN_LENGTH = 3 * 16 + 43 + 3;

function signature(secret: string, claims: SurveyLinkClaims): string {
  return createHmac('sha256', Buffer.from(secret, 'base64url'))
    .update(`retain-survey-link:v1:${claims.workspaceId}:${claims.sendId}:${claims.customerId}`)
    .digest('base64url');
}

/**
 * The workspace's signing key, made (256 random bits) on first use. Two first uses racing insert
 * once: the unique key on the workspace lets one in, and both read the row that won. One or two
 * queries.
 */
export async function signingKey(db: Executor, workspaceId: RowId, now: number): Promise<string> {
  const existing = await findSigningKey(db, workspaceId);
  if (existing !== undefined) return existing;
  await db
    .insertInto('feedback_signing_key')
    .values({ workspace_id: workspaceId, secret: randomBytes(32).toString('base64url'), created_at: now })
    .onConflict((conflict) => conflict.columns(['workspace_id']).doNothing())
    .execute();
  const made = await findSigningKey(db, workspaceId);
  if (made === undefined) throw new Error('The signing key was not stored');
  return made;
}

/** The workspace's signing key, or `undefined` when it has none yet (so no link can be valid). */
export async function findSigningKey(db: Executor, workspaceId: RowId): Promise<string | undefined> {
  const row = await db
    .selectFrom('feedback_signing_key')
    .select('secret')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return row?.secret;
}

/** The token of a send (see the file comment). O(1). */
export function signSurveyLink(secret: string, claims: SurveyLinkClaims): string {
  return `${claims.workspaceId}.${claims.sendId}.${claims.customerId}.${signature(secret, claims)}`;
}

/** The claims a token states, unverified; `null` when it does not have a token's shape. */
export function parseSurveyLink(token: string): (SurveyLinkClaims & { signature: string }) | null {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  const match = TOKEN_SHAPE.exec(token);
  if (match === null) return null;
  const [workspaceId, sendId, customerId] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (![workspaceId, sendId, customerId].every(Number.isSafeInteger)) return null;
  return { workspaceId, sendId, customerId, signature: match[4]! };
}

/**
 * Whether `token` carries the right signature for what it states, under `secret` (constant-time
 * comparison of the two 32-byte MACs). O(1).
 */
export function hasValidSignature(secret: string, token: string): boolean {
  const parsed = parseSurveyLink(token);
  if (parsed === null) return false;
  const expected = Buffer.from(signature(secret, parsed), 'base64url');
  const given = Buffer.from(parsed.signature, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
