/**
 * The `customer_order`, `order_item` and `refund` tables: batch upserts by natural key and the
 * paginated order list. Every query carries the workspace predicate.
 */
import {
  type CustomerOrderRow,
  dialectOf,
  type OrderItemRow,
  type OrderStatus,
  type RefundRow,
  type RowId,
} from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { ensureCustomers, type UpsertOptions, type UpsertResult } from './customer.repository.js';
import { bumpDataVersion } from './data-version.repository.js';
import {
  chunks,
  type Executor,
  groupByShape,
  idsByExternalId,
  lastByKey,
  type UpsertTarget,
  upsertRows,
  upsertShape,
  upsertSparseRows,
} from './upsert-batch.js';

/** One line of an order. Lines have no natural key of their own: their position (`line`) identifies them. */
export interface OrderItemInput {
  readonly productId?: string | null;
  readonly productName?: string | null;
  readonly category?: string | null;
  /** Default 1. */
  readonly quantity?: number;
  readonly unitPriceCents: number;
}

/**
 * One order by natural key. The customer is named by *its* external id and created bare if not
 * stored yet. `items`, when given, replace the order's lines (line n is updated in place on re-imports);
 * when omitted, stored lines are left alone.
 */
export interface OrderInput {
  readonly externalId: string;
  readonly customerExternalId: string;
  readonly orderedAt: number;
  readonly currency: string;
  /** Net of discounts, excluding tax and shipping, in cents. */
  readonly amountCents: number;
  /** Default `completed` on insert; left alone on update when omitted. */
  readonly status?: OrderStatus;
  readonly source?: string | null;
  readonly items?: readonly OrderItemInput[];
}

/** One refund by natural key, against an order named by its external id. */
export interface RefundInput {
  readonly externalId: string;
  readonly orderExternalId: string;
  readonly refundedAt: number;
  readonly currency: string;
  /** Positive amount refunded, in cents. */
  readonly amountCents: number;
  readonly reason?: string | null;
}

const ORDER_TARGET: UpsertTarget = {
  table: 'customer_order',
  conflictColumns: ['workspace_id', 'external_id'],
  insertOnlyColumns: ['created_at'],
  touchColumn: 'updated_at',
};
const ORDER_COLUMNS = [
  'workspace_id',
  'external_id',
  'customer_id',
  'ordered_at',
  'currency',
  'amount_cents',
  'status',
  'source',
  'created_at',
  'updated_at',
] as const;
const ITEM_TARGET: UpsertTarget = {
  table: 'order_item',
  conflictColumns: ['workspace_id', 'order_id', 'line'],
  insertOnlyColumns: [],
};
const ITEM_COLUMNS = [
  'workspace_id',
  'order_id',
  'line',
  'product_id',
  'product_name',
  'category',
  'quantity',
  'unit_price_cents',
] as const;
const REFUND_TARGET: UpsertTarget = {
  table: 'refund',
  conflictColumns: ['workspace_id', 'external_id'],
  insertOnlyColumns: ['created_at'],
};

function requireKey(value: unknown, index: number, field: string): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new RetainError('invalid_input', `Field ${field} is required.`, [
      { path: ['rows', index, field], message: 'Required: a non-empty string.' },
    ]);
  }
}

/** Options of `upsertOrders` (and `upsertSubscriptions`' shape of them). */
export interface OrderUpsertOptions extends UpsertOptions {
  /**
   * Customer external id → id, already resolved by the caller (an importer's cache across
   * batches): skips `ensureCustomers`. Must cover every `customerExternalId` of the batch.
   */
  readonly customerIds?: ReadonlyMap<string, RowId>;
}

/**
 * Inserts or updates orders by `(workspace_id, external_id)`, creating missing customers bare,
 * then writes the given lines (line n upserted on `(order, n)`; lines beyond the new count are deleted).
 * 5,000 rows a statement; an identical re-write changes nothing. Rows naming the same external id
 * twice: the last wins. Use a transaction around it for atomicity.
 *
 * O(rows + items): for a batch without lines and with `customerIds` and `withIds: false`, one
 * statement per 5,000 orders and nothing else.
 * Example: `await upsertOrders(db, ws, [{ externalId: 'o1', customerExternalId: 'c1',
 * orderedAt: Date.UTC(2024, 0, 5), currency: 'EUR', amountCents: 1999 }])` → `{ written: 1, ids }`.
 */
