/**
 * Data-subject rights for one customer: export everything held about them, and erase their
 * personal data while keeping the aggregates (orders keep amounts and dates, so revenue, cohort
 * and retention figures do not move). Both are recorded in the audit log.
 */

import type { Kysely } from 'kysely';
import { type AuditActor, type AuditEntry, listAudit, recordAudit } from '../audit/index.js';
import {
  type Customer,
  type CustomerHoldings,
  type CustomerMembership,
  customerIdsByExternalId,
  customerPrivacyStore,
  findCustomer,
  listEventsAboutCustomer,
  type Order,
  type Subscription,
  type TrackedEvent,
} from '../customers/index.js';
import {
  type Database,
  fromJson,
  type RowId,
  type SurveyResponseSource,
  type SurveySendDelivery,
} from '../db/index.js';
import { eraseEmailDataOfCustomer } from '../email/index.js';
import { notFound } from '../errors/index.js';
import { eraseResponsesOfCustomer, surveySendsOfCustomer } from '../feedback/index.js';
import { eraseFromImportFiles } from '../imports/index.js';
import { eraseLoyaltyDataOfCustomer, type LoyaltyExport, loyaltyDataOfCustomer } from '../loyalty/index.js';
import { requestRecomputeAfterChange, segmentsOfCustomer } from '../segments/index.js';
import { getWorkspace } from '../workspaces/workspace.repository.js';

/** Everything held about one customer (`GET /api/v1/customers/{id}/export`). */
export interface CustomerExport {
  readonly exportedAt: string;
  /** Ids are decimal strings on the API (as every id). */
  readonly workspaceId: string;
  /** Profile, free attributes and consent. */
  readonly customer: Customer;
  /** Every order with its lines and refunds, latest first. */
  readonly orders: Order[];
  readonly subscriptions: Subscription[];
  /** Every event about the customer (see `listEventsAboutCustomer`), latest first. */
  readonly events: TrackedEvent[];
  /** The groups (accounts) tracking `group` calls put the customer in. */
  readonly groups: CustomerMembership[];
  /** Former identities merged into the customer by tracking `alias` calls. */
  readonly aliases: string[];
  /** The segments the customer is in now (a profile built from their data), with when they entered. */
  readonly segments: { readonly segmentId: string; readonly name: string; readonly enteredAt: string }[];
  /** The notes agents wrote about the customer, newest first. */
  readonly notes: CustomerHoldings['notes'];
  /** The stored scores (at-risk score and reasons, predictions, RFM), or null. */
  readonly score: CustomerHoldings['score'];
  /** The loyalty programme's data: points account, ledger, orders that earned, coupons. */
  readonly loyalty: LoyaltyExport;
  /** The surveys sent to the customer, oldest first, each with their answer and its earlier versions. */
  readonly surveySends: ExportedSurveySend[];
  /** Audit entries about this customer, newest first (this export's own entry included). */
  readonly auditEntries: (Omit<AuditEntry, 'id' | 'at'> & { id: string; at: string })[];
}

/** A version of a survey answer, as exported. */
export interface ExportedAnswerVersion {
  readonly revision: number;
  readonly rating: number | null;
  readonly comment: string | null;
  readonly reason: string | null;
  readonly answers: Record<string, unknown>;
  readonly source: SurveyResponseSource;
  /** When this version (the current one: the first version) was given. */
  readonly answeredAt: string;
}

/** A survey sent to the customer, as exported. */
export interface ExportedSurveySend {
  readonly sendId: string;
  readonly surveyId: string;
  readonly surveyName: string;
  readonly sentAt: string;
  readonly origin: Record<string, unknown>;
  readonly delivery: SurveySendDelivery;
  readonly deliveryReason: string | null;
  readonly answer:
    | (ExportedAnswerVersion & {
        readonly updatedAt: string;
        readonly history: (ExportedAnswerVersion & { readonly replacedAt: string })[];
      })
    | null;
}

/** Event property keys kept through erasure: commerce amounts, never about the person. */
export const ERASURE_KEPT_PROPERTIES: readonly string[] = [
  'revenue',
  'total',
  'subtotal',
  'value',
  'price',
  'quantity',
  'currency',
  'discount',
  'tax',
  'shipping',
];

