/**
 * The rules of behaviour tracking: which workspace a write key opens, how Segment calls become
 * `event` rows (deduplicated by messageId), and how identify calls create and update customers.
 *
 * Hot path (a batch of track calls from known users): one cached write-key lookup, one cached
 * customer lookup per distinct userId, one multi-row INSERT. The database is only asked about
 * userIds not seen in the last minute.
 */
import type { Kysely, Transaction } from 'kysely';
import { isSupportedInstant } from '../core/index.js';
import {
  type CustomerInput,
  type EventInput,
  ensureCustomers,
  findCustomer,
  insertEvents,
  upsertCustomers,
} from '../customers/index.js';
import { type Database, dialectOf, fromJson, isForeignKeyViolation, newIds } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { findWorkspaceByWriteKey } from '../workspaces/workspace.repository.js';
import { type CustomerProfileColumns, mapTraits } from './traits.js';

/** One Segment call, normalised (the routes build these from identify/track/batch bodies). */
export interface TrackingMessage {
  readonly type: 'identify' | 'track' | 'page' | 'screen';
  readonly userId?: string | undefined;
  readonly anonymousId?: string | undefined;
  /** Track: the event name. Page/screen: the page name (may be absent). */
  readonly event?: string | undefined;
  /** Track/page/screen properties, or identify traits. */
  readonly properties?: Readonly<Record<string, unknown>> | undefined;
  readonly messageId?: string | undefined;
  /** ISO 8601, as sent. */
  readonly timestamp?: string | undefined;
  readonly sentAt?: string | undefined;
  readonly context?: Readonly<Record<string, unknown>> | undefined;
}

/** The stored event name of an identify call (its properties are the traits). */
export const IDENTIFY_EVENT_NAME = '$identify';
/** The stored event names of page and screen calls (the page name goes to `properties.name`). */
export const PAGE_EVENT_NAME = '$page';
export const SCREEN_EVENT_NAME = '$screen';

export interface TrackingServiceOptions {
  /** How long a write key → workspace answer is reused, ms (default 30 s; a revoked key works this long). */
  readonly writeKeyTtlMs?: number;
  /** How long an unknown write key is remembered as unknown, ms (default 5 s). */
  readonly unknownWriteKeyTtlMs?: number;
  /** How long userId → customer id answers are reused, ms (default 60 s). */
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
 * by `receivedAt`, so the call is kept — one bad clock does not fail a whole batch — and no stored
 * event lies outside the range the analytics read.
 *
 * O(1). Example: timestamp 10:00:00, sentAt 10:00:05, received 10:00:07 → 10:00:02.
 */
export function occurredAt(
  timestamp: string | undefined,
  sentAt: string | undefined,
  receivedAt: number,
): number {
  if (timestamp === undefined) return receivedAt;
  const occurred = Date.parse(timestamp);
  if (!Number.isFinite(occurred)) {
    throw new RetainError('invalid_input', 'The request is not valid.', [
      { path: ['timestamp'], message: 'Not a valid ISO 8601 instant.' },
    ]);
  }
  const sent = sentAt === undefined ? Number.NaN : Date.parse(sentAt);
  const corrected = Number.isFinite(sent) ? occurred + (receivedAt - sent) : occurred;
  return isSupportedInstant(corrected) ? corrected : receivedAt;
}

/** A Kysely instance or a transaction from it. */
type Executor = Kysely<Database> | Transaction<Database>;

/** Rows one group commit writes at most (one statement per workspace). */
const MAX_ROWS_PER_GROUP = 5_000;

/** A request's rows waiting for the group commit. */
interface PendingWrite {
  readonly workspaceId: number;
  readonly rows: readonly EventInput[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
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

  clear(): void {
    this.#entries.clear();
  }
}

/**
 * Ingests Segment calls into one database. Holds the caches, so make one per database (the
 * routes keep one per `Kysely` instance) and reuse it.
 */
export class TrackingService {
  readonly #db: Kysely<Database>;
  readonly #knownKeys: ExpiringMap<number>;
  readonly #unknownKeys: ExpiringMap<true>;
  readonly #customers: ExpiringMap<number>;
  readonly #pending: PendingWrite[] = [];
  readonly #maxWriters: number;
  #activeWriters = 0;