export async function upsertOrders(
  db: Executor,
  workspaceId: number,
  rows: readonly OrderInput[],
  options: OrderUpsertOptions = {},
): Promise<UpsertResult> {
  const now = options.now ?? Date.now();
  rows.forEach((row, index) => {
    requireKey(row.externalId, index, 'externalId');
    requireKey(row.customerExternalId, index, 'customerExternalId');
  });
  const unique = lastByKey(rows, (row) => row.externalId);
  const customers =
    options.customerIds ??
    (await ensureCustomers(
      db,
      workspaceId,
      unique.map((row) => row.customerExternalId),
      { now },
    ));
  const values = unique.map((row) => {
    const customerId = customers.get(row.customerExternalId);
    if (customerId === undefined) throw new Error(`Customer ${row.customerExternalId} was not resolved`);
    return [
      workspaceId,
      row.externalId,
      customerId,
      row.orderedAt,
      row.currency.toUpperCase(),
      row.amountCents,
      row.status,
      row.source,
      now,
      now,
    ];
  });
  const dialect = dialectOf(db);
  let written = await upsertSparseRows(db, dialect, ORDER_TARGET, ORDER_COLUMNS, values);
  // Lines are not analysed: only the orders count as a change of the data's version.
  if (written > 0) await bumpDataVersion(db, workspaceId);
  const withItems = unique.filter((row) => row.items !== undefined);
  if (withItems.length === 0 && options.withIds === false) return { written, ids: new Map() };
  const ids = await idsByExternalId(
    db,
    dialect,
    'customer_order',
    workspaceId,
    unique.map((row) => row.externalId),
  );

  if (withItems.length > 0) {
    const itemRows: unknown[][] = [];
    const lineCounts = new Map<RowId, number>();
    for (const row of withItems) {
      const orderId = ids.get(row.externalId);
      if (orderId === undefined) continue;
      lineCounts.set(orderId, row.items?.length ?? 0);
      (row.items ?? []).forEach((item, index) => {
        itemRows.push([
          workspaceId,
          orderId,
          index + 1,
          item.productId ?? null,
          item.productName ?? null,
          item.category ?? null,
          item.quantity ?? 1,
          item.unitPriceCents,
        ]);
      });
    }
    written += (await upsertRows(db, dialect, ITEM_TARGET, ITEM_COLUMNS, itemRows)).written;
    for (const chunk of chunks([...lineCounts.keys()], 5_000)) {
      const stored = await db
        .selectFrom('order_item')
        .select(['id', 'order_id', 'line'])
        .where('workspace_id', '=', workspaceId)
        .where('order_id', 'in', chunk)
        .execute();
      const stale = stored
        .filter((item) => item.line > (lineCounts.get(item.order_id) ?? 0))
        .map((item) => item.id);
      for (const staleChunk of chunks(stale, 5_000)) {
        const deleted = await db
          .deleteFrom('order_item')
          .where('workspace_id', '=', workspaceId)
          .where('id', 'in', staleChunk)
          .executeTakeFirst();
        written += Number(deleted.numDeletedRows);
      }
    }
  }
  return { written, ids };
}

/**
 * Inserts or updates refunds by `(workspace_id, external_id)`; the order (and through it the
 * customer) is named by the order's external id. An unknown order is an `invalid_input` error
 * listing every such row, and nothing is written.
 *
 * O(rows). Example: `await upsertRefunds(db, ws, [{ externalId: 'r1', orderExternalId: 'o1',
 * refundedAt, currency: 'EUR', amountCents: 500 }])` → `{ written: 1, ids }`.
 */
export async function upsertRefunds(
  db: Executor,
  workspaceId: number,
  rows: readonly RefundInput[],
  options: { readonly now?: number } = {},
): Promise<UpsertResult> {
  const now = options.now ?? Date.now();
  rows.forEach((row, index) => {
    requireKey(row.externalId, index, 'externalId');
    requireKey(row.orderExternalId, index, 'orderExternalId');
  });
  const unique = lastByKey(rows, (row) => row.externalId);
  const orders = new Map<string, { id: RowId; customerId: RowId }>();
  for (const chunk of chunks([...new Set(unique.map((row) => row.orderExternalId))], 5_000)) {
    const found = await db
      .selectFrom('customer_order')
      .select(['id', 'external_id', 'customer_id'])
      .where('workspace_id', '=', workspaceId)
      .where('external_id', 'in', chunk)
      .execute();
    for (const order of found) {
      if (order.external_id !== null)
        orders.set(order.external_id, { id: order.id, customerId: order.customer_id });
    }
  }
  const unknown = rows.flatMap((row, index) =>
    orders.has(row.orderExternalId)
      ? []
      : [{ path: ['rows', index, 'orderExternalId'], message: `No order "${row.orderExternalId}".` }],
  );
  if (unknown.length > 0) throw new RetainError('invalid_input', 'Refunds name unknown orders.', unknown);
  const records = unique.map((row) => {
    const order = orders.get(row.orderExternalId);
    return {
      workspace_id: workspaceId,
      external_id: row.externalId,
      order_id: order?.id,
      customer_id: order?.customerId,
      refunded_at: row.refundedAt,
      currency: row.currency.toUpperCase(),
      amount_cents: row.amountCents,
      reason: row.reason,
      created_at: now,
    };
  });
  const dialect = dialectOf(db);
  let written = 0;
  for (const group of groupByShape(records)) written += await upsertShape(db, dialect, REFUND_TARGET, group);
  if (written > 0) await bumpDataVersion(db, workspaceId);
  const ids = new Map<string, RowId>();
  for (const chunk of chunks(
    unique.map((row) => row.externalId),
    5_000,
  )) {
    const found = await db
      .selectFrom('refund')
      .select(['id', 'external_id'])
      .where('workspace_id', '=', workspaceId)
      .where('external_id', 'in', chunk)
      .execute();
    for (const refund of found) if (refund.external_id !== null) ids.set(refund.external_id, refund.id);
  }
  return { written, ids };
}

