/**
 * The rules of behaviour tracking: which workspace a write key opens, how Segment calls become
 * `event` rows (deduplicated by messageId), how identify calls create and update customers, how
 * group calls store groups, and how alias calls merge identities.
 *
 * Hot path (a batch of track calls from known users): one cached write-key lookup, one cached
 * customer id per distinct userId, and per group commit one transaction of a locking check of
 * those ids and one multi-row INSERT. The database is asked to resolve userIds not seen in the
 * last minute only.
 *
 * **Erasure is final.** A cached userId → customer id answer is never trusted on its own: every
 * write checks its customer ids against `erased_at` inside its transaction, locking them
 * (`lockLiveCustomers`: `FOR KEY SHARE` on PostgreSQL) until it commits, while an erasure locks
 * the customer `FOR UPDATE` before it reads the events. So a write that comes first holds the
 * erasure back until its events are in (and scrubbed by it), and a write that comes second — in
 * this process or any other, whatever its cache says — finds the customer erased, forgets the
 * cached answer and resolves the userId again: to a new customer, or to a refusal when the
 * workspace refuses erased identities (setting `erasedIdentities: 'refuse'`).
 */
import type { Kysely, Transaction } from 'kysely';
import { recordAudit } from '../audit/index.js';
import { isSupportedInstant } from '../core/index.js';
import {
  applyGroupTraits,
  type CustomerInput,
  customerIdsByAlias,
  type EventInput,
  ensureCustomers,
  erasedExternalIds,
  erasedIdentitiesAmong,
  findCustomer,
  insertEvents,
  linkEventsOfIdentity,
  linkGroupMembers,
  liveCustomerIds,
  lockCustomersForUpdate,
  lockLiveCustomers,
  mergeCustomers,
  recordAlias,
  renameCustomer,
  requestScoreRefreshThrottled,
  upsertCustomers,
} from '../customers/index.js';
import { type Database, dialectOf, fromJson, isUniqueViolation, newIds, type RowId } from '../db/index.js';
import { type InputIssue, RetainError } from '../errors/index.js';
import {
  flowTriggerNames,
  isCachedTriggerName,
  recordFlowTriggers,
  requestFlowTickThrottled,
} from '../flows/index.js';
import { requestLoyaltyProcessingThrottled } from '../loyalty/index.js';
import { requestSegmentRecomputeThrottled, TRACKING_RECOMPUTE_DELAY_MS } from '../segments/segment.jobs.js';
import { findWorkspaceByWriteKey, getWorkspace } from '../workspaces/workspace.repository.js';
import { type CustomerProfileColumns, mapTraits } from './traits.js';

/**
 * Segment's e-commerce order events (its "Ecommerce Events" spec): calls that say a customer's
 * orders changed, so the stored scores should be computed again.
 */
export const ORDER_EVENTS: ReadonlySet<string> = new Set([
  'Order Completed',
  'Order Updated',
  'Order Refunded',
  'Order Cancelled',
]);

/** How long a score refresh asked for by tracking waits, gathering the calls of that time. */
const SCORE_REFRESH_DELAY_MS = 60_000;

/** Whether a call changes what the stored scores are computed from (an order event, a merge). */
function changesScores(message: TrackingMessage): boolean {
  return message.type === 'alias' || (message.type === 'track' && ORDER_EVENTS.has(message.event ?? ''));
}

/** The Segment call types. */
export type TrackingMessageType = 'identify' | 'track' | 'page' | 'screen' | 'group' | 'alias';

/** One Segment call, read and normalised (`tracking.schemas.ts` builds these from request bodies). */
export interface TrackingMessage {
  readonly type: TrackingMessageType;
  readonly userId?: string | undefined;
  readonly anonymousId?: string | undefined;
  /** Track: the event name. Page/screen: the page name (may be absent). */
  readonly event?: string | undefined;
  /** Page/screen: the category (may be absent). */
  readonly category?: string | undefined;
  /** Track/page/screen properties, or identify/group traits. */
  readonly properties?: Readonly<Record<string, unknown>> | undefined;
  /** Group: the group's id. */
  readonly groupId?: string | undefined;
  /** Alias: the identity merged into `userId`. */
  readonly previousId?: string | undefined;
  readonly messageId?: string | undefined;
  /** When it happened by the client's clock, epoch ms. */
  readonly timestamp?: number | undefined;
  /** When the client sent it by its clock, epoch ms (clock-skew correction). */
  readonly sentAt?: number | undefined;
  readonly context?: Readonly<Record<string, unknown>> | undefined;
}

