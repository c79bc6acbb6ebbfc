/**
 * Tracking's hook: which tracked events trigger flows. `/v1/track` must stay fast with flows
 * active, so nothing heavy happens inline: the names active event flows trigger on are cached per
 * store and workspace (`TRIGGER_NAMES_TTL_MS`; this process forgets them at once when a flow is
 * activated or deactivated), and an event with such a name costs one small row of `flow_trigger`,
 * written in the event's own transaction. The `flows.tick` job does the rest.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database, RowId } from '../db/index.js';
import { activeTriggerEvents, insertTriggers } from './flow.repository.js';

/** How long this process trusts its list of trigger names (another process's activation shows after this). */
export const TRIGGER_NAMES_TTL_MS = 5_000;

interface CachedNames {
  readonly names: ReadonlySet<string>;
  readonly loadedAt: number;
}

const namesByStore = new WeakMap<Kysely<Database>, Map<number, CachedNames>>();

function cacheOf(store: Kysely<Database>): Map<number, CachedNames> {
  let cache = namesByStore.get(store);
  if (cache === undefined) namesByStore.set(store, (cache = new Map()));
  return cache;
}

/**
 * The event names the workspace's active flows trigger on, cached per `store` for
 * `TRIGGER_NAMES_TTL_MS` (read with `executor`, e.g. the caller's transaction, on a miss). O(1) when
 * cached.
 */
export async function flowTriggerNames(
  store: Kysely<Database>,
  workspaceId: number,
  now: number,
  executor: Kysely<Database> | Transaction<Database> = store,
): Promise<ReadonlySet<string>> {
  const cache = cacheOf(store);
  const cached = cache.get(workspaceId);
  if (cached !== undefined && now - cached.loadedAt < TRIGGER_NAMES_TTL_MS && now >= cached.loadedAt)
    return cached.names;
  const names = new Set(await activeTriggerEvents(executor, workspaceId));
  if (cache.size > 10_000) cache.clear();
  cache.set(workspaceId, { names, loadedAt: now });
  return names;
}

/** Whether `name` triggers a flow of the workspace, by the cache alone (false when not loaded). */
export function isCachedTriggerName(
  store: Kysely<Database>,
  workspaceId: number,
  name: string | undefined,
): boolean {
  return name !== undefined && (namesByStore.get(store)?.get(workspaceId)?.names.has(name) ?? false);
}

/** Forgets the workspace's cached names in this process (a flow was activated or deactivated). */
export function forgetFlowTriggerNames(store: Kysely<Database>, workspaceId: number): void {
  namesByStore.get(store)?.delete(workspaceId);
}

/** A stored event, as tracking hands it over. */
export interface TrackedEventRow {
  readonly customerId?: RowId | null;
  readonly name: string;
  readonly messageId?: string | null;
  readonly occurredAt: number;
}

/**
 * Records the events among `rows` that trigger an active flow (a customer, a messageId and a
 * trigger name), in `transaction` — the one that stores the events, so an event and its trigger
 * commit together. Returns how many were offered for recording (0 without trigger names: no query).
 */
export async function recordFlowTriggers(
  store: Kysely<Database>,
  transaction: Kysely<Database> | Transaction<Database>,
  workspaceId: number,
  rows: readonly TrackedEventRow[],
  now: number,
): Promise<number> {
  const names = await flowTriggerNames(store, workspaceId, now, transaction);
  if (names.size === 0) return 0;
  const occurrences = [];
  for (const row of rows) {
    if (row.customerId == null || row.messageId == null || !names.has(row.name)) continue;
    occurrences.push({
      customerId: row.customerId,
      name: row.name,
      messageId: row.messageId,
      occurredAt: row.occurredAt,
    });
  }
  await insertTriggers(transaction, workspaceId, occurrences);
  return occurrences.length;
}