/** The pseudonymous id an erased customer's external, user and anonymous ids become. */
export function pseudonymFor(customerId: RowId): string {
  return `erased:${customerId}`;
}

/**
 * Keeps only the allow-listed commerce properties whose values are numbers (or, for `currency`,
 * a 3-letter code): free text anywhere else could name the person. O(keys).
 * Example: `scrubProperties({ revenue: 12.5, email: 'a@b.co' })` → `{ revenue: 12.5 }`.
 */
export function scrubProperties(properties: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const key of ERASURE_KEPT_PROPERTIES) {
    const value = properties[key];
    if (
      key === 'currency'
        ? typeof value === 'string' && /^[A-Za-z]{3}$/.test(value)
        : typeof value === 'number'
    ) {
      kept[key] = value;
    }
  }
  return kept;
}

/**
 * Everything held about one customer, as one JSON document, recorded as `customer.exported` in
 * the same transaction that reads it (so the export is a consistent snapshot and never unrecorded).
 * A customer of another workspace is `not_found`. O(the customer's rows).
 */
export async function exportCustomer(
  db: Kysely<Database>,
  input: {
    readonly workspaceId: number;
    readonly customerId: RowId;
    readonly actor: AuditActor;
    readonly now: number;
  },
): Promise<CustomerExport> {
  const { workspaceId, customerId } = input;
  return db.transaction().execute(async (transaction) => {
    const row = await findCustomer(transaction, workspaceId, customerId);
    if (row === undefined) throw notFound('Customer');
    await recordAudit(transaction, {
      workspaceId,
      actor: input.actor,
      action: 'customer.exported',
      entity: 'customer',
      entityId: customerId,
      at: input.now,
    });
    const store = customerPrivacyStore(transaction, workspaceId);
    const held = await store.everythingAbout(row);
    const segments = await segmentsOfCustomer(transaction, workspaceId, customerId);
    const loyalty = await loyaltyDataOfCustomer(transaction, workspaceId, customerId);
    const surveySends = await surveySendsOfCustomer(transaction, workspaceId, customerId);
    const iso = (at: number) => new Date(at).toISOString();
    const audit = await listAudit(transaction, workspaceId, {
      entity: 'customer',
      entityId: customerId,
      limit: 100_000,
    });
    return {
      exportedAt: new Date(input.now).toISOString(),
      workspaceId: String(workspaceId),
      ...held,
      segments: segments.map((membership) => ({
        segmentId: String(membership.segmentId),
        name: membership.name,
        enteredAt: new Date(membership.enteredAt).toISOString(),
      })),
      loyalty,
      surveySends: surveySends.map((send) => ({
        sendId: String(send.id),
        surveyId: String(send.surveyId),
        surveyName: send.surveyName,
        sentAt: iso(send.sentAt),
        origin: send.origin,
        delivery: send.delivery,
        deliveryReason: send.deliveryReason,
        answer:
          send.response === null
            ? null
            : {
                revision: send.response.revision,
                rating: send.response.rating,
                comment: send.response.comment,
                reason: send.response.reason,
                answers: send.response.answers,
                source: send.response.source,
                answeredAt: iso(send.response.answeredAt),
                updatedAt: iso(send.response.updatedAt),
                history: send.response.history.map((version) => ({
                  revision: version.revision,
                  rating: version.rating,
                  comment: version.comment,
                  reason: version.reason,
                  answers: version.answers,
                  source: version.source,
                  answeredAt: iso(version.answeredAt),
                  replacedAt: iso(version.replacedAt),
                })),
              },
      })),
      auditEntries: audit.map((entry) => ({
        ...entry,
        id: String(entry.id),
        at: new Date(entry.at).toISOString(),
      })),
    };
  });
}

/** What an erasure did. */
export interface ErasureResult {
  readonly customerId: string;
  /** When the customer was first erased (a repeated erasure keeps the first instant). */
  readonly erasedAt: string;
  /** False when the customer had already been erased (nothing personal was left to remove). */
  readonly erasedNow: boolean;
  /** Events rewritten (ids pseudonymised, properties scrubbed). */
  readonly eventsScrubbed: number;
  /** Kept import files (failed uploads, rejects files) deleted because they named the customer. */
  readonly importFilesDeleted: number;
}

