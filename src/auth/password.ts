/**
 * Password hashing with argon2id (RFC 9106), through `@node-rs/argon2` with its defaults:
 * m = 19 MiB, t = 2, p = 1 — the OWASP Password Storage Cheat Sheet's first recommended setting.
 * The PHC string keeps the parameters, so raising them later still verifies old hashes.
 */
import { hash, verify } from '@node-rs/argon2';
import { RetainError } from '../errors/index.js';

/** Shortest accepted password (NIST SP 800-63B §5.1.1.2 asks for at least 8). */
export const MIN_PASSWORD_LENGTH = 8;
/** Longest accepted password: argon2's cost grows with input, so bound it. */
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * The argon2id PHC string of `password` (a fresh 16-byte salt each time). About 30–60 ms.
 * Throws `RetainError('invalid_input')` for a password outside 8–1024 characters.
 * Example: `await hashPassword('correct horse')` → `'$argon2id$v=19$m=19456,t=2,p=1$…'`.
 */
export async function hashPassword(password: string): Promise<string> {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new RetainError(
      'invalid_input',
      `A password has ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.`,
      [{ path: ['password'], message: `Use ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.` }],
    );
  }
  return hash(password);
}

let dummyHash: Promise<string> | undefined;

/**
 * Whether `password` matches `passwordHash`. With `passwordHash === null` (unknown user, or no
 * password set yet) it still runs one argon2 verification against a throw-away hash and answers
 * false, so that a wrong e-mail takes as long as a wrong password (no user enumeration by timing).
 */
export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  if (passwordHash === null) {
    dummyHash ??= hash('retain-no-such-user');
    await verify(await dummyHash, password);
    return false;
  }
  try {
    return await verify(passwordHash, password);
  } catch {
    // A corrupt hash in the table is a failed login, never a 500 that tells the caller something.
    return false;
  }
}
