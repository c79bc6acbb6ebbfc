/**
 * Workspace members: creating one with a role and (optionally) a password. Audited.
 */
import type { Kysely } from 'kysely';
import { type AuditActor, recordAudit } from '../audit/index.js';
import { type Database, isUniqueViolation } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { hashPassword } from './password.js';
import { ROLES, type Role } from './roles.js';
import { insertUser, normalizeEmail, type User } from './user.repository.js';

/** Deliberately loose (one @, no spaces): the mailbox is the authority, not a regular expression. */
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;
const MAX_EMAIL_LENGTH = 320;

export interface CreateUserInput {
  readonly workspaceId: number;
  readonly email: string;
  readonly role: Role;
  readonly name?: string | null;
  /** `null`: the user cannot log in until a password is set. */
  readonly password: string | null;
  readonly actor: AuditActor;
  readonly now: number;
}

/**
 * Adds a member to a workspace and records `user.created` in the same transaction. The e-mail is
 * stored trimmed and lower-cased and is unique per workspace (a second `Ann@x.com` is a
 * `conflict`); the password is hashed with argon2id (8–1024 characters).
 * Example: `await createUser(db, { workspaceId, email: 'ann@shop.com', role: 'analyst', password: 's3cret-pass', actor: { type: 'system' }, now })`.
 */
export async function createUser(db: Kysely<Database>, input: CreateUserInput): Promise<User> {
  const email = normalizeEmail(input.email);
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL_SHAPE.test(email)) {
    throw new RetainError('invalid_input', `"${input.email}" is not an e-mail address.`, [
      { path: ['email'], message: 'Expected an e-mail address.' },
    ]);
  }
  if (!ROLES.includes(input.role)) {
    throw new RetainError('invalid_input', `Unknown role "${input.role}".`, [
      { path: ['role'], message: `Expected one of ${ROLES.join(', ')}.` },
    ]);
  }
  const passwordHash = input.password === null ? null : await hashPassword(input.password);
  try {
    return await db.transaction().execute(async (transaction) => {
      const user = await insertUser(transaction, {
        workspaceId: input.workspaceId,
        email,
        name: input.name ?? null,
        passwordHash,
        role: input.role,
        now: input.now,
      });
      await recordAudit(transaction, {
        workspaceId: input.workspaceId,
        actor: input.actor,
        action: 'user.created',
        entity: 'app_user',
        entityId: user.id,
        details: { email, role: input.role },
        at: input.now,
      });
      return user;
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new RetainError('conflict', `A user with the e-mail ${email} already exists in this workspace.`);
    }
    throw error;
  }
}
