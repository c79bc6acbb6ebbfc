/**
 * The reads and writes privacy (export, erasure) needs on this capability's tables, kept here
 * because only `src/customers` queries them. Every statement names the workspace.
 */
import { type CustomerRow, type RowId, toJson } from '../db/index.js';
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
import { listEventsAboutCustomer, rewriteEvents } from './event.repository.js';
import { clearRefundReasons, listOrdersOfCustomer } from './order.repository.js';
import { listSubscriptionsOfCustomer } from './subscription.repository.js';
import type { Executor } from './upsert-batch.js';

/** Everything this capability holds about one customer. */
export interface CustomerHoldings {
  readonly customer: Customer;
  readonly orders: Order[];
  readonly subscriptions: Subscription[];
  readonly events: TrackedEvent[];
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
      };
    },

    /** Rewrites events' ids and properties (see `rewriteEvents`). */
    rewriteEvents: (rewrites: Parameters<typeof rewriteEvents>[2]) =>
      rewriteEvents(db, workspaceId, rewrites),

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
    },
  };
}

/** The store's type, for callers that hold one. */
export type CustomerPrivacyStore = ReturnType<typeof customerPrivacyStore>;