/** External id → id of the stored orders among `externalIds`. O(n). */
export async function orderIdsByExternalId(
  db: Executor,
  workspaceId: number,
  externalIds: readonly string[],
): Promise<Map<string, RowId>> {
  const ids = new Map<string, RowId>();
  for (const chunk of chunks([...new Set(externalIds)], 5_000)) {
    const found = await db
      .selectFrom('customer_order')
      .select(['id', 'external_id'])
      .where('workspace_id', '=', workspaceId)
      .where('external_id', 'in', chunk)
      .execute();
    for (const row of found) if (row.external_id !== null) ids.set(row.external_id, row.id);
  }
  return ids;
}

/** Filters of the order list; ranges are half-open `[from, to)` on `ordered_at`. */
export interface OrderFilter {
  readonly customerId?: RowId;
  readonly from?: number;
  readonly to?: number;
  readonly status?: OrderStatus;
}

/** A position in a list sorted by (instant desc, id desc). */
export interface InstantCursor {
  readonly at: number;
  readonly id: RowId;
}

/**
 * One page of orders, latest first (ordered_at desc, then id desc), strictly after `after`
 * (keyset). Fetches `limit + 1` rows so the caller knows whether more follow. Uses the
 * `(workspace_id, ordered_at)` / `(workspace_id, customer_id, ordered_at)` indexes.
 */
export async function listOrders(
  db: Executor,
  workspaceId: number,
  filter: OrderFilter,
  page: { readonly limit: number; readonly after?: InstantCursor },
): Promise<CustomerOrderRow[]> {
  let query = db.selectFrom('customer_order').selectAll().where('workspace_id', '=', workspaceId);
  if (filter.customerId !== undefined) query = query.where('customer_id', '=', filter.customerId);
  if (filter.from !== undefined) query = query.where('ordered_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('ordered_at', '<', filter.to);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  const after = page.after;
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('ordered_at', '<', after.at),
        eb.and([eb('ordered_at', '=', after.at), eb('id', '<', after.id)]),
      ]),
    );
  }
  return query
    .orderBy('ordered_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .execute();
}

/** The lines of these orders (of this workspace), by order then line. O(n). */
export async function listOrderItems(
  db: Executor,
  workspaceId: number,
  orderIds: readonly RowId[],
): Promise<OrderItemRow[]> {
  const items: OrderItemRow[] = [];
  for (const chunk of chunks([...new Set(orderIds)], 5_000)) {
    items.push(
      ...(await db
        .selectFrom('order_item')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('order_id', 'in', chunk)
        .orderBy('order_id')
        .orderBy('line')
        .execute()),
    );
  }
  return items;
}

/** The refunds of these orders (of this workspace), oldest first. O(n). */
export async function listRefundsOfOrders(
  db: Executor,
  workspaceId: number,
  orderIds: readonly RowId[],
): Promise<RefundRow[]> {
  const refunds: RefundRow[] = [];
  for (const chunk of chunks([...new Set(orderIds)], 5_000)) {
    refunds.push(
      ...(await db
        .selectFrom('refund')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('order_id', 'in', chunk)
        .orderBy('refunded_at')
        .orderBy('id')
        .execute()),
    );
  }
  return refunds;
}

/** Every order of one customer, latest first. */
export async function listOrdersOfCustomer(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
): Promise<CustomerOrderRow[]> {
  return db
    .selectFrom('customer_order')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .orderBy('ordered_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** Every refund of one customer, oldest first. */
export async function listRefundsOfCustomer(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
): Promise<RefundRow[]> {
  return db
    .selectFrom('refund')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .orderBy('refunded_at')
    .orderBy('id')
    .execute();
}

/** Clears the free-text reason of a customer's refunds (erasure: it may quote the customer). */
export async function clearRefundReasons(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
): Promise<void> {
  await db
    .updateTable('refund')
    .set({ reason: null })
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .execute();
}
