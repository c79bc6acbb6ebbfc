/**
 * API keys: issuing (shown once), listing and revoking, each audited in the change's transaction.
 */
import type { Kysely, Transaction } from 'kysely';
import { type AuditActor, recordAudit } from '../audit/index.js';
import { announceChange, type Database } from '../db/index.js';
import { notFound, RetainError } from '../errors/index.js';
import {
  type ApiKey,
  getApiKey,
  insertApiKey,
  listApiKeys as listApiKeyRows,
  revokeApiKey as revokeApiKeyRow,
} from './api-key.repository.js';
import { forgetApiKeys } from './api-key-cache.js';
import { ROLES, type Role } from './roles.js';
import { generateApiKey } from './secrets.js';

export interface CreateApiKeyInput {
  readonly workspaceId: number;
  readonly name: string;
  readonly role: Role;
  /** The role of whoever asks (`null` for the command line, which is trusted like an owner). */
  readonly grantedBy: Role | null;
  readonly actor: AuditActor;
  readonly now: number;
}

/** An issued key: its listing, and the key in clear (the only time it exists outside the caller). */
export interface IssuedApiKey {
  readonly apiKey: ApiKey;
  readonly key: string;
}

/**
 * Whether a caller with `grantor` may hand out `role`: nobody grants more than they hold, so only
 * an owner (or the command line) can make an owner key.
 */
export function canGrant(grantor: Role | null, role: Role): boolean {
  return grantor === null || grantor === 'owner' || role !== 'owner';
}

/**
 * Issues a key `rk_<8 hex>_<43 base64url>` for the workspace and records `api_key.created`.
 * Throws `forbidden` when `grantedBy` may not grant `role`, `invalid_input` for an empty name.
 * Example: `const { key } = await createApiKey(db, { workspaceId, name: 'ETL', role: 'analyst', grantedBy: null, actor: { type: 'system' }, now })`.
 */
export async function createApiKey(db: Kysely<Database>, input: CreateApiKeyInput): Promise<IssuedApiKey> {
  return db.transaction().execute((transaction) => issueApiKey(transaction, input));
}

/** `createApiKey` inside the caller's transaction (e.g. with the workspace that owns the key). */
export async function issueApiKey(
  transaction: Transaction<Database>,
  input: CreateApiKeyInput,
): Promise<IssuedApiKey> {
  const name = input.name.trim();
  if (name === '' || name.length > 200) {
    throw new RetainError('invalid_input', 'An API key needs a name of 1 to 200 characters.', [
      { path: ['name'], message: 'Expected 1 to 200 characters.' },
    ]);
  }
  if (!ROLES.includes(input.role)) {
    throw new RetainError('invalid_input', `Unknown role "${input.role}".`, [
      { path: ['role'], message: `Expected one of ${ROLES.join(', ')}.` },
    ]);
  }
  if (!canGrant(input.grantedBy, input.role)) {
    throw new RetainError('forbidden', 'Only an owner can create an owner key.');
  }
  const generated = generateApiKey();
  const apiKey = await insertApiKey(transaction, {
    workspaceId: input.workspaceId,
    name,
    hash: generated.hash,
    prefix: generated.prefix,
    role: input.role,
    createdBy: input.actor.type === 'user' ? input.actor.id : null,
    now: input.now,
  });
  await recordAudit(transaction, {
    workspaceId: input.workspaceId,
    actor: input.actor,
    action: 'api_key.created',
    entity: 'api_key',
    entityId: apiKey.id,
    details: { name, role: input.role, prefix: generated.prefix },
    at: input.now,
  });
  return { apiKey, key: generated.key };
}

/** The workspace's keys, newest first (revoked ones included). */
export async function listApiKeys(db: Kysely<Database>, workspaceId: number): Promise<ApiKey[]> {
  return listApiKeyRows(db, workspaceId);
}

/**
 * Revokes a key of the workspace (its next request is a 401) and records `api_key.revoked`.
 * Revoking a revoked key changes nothing and succeeds; a key of another workspace is `not_found`.
 * The key stops working at once, in this process and others (api-key-cache.ts).
 */
export async function revokeApiKey(
  db: Kysely<Database>,
  input: {
    readonly workspaceId: number;
    readonly id: number;
    readonly actor: AuditActor;
    readonly now: number;
  },
): Promise<ApiKey> {
  const revoked = await db.transaction().execute(async (transaction) => {
    const existing = await getApiKey(transaction, input.workspaceId, input.id);
    if (existing === undefined) throw notFound('API key');
    if (await revokeApiKeyRow(transaction, input.workspaceId, input.id, input.now)) {
      // Other processes drop their cached keys when this commits (api-key-cache.ts).
      await announceChange(transaction);
      await recordAudit(transaction, {
        workspaceId: input.workspaceId,
        actor: input.actor,
        action: 'api_key.revoked',
        entity: 'api_key',
        entityId: input.id,
        details: { name: existing.name, prefix: existing.prefix },
        at: input.now,
      });
      return { ...existing, revokedAt: input.now };
    }
    return existing;
  });
  // Committed: this process's cache forgets the key before anything else runs.
  forgetApiKeys(db);
  return revoked;
}