/** The pseudonym form; an external id of this shape is an erased customer's. */
const PSEUDONYM = /^erased:\d+$/;

/**
 * Erases one customer's personal data, in one transaction:
 * - customer: external id → `erased:<id>`; e-mail, name, phone, language, time zone → null;
 *   attributes → `{}`; marketing consent withdrawn (0, stamped now); `erased_at` set. The row, its
 *   id, country and sign-up instant stay (aggregate counts and cohort breakdowns by country);
 * - events about the customer (resolved to it, sent with its external id, or sharing one of its
 *   anonymous ids): user id and anonymous id → the pseudonym, linked to the customer row,
 *   properties reduced to `ERASURE_KEPT_PROPERTIES`;
 * - refunds: the free-text reason → null;
 * - notes about the customer and the stored scores (at-risk score, predictions, RFM) deleted; the
 *   score job writes no row for an erased customer afterwards;
 * - segment memberships: a recompute of the workspace's segments is asked for at once (with the
 *   erasure's commit), which moves the erased customer out of every segment with `exited` events
 *   (the recompute alone writes memberships; segments never hold erased customers);
 * - group memberships deleted (the groups, which describe accounts, stay); aliases (former
 *   identities merged in) deleted; when the workspace refuses erased identities
 *   (`erasedIdentities: 'refuse'`), the SHA-256 of the external id and of each alias is kept,
 *   unlinked, so tracking can recognise and refuse them;
 * - loyalty (loyalty/loyalty-privacy.ts): the points held are forfeited by a ledger entry, the
 *   entries' free text cleared, assigned coupon codes ended, expiry notices, reward claims,
 *   referrals naming the customer (either side) and the tier history deleted, the referral code
 *   cleared; the ledger's numbers and the rewards' claimed stock stay for the reports. Loyalty
 *   writes that add points lock the customer row (`FOR KEY SHARE`) in their transaction and refuse
 *   an erased customer, so an earn racing this erasure waits for it and then adds nothing;
 * - orders, lines and subscriptions are kept as they are (no personal data; amounts and dates
 *   keep the aggregates);
 * - with `dataDirectory`, first: the import files the server keeps (uploads of failed imports,
 *   rejects files) that hold the customer's external id, e-mail or a former id are deleted whole
 *   (`eraseFromImportFiles`; files of an import still in progress are left to it).
 * The customer row is locked first (`FOR UPDATE` on PostgreSQL): a tracking write holding it
 * commits before the events are read (and is scrubbed), and a later one sees the erasure and
 * resolves its userId anew (customers/identity.repository.ts, tracking.service.ts).
 * Recorded as `customer.erased` (details hold counts only, no personal data). Idempotent: a
 * repeated call re-scrubs what is linked to the customer, changes nothing else and records nothing.
 * A customer of another workspace is `not_found`. O(the customer's rows).
 */
