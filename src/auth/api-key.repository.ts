/**
 * The `api_key` table: machine credentials, one workspace and one role each. The key itself is
 * never stored (only its SHA-256 and public prefix). The only code that queries the table; every
 * query but the credential lookup names the workspace.
 *
 * A key's role is kept in its `scopes` as the single grant `role:<role>` (e.g. `["role:agent"]`),
 * which needs no schema change and leaves room for finer scopes later. A key whose scopes name no
 * valid role is treated as `agent`, the least privileged role.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import { type ApiKeyTable, type Database, fromJson, toJson, type UserRole } from '../db/index.js';
import { ROLES } from './roles.js';

type Db = Kysely<Database> | Transaction<Database>;

const ROLE_SCOPE_PREFIX = 'role:';

/** The role granted by a key's scopes (`agent` when none is). */
export function roleOfScopes(scopes: readonly string[]): UserRole {
  for (const scope of scopes) {
    if (!scope.startsWith(ROLE_SCOPE_PREFIX)) continue;
    const role = scope.slice(ROLE_SCOPE_PREFIX.length);
    if ((ROLES as readonly string[]).includes(role)) return role as UserRole;
  }
  return 'agent';
}

/** An API key as lists show it. */
export interface ApiKey {
  readonly id: number;
  readonly workspaceId: number;
  readonly name: string;
  /** `rk_<8 hex>`: the key's public beginning. */
  readonly prefix: string;
  readonly role: UserRole;
  readonly createdBy: number | null;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

export async function insertApiKey(
  db: Db,
  row: {
    workspaceId: number;
    name: string;
    hash: string;
    prefix: string;
    role: UserRole;
    createdBy: number | null;
    now: number;
  },
): Promise<ApiKey> {
  const inserted = await db
    .insertInto('api_key')
    .values({
      workspace_id: row.workspaceId,
      name: row.name,
      key_hash: row.hash,
      key_prefix: row.prefix,
      scopes: toJson<string[]>([`${ROLE_SCOPE_PREFIX}${row.role}`]),
      created_by: row.createdBy,
      created_at: row.now,
      last_used_at: null,
      revoked_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toApiKey(inserted);
}

/**
 * The key whose hash is `hash`, revoked or not. A credential lookup: the workspace is not known
 * yet and comes from the row (index `api_key_key_hash_idx`).
 */
export async function findApiKeyByHash(db: Db, hash: string): Promise<ApiKey | undefined> {
  const row = await db.selectFrom('api_key').selectAll().where('key_hash', '=', hash).executeTakeFirst();
  return row === undefined ? undefined : toApiKey(row);
}

export async function getApiKey(db: Db, workspaceId: number, id: number): Promise<ApiKey | undefined> {
  const row = await db
    .selectFrom('api_key')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toApiKey(row);
}

/** The workspace's keys, newest first, revoked ones included (they show when they were revoked). */
export async function listApiKeys(db: Db, workspaceId: number): Promise<ApiKey[]> {
  const rows = await db
    .selectFrom('api_key')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map(toApiKey);
}

/** Marks the key revoked (if it is not already); true when this call revoked it. */
export async function revokeApiKey(db: Db, workspaceId: number, id: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('api_key')
    .set({ revoked_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function touchApiKey(db: Db, workspaceId: number, id: number, now: number): Promise<void> {
  await db
    .updateTable('api_key')
    .set({ last_used_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

function toApiKey(row: Selectable<ApiKeyTable>): ApiKey {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    prefix: row.key_prefix,
    role: roleOfScopes(fromJson<string[]>(row.scopes)),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}