  constructor(db: Kysely<Database>, options: TrackingServiceOptions = {}) {
    const maxEntries = options.maxCacheEntries ?? 100_000;
    this.#db = db;
    this.#knownKeys = new ExpiringMap(options.writeKeyTtlMs ?? 30_000, maxEntries);
    this.#unknownKeys = new ExpiringMap(options.unknownWriteKeyTtlMs ?? 5_000, maxEntries);
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
    if (cached !== undefined) return cached;
    if (this.#unknownKeys.get(writeKey, now) === true) throw invalidWriteKey();
    const workspace = writeKey === '' ? undefined : await findWorkspaceByWriteKey(this.#db, writeKey);
    if (workspace === undefined) {
      this.#unknownKeys.set(writeKey, true);
      throw invalidWriteKey();
    }
    this.#knownKeys.set(writeKey, workspace.id);
    return workspace.id;
  }

  /**
   * Stores `messages` for `workspaceId`, all or nothing: one row of `event` per message whose
   * messageId is new to the workspace (a message without one gets a fresh id, so it is never a
   * duplicate). Identify calls are stored as `$identify` events with the traits as properties, and
   * their traits are applied to the customer only when the call is new, so a retried identify never
   * overwrites a later one. Any userId not yet a customer becomes one (external id = userId).
   *
   * O(messages) work; one INSERT per 500 events, plus customer queries for uncached userIds.
   * Example: `await service.ingest(workspaceId, [{ type: 'track', userId: 'u1', event: 'Signed Up' }], now)`.
   */
  async ingest(workspaceId: number, messages: readonly TrackingMessage[], receivedAt: number): Promise<void> {
    if (messages.length === 0) return;
    try {
      await this.#ingestOnce(workspaceId, messages, receivedAt);
    } catch (error) {
      // A cached customer was deleted meanwhile: forget the cache and resolve again, once.
      if (!isForeignKeyViolation(error)) throw error;
      this.#customers.clear();
      await this.#ingestOnce(workspaceId, messages, receivedAt);
    }
  }

  async #ingestOnce(
    workspaceId: number,
    messages: readonly TrackingMessage[],
    receivedAt: number,
  ): Promise<void> {
    const customerIds = new Map<string, number>();
    const unknownUserIds: string[] = [];
    let hasIdentify = false;
    for (const message of messages) {
      if (message.type === 'identify') hasIdentify = true;
      const userId = message.userId;
      if (userId === undefined || customerIds.has(userId)) continue;
      const cached = this.#customers.get(cacheKey(workspaceId, userId), receivedAt);
      if (cached === undefined) unknownUserIds.push(userId);
      else customerIds.set(userId, cached);
    }
    const needsTransaction = unknownUserIds.length > 0 || hasIdentify || messages.length > MAX_ROWS_PER_GROUP;
    if (!needsTransaction) {
      await this.#writeGrouped(workspaceId, toEventInputs(messages, customerIds, receivedAt));
      return;
    }
    await this.#db.transaction().execute(async (transaction) => {
      if (unknownUserIds.length > 0) {
        await this.#resolveCustomers(transaction, workspaceId, unknownUserIds, customerIds, receivedAt);
      }
      const rows = toEventInputs(messages, customerIds, receivedAt);
      const { newMessageIds } = await insertEvents(transaction, workspaceId, rows, {
        now: receivedAt,
        reportNew: hasIdentify,
      });
      if (!hasIdentify) return;
      const fresh = new Set(newMessageIds);
      const updates: TraitUpdate[] = [];
      for (const [index, message] of messages.entries()) {
        const row = rows[index]!;
        const messageId = row.messageId!;
        if (message.type !== 'identify' || row.customerId == null || !fresh.has(messageId)) continue;
        fresh.delete(messageId); // a messageId repeated within the batch applies once
        const { columns, attributes } = mapTraits(message.properties ?? {}, message.context ?? {});
        updates.push({ customerId: row.customerId, columns, attributes });
      }
      await applyTraits(transaction, workspaceId, updates, receivedAt);
    });
  }

  /**
   * Group commit for the hot path: rows of requests that arrive while a write is under way (or in
   * the same turn of the event loop) are written together, in one transaction of multi-row
   * INSERTs, which writes each hot index page once per group instead of once per request. Each
   * request still waits for its own rows to commit. If a group fails, its requests are retried one
   * by one, so one request's error (e.g. a customer deleted meanwhile) never fails another's.
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
          if (group.length === 1) await insertEvents(this.#db, group[0]!.workspaceId, group[0]!.rows);
          else {
            // One statement per workspace in the group, all in one transaction.
            const byWorkspace = new Map<number, EventInput[]>();
            for (const write of group) {
              let rows = byWorkspace.get(write.workspaceId);
              if (rows === undefined) byWorkspace.set(write.workspaceId, (rows = []));
              for (const row of write.rows) rows.push(row);
            }
            await this.#db.transaction().execute(async (transaction) => {
              for (const [workspaceId, rows] of byWorkspace)
                await insertEvents(transaction, workspaceId, rows);
            });
          }
          for (const write of group) write.resolve();
        } catch (groupError) {
          if (group.length === 1) group[0]!.reject(groupError);
          else {
            for (const write of group) {
              try {
                await insertEvents(this.#db, write.workspaceId, write.rows);
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

  /** Finds or creates the customers of `userIds`, fills `into`, and caches the answers. */
  async #resolveCustomers(
    transaction: Executor,
    workspaceId: number,
    userIds: readonly string[],
    into: Map<string, number>,
    now: number,
  ): Promise<void> {
    // Sorted, so concurrent PostgreSQL transactions lock new customer rows in one order.
    const found = await ensureCustomers(transaction, workspaceId, [...userIds].sort(), { now });
    for (const [userId, customerId] of found) {
      into.set(userId, customerId);
      // Cached only once the transaction commits would be stricter; a rolled-back creation is
      // caught by the foreign-key retry in `ingest`.
      this.#customers.set(cacheKey(workspaceId, userId), customerId);
    }
  }
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
    if (message.type === 'track') name = message.event ?? '';
    else if (message.type === 'identify') name = IDENTIFY_EVENT_NAME;
    else {
      name = message.type === 'page' ? PAGE_EVENT_NAME : SCREEN_EVENT_NAME;
      if (message.event !== undefined) properties = { name: message.event, ...properties };
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
