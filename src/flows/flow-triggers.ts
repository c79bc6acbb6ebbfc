/**
 * Tracking's hook: which tracked events trigger flows. `/v1/track` must stay fast with flows
 * active, so nothing heavy happens inline: the names active event flows trigger on are an
 * in-memory index per store and workspace (`TRIGGER_NAMES_TTL_MS`; this process forgets them at
 * once when a flow is activated or deactivated, another process's change shows within the TTL).
 * The event insert itself returns the ids of the stored events with such a name (one `RETURNING`),
 * and they cost one two-integer row each of `flow_trigger`, written in one statement of the
 * events' own transaction. The `flows.tick` job does the rest (enters the customers, deletes the
 * rows).
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

/** An event tracking has just stored (customers' `NewEvent`). */
export interface TriggeringEvent {
  readonly id: RowId;
  readonly name: string;
  readonly customerId: RowId | null;
}

/**
 * Records `events` — events this call stored, whose names `flowTriggerNames` returned — as trigger
 * occurrences (their ids), in `transaction`: the one that stored the events, so an event and its
 * trigger commit together. Events of no customer trigger nothing. Returns how many were recorded
 * (0: no query).
 */
export async function recordFlowTriggers(
  transaction: Kysely<Database> | Transaction<Database>,
  workspaceId: number,
  events: readonly TriggeringEvent[],
): Promise<number> {
  const eventIds: RowId[] = [];
  for (const event of events) if (event.customerId !== null) eventIds.push(event.id);
  await insertTriggers(transaction, workspaceId, eventIds);
  return eventIds.length;
}