/** A message the service did not store, by its position in the list it was given. */
export interface RejectedMessage {
  readonly index: number;
  readonly issues: readonly InputIssue[];
}

/** What `ingest` did: every message is stored (or was a duplicate) except the rejected ones. */
export interface IngestResult {
  readonly rejected: readonly RejectedMessage[];
}

/** The stored event name of an identify call (its properties are the traits). */
export const IDENTIFY_EVENT_NAME = '$identify';
/** The stored event names of page and screen calls (the page name goes to `properties.name`). */
export const PAGE_EVENT_NAME = '$page';
export const SCREEN_EVENT_NAME = '$screen';
/** The stored event of a group call: properties `{ groupId, traits }`. */
export const GROUP_EVENT_NAME = '$group';
/** The stored event of an alias call: properties `{ previousId }`. */
export const ALIAS_EVENT_NAME = '$alias';

export interface TrackingServiceOptions {
  /** How long a write key → workspace answer is reused, ms (default 30 s; a revoked key works this long). */
  readonly writeKeyTtlMs?: number;
  /** How long an unknown write key is remembered as unknown, ms (default 5 s). */
  readonly unknownWriteKeyTtlMs?: number;
  /** How long userId → customer id answers are reused, ms (default 60 s; each write verifies them). */
  readonly customerTtlMs?: number;
  /** Entries a cache holds before it is emptied (default 100,000). */
  readonly maxCacheEntries?: number;
}

/**
 * Clock skew correction, as Segment does it: when the client says when it sent the call (`sentAt`),
 * the event happened `receivedAt − sentAt` later on the server's clock than the client's
 * `timestamp` says. Without `timestamp` the event happened when it was received.
 *
 * A device with a wrong clock sends odd years (1970 after a reset, 2099…): an instant outside the
 * supported dates (1970-01-01 … 2100-12-31 UTC, core/limits.ts) after the correction is replaced
 * by `receivedAt`, so the call is kept and no stored event lies outside the range the analytics
 * read.
 *
 * O(1). Example: timestamp 10:00:00, sentAt 10:00:05, received 10:00:07 → 10:00:02.
 */
export function occurredAt(
  timestamp: number | undefined,
  sentAt: number | undefined,
  receivedAt: number,
): number {
  if (timestamp === undefined) return receivedAt;
  const corrected = sentAt === undefined ? timestamp : timestamp + (receivedAt - sentAt);
  return isSupportedInstant(corrected) ? corrected : receivedAt;
}

/** A Kysely instance or a transaction from it. */
type Executor = Kysely<Database> | Transaction<Database>;

/** Rows one group commit writes at most (one statement per workspace). */
const MAX_ROWS_PER_GROUP = 5_000;
/** Attempts of one write when a customer was erased or merged under it, or PostgreSQL found a deadlock. */
const MAX_ATTEMPTS = 4;

/** A request's rows waiting for the group commit. */
interface PendingWrite {
  readonly workspaceId: number;
  readonly rows: readonly EventInput[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** A customer id this write relied on is no longer a live customer (erased or merged meanwhile). */
class StaleCustomer extends Error {
  constructor() {
    super('A customer was erased or merged during the write');
  }
}

/**
 * Worth running the write again: a customer changed under it (`StaleCustomer`), PostgreSQL chose
 * it as a deadlock victim (SQLSTATE 40P01) or failed a serialization check (40001), or SQLite
 * found that another process wrote after this transaction's first read (SQLITE_BUSY_SNAPSHOT: a
 * deferred transaction cannot upgrade a stale snapshot to write).
 */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    error instanceof StaleCustomer || code === '40P01' || code === '40001' || code === 'SQLITE_BUSY_SNAPSHOT'
  );
}