export async function eraseCustomer(
  db: Kysely<Database>,
  input: {
    readonly workspaceId: number;
    readonly customerId: RowId;
    readonly actor: AuditActor;
    readonly now: number;
    /** The data directory whose import files are searched (docs/operations.md, "Import files"). */
    readonly dataDirectory?: string;
  },
): Promise<ErasureResult> {
  const { workspaceId, customerId, now } = input;
  // Files are outside the transaction: deleted before it, so that should one fail, nothing is
  // erased yet and the call can be repeated (after it, the identities would be gone).
  const importFilesDeleted =
    input.dataDirectory === undefined
      ? 0
      : await eraseFromImportFiles(db, {
          dataDirectory: input.dataDirectory,
          workspaceId,
          identities: await identitiesOf(db, workspaceId, customerId),
        });
  return db.transaction().execute(async (transaction) => {
    const store = customerPrivacyStore(transaction, workspaceId);
    // The row lock comes first: a tracking write holding the customer commits before the events
    // are read below, and a later one finds the customer erased (customers/identity.repository.ts).
    const row = await store.lockCustomer(customerId);
    if (row === undefined) throw notFound('Customer');
    const pseudonym = pseudonymFor(customerId);
    const events = await listEventsAboutCustomer(transaction, workspaceId, {
      id: customerId,
      externalId: row.external_id,
    });
    const rewrites = events.flatMap((event) => {
      const properties = scrubProperties(fromJson<Record<string, unknown>>(event.properties));
      const anonymousId = event.anonymous_id === null ? null : pseudonym;
      const unchanged =
        event.customer_id === customerId &&
        event.user_id === pseudonym &&
        event.anonymous_id === anonymousId &&
        JSON.stringify(properties) === JSON.stringify(fromJson(event.properties));
      return unchanged ? [] : [{ id: event.id, customerId, userId: pseudonym, anonymousId, properties }];
    });
    await store.rewriteEvents(rewrites);
    await store.clearRefundReasons(customerId);
    await store.deleteMemberships(customerId);
    // Notes are about the person; scores profile them: neither outlives the erasure.
    const notesDeleted = await store.deleteNotes(customerId);
    await store.deleteScores(customerId);
    // Messages lose their address and contents; the suppression list (address hashes) stays.
    await eraseEmailDataOfCustomer(transaction, { workspaceId, customerId, now });
    // Survey answers lose their comments and form texts; the ratings stay for the reports.
    await eraseResponsesOfCustomer(transaction, { workspaceId, customerId });
    // Loyalty: points forfeited, ledger free text cleared, assigned coupons ended (the numbers stay).
    const loyalty = await eraseLoyaltyDataOfCustomer(transaction, { workspaceId, customerId, now });
    const aliases = await store.listAliases(customerId);
    await store.deleteAliases(customerId);
    const workspace = await getWorkspace(transaction, workspaceId);
    if (workspace?.settings.erasedIdentities === 'refuse') {
      const identities = [row.external_id, ...aliases].filter(
        (identity): identity is string => identity !== null && !PSEUDONYM.test(identity),
      );
      await store.recordErasedIdentities(identities, now);
    }
    const erasedNow = row.erased_at === null;
    if (erasedNow) {
      await store.anonymiseCustomer(customerId, pseudonym, now);
      await requestRecomputeAfterChange(transaction, workspaceId, { reason: 'erasure', now });
      await recordAudit(transaction, {
        workspaceId,
        actor: input.actor,
        action: 'customer.erased',
        entity: 'customer',
        entityId: customerId,
        details: {
          eventsScrubbed: rewrites.length,
          notesDeleted,
          pointsForfeited: loyalty.pointsForfeited,
          couponsEnded: loyalty.couponsEnded,
          rewardClaimsDeleted: loyalty.claimsDeleted,
          referralsDeleted: loyalty.referralsDeleted,
          tierChangesDeleted: loyalty.tierChangesDeleted,
        },
        at: now,
      });
    }
    return {
      customerId: String(customerId),
      erasedAt: new Date(erasedNow ? now : Number(row.erased_at)).toISOString(),
      erasedNow,
      eventsScrubbed: rewrites.length,
      importFilesDeleted,
    };
  });
}

/** What may name a customer in an import file: external id, e-mail, former ids (not pseudonyms). */
async function identitiesOf(db: Kysely<Database>, workspaceId: number, customerId: RowId): Promise<string[]> {
  const row = await findCustomer(db, workspaceId, customerId);
  if (row === undefined) return [];
  const aliases = await customerPrivacyStore(db, workspaceId).listAliases(customerId);
  return [row.external_id, row.email, ...aliases].filter(
    (identity): identity is string => identity !== null && !PSEUDONYM.test(identity),
  );
}

/**
 * The id of the customer with this external id (CLI look-up), or `undefined`. Erased customers
 * are found by their pseudonym (`erased:<id>`) only.
 */
export async function customerIdForExternalId(
  db: Kysely<Database>,
  workspaceId: number,
  externalId: string,
): Promise<RowId | undefined> {
  return (await customerIdsByExternalId(db, workspaceId, [externalId])).get(externalId);
}
