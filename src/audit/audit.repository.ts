/**
 * The `audit_log` table: who changed what, when. Entries are only ever appended; they are written
 * in the same transaction as the change they describe, so a change is never left unrecorded.
 */
import type { Kysely, Transaction } from 'kysely';
import { type AuditLogRow, type Database, fromJson, newId, toJson } from '../db/index.js';

export type AuditActor =
  | { readonly type: 'user'; readonly id: string }
  | { readonly type: 'api_key'; readonly id: string }
  | { readonly type: 'system'; readonly id?: null };

export interface AuditEntryInput {
  readonly workspaceId: string;
  readonly actor: AuditActor;
  /** What happened, `<entity>.<verb>`, e.g. `customer.erased`, `api_key.created`. */
  readonly action: string;
  readonly entity?: string;
  readonly entityId?: string;
  readonly details?: Record<string, unknown>;
  readonly at: number;
}

export interface AuditEntry {
  readonly id: string;
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
): Promise<string> {
  const id = newId();
  await db
    .insertInto('audit_log')
    .values({
      workspace_id: entry.workspaceId,
      id,
      actor_type: entry.actor.type,
      actor_id: entry.actor.id ?? null,
      action: entry.action,
      entity: entry.entity ?? null,
      entity_id: entry.entityId ?? null,
      details: toJson(entry.details ?? {}),
      at: entry.at,
    })
    .execute();
  return id;
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
  workspaceId: string,
  filter: { readonly entity?: string; readonly entityId?: string; readonly limit?: number } = {},
): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit_log').selectAll().where('workspace_id', '=', workspaceId);
  if (filter.entity !== undefined) query = query.where('entity', '=', filter.entity);
  if (filter.entityId !== undefined) query = query.where('entity_id', '=', filter.entityId);
  const rows = await query
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 100)
    .execute();
  return rows.map(toEntry);
}
