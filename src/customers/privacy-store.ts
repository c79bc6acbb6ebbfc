/**
 * The reads and writes privacy (export, erasure) needs on this capability's tables, kept here
 * because only `src/customers` queries them. Every statement names the workspace.
 */
import { type CustomerRow, type RowId, toJson } from '../db/index.js';
import { toScoreSummary } from './customer-360.service.js';
import type { CustomerScoreSummary } from './customer-list.service.js';
import {
  type Customer,
  type Order,
  type Subscription,
  type TrackedEvent,
  toCustomer,
  toSubscription,
  toTrackedEvent,
  withItemsAndRefunds,
} from './customers.service.js';
import { bumpDataVersion } from './data-version.repository.js';
import { listEventsAboutCustomer, rewriteEvents } from './event.repository.js';
import {
  type CustomerMembership,
  deleteMembershipsOfCustomer,
  listGroupsOfCustomer,
} from './group.repository.js';
import {
  deleteAliasesOfCustomer,
  listAliasesOfCustomer,
  lockCustomersForUpdate,
  recordErasedIdentities,
} from './identity.repository.js';
import { deleteNotesOfCustomer, listNotes } from './note.repository.js';
import { clearRefundReasons, listOrdersOfCustomer } from './order.repository.js';
import { deleteScoresOfCustomer, findCustomerScore } from './score.repository.js';
import { listSubscriptionsOfCustomer } from './subscription.repository.js';
import type { Executor } from './upsert-batch.js';

/** Everything this capability holds about one customer. */
export interface CustomerHoldings {
  readonly customer: Customer;
  readonly orders: Order[];
  readonly subscriptions: Subscription[];
  readonly events: TrackedEvent[];
  /** The groups (accounts) the customer was grouped with by tracking `group` calls. */
  readonly groups: CustomerMembership[];
  /** Former identities merged into the customer by tracking `alias` calls. */
  readonly aliases: string[];
  /** The notes agents wrote about the customer, newest first (author by user id). */
  readonly notes: { id: string; text: string; authorId: string; createdAt: string }[];
  /** The stored scores (at-risk score and reasons, predictions, RFM), or null. */
  readonly score: CustomerScoreSummary | null;
}

/**
 * The privacy operations bound to one workspace and executor (pass the transaction of the
 * export or erasure). Example: `customerPrivacyStore(trx, ws).everythingAbout(row)`.
 */
export function customerPrivacyStore(db: Executor, workspaceId: number) {
  return {
    /** Profile, orders with lines and refunds, subscriptions, and every event about the customer. */
    async everythingAbout(row: CustomerRow): Promise<CustomerHoldings> {
      const orders = await listOrdersOfCustomer(db, workspaceId, row.id);
      return {
        customer: toCustomer(row),
        orders: await withItemsAndRefunds(db, workspaceId, orders),
        subscriptions: (await listSubscriptionsOfCustomer(db, workspaceId, row.id)).map(toSubscription),
        events: (
          await listEventsAboutCustomer(db, workspaceId, { id: row.id, externalId: row.external_id })
        ).map(toTrackedEvent),
        groups: await listGroupsOfCustomer(db, workspaceId, row.id),
        aliases: await listAliasesOfCustomer(db, workspaceId, row.id),
        notes: (await listNotes(db, workspaceId, row.id, { limit: 1_000_000 })).map((note) => ({
          id: String(note.id),
          text: note.text,
          authorId: String(note.authorId),
          createdAt: new Date(note.createdAt).toISOString(),
        })),
        score: await findCustomerScore(db, workspaceId, row.id).then((score) =>
          score === undefined ? null : toScoreSummary(score),
        ),
      };
    },

    /**
     * The customer row, locked until the transaction ends (`FOR UPDATE` on PostgreSQL): taken
     * first by an erasure, so a tracking write that holds the row finishes before the erasure
     * reads the events, and one that comes later sees the row erased (identity.repository.ts).
     */
    async lockCustomer(customerId: RowId): Promise<CustomerRow | undefined> {
      return (await lockCustomersForUpdate(db, workspaceId, [customerId])).get(customerId);
    },

    /** The former identities merged into the customer. */
    listAliases: (customerId: RowId) => listAliasesOfCustomer(db, workspaceId, customerId),

    /** Forgets the former identities merged into the customer; returns how many. */
    deleteAliases: (customerId: RowId) => deleteAliasesOfCustomer(db, workspaceId, customerId),

    /** Removes the customer from every group; returns how many memberships went. */
    deleteMemberships: (customerId: RowId) => deleteMembershipsOfCustomer(db, workspaceId, customerId),

    /** Keeps the SHA-256 of erased external ids, for a workspace that refuses them later. */
    recordErasedIdentities: (externalIds: readonly string[], now: number) =>
      recordErasedIdentities(db, workspaceId, externalIds, now),

    /** Rewrites events' ids and properties (see `rewriteEvents`). */
    rewriteEvents: (rewrites: Parameters<typeof rewriteEvents>[2]) =>
      rewriteEvents(db, workspaceId, rewrites),

    /** Deletes the notes about the customer; returns how many. */
    deleteNotes: (customerId: RowId) => deleteNotesOfCustomer(db, workspaceId, customerId),

    /** Deletes the customer's stored scores; returns how many rows. */
    deleteScores: (customerId: RowId) => deleteScoresOfCustomer(db, workspaceId, customerId),

    /** Clears the free-text reasons of the customer's refunds. */
    clearRefundReasons: (customerId: RowId) => clearRefundReasons(db, workspaceId, customerId),

    /**
     * Removes the personal fields of the customer row (keeps id, country, sign-up instant and
     * timestamps) and marks it erased.
     */
    async anonymiseCustomer(customerId: RowId, pseudonym: string, now: number): Promise<void> {
      await db
        .updateTable('customer')
        .set({
          external_id: pseudonym,
          email: null,
          name: null,
          phone: null,
          language: null,
          time_zone: null,
          attributes: toJson({}),
          consent_email_marketing: 0,
          consent_sms_marketing: 0,
          consent_updated_at: now,
          updated_at: now,
          erased_at: now,
        })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', customerId)
        .execute();
      await bumpDataVersion(db, workspaceId);
    },
  };
}

/** The store's type, for callers that hold one. */
export type CustomerPrivacyStore = ReturnType<typeof customerPrivacyStore>;