/** A map whose entries expire all together after `ttlMs`, or when it grows past `maxEntries`. */
class ExpiringMap<V> {
  #entries = new Map<string, V>();
  #startedAt = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get(key: string, now: number): V | undefined {
    if (now - this.#startedAt > this.ttlMs) {
      this.#entries.clear();
      this.#startedAt = now;
    }
    return this.#entries.get(key);
  }

  set(key: string, value: V): void {
    if (this.#entries.size >= this.maxEntries) this.#entries.clear();
    this.#entries.set(key, value);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}

/** What a write key opens, as cached. */
interface TrackingWorkspace {
  readonly id: number;
  readonly refuseErased: boolean;
}

/** The customers of a write's userIds, checked and locked in its transaction. */
interface Resolution {
  readonly ids: Map<string, RowId>;
  /** userIds refused as erased identities. */
  readonly refused: Set<string>;
}

/**
 * Ingests Segment calls into one database. Holds the caches, so make one per database (the
 * routes keep one per `Kysely` instance) and reuse it.
 */
export class TrackingService {
  readonly #db: Kysely<Database>;
  readonly #knownKeys: ExpiringMap<TrackingWorkspace>;
  readonly #unknownKeys: ExpiringMap<true>;
  readonly #workspaces: ExpiringMap<TrackingWorkspace>;
  readonly #customers: ExpiringMap<RowId>;
  readonly #pending: PendingWrite[] = [];
  readonly #maxWriters: number;
  #activeWriters = 0;

  constructor(db: Kysely<Database>, options: TrackingServiceOptions = {}) {
    const maxEntries = options.maxCacheEntries ?? 100_000;
    this.#db = db;
    this.#knownKeys = new ExpiringMap(options.writeKeyTtlMs ?? 30_000, maxEntries);
    this.#unknownKeys = new ExpiringMap(options.unknownWriteKeyTtlMs ?? 5_000, maxEntries);
    this.#workspaces = new ExpiringMap(options.writeKeyTtlMs ?? 30_000, maxEntries);
    this.#customers = new ExpiringMap(options.customerTtlMs ?? 60_000, maxEntries);
    // SQLite has one writer; PostgreSQL commits in parallel on several pooled connections.
    this.#maxWriters = dialectOf(db) === 'sqlite' ? 1 : 4;
  }

  /**
   * The id of the workspace `writeKey` belongs to; throws `unauthenticated` for an unknown key.
   * Cached (see the TTL options), as it runs on every call. O(1) when cached, else one indexed query.
   */
  async authenticate(writeKey: string, now: number): Promise<number> {
    const cached = this.#knownKeys.get(writeKey, now);
    if (cached !== undefined) return cached.id;
    if (this.#unknownKeys.get(writeKey, now) === true) throw invalidWriteKey();
    const workspace = writeKey === '' ? undefined : await findWorkspaceByWriteKey(this.#db, writeKey);
    if (workspace === undefined) {
      this.#unknownKeys.set(writeKey, true);
      throw invalidWriteKey();
    }
    const entry = { id: workspace.id, refuseErased: workspace.settings.erasedIdentities === 'refuse' };
    this.#knownKeys.set(writeKey, entry);
    this.#workspaces.set(String(workspace.id), entry);
    return workspace.id;
  }

  /** The workspace's tracking settings, cached like the write key. */
  async #workspace(workspaceId: number, now: number): Promise<TrackingWorkspace> {
    const cached = this.#workspaces.get(String(workspaceId), now);
    if (cached !== undefined) return cached;
    const workspace = await getWorkspace(this.#db, workspaceId);
    const entry = { id: workspaceId, refuseErased: workspace?.settings.erasedIdentities === 'refuse' };
    this.#workspaces.set(String(workspaceId), entry);
    return entry;
  }

  /**
   * Stores `messages` for `workspaceId`: one row of `event` per message whose messageId is new to
   * the workspace (a message without one gets a fresh id, so it is never a duplicate). Identify
   * calls are stored as `$identify` events with the traits as properties, and their traits are
   * applied to the customer only when the call is new, so a retried identify never overwrites a
   * later one; group calls likewise store `$group` and merge the group's traits; alias calls
   * store `$alias` and merge the identities. Any userId not yet a customer becomes one (external
   * id = userId). Messages naming an erased identity the workspace refuses are not stored and
   * come back in `rejected`. All messages but aliases are written in one transaction; each alias
   * in its own, after them, in order.
   *
   * O(messages) work; one INSERT per 5,000 events, plus customer queries for uncached userIds.
   * Example: `await service.ingest(workspaceId, [{ type: 'track', userId: 'u1', event: 'Signed Up' }], now)`
   * → `{ rejected: [] }`.
   */
  async ingest(
    workspaceId: number,
    messages: readonly TrackingMessage[],
    receivedAt: number,
  ): Promise<IngestResult> {
    if (messages.length === 0) return { rejected: [] };
    const workspace = await this.#workspace(workspaceId, receivedAt);
    const rejected: RejectedMessage[] = [];
    const others: { index: number; message: TrackingMessage }[] = [];
    const aliases: { index: number; message: TrackingMessage }[] = [];
    for (const [index, message] of messages.entries()) {
      (message.type === 'alias' ? aliases : others).push({ index, message });
    }
    if (others.length > 0) {
      const grouped = this.#cachedRows(workspaceId, others, receivedAt);
      let done = false;
      if (grouped !== undefined) {
        try {
          await this.#writeGrouped(workspaceId, grouped);
          done = true;
        } catch (error) {
          if (!isTransient(error)) throw error;
          this.#forget(workspaceId, others); // and write them on the resolving path below
        }
      }
      if (!done) {
        const refused = await this.#withRetries(workspaceId, others, () =>
          this.#writeMessages(workspace, others, receivedAt),
        );
        rejected.push(...refused);
      }
    }
    for (const alias of aliases) {
      const refused = await this.#withRetries(workspaceId, [alias], () =>
        this.#writeAlias(workspace, alias, receivedAt),
      );
      rejected.push(...refused);
    }
    if (messages.some(changesScores)) {
      // Orders and merges move the stored scores: ask for a refresh a minute on, which the calls
      // of that minute join (customers/score-refresh.ts); never fails the tracking call.
      await requestScoreRefreshThrottled(this.#db, workspaceId, {
        reason: 'tracking',
        now: receivedAt,
        delayMs: SCORE_REFRESH_DELAY_MS,
      });
      // Orders earn points in the loyalty job a minute on (when the workspace has a programme).
      await requestLoyaltyProcessingThrottled(this.#db, workspaceId, receivedAt);
    }
    if (
      messages.some(
        (message) => message.type === 'track' && isCachedTriggerName(this.#db, workspaceId, message.event),
      )
    ) {
      // A flow triggers on one of these events: its tick reads the occurrences a second on.
      await requestFlowTickThrottled(this.#db, workspaceId, receivedAt);
    }
    // Profiles, events and merges move segment memberships: a recompute a minute on, which the
    // calls of that minute join (segments/segment.jobs.ts); never fails the tracking call.
    await requestSegmentRecomputeThrottled(this.#db, workspaceId, {
      reason: 'tracking',
      now: receivedAt,
      delayMs: TRACKING_RECOMPUTE_DELAY_MS,
    });
    return { rejected: rejected.sort((left, right) => left.index - right.index) };
  }

  /**
   * The event rows of `entries` when they can take the grouped fast path — track, page and screen
   * calls whose userIds are all cached — else `undefined`.
   */
  #cachedRows(
    workspaceId: number,
    entries: readonly { message: TrackingMessage }[],
    receivedAt: number,
  ): EventInput[] | undefined {
    if (entries.length > MAX_ROWS_PER_GROUP) return undefined;
    const customerIds = new Map<string, RowId>();
    for (const { message } of entries) {
      if (message.type !== 'track' && message.type !== 'page' && message.type !== 'screen') return undefined;
      const userId = message.userId;
      if (userId === undefined || customerIds.has(userId)) continue;
      const cached = this.#customers.get(cacheKey(workspaceId, userId), receivedAt);
      if (cached === undefined) return undefined;
      customerIds.set(userId, cached);
    }
    return toEventInputs(
      entries.map((entry) => entry.message),
      customerIds,
      receivedAt,
    );
  }

  /** Forgets the cached customers of the userIds of `entries` (after a stale answer). */
  #forget(workspaceId: number, entries: readonly { message: TrackingMessage }[]): void {
    for (const { message } of entries) {
      if (message.userId !== undefined) this.#customers.delete(cacheKey(workspaceId, message.userId));
      if (message.previousId !== undefined) this.#customers.delete(cacheKey(workspaceId, message.previousId));
    }
  }

  /** Runs `write` again (up to MAX_ATTEMPTS) when a customer changed under it or PostgreSQL reports a deadlock. */
  async #withRetries<T>(
    workspaceId: number,
    entries: readonly { message: TrackingMessage }[],
    write: () => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isTransient(error)) throw error;
        this.#forget(workspaceId, entries);
      }
    }
  }

  /** Every message but aliases, in one transaction; returns the messages refused. */
  async #writeMessages(
    workspace: TrackingWorkspace,
    entries: readonly { index: number; message: TrackingMessage }[],
    receivedAt: number,
  ): Promise<RejectedMessage[]> {
    const workspaceId = workspace.id;
    return this.#db.transaction().execute(async (transaction) => {
      const userIds = entries.flatMap(({ message }) =>
        message.userId === undefined ? [] : [message.userId],
      );
      const { ids, refused } = await this.#resolve(transaction, workspace, userIds, receivedAt);
      const rejected: RejectedMessage[] = [];
      const accepted: TrackingMessage[] = [];
      for (const { index, message } of entries) {
        if (message.userId !== undefined && refused.has(message.userId)) {
          rejected.push({ index, issues: [erasedIdentityIssue('userId')] });
        } else accepted.push(message);
      }
      if (accepted.length === 0) return rejected;
      const rows = toEventInputs(accepted, ids, receivedAt);
      const applies = accepted.some((message) => message.type === 'identify' || message.type === 'group');
      const triggerNames = await flowTriggerNames(this.#db, workspaceId, receivedAt, transaction);
      const { newMessageIds, newEvents } = await insertEvents(transaction, workspaceId, rows, {
        now: receivedAt,
        reportNew: applies,
        newEventsNamed: triggerNames,
      });
      await recordFlowTriggers(transaction, workspaceId, newEvents);
      if (!applies) return rejected;
      const fresh = new Set(newMessageIds);
      const traitUpdates: TraitUpdate[] = [];
      const groupUpdates: { groupId: string; traits: Record<string, unknown>; customerId: RowId | null }[] =
        [];
      for (const [index, message] of accepted.entries()) {
        const row = rows[index]!;
        const messageId = row.messageId!;
        if (!fresh.has(messageId)) continue;
        fresh.delete(messageId); // a messageId repeated within the batch applies once
        if (message.type === 'identify' && row.customerId != null) {
          const { columns, attributes } = mapTraits(message.properties ?? {}, message.context ?? {});
          traitUpdates.push({ customerId: row.customerId, columns, attributes });
        } else if (message.type === 'group') {
          groupUpdates.push({
            groupId: message.groupId!,
            traits: { ...message.properties },
            customerId: row.customerId ?? null,
          });
        }
      }
      await applyTraits(transaction, workspaceId, traitUpdates, receivedAt);
      if (groupUpdates.length > 0) {
        const groupIds = await applyGroupTraits(transaction, workspaceId, groupUpdates, receivedAt);
        const links = groupUpdates.flatMap((update) =>
          update.customerId === null
            ? []
            : [{ groupId: groupIds.get(update.groupId)!, customerId: update.customerId }],
        );
        await linkGroupMembers(transaction, workspaceId, links, receivedAt);
      }
      return rejected;
    });
  }

  /**
   * The customers of `userIds`, inside the write's transaction: cached answers, else a live
   * customer with that external id, else one merged into a customer under that alias, else a new
   * customer — unless the id is an erased customer's pseudonym, or an erased identity the
   * workspace refuses. Every id is then checked live and locked (`lockLiveCustomers`); a cached id
   * that fails the check throws `StaleCustomer` (the caller forgets it and tries again).
   */
  async #resolve(
    transaction: Executor,
    workspace: TrackingWorkspace,
    userIds: readonly string[],
    now: number,
  ): Promise<Resolution> {
    const workspaceId = workspace.id;
    const ids = new Map<string, RowId>();
    const refused = new Set<string>();
    const unknown: string[] = [];
    for (const userId of new Set(userIds)) {
      const cached = this.#customers.get(cacheKey(workspaceId, userId), now);
      if (cached === undefined) unknown.push(userId);
      else ids.set(userId, cached);
    }
    if (unknown.length > 0) {
      const found = await liveCustomerIds(transaction, workspaceId, unknown);
      let rest = unknown.filter((userId) => !found.has(userId));
      if (rest.length > 0) {
        for (const userId of await erasedExternalIds(transaction, workspaceId, rest)) refused.add(userId);
        rest = rest.filter((userId) => !refused.has(userId));
      }
      if (rest.length > 0) {
        for (const [userId, customerId] of await customerIdsByAlias(transaction, workspaceId, rest)) {
          found.set(userId, customerId);
        }
        rest = rest.filter((userId) => !found.has(userId));
      }
      if (rest.length > 0 && workspace.refuseErased) {
        for (const userId of await erasedIdentitiesAmong(transaction, workspaceId, rest)) refused.add(userId);
        rest = rest.filter((userId) => !refused.has(userId));
      }
      if (rest.length > 0) {
        // Sorted, so concurrent PostgreSQL transactions lock new customer rows in one order.
        const created = await ensureCustomers(transaction, workspaceId, [...rest].sort(), { now });
        for (const [userId, customerId] of created) found.set(userId, customerId);
      }
      for (const [userId, customerId] of found) ids.set(userId, customerId);
    }
    const live = await lockLiveCustomers(transaction, workspaceId, [...ids.values()]);
    for (const [userId, customerId] of ids) {
      if (!live.has(customerId)) {
        this.#customers.delete(cacheKey(workspaceId, userId));
        throw new StaleCustomer();
      }
      this.#customers.set(cacheKey(workspaceId, userId), customerId);
    }
    return { ids, refused };
  }

  /**
   * One alias call, in its own transaction: `previousId` (a former userId or an anonymousId) now
   * names the customer of `userId`. When both name live customers, the previous one is merged into
   * the other (orders, refunds, subscriptions, events, groups, attributes; audited as
   * `customer.merged`); when only the previous one exists, it is renamed to `userId`; events
   * nobody was resolved to under `previousId` are linked; later calls naming `previousId` reach the
   * customer (`customer_alias`). Returns the message as refused when either id is an erased one.
   */
  async #writeAlias(
    workspace: TrackingWorkspace,
    entry: { index: number; message: TrackingMessage },
    receivedAt: number,
  ): Promise<RejectedMessage[]> {
    const workspaceId = workspace.id;
    const { message } = entry;
    const userId = message.userId!;
    const previousId = message.previousId!;
    return this.#db.transaction().execute(async (transaction) => {
      const identities = [...new Set([userId, previousId])];
      const pseudonyms = await erasedExternalIds(transaction, workspaceId, identities);
      const suppressed = workspace.refuseErased
        ? await erasedIdentitiesAmong(transaction, workspaceId, identities)
        : new Set<string>();
      const issues = (['userId', 'previousId'] as const).flatMap((field) => {
        const identity = field === 'userId' ? userId : previousId;
        return pseudonyms.has(identity) || suppressed.has(identity) ? [erasedIdentityIssue(field)] : [];
      });
      if (issues.length > 0) return [{ index: entry.index, issues }];

      const byExternalId = await liveCustomerIds(transaction, workspaceId, identities);
      const byAlias = await customerIdsByAlias(
        transaction,
        workspaceId,
        identities.filter((identity) => !byExternalId.has(identity)),
      );
      const customerOf = (identity: string) => byExternalId.get(identity) ?? byAlias.get(identity);
      let target = customerOf(userId);
      const previous = customerOf(previousId);
      if (target === undefined && previous !== undefined && byExternalId.get(previousId) === previous) {
        // The previous identity's customer becomes the user's: renamed, its old id kept as an alias.
        const locked = await lockCustomersForUpdate(transaction, workspaceId, [previous]);
        if (locked.get(previous)?.erased_at !== null) throw new StaleCustomer();
        try {
          await renameCustomer(transaction, workspaceId, previous, userId, receivedAt);
        } catch (error) {
          // Another call created the user's customer meanwhile: start again, and merge into it.
          if (isUniqueViolation(error)) throw new StaleCustomer();
          throw error;
        }
        target = previous;
      } else if (target === undefined) {
        target = (await ensureCustomers(transaction, workspaceId, [userId], { now: receivedAt })).get(
          userId,
        )!;
      }
      const locked = await lockCustomersForUpdate(
        transaction,
        workspaceId,
        previous === undefined ? [target] : [target, previous],
      );
      const into = locked.get(target);
      if (into === undefined || into.erased_at !== null) throw new StaleCustomer();
      if (previous !== undefined && previous !== target) {
        const from = locked.get(previous);
        if (from === undefined || from.erased_at !== null) throw new StaleCustomer();
        const moved = await mergeCustomers(transaction, workspaceId, { from, into }, receivedAt);
        if (from.external_id !== null && from.external_id !== userId) {
          await recordAlias(transaction, workspaceId, from.external_id, target, receivedAt);
        }
        await recordAudit(transaction, {
          workspaceId,
          actor: { type: 'system' },
          action: 'customer.merged',
          entity: 'customer',
          entityId: target,
          details: { mergedCustomerId: String(previous), ...moved },
          at: receivedAt,
        });
        this.#customers.delete(cacheKey(workspaceId, previousId));
      }
      if (previousId !== userId) {
        await recordAlias(transaction, workspaceId, previousId, target, receivedAt);
        await linkEventsOfIdentity(transaction, workspaceId, previousId, target);
      }
      const [row] = toEventInputs([message], new Map([[userId, target]]), receivedAt);
      await insertEvents(transaction, workspaceId, [row!], { now: receivedAt });
      this.#customers.set(cacheKey(workspaceId, userId), target);
      return [];
    });
  }

  /**
   * Group commit for the hot path: rows of requests that arrive while a write is under way (or in
   * the same turn of the event loop) are written together, in one transaction of multi-row
   * INSERTs, which writes each hot index page once per group instead of once per request. Each
   * request still waits for its own rows to commit. The transaction first checks and locks the
   * cached customer ids (`lockLiveCustomers`); if one was erased or merged, or the group fails
   * otherwise, its requests are retried one by one, so one request's problem never fails
   * another's (a request whose customer went away gets `StaleCustomer`, and resolves again).
   */
  #writeGrouped(workspaceId: number, rows: readonly EventInput[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ workspaceId, rows, resolve, reject });
      if (this.#activeWriters < this.#maxWriters && this.#pending.length === 1) {
        this.#activeWriters += 1;
        // setImmediate lets the requests already read from the sockets join the group.
        setImmediate(() => {
          void this.#drain();
        });
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const group: PendingWrite[] = [];
        let rowCount = 0;
        while (this.#pending.length > 0 && rowCount < MAX_ROWS_PER_GROUP) {
          const next = this.#pending.shift()!;
          group.push(next);
          rowCount += next.rows.length;
        }
        try {
          await this.#writeVerified(group);
          for (const write of group) write.resolve();
        } catch (groupError) {
          if (group.length === 1) group[0]!.reject(groupError);
          else {
            for (const write of group) {
              try {
                await this.#writeVerified([write]);
                write.resolve();
              } catch (error) {
                write.reject(error);
              }
            }
          }
        }
      }
    } finally {
      this.#activeWriters -= 1;
    }
  }

  /** The writes' rows in one transaction, after checking and locking their customers. */
  async #writeVerified(writes: readonly PendingWrite[]): Promise<void> {
    const byWorkspace = new Map<number, EventInput[]>();
    for (const write of writes) {
      let rows = byWorkspace.get(write.workspaceId);
      if (rows === undefined) byWorkspace.set(write.workspaceId, (rows = []));
      for (const row of write.rows) rows.push(row);
    }
    await this.#db.transaction().execute(async (transaction) => {
      for (const [workspaceId, rows] of byWorkspace) {
        const customerIds = rows.flatMap((row) => (row.customerId == null ? [] : [row.customerId]));
        if (customerIds.length > 0) {
          const live = await lockLiveCustomers(transaction, workspaceId, customerIds);
          if (customerIds.some((customerId) => !live.has(customerId))) throw new StaleCustomer();
        }
        const triggerNames = await flowTriggerNames(this.#db, workspaceId, Date.now(), transaction);
        const { newEvents } = await insertEvents(transaction, workspaceId, rows, {
          newEventsNamed: triggerNames,
        });
        await recordFlowTriggers(transaction, workspaceId, newEvents);
      }
    });
  }
}

