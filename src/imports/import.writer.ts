/**
 * Writes batches of customer, subscription and event records through the customers capability,
 * which owns those tables and their write engine (`upsert-batch.ts`:
 * `INSERT … SELECT` from one parameter, `ON CONFLICT (natural key) DO UPDATE … WHERE <a column
 * differs>`). Re-writing a batch that is already stored changes nothing (not even `updated_at`);
 * a changed row is updated in place. That is what makes an import idempotent, and a crashed import
 * finishable by simply running it again.
 *
 * What stays here is the import's own bookkeeping: the customer-id cache of a run, and the mapping
 * from records to the repositories' inputs. Orders take their own path (`writeOrderBatch`, batches
 * encoded by the reading thread: see `import.batches.ts`).
 */
import type { Kysely, Transaction } from 'kysely';
import {
  ensureCustomersCounted,
  insertEvents,
  upsertCustomers,
  upsertSubscriptions,
} from '../customers/index.js';
import type { Database, DialectName, RowId } from '../db/index.js';
import type { CustomerRecord, CustomerReference, EventRecord, SubscriptionRecord } from './import.types.js';

/** A Kysely instance or a transaction from it. */
export type Executor = Kysely<Database> | Transaction<Database>;

/**
 * External id → customer id for one workspace, for the records of an import that reference
 * customers. Unknown customers are created when missing (external id and e-mail only) through
 * `ensureCustomers`, inside the caller's transaction. The cache lives as long as one import run:
 * if a batch's transaction rolls back, the run fails and the directory is thrown away with it.
 */
export class CustomerDirectory {
  readonly workspaceId: number;
  readonly dialect: DialectName;
  readonly #ids = new Map<string, RowId>();
  /** Customers created so far through this directory (not stored before). */
  created = 0;

  constructor(workspaceId: number, dialect: DialectName) {
    this.workspaceId = workspaceId;
    this.dialect = dialect;
  }

  /**
   * Makes every reference resolvable by `idOf`: nothing when all are cached, else one insert of
   * bare customers (`on conflict do nothing`) and one look-up for the unknown ones. O(references).
   */
  async resolve(db: Executor, references: Iterable<CustomerReference>, now: number): Promise<void> {
    const emails = new Map<string, string | null>();
    for (const reference of references) {
      if (!this.#ids.has(reference.externalId) && !emails.has(reference.externalId)) {
        emails.set(reference.externalId, reference.email);
      }
    }
    if (emails.size === 0) return;
    // Sorted, so concurrent PostgreSQL imports lock new customer rows in one order.
    const unknown = [...emails.keys()].sort();
    const found = await ensureCustomersCounted(db, this.workspaceId, unknown, { now, emails });
    for (const [externalId, id] of found.ids) this.#ids.set(externalId, id);
    this.created += found.created;
  }

  /** The id of a resolved customer. */
  idOf(externalId: string): RowId {
    const id = this.#ids.get(externalId);
    if (id === undefined) throw new Error(`Customer ${externalId} was not resolved`);
    return id;
  }

  /** The resolved customers, external id → id (a live view of the cache). */
  get ids(): ReadonlyMap<string, RowId> {
    return this.#ids;
  }
}

/** Everything a batch writer needs besides the records. */
export interface WriteContext {
  readonly workspaceId: number;
  readonly dialect: DialectName;
  readonly now: number;
  readonly customers: CustomerDirectory;
}

/** Upserts customers on (workspace, external id) through `upsertCustomers`. O(records). */
export async function writeCustomers(
  db: Executor,
  context: WriteContext,
  records: readonly CustomerRecord[],
): Promise<void> {
  await upsertCustomers(
    db,
    context.workspaceId,
    records.map((record) => ({
      externalId: record.externalId,
      email: record.email,
      name: record.name,
      phone: record.phone,
      language: record.language,
      country: record.country,
      timeZone: record.timeZone,
      attributes: record.attributes,
      consentEmailMarketing: record.consentEmailMarketing,
      consentSmsMarketing: record.consentSmsMarketing,
      signedUpAt: record.signedUpAt,
    })),
    { now: context.now, withIds: false },
  );
}

/** Upserts subscriptions on (workspace, external id) through `upsertSubscriptions`. O(records). */
export async function writeSubscriptions(
  db: Executor,
  context: WriteContext,
  records: readonly SubscriptionRecord[],
): Promise<void> {
  const { workspaceId, now, customers } = context;
  // Resolved here first so customers the file creates get their e-mail.
  await customers.resolve(
    db,
    records.map((subscription) => subscription.customer),
    now,
  );
  await upsertSubscriptions(
    db,
    workspaceId,
    records.map((subscription) => ({
      externalId: subscription.externalId,
      customerExternalId: subscription.customer.externalId,
      plan: subscription.plan,
      interval: subscription.interval,
      intervalCount: subscription.intervalCount,
      amountCents: subscription.amountCents,
      currency: subscription.currency,
      status: subscription.status,
      trialStart: subscription.trialStart,
      trialEnd: subscription.trialEnd,
      startedAt: subscription.startedAt,
      endedAt: subscription.endedAt,
      cancelledAt: subscription.cancelledAt,
      currentPeriodEnd: subscription.currentPeriodEnd,
      pastDueSince: subscription.pastDueSince,
    })),
    { now },
  );
}

/**
 * Stores events once per (workspace, message id) through `insertEvents` (the first stored copy
 * wins, as for the tracking endpoint); a user id is resolved to (or creates) a customer. O(records).
 */
export async function writeEvents(
  db: Executor,
  context: WriteContext,
  records: readonly EventRecord[],
): Promise<void> {
  const { workspaceId, now, customers } = context;
  const references: CustomerReference[] = [];
  for (const event of records) if (event.customer !== null) references.push(event.customer);
  await customers.resolve(db, references, now);
  await insertEvents(
    db,
    workspaceId,
    records.map((event) => ({
      messageId: event.messageId,
      customerId: event.customer === null ? null : customers.idOf(event.customer.externalId),
      userId: event.userId,
      anonymousId: event.anonymousId,
      name: event.name,
      properties: event.properties,
      occurredAt: event.occurredAt,
      receivedAt: now,
    })),
    { now },
  );
}
