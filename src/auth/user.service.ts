/**
 * Workspace members: adding one with a role and a password, changing a role, a name or a password,
 * removing (disabling) one. Every change is audited in its own transaction. The rules:
 * - nobody grants more than they hold: only an owner (or the command line) makes or touches an
 *   owner (`canGrant`);
 * - a workspace keeps at least one enabled owner: the last one cannot be demoted or removed;
 * - a member is removed by disabling them (`disabled_at`), never deleted, so API keys and audit
 *   entries keep pointing at them; their sessions end at once. Adding the e-mail again restores
 *   the account with the new role and password.
 */
import type { Kysely, Transaction } from 'kysely';
import { type AuditActor, recordAudit } from '../audit/index.js';
import { type Database, isUniqueViolation } from '../db/index.js';
import { notFound, RetainError } from '../errors/index.js';
import { canGrant } from './api-key.service.js';
import { hashPassword } from './password.js';
import { ROLES, type Role } from './roles.js';
import { deleteSessionsOfUser } from './session.repository.js';
import {
  findUserForLogin,
  getUser,
  insertUser,
  lockEnabledOwners,
  normalizeEmail,
  type User,
  type UserChanges,
  updateUserRow,
} from './user.repository.js';

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
  /**
   * The role of whoever asks, for `canGrant` (omitted or `null`: the command line or the system,
   * trusted like an owner).
   */
  readonly grantedBy?: Role | null;
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
  if (!canGrant(input.grantedBy ?? null, input.role)) {
    throw new RetainError('forbidden', 'Only an owner can add an owner.');
  }
  const passwordHash = input.password === null ? null : await hashPassword(input.password);
  try {
    return await db.transaction().execute(async (transaction) => {
      const removed = await findUserForLogin(transaction, input.workspaceId, email);
      if (removed !== undefined && removed.user.disabledAt !== null && passwordHash !== null) {
        return restoreUser(transaction, removed.user, input, passwordHash);
      }
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

/** Brings a removed member back with a new role, name and password (audited `user.restored`). */
async function restoreUser(
  transaction: Transaction<Database>,
  removed: User,
  input: CreateUserInput,
  passwordHash: string,
): Promise<User> {
  const user = await updateUserRow(
    transaction,
    input.workspaceId,
    removed.id,
    { role: input.role, name: input.name ?? removed.name, passwordHash, disabledAt: null },
    input.now,
  );
  if (user === undefined) throw notFound('User');
  await recordAudit(transaction, {
    workspaceId: input.workspaceId,
    actor: input.actor,
    action: 'user.restored',
    entity: 'app_user',
    entityId: user.id,
    details: { email: user.email, role: input.role },
    at: input.now,
  });
  return user;
}

export interface UpdateUserInput {
  readonly workspaceId: number;
  readonly id: number;
  readonly role?: Role;
  readonly name?: string | null;
  /** A new password (8–1024 characters); the member's sessions end. */
  readonly password?: string;
  /** `true` removes the member (as `removeUser`), `false` restores a removed one. */
  readonly disabled?: boolean;
  /** The role of whoever asks (`null`: the command line, trusted like an owner). */
  readonly grantedBy: Role | null;
  readonly actor: AuditActor;
  readonly now: number;
}

/**
 * Changes a member of the workspace and records `user.updated` with what changed (never the
 * password itself). Throws `not_found` for a member of another workspace, `forbidden` when an
 * admin touches an owner or grants `owner`, `conflict` when the change would leave the workspace
 * without an enabled owner. A new password or a removal ends the member's sessions and the
 * workspace-switch grants naming them.
 * Example: `await updateUser(db, { workspaceId, id, role: 'analyst', grantedBy: 'owner', actor, now })`.
 */
export async function updateUser(db: Kysely<Database>, input: UpdateUserInput): Promise<User> {
  if (input.role !== undefined && !ROLES.includes(input.role)) {
    throw new RetainError('invalid_input', `Unknown role "${input.role}".`, [
      { path: ['role'], message: `Expected one of ${ROLES.join(', ')}.` },
    ]);
  }
  const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);
  return db.transaction().execute(async (transaction) => {
    const existing = await getUser(transaction, input.workspaceId, input.id);
    if (existing === undefined) throw notFound('User');
    if (!canGrant(input.grantedBy, existing.role)) {
      throw new RetainError('forbidden', 'Only an owner can change an owner.');
    }
    if (input.role !== undefined && !canGrant(input.grantedBy, input.role)) {
      throw new RetainError('forbidden', 'Only an owner can make someone an owner.');
    }
    const disabledAt =
      input.disabled === undefined ? undefined : input.disabled ? (existing.disabledAt ?? input.now) : null;
    const staysOwner =
      (input.role ?? existing.role) === 'owner' &&
      (disabledAt === undefined ? existing.disabledAt : disabledAt) === null;
    if (existing.role === 'owner' && existing.disabledAt === null && !staysOwner) {
      await assertAnotherOwner(transaction, input.workspaceId, existing.id);
    }
    const changes: UserChanges = {
      ...(input.role === undefined ? {} : { role: input.role }),
      ...(input.name === undefined ? {} : { name: input.name }),
      ...(passwordHash === undefined ? {} : { passwordHash }),
      ...(disabledAt === undefined ? {} : { disabledAt }),
    };
    const user = await updateUserRow(transaction, input.workspaceId, input.id, changes, input.now);
    if (user === undefined) throw notFound('User');
    if (passwordHash !== undefined || (disabledAt !== undefined && disabledAt !== null)) {
      await deleteSessionsOfUser(transaction, input.workspaceId, input.id);
    }
    const removed = disabledAt !== undefined && disabledAt !== null && existing.disabledAt === null;
    const restored = disabledAt === null && existing.disabledAt !== null;
    const roleChanged = input.role !== undefined && input.role !== existing.role;
    const nameChanged = input.name !== undefined && input.name !== existing.name;
    // Removing a removed member (a repeated DELETE) changes nothing and records nothing.
    if (!removed && !restored && !roleChanged && !nameChanged && passwordHash === undefined) return user;
    await recordAudit(transaction, {
      workspaceId: input.workspaceId,
      actor: input.actor,
      action: removed ? 'user.removed' : restored ? 'user.restored' : 'user.updated',
      entity: 'app_user',
      entityId: user.id,
      details: {
        email: user.email,
        ...(roleChanged ? { role: { from: existing.role, to: input.role } } : {}),
        ...(nameChanged ? { name: input.name } : {}),
        ...(passwordHash === undefined ? {} : { passwordChanged: true }),
      },
      at: input.now,
    });
    return user;
  });
}

/**
 * Removes a member from the workspace: disables the account (kept for the keys and audit entries
 * that name it) and ends their sessions; audited `user.removed`. The last enabled owner cannot be
 * removed (`conflict`); removing a removed member changes nothing.
 */
export async function removeUser(
  db: Kysely<Database>,
  input: Omit<UpdateUserInput, 'role' | 'name' | 'password' | 'disabled'>,
): Promise<User> {
  return updateUser(db, { ...input, disabled: true });
}

/** Throws `conflict` unless the workspace has an enabled owner other than `userId` (rows locked). */
async function assertAnotherOwner(
  transaction: Transaction<Database>,
  workspaceId: number,
  userId: number,
): Promise<void> {
  const owners = await lockEnabledOwners(transaction, workspaceId);
  if (!owners.some((id) => id !== userId)) {
    throw new RetainError(
      'conflict',
      'This is the workspace’s last owner: make someone else an owner first.',
    );
  }
}
