/** Hashing of generated secrets, for the tables that keep them (workspace write keys, API keys, sessions). */
import { createHash } from 'node:crypto';

/**
 * SHA-256 (hex) of a generated secret (write key, API key, session token). A fast hash is right
 * here, unlike for passwords: these secrets carry 192 random bits, so there is nothing to guess.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
