/**
 * The `subscription` table: batch upserts by natural key and the paginated list. Every query
 * carries the workspace predicate.
 */
import {
  dialectOf,
  type RowId,
  type SubscriptionInterval,
  type SubscriptionRow,
  type SubscriptionStatus,
} from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { ensureCustomers, type UpsertResult } from './customer.repository.js';
import { bumpDataVersion } from './data-version.repository.js';
import { chunks, type Executor, groupByShape, lastByKey, upsertShape } from './upsert-batch.js';

/**
 * One subscription by natural key; the customer is named by its external id (created bare when
 * not stored yet). Optional instants left `undefined` keep their stored value, `null` clears them.
 */
export interface SubscriptionInput {
  readonly externalId: string;
  readonly customerExternalId: string;
  readonly plan?: string | null;
  readonly interval: SubscriptionInterval;
  /** Default 1. */
  readonly intervalCount?: number;
  /** Price per billing interval, net of discounts, excluding tax, in cents. */
  readonly amountCents: number;
  readonly currency: string;
  readonly status: SubscriptionStatus;
  readonly trialStart?: number | null;
  readonly trialEnd?: number | null;
  readonly startedAt?: number | null;
  readonly endedAt?: number | null;
  readonly cancelledAt?: number | null;
  readonly currentPeriodEnd?: number | null;
  readonly pastDueSince?: number | null;
}

const SUBSCRIPTION_TARGET = {
  table: 'subscription',
  conflictColumns: ['workspace_id', 'external_id'],
  insertOnlyColumns: ['created_at'],
  touchColumn: 'updated_at',
} as const;

/**
 * Inserts or updates subscriptions by `(workspace_id, external_id)` in chunked multi-row
 * statements; an identical re-write changes nothing; the last row of a repeated key wins.
 *
 * O(rows). Example: `await upsertSubscriptions(db, ws, [{ externalId: 'sub_1', customerExternalId:
 * 'c1', interval: 'month', amountCents: 900, currency: 'USD', status: 'active', startedAt }])`.
 */
export async function upsertSubscriptions(
  db: Executor,
  workspaceId: number,
  rows: readonly SubscriptionInput[],
  options: { readonly now?: number } = {},
): Promise<UpsertResult> {
  const now = options.now ?? Date.now();
  rows.forEach((row, index) => {
    for (const field of ['externalId', 'customerExternalId'] as const) {
      const value = row[field];
      if (typeof value !== 'string' || value.trim() === '') {
        throw new RetainError('invalid_input', `Field ${field} is required.`, [
          { path: ['rows', index, field], message: 'Required: a non-empty string.' },
        ]);
      }
    }
  });
  const unique = lastByKey(rows, (row) => row.externalId);
  const customers = await ensureCustomers(
    db,
    workspaceId,
    unique.map((row) => row.customerExternalId),
    { now },
  );
  const records = unique.map((row) => ({
    workspace_id: workspaceId,
    external_id: row.externalId,
    customer_id: customers.get(row.customerExternalId),
    plan: row.plan,
    interval: row.interval,
    interval_count: row.intervalCount,
    amount_cents: row.amountCents,
    currency: row.currency.toUpperCase(),
    status: row.status,
    trial_start: row.trialStart,
    trial_end: row.trialEnd,
    started_at: row.startedAt,
    ended_at: row.endedAt,
    cancelled_at: row.cancelledAt,
    current_period_end: row.currentPeriodEnd,
    past_due_since: row.pastDueSince,
    created_at: now,
    updated_at: now,
  }));
  const dialect = dialectOf(db);
  let written = 0;
  for (const group of groupByShape(records)) {
    written += await upsertShape(db, dialect, SUBSCRIPTION_TARGET, group);
  }
  if (written > 0) await bumpDataVersion(db, workspaceId);
  const ids = new Map<string, RowId>();
  for (const chunk of chunks(
    unique.map((row) => row.externalId),
    5_000,
  )) {
    const found = await db
      .selectFrom('subscription')
      .select(['id', 'external_id'])
      .where('workspace_id', '=', workspaceId)
      .where('external_id', 'in', chunk)
      .execute();
    for (const row of found) if (row.external_id !== null) ids.set(row.external_id, row.id);
  }
  return { written, ids };
}

/** Filters of the subscription list. */
export interface SubscriptionFilter {
  readonly customerId?: RowId;
  readonly status?: SubscriptionStatus;
  readonly plan?: string;
}

/**
 * One page of subscriptions, newest first by id (ids are allocated in creation order), strictly after
 * `afterId` (keyset). Fetches `limit + 1` rows so the caller knows whether more follow.
 */
export async function listSubscriptions(
  db: Executor,
  workspaceId: number,
  filter: SubscriptionFilter,
  page: { readonly limit: number; readonly afterId?: RowId },
): Promise<SubscriptionRow[]> {
  let query = db.selectFrom('subscription').selectAll().where('workspace_id', '=', workspaceId);
  if (filter.customerId !== undefined) query = query.where('customer_id', '=', filter.customerId);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.plan !== undefined) query = query.where('plan', '=', filter.plan);
  if (page.afterId !== undefined) query = query.where('id', '<', page.afterId);
  return query
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .execute();
}

/** Every subscription of one customer, latest start first. */
export async function listSubscriptionsOfCustomer(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
): Promise<SubscriptionRow[]> {
  return db
    .selectFrom('subscription')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}