function erasedIdentityIssue(field: 'userId' | 'previousId'): InputIssue {
  return {
    path: [field],
    message: 'This id names an erased customer; the workspace accepts no data for it.',
    code: 'erased_identity',
  };
}

/** What one identify call changes on one customer. */
interface TraitUpdate {
  readonly customerId: number;
  readonly columns: CustomerProfileColumns;
  /** Merged key by key into the stored attributes (a key given here replaces the stored one). */
  readonly attributes: Readonly<Record<string, unknown>>;
}

/**
 * Applies identify traits in call order (a later call wins key by key): profile fields given
 * replace the stored ones, attributes are merged into the stored attributes (Segment's identify
 * semantics; `upsertCustomers` replaces attributes whole, hence the read). Erased customers are
 * left alone: a tracking call must not undo an erasure. One read per customer, one upsert in all.
 */
async function applyTraits(
  transaction: Executor,
  workspaceId: number,
  updates: readonly TraitUpdate[],
  now: number,
): Promise<void> {
  const merged = new Map<number, { columns: CustomerProfileColumns; attributes: Record<string, unknown> }>();
  for (const update of updates) {
    const current = merged.get(update.customerId);
    if (current === undefined) {
      merged.set(update.customerId, { columns: { ...update.columns }, attributes: { ...update.attributes } });
    } else {
      Object.assign(current.columns, update.columns);
      Object.assign(current.attributes, update.attributes);
    }
  }
  const inputs: CustomerInput[] = [];
  for (const [customerId, change] of merged) {
    const stored = await findCustomer(transaction, workspaceId, customerId);
    if (stored === undefined || stored.erased_at !== null || stored.external_id === null) continue;
    const hasAttributes = Object.keys(change.attributes).length > 0;
    inputs.push({
      externalId: stored.external_id,
      ...change.columns,
      ...(hasAttributes
        ? { attributes: { ...fromJson<Record<string, unknown>>(stored.attributes), ...change.attributes } }
        : {}),
    });
  }
  if (inputs.length > 0) await upsertCustomers(transaction, workspaceId, inputs, { now });
}

