/**
 * The customer data as the API shows it: row → resource mapping (instants as ISO strings, money as
 * integer cents plus currency), opaque keyset cursors, and the read use cases behind the routes.
 */
import type {
  CustomerOrderRow,
  CustomerRow,
  EventRow,
  OrderItemRow,
  RefundRow,
  RowId,
  SubscriptionRow,
} from '../db/index.js';
import { fromFlag, fromJson, parseRowId } from '../db/index.js';
import { notFound, RetainError } from '../errors/index.js';
import { findCustomer } from './customer.repository.js';
import { type EventFilter, latestEventsOfCustomer, listEvents } from './event.repository.js';
import {
  type InstantCursor,
  listOrderItems,
  listOrders,
  listOrdersOfCustomer,
  listRefundsOfOrders,
  type OrderFilter,
} from './order.repository.js';
import {
  listSubscriptions,
  listSubscriptionsOfCustomer,
  type SubscriptionFilter,
} from './subscription.repository.js';
import type { Executor } from './upsert-batch.js';

/** Page size when none is asked for, and the largest allowed. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** How many of a customer's latest events the customer view includes. */
export const CUSTOMER_VIEW_EVENTS = 50;

/** An epoch-ms instant as an ISO 8601 string in UTC (`null` stays `null`). */
export function isoOrNull(instant: number | null): string | null {
  return instant === null ? null : new Date(Number(instant)).toISOString();
}

export interface Customer {
  readonly id: string;
  readonly externalId: string | null;
  readonly email: string | null;
  readonly name: string | null;
  readonly phone: string | null;
  readonly language: string | null;
  readonly country: string | null;
  readonly timeZone: string | null;
  readonly attributes: Record<string, unknown>;
  readonly consent: {
    readonly emailMarketing: boolean;
    readonly smsMarketing: boolean;
    readonly updatedAt: string | null;
  };
  readonly signedUpAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly erasedAt: string | null;
}

