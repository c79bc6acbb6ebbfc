/**
 * Generated secrets: session tokens, CSRF tokens and API keys, and how they are compared.
 *
 * These secrets carry 256 random bits, so the database keeps only their SHA-256 (`hashSecret`):
 * a fast hash is enough when there is nothing to guess (a password, with little entropy, needs
 * argon2 instead — see password.ts). A stolen database therefore holds no usable credential.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashSecret } from '../db/index.js';

export { hashSecret };

/** Random bytes in a session token or an API key's secret part (256 bits). */
const SECRET_BYTES = 32;

/** A fresh 256-bit random token, base64url (43 characters). O(1). */
export function generateToken(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

/**
 * The CSRF token of a session in a workspace: derived from the session token and the workspace
 * the session is in (SHA-256 over a domain-separated input), so it needs no storage, is bound to
 * that one session, cannot be computed from what the database holds (the session's id is SHA-256
 * of the token alone), and changes when the session switches workspace — a page still showing
 * the old workspace cannot write into the new one unawares.
 * Example: `csrfTokenOf(token, 7)` → 43 base64url characters.
 */
export function csrfTokenOf(sessionToken: string, workspaceId: number): string {
  return createHash('sha256').update(`retain-csrf:${workspaceId}:${sessionToken}`).digest('base64url');
}

/**
 * Compares two strings in time independent of where they differ (so a caller cannot learn a
 * secret one character at a time). Hashes both first so that unequal lengths leak nothing either.
 */
export function constantTimeEqual(left: string, right: string): boolean {
  const leftDigest = createHash('sha256').update(left).digest();
  const rightDigest = createHash('sha256').update(right).digest();
  return timingSafeEqual(leftDigest, rightDigest);
}

/** Length of the public part of an API key (hex characters after `rk_`). */
const API_KEY_PREFIX_HEX = 8;

/** A new API key `rk_<prefix>_<secret>` and the parts stored: its public prefix and its hash. */
export interface GeneratedApiKey {
  /** The key in clear, shown once. */
  readonly key: string;
  /** `rk_<prefix>`, kept so that lists can tell keys apart. */
  readonly prefix: string;
  readonly hash: string;
}

/**
 * Makes an API key: `rk_` + 8 hex characters (a public label) + `_` + 256 random bits (base64url).
 * Example: `rk_3fa85f64_Jx0N…` (12 + 1 + 43 characters).
 */
export function generateApiKey(): GeneratedApiKey {
  const prefix = `rk_${randomBytes(API_KEY_PREFIX_HEX / 2).toString('hex')}`;
  const key = `${prefix}_${generateToken()}`;
  return { key, prefix, hash: hashSecret(key) };
}

const API_KEY_SHAPE = /^rk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/;

/** Whether `value` has the shape of an API key (checked before any database lookup). */
export function looksLikeApiKey(value: string): boolean {
  return API_KEY_SHAPE.test(value);
}