function cacheKey(workspaceId: number, userId: string): string {
  return `${workspaceId}\u0000${userId}`;
}

function invalidWriteKey(): RetainError {
  return new RetainError('unauthenticated', 'Unknown write key.');
}

/**
 * The events of `messages`, in message order (row i is message i). A message without a messageId
 * gets a fresh UUIDv7 text as its messageId, so it is never taken for a duplicate.
 */
function toEventInputs(
  messages: readonly TrackingMessage[],
  customerIds: ReadonlyMap<string, number>,
  receivedAt: number,
): EventInput[] {
  const rows: EventInput[] = new Array(messages.length);
  const missingMessageIds = messages.reduce(
    (count, message) => count + (message.messageId === undefined ? 1 : 0),
    0,
  );
  const freshIds = missingMessageIds === 0 ? [] : newIds(missingMessageIds, receivedAt);
  let nextId = 0;
  for (const [index, message] of messages.entries()) {
    let name: string;
    let properties: Readonly<Record<string, unknown>> = message.properties ?? {};
    switch (message.type) {
      case 'track':
        name = message.event ?? '';
        break;
      case 'identify':
        name = IDENTIFY_EVENT_NAME;
        break;
      case 'group':
        name = GROUP_EVENT_NAME;
        properties = { groupId: message.groupId, traits: message.properties ?? {} };
        break;
      case 'alias':
        name = ALIAS_EVENT_NAME;
        properties = { previousId: message.previousId };
        break;
      default:
        name = message.type === 'page' ? PAGE_EVENT_NAME : SCREEN_EVENT_NAME;
        properties = {
          ...(message.event === undefined ? {} : { name: message.event }),
          ...(message.category === undefined ? {} : { category: message.category }),
          ...properties,
        };
    }
    const userId = message.userId ?? null;
    rows[index] = {
      messageId: message.messageId ?? freshIds[nextId++]!,
      customerId: userId === null ? null : (customerIds.get(userId) ?? null),
      userId,
      anonymousId: message.anonymousId ?? null,
      name,
      properties,
      occurredAt: occurredAt(message.timestamp, message.sentAt, receivedAt),
      receivedAt,
    };
  }
  return rows;
}
