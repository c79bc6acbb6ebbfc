/**
 * The tier columns of `loyalty_account` (`tier`, `tier_since`, `tier_below_since`) and
 * `loyalty_tier_change` (the history): the only code that writes them. Every statement carries the
 * workspace. The qualification is read from the ledger (`loyalty_entry`) or the orders that earned
 * (`loyalty_order`), both loyalty's own tables.
 */
import { type Kysely, sql } from 'kysely';
import { type Database, dialectOf, type RowId } from '../db/index.js';
import type { LoyaltySettings } from './loyalty-settings.js';

type Executor = Kysely<Database>;

/**
 * What each customer of `customerIds` qualifies with since `from`: points earned (earn entries,
 * less the refund reversals of orders — not the debt absorbed later, which a reversal already
 * counted) or spend in cents (orders that earned, less their refunds). One grouped query.
 */
export async function qualifyingAmounts(
  db: Executor,
  workspaceId: number,
  settings: LoyaltySettings,
  customerIds: readonly RowId[],
  from: number,
): Promise<Map<RowId, number>> {
  const amounts = new Map<RowId, number>();
  if (customerIds.length === 0) return amounts;
  if (settings.tiers.basis === 'spend') {
    const rows = await db
      .selectFrom('loyalty_order')
      .select((eb) => [
        'customer_id',
        eb.fn.sum<number>(eb('amount_cents', '-', eb.ref('refunded_cents'))).as('amount'),
      ])
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', 'in', customerIds)
      .where('created_at', '>=', from)
      .groupBy('customer_id')
      .execute();
    for (const row of rows) amounts.set(row.customer_id, Number(row.amount ?? 0));
  } else {
    const rows = await db
      .selectFrom('loyalty_entry')
      .select((eb) => ['customer_id', eb.fn.sum<number>('points').as('amount')])
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', 'in', customerIds)
      .where('created_at', '>=', from)
      .where((eb) =>
        eb.or([
          eb('kind', '=', 'earn'),
          eb.and([eb('kind', '=', 'reverse'), eb('idempotency_key', 'like', 'refund:%')]),
        ]),
      )
      .groupBy('customer_id')
      .execute();
    for (const row of rows) amounts.set(row.customer_id, Number(row.amount ?? 0));
  }
  for (const id of customerIds) if (!amounts.has(id)) amounts.set(id, 0);
  return amounts;
}

/** A member's tier columns. */
export interface TierRow {
  readonly customerId: RowId;
  readonly tier: string | null;
  readonly tierSince: number | null;
  readonly belowSince: number | null;
}

/** A page's row: with whether the customer was erased (reviews leave erased customers alone). */
export interface TierPageRow extends TierRow {
  readonly erased: boolean;
}

function toTierRow(row: {
  customer_id: RowId;
  tier: string | null;
  tier_since: number | null;
  tier_below_since: number | null;
}): TierRow {
  return {
    customerId: row.customer_id,
    tier: row.tier,
    tierSince: row.tier_since === null ? null : Number(row.tier_since),
    belowSince: row.tier_below_since === null ? null : Number(row.tier_below_since),
  };
}

/**
 * The member's tier columns, row-locked on PostgreSQL unless `lock: false` (SQLite: the ledger
 * transaction holds the write lock).
 */
export async function lockTierRow(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
  options: { readonly lock?: boolean } = {},
): Promise<TierRow | undefined> {
  const row = await db
    .selectFrom('loyalty_account')
    .select(['customer_id', 'tier', 'tier_since', 'tier_below_since'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .$if(options.lock !== false && dialectOf(db) === 'postgres', (query) => query.forUpdate())
    .executeTakeFirst();
  return row === undefined ? undefined : toTierRow(row);
}

/** A page of accounts (customer id order, above `afterCustomerId`) for the tier review. */
export async function tierRowsPage(
  db: Executor,
  workspaceId: number,
  page: { readonly afterCustomerId: RowId; readonly limit: number },
): Promise<TierPageRow[]> {
  const rows = await db
    .selectFrom('loyalty_account')
    .innerJoin('customer', (join) =>
      join
        .onRef('customer.workspace_id', '=', 'loyalty_account.workspace_id')
        .onRef('customer.id', '=', 'loyalty_account.customer_id'),
    )
    .select([
      'loyalty_account.customer_id',
      'loyalty_account.tier',
      'loyalty_account.tier_since',
      'loyalty_account.tier_below_since',
      'customer.erased_at',
    ])
    .where('loyalty_account.workspace_id', '=', workspaceId)
    .where('loyalty_account.customer_id', '>', page.afterCustomerId)
    .orderBy('loyalty_account.customer_id')
    .limit(page.limit)
    .execute();
  return rows.map((row) => ({ ...toTierRow(row), erased: row.erased_at !== null }));
}

/** Writes the member's tier state; with `change`, also the history row (one transaction's work). */
export async function writeTierState(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
  state: {
    readonly tier: string | null;
    readonly tierSince: number | null;
    readonly belowSince: number | null;
    readonly change: {
      readonly from: string | null;
      readonly to: string | null;
      readonly reason: string;
    } | null;
  },
  now: number,
): Promise<void> {
  await db
    .updateTable('loyalty_account')
    .set({
      tier: state.tier,
      tier_since: state.tierSince,
      tier_below_since: state.belowSince,
      updated_at: now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .execute();
  if (state.change !== null) {
    await db
      .insertInto('loyalty_tier_change')
      .values({
        workspace_id: workspaceId,
        customer_id: customerId,
        from_tier: state.change.from,
        to_tier: state.change.to,
        reason: state.change.reason.slice(0, 500),
        at: now,
      })
      .execute();
  }
}

/** The member's tier changes, newest first. */
export async function listTierChanges(db: Executor, workspaceId: number, customerId: RowId, limit: number) {
  const rows = await db
    .selectFrom('loyalty_tier_change')
    .select(['id', 'from_tier', 'to_tier', 'reason', 'at'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    id: String(row.id),
    from: row.from_tier,
    to: row.to_tier,
    reason: row.reason,
    at: new Date(Number(row.at)).toISOString(),
  }));
}

/** Members per tier (the configuration page's counts); erased customers are no members. */
export async function membersPerTier(db: Executor, workspaceId: number): Promise<Map<string | null, number>> {
  const rows = await db
    .selectFrom('loyalty_account')
    .innerJoin('customer', (join) =>
      join
        .onRef('customer.workspace_id', '=', 'loyalty_account.workspace_id')
        .onRef('customer.id', '=', 'loyalty_account.customer_id'),
    )
    .select(['loyalty_account.tier', sql<number>`count(*)`.as('members')])
    .where('loyalty_account.workspace_id', '=', workspaceId)
    .where('customer.erased_at', 'is', null)
    .groupBy('loyalty_account.tier')
    .execute();
  return new Map(rows.map((row) => [row.tier, Number(row.members)]));
}
