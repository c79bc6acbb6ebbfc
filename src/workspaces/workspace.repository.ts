/**
 * The `workspace` table: the tenant every other row belongs to — the only code that queries it
 * (create, get, list, find by write key). A light surface of `workspaces/`: it depends on `db`
 * alone, so the capabilities that must read a workspace (auth, imports, tracking, analytics) import
 * it without loading the workspace service, which itself builds on auth and imports.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  type Database,
  fromJson,
  hashSecret,
  type RowId,
  toJson,
  type WorkspaceRow,
  type WorkspaceSettings,
} from '../db/index.js';

/** Settings a workspace has until it changes them (metrics.md §1 and §3 defaults). */
export const DEFAULT_WORKSPACE_SETTINGS: WorkspaceSettings = {
  timeZone: 'UTC',
  activityWindowDays: 365,
  weekStart: 'monday',
  currency: 'USD',
  erasedIdentities: 'new_customer',
};

/** A workspace as the application sees it (the write key's hash never leaves this file). */
export interface Workspace {
  readonly id: RowId;
  readonly name: string;
  readonly slug: string;
  readonly settings: WorkspaceSettings;
  readonly writeKeyPrefix: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface CreateWorkspaceInput {
  readonly name: string;
  readonly slug: string;
  readonly settings?: Partial<WorkspaceSettings>;
  /** Creation instant, epoch ms (default: now). */
  readonly now?: number;
}

const WRITE_KEY_PREFIX_LENGTH = 12;

/**
 * Creates a workspace with a fresh tracking write key, and returns the key in clear: this is the
 * only time it is available (the table keeps its SHA-256). Only the settings that differ from
 * the defaults need be given; missing ones are read as the defaults.
 *
 * Throws the driver's unique violation (see `isUniqueViolation`) when the slug is taken.
 * Example: `const { workspace, writeKey } = await createWorkspace(db, { name: 'Acme', slug: 'acme' })`
 * → `writeKey` like `'wk_Jx0…'`, `workspace.settings.timeZone === 'UTC'`.
 */
export async function createWorkspace(
  db: Kysely<Database>,
  input: CreateWorkspaceInput,
): Promise<{ workspace: Workspace; writeKey: string }> {
  const now = input.now ?? Date.now();
  const writeKey = `wk_${randomBytes(24).toString('base64url')}`;
  const row = await db
    .insertInto('workspace')
    .values({
      name: input.name,
      slug: input.slug,
      settings: toJson(input.settings ?? {}),
      write_key_hash: hashSecret(writeKey),
      write_key_prefix: writeKey.slice(0, WRITE_KEY_PREFIX_LENGTH),
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { workspace: toWorkspace(row), writeKey };
}

/** The workspace with this id, or `undefined`. O(log n) by primary key. */
export async function getWorkspace(db: Kysely<Database>, id: RowId): Promise<Workspace | undefined> {
  const row = await db.selectFrom('workspace').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toWorkspace(row);
}

/** The workspace with this slug, or `undefined`. */
export async function getWorkspaceBySlug(db: Kysely<Database>, slug: string): Promise<Workspace | undefined> {
  const row = await db.selectFrom('workspace').selectAll().where('slug', '=', slug).executeTakeFirst();
  return row === undefined ? undefined : toWorkspace(row);
}

/** Every workspace, oldest first (an installation holds few; no paging yet). */
export async function listWorkspaces(db: Kysely<Database>): Promise<Workspace[]> {
  const rows = await db.selectFrom('workspace').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(toWorkspace);
}

/** The workspace a tracking write key belongs to, or `undefined` for an unknown key. */
export async function findWorkspaceByWriteKey(
  db: Kysely<Database>,
  writeKey: string,
): Promise<Workspace | undefined> {
  const row = await db
    .selectFrom('workspace')
    .selectAll()
    .where('write_key_hash', '=', hashSecret(writeKey))
    .executeTakeFirst();
  return row === undefined ? undefined : toWorkspace(row);
}

/**
 * Replaces the given settings of a workspace (the others keep their values) and returns it, or
 * `undefined` for an unknown id. One read and one write; pass the transaction that audits it.
 */
export async function updateWorkspaceSettings(
  db: Kysely<Database>,
  id: RowId,
  settings: Partial<WorkspaceSettings>,
  now: number,
): Promise<Workspace | undefined> {
  const row = await db.selectFrom('workspace').select('settings').where('id', '=', id).executeTakeFirst();
  if (row === undefined) return undefined;
  const updated = await db
    .updateTable('workspace')
    .set({
      settings: toJson({ ...fromJson<Partial<WorkspaceSettings>>(row.settings), ...settings }),
      updated_at: now,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toWorkspace(updated);
}

/**
 * Gives the workspace a new tracking write key (the old one stops matching) and returns it in
 * clear: the only time it is available. `undefined` for an unknown id. One write.
 */
export async function replaceWriteKey(
  db: Kysely<Database>,
  id: RowId,
  now: number,
): Promise<{ workspace: Workspace; writeKey: string } | undefined> {
  const writeKey = `wk_${randomBytes(24).toString('base64url')}`;
  const row = await db
    .updateTable('workspace')
    .set({
      write_key_hash: hashSecret(writeKey),
      write_key_prefix: writeKey.slice(0, WRITE_KEY_PREFIX_LENGTH),
      updated_at: now,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : { workspace: toWorkspace(row), writeKey };
}

function toWorkspace(row: WorkspaceRow): Workspace {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    settings: { ...DEFAULT_WORKSPACE_SETTINGS, ...fromJson(row.settings) },
    writeKeyPrefix: row.write_key_prefix,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
