/**
 * Workspaces: creating one with everything needed to use it at once (its tracking write key and
 * an admin API key), listing and reading them. Audited.
 */
import type { Kysely } from 'kysely';
import { type AuditActor, recordAudit } from '../audit/index.js';
import { issueApiKey } from '../auth/index.js';
import { type Database, isUniqueViolation, type WorkspaceSettings } from '../db/index.js';
import { notFound, RetainError } from '../errors/index.js';
import {
  getWorkspace as getWorkspaceRow,
  createWorkspace as insertWorkspace,
  listWorkspaces as listWorkspaceRows,
  replaceWriteKey,
  updateWorkspaceSettings as updateSettingsRow,
  type Workspace,
} from './workspace.repository.js';

export type { Workspace };

const SLUG_SHAPE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A URL-safe slug from a name: lower case, accents dropped, runs of other characters become one
 * `-`, at most 63 characters. Example: `slugify('Café Olé & Co')` → `'cafe-ole-co'`.
 */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/g, '');
}

export interface CreateWorkspaceInput {
  readonly name: string;
  /** Default: `slugify(name)`. Lower-case letters, digits and inner hyphens, 1–63 characters. */
  readonly slug?: string;
  readonly actor: AuditActor;
  readonly now: number;
}

export interface CreatedWorkspace {
  readonly workspace: Workspace;
  /** The tracking write key, in clear: shown once. */
  readonly writeKey: string;
  /** An `admin` API key, in clear: shown once. */
  readonly apiKey: string;
  readonly apiKeyId: number;
}

/**
 * Creates a workspace, its write key and an admin API key in one transaction, recording
 * `workspace.created` and `api_key.created`. A taken slug is a `conflict`, a bad one `invalid_input`.
 * Example: `const { workspace, writeKey, apiKey } = await createWorkspaceWithKeys(db, { name: 'Acme', actor: { type: 'system' }, now })`.
 */
export async function createWorkspaceWithKeys(
  db: Kysely<Database>,
  input: CreateWorkspaceInput,
): Promise<CreatedWorkspace> {
  const name = input.name.trim();
  if (name === '' || name.length > 200) {
    throw new RetainError('invalid_input', 'A workspace needs a name of 1 to 200 characters.', [
      { path: ['name'], message: 'Expected 1 to 200 characters.' },
    ]);
  }
  const slug = input.slug ?? slugify(name);
  if (!SLUG_SHAPE.test(slug)) {
    throw new RetainError(
      'invalid_input',
      `"${slug}" is not a valid slug (lower-case letters, digits and inner hyphens, at most 63).`,
      [{ path: ['slug'], message: 'Expected lower-case letters, digits and inner hyphens.' }],
    );
  }
  try {
    return await db.transaction().execute(async (transaction) => {
      const { workspace, writeKey } = await insertWorkspace(transaction, { name, slug, now: input.now });
      await recordAudit(transaction, {
        workspaceId: workspace.id,
        actor: input.actor,
        action: 'workspace.created',
        entity: 'workspace',
        entityId: workspace.id,
        details: { name, slug },
        at: input.now,
      });
      const issued = await issueApiKey(transaction, {
        workspaceId: workspace.id,
        name: 'Admin key (created with the workspace)',
        role: 'admin',
        grantedBy: null,
        actor: input.actor,
        now: input.now,
      });
      return { workspace, writeKey, apiKey: issued.key, apiKeyId: issued.apiKey.id };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new RetainError('conflict', `The slug "${slug}" is taken.`);
    throw error;
  }
}

/** Every workspace of the installation, oldest first (for administrators, not for API callers). */
export async function listWorkspaces(db: Kysely<Database>): Promise<Workspace[]> {
  return listWorkspaceRows(db);
}

/** The workspace with this id; `not_found` otherwise. */
export async function getWorkspace(db: Kysely<Database>, id: number): Promise<Workspace> {
  const workspace = await getWorkspaceRow(db, id);
  if (workspace === undefined) throw notFound('Workspace');
  return workspace;
}

/**
 * Changes some settings of a workspace (validated by the caller's schema), recording
 * `workspace.updated` with the new values in the same transaction. `not_found` for an unknown id.
 * Example: `await updateWorkspaceSettings(db, { workspaceId, settings: { erasedIdentities: 'refuse' }, actor, now })`.
 */
export async function updateWorkspaceSettings(
  db: Kysely<Database>,
  input: {
    readonly workspaceId: number;
    readonly settings: Partial<WorkspaceSettings>;
    readonly actor: AuditActor;
    readonly now: number;
  },
): Promise<Workspace> {
  return db.transaction().execute(async (transaction) => {
    const workspace = await updateSettingsRow(transaction, input.workspaceId, input.settings, input.now);
    if (workspace === undefined) throw notFound('Workspace');
    await recordAudit(transaction, {
      workspaceId: input.workspaceId,
      actor: input.actor,
      action: 'workspace.updated',
      entity: 'workspace',
      entityId: input.workspaceId,
      details: { settings: input.settings },
      at: input.now,
    });
    return workspace;
  });
}

/**
 * Replaces the workspace's tracking write key and records `workspace.write_key_replaced` (with the
 * old and new prefixes, never a key) in the same transaction. Returns the new key in clear: shown
 * once. Clients still sending the old key are refused from then on (after at most the tracking
 * cache's 30 seconds in a running server). `not_found` for an unknown id.
 * Example: `const { writeKey } = await rotateWriteKey(db, { workspaceId, actor, now })`.
 */
export async function rotateWriteKey(
  db: Kysely<Database>,
  input: { readonly workspaceId: number; readonly actor: AuditActor; readonly now: number },
): Promise<{ workspace: Workspace; writeKey: string }> {
  return db.transaction().execute(async (transaction) => {
    const before = await getWorkspaceRow(transaction, input.workspaceId);
    const replaced = await replaceWriteKey(transaction, input.workspaceId, input.now);
    if (before === undefined || replaced === undefined) throw notFound('Workspace');
    await recordAudit(transaction, {
      workspaceId: input.workspaceId,
      actor: input.actor,
      action: 'workspace.write_key_replaced',
      entity: 'workspace',
      entityId: input.workspaceId,
      details: { from: before.writeKeyPrefix, to: replaced.workspace.writeKeyPrefix },
      at: input.now,
    });
    return replaced;
  });
}