export interface OrderItem {
  readonly id: string;
  readonly productId: string | null;
  readonly productName: string | null;
  readonly category: string | null;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

export interface Refund {
  readonly id: string;
  readonly externalId: string | null;
  readonly orderId: string;
  readonly refundedAt: string;
  readonly amountCents: number;
  readonly currency: string;
  readonly reason: string | null;
}

export interface Order {
  readonly id: string;
  readonly externalId: string | null;
  readonly customerId: string;
  readonly orderedAt: string;
  readonly amountCents: number;
  readonly currency: string;
  readonly status: CustomerOrderRow['status'];
  readonly source: string | null;
  readonly items: OrderItem[];
  readonly refunds: Refund[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Subscription {
  readonly id: string;
  readonly externalId: string | null;
  readonly customerId: string;
  readonly plan: string | null;
  readonly interval: SubscriptionRow['interval'];
  readonly intervalCount: number;
  readonly amountCents: number;
  readonly currency: string;
  readonly status: SubscriptionRow['status'];
  readonly trialStart: string | null;
  readonly trialEnd: string | null;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly cancelledAt: string | null;
  readonly currentPeriodEnd: string | null;
  readonly pastDueSince: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface TrackedEvent {
  readonly id: string;
  readonly messageId: string | null;
  readonly customerId: string | null;
  readonly userId: string | null;
  readonly anonymousId: string | null;
  readonly name: string;
  readonly properties: Record<string, unknown>;
  readonly occurredAt: string;
  readonly receivedAt: string;
}

/** A page of a keyset-paginated list; `nextCursor` is `null` on the last page. */
export interface Page<T> {
  readonly data: T[];
  readonly nextCursor: string | null;
}

export function toCustomer(row: CustomerRow): Customer {
  return {
    id: String(row.id),
    externalId: row.external_id,
    email: row.email,
    name: row.name,
    phone: row.phone,
    language: row.language,
    country: row.country,
    timeZone: row.time_zone,
    attributes: fromJson<Record<string, unknown>>(row.attributes),
    consent: {
      emailMarketing: fromFlag(row.consent_email_marketing),
      smsMarketing: fromFlag(row.consent_sms_marketing),
      updatedAt: isoOrNull(row.consent_updated_at),
    },
    signedUpAt: isoOrNull(row.signed_up_at),
    createdAt: isoOrNull(row.created_at) ?? '',
    updatedAt: isoOrNull(row.updated_at) ?? '',
    erasedAt: isoOrNull(row.erased_at),
  };
}

export function toOrderItem(row: OrderItemRow): OrderItem {
  return {
    id: String(row.id),
    productId: row.product_id,
    productName: row.product_name,
    category: row.category,
    quantity: Number(row.quantity),
    unitPriceCents: Number(row.unit_price_cents),
  };
}

export function toRefund(row: RefundRow): Refund {
  return {
    id: String(row.id),
    externalId: row.external_id,
    orderId: String(row.order_id),
    refundedAt: isoOrNull(row.refunded_at) ?? '',
    amountCents: Number(row.amount_cents),
    currency: row.currency,
    reason: row.reason,
  };
}

export function toSubscription(row: SubscriptionRow): Subscription {
  return {
    id: String(row.id),
    externalId: row.external_id,
    customerId: String(row.customer_id),
    plan: row.plan,
    interval: row.interval,
    intervalCount: Number(row.interval_count),
    amountCents: Number(row.amount_cents),
    currency: row.currency,
    status: row.status,
    trialStart: isoOrNull(row.trial_start),
    trialEnd: isoOrNull(row.trial_end),
    startedAt: isoOrNull(row.started_at),
    endedAt: isoOrNull(row.ended_at),
    cancelledAt: isoOrNull(row.cancelled_at),
    currentPeriodEnd: isoOrNull(row.current_period_end),
    pastDueSince: isoOrNull(row.past_due_since),
    createdAt: isoOrNull(row.created_at) ?? '',
    updatedAt: isoOrNull(row.updated_at) ?? '',
  };
}

export function toTrackedEvent(row: EventRow): TrackedEvent {
  return {
    id: String(row.id),
    messageId: row.message_id,
    customerId: row.customer_id === null ? null : String(row.customer_id),
    userId: row.user_id,
    anonymousId: row.anonymous_id,
    name: row.name,
    properties: fromJson<Record<string, unknown>>(row.properties),
    occurredAt: isoOrNull(row.occurred_at) ?? '',
    receivedAt: isoOrNull(row.received_at) ?? '',
  };
}

/**
 * Orders with their lines (in line order) and refunds (oldest first), two queries for the whole
 * list whatever its length. O(orders + items + refunds).
 */
export async function withItemsAndRefunds(
  db: Executor,
  workspaceId: number,
  orders: readonly CustomerOrderRow[],
): Promise<Order[]> {
  const ids = orders.map((order) => order.id);
  const items = await listOrderItems(db, workspaceId, ids);
  const refunds = await listRefundsOfOrders(db, workspaceId, ids);
  // Lines come in (order, line) order (listOrderItems).
  const itemsByOrder = new Map<RowId, OrderItemRow[]>();
  for (const item of items) {
    let list = itemsByOrder.get(item.order_id);
    if (list === undefined) itemsByOrder.set(item.order_id, (list = []));
    list.push(item);
  }
  const refundsByOrder = new Map<RowId, Refund[]>();
  for (const refund of refunds) {
    let list = refundsByOrder.get(refund.order_id);
    if (list === undefined) refundsByOrder.set(refund.order_id, (list = []));
    list.push(toRefund(refund));
  }
  return orders.map((row) => ({
    id: String(row.id),
    externalId: row.external_id,
    customerId: String(row.customer_id),
    orderedAt: isoOrNull(row.ordered_at) ?? '',
    amountCents: Number(row.amount_cents),
    currency: row.currency,
    status: row.status,
    source: row.source,
    items: (itemsByOrder.get(row.id) ?? []).map(toOrderItem),
    refunds: refundsByOrder.get(row.id) ?? [],
    createdAt: isoOrNull(row.created_at) ?? '',
    updatedAt: isoOrNull(row.updated_at) ?? '',
  }));
}

/** Encodes a keyset position as an opaque URL-safe cursor. */
export function encodeCursor(position: { readonly id: RowId; readonly at?: number }): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

function invalidCursor(): RetainError {
  return new RetainError('invalid_input', 'The cursor is not valid.', [
    { path: ['query', 'cursor'], message: 'Pass back a nextCursor from an earlier page, unchanged.' },
  ]);
}

/** Decodes a cursor made by `encodeCursor`; a tampered one is `invalid_input` (400). */
export function decodeCursor(cursor: string, withInstant: true): InstantCursor;
export function decodeCursor(cursor: string, withInstant: false): { id: RowId };
export function decodeCursor(cursor: string, withInstant: boolean): { id: RowId; at?: number } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const position = value as { id?: unknown; at?: unknown } | null;
  const id = typeof position === 'object' && position !== null ? parseRowId(position.id) : undefined;
  if (id === undefined) throw invalidCursor();
  if (!withInstant) return { id };
  if (typeof position?.at !== 'number' || !Number.isSafeInteger(position.at)) throw invalidCursor();
  return { id, at: position.at };
}

/** Pagination arguments of every list. */
export interface PageRequest {
  readonly limit?: number;
  readonly cursor?: string;
}

export function pageSize(request: PageRequest): number {
  return Math.min(MAX_PAGE_SIZE, Math.max(1, request.limit ?? DEFAULT_PAGE_SIZE));
}

/** Splits the `limit + 1` rows a repository returned into the page and whether more follow. */
export function splitPage<T>(rows: readonly T[], limit: number): { rows: T[]; more: boolean } {
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}

/** One page of orders (latest first), each with its lines and refunds. */
export async function listOrdersPage(
  db: Executor,
  workspaceId: number,
  filter: OrderFilter,
  request: PageRequest,
): Promise<Page<Order>> {
  const limit = pageSize(request);
  const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor, true);
  const { rows, more } = splitPage(
    await listOrders(db, workspaceId, filter, { limit, ...(after === undefined ? {} : { after }) }),
    limit,
  );
  const last = rows.at(-1);
  return {
    data: await withItemsAndRefunds(db, workspaceId, rows),
    nextCursor: more && last ? encodeCursor({ id: last.id, at: Number(last.ordered_at) }) : null,
  };
}

/** One page of subscriptions (newest first). */
export async function listSubscriptionsPage(
  db: Executor,
  workspaceId: number,
  filter: SubscriptionFilter,
  request: PageRequest,
): Promise<Page<Subscription>> {
  const limit = pageSize(request);
  const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor, false).id;
  const { rows, more } = splitPage(
    await listSubscriptions(db, workspaceId, filter, {
      limit,
      ...(after === undefined ? {} : { afterId: after }),
    }),
    limit,
  );
  const last = rows.at(-1);
  return { data: rows.map(toSubscription), nextCursor: more && last ? encodeCursor({ id: last.id }) : null };
}

/** One page of events (latest first). */
export async function listEventsPage(
  db: Executor,
  workspaceId: number,
  filter: EventFilter,
  request: PageRequest,
): Promise<Page<TrackedEvent>> {
  const limit = pageSize(request);
  const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor, true);
  const { rows, more } = splitPage(
    await listEvents(db, workspaceId, filter, { limit, ...(after === undefined ? {} : { after }) }),
    limit,
  );
  const last = rows.at(-1);
  return {
    data: rows.map(toTrackedEvent),
    nextCursor: more && last ? encodeCursor({ id: last.id, at: Number(last.occurred_at) }) : null,
  };
}

/** A customer with every order (lines, refunds), every subscription and the latest events. */
export interface CustomerView {
  readonly customer: Customer;
  readonly orders: Order[];
  readonly subscriptions: Subscription[];
  readonly latestEvents: TrackedEvent[];
}

/**
 * The customer view. A customer of another workspace is `not_found` (never `forbidden`, which
 * would confirm that it exists). O(orders + items + refunds + subscriptions).
 */
export async function getCustomerView(
  db: Executor,
  workspaceId: number,
  customerIdText: string,
): Promise<CustomerView> {
  const customerId = parseRowId(customerIdText);
  const row = customerId === undefined ? undefined : await findCustomer(db, workspaceId, customerId);
  if (row === undefined) throw notFound('Customer');
  const orders = await listOrdersOfCustomer(db, workspaceId, row.id);
  return {
    customer: toCustomer(row),
    orders: await withItemsAndRefunds(db, workspaceId, orders),
    subscriptions: (await listSubscriptionsOfCustomer(db, workspaceId, row.id)).map(toSubscription),
    latestEvents: (await latestEventsOfCustomer(db, workspaceId, row.id, CUSTOMER_VIEW_EVENTS)).map(
      toTrackedEvent,
    ),
  };
}
