/**
 * The `audit_log` table: who changed what, when. Entries are only ever appended; they are written
 * in the same transaction as the change they describe, so a change is never left unrecorded.
 */
import type { Kysely, Transaction } from 'kysely';
import { type AuditLogRow, type Database, fromJson, type RowId, toJson } from '../db/index.js';

export type AuditActor =
  | { readonly type: 'user'; readonly id: RowId }
  | { readonly type: 'api_key'; readonly id: RowId }
  | { readonly type: 'system'; readonly id?: null };

export interface AuditEntryInput {
  readonly workspaceId: number;
  readonly actor: AuditActor;
  /** What happened, `<entity>.<verb>`, e.g. `customer.erased`, `api_key.created`. */
  readonly action: string;
  readonly entity?: string;
  /** The entity's id (stored as text: entities of any kind share the column). */
  readonly entityId?: RowId | string;
  readonly details?: Record<string, unknown>;
  readonly at: number;
}

export interface AuditEntry {
  readonly id: RowId;
  readonly actorType: AuditActor['type'];
  readonly actorId: string | null;
  readonly action: string;
  readonly entity: string | null;
  readonly entityId: string | null;
  readonly details: Record<string, unknown>;
  readonly at: number;
}

/** Appends one entry. Pass the transaction of the change being recorded. */
export async function recordAudit(
  db: Kysely<Database> | Transaction<Database>,
  entry: AuditEntryInput,
): Promise<RowId> {
  const row = await db
    .insertInto('audit_log')
    .values({
      workspace_id: entry.workspaceId,
      actor_type: entry.actor.type,
      actor_id: entry.actor.id == null ? null : String(entry.actor.id),
      action: entry.action,
      entity: entry.entity ?? null,
      entity_id: entry.entityId === undefined ? null : String(entry.entityId),
      details: toJson(entry.details ?? {}),
      at: entry.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

function toEntry(row: AuditLogRow): AuditEntry {
  return {
    id: row.id,
    actorType: row.actor_type,
    actorId: row.actor_id,
    action: row.action,
    entity: row.entity,
    entityId: row.entity_id,
    details: fromJson(row.details) as Record<string, unknown>,
    at: Number(row.at),
  };
}

/** A workspace's entries, newest first, optionally for one entity. */
export async function listAudit(
  db: Kysely<Database>,
  workspaceId: number,
  filter: { readonly entity?: string; readonly entityId?: RowId | string; readonly limit?: number } = {},
): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit_log').selectAll().where('workspace_id', '=', workspaceId);
  if (filter.entity !== undefined) query = query.where('entity', '=', filter.entity);
  if (filter.entityId !== undefined) query = query.where('entity_id', '=', String(filter.entityId));
  const rows = await query
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 100)
    .execute();
  return rows.map(toEntry);
}
