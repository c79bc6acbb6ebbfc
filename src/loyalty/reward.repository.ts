/**
 * The rewards catalogue of migration 012 — `loyalty_reward` and `loyalty_reward_claim` — and the
 * only code that queries them. Every statement carries the workspace. Stock is taken by one
 * conditional UPDATE (`claimed = claimed + 1 WHERE stock IS NULL OR claimed < stock`) checked by
 * the rows it changed, so concurrent claims can never take more than the stock (PostgreSQL re-checks
 * the condition on the row it waited for; SQLite runs one writer at a time); the CHECK
 * `claimed <= stock` is the second guard.
 */
import type { Kysely } from 'kysely';
import { type Database, fromJson, type LoyaltyRewardKind, type RowId, toJson } from '../db/index.js';

type Executor = Kysely<Database>;

/** What a reward gives beyond its kind (stored as `details`). */
export interface RewardDetails {
  readonly description: string | null;
  readonly amountCents: number | null;
  readonly percent: number | null;
  readonly productId: string | null;
  readonly minimumOrderCents: number | null;
  /** Days the coupon of a claim stays valid. */
  readonly couponValidDays: number;
  /** The promotion the claims' coupons belong to (made with the reward). */
  readonly promotionId: number;
}

export interface Reward {
  readonly id: RowId;
  readonly name: string;
  readonly kind: LoyaltyRewardKind;
  readonly costPoints: number;
  readonly details: RewardDetails;
  readonly tiers: readonly string[] | null;
  readonly stock: number | null;
  readonly claimed: number;
  readonly startsAt: number | null;
  readonly endsAt: number | null;
  readonly active: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

const nullable = (value: number | null) => (value === null ? null : Number(value));

function toReward(row: {
  id: RowId;
  name: string;
  kind: LoyaltyRewardKind;
  cost_points: number;
  details: string;
  tiers: string | null;
  stock: number | null;
  claimed: number;
  starts_at: number | null;
  ends_at: number | null;
  active: 0 | 1;
  created_at: number;
  updated_at: number;
}): Reward {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    costPoints: Number(row.cost_points),
    details: fromJson<RewardDetails>(row.details),
    tiers: row.tiers === null ? null : fromJson<string[]>(row.tiers),
    stock: nullable(row.stock),
    claimed: Number(row.claimed),
    startsAt: nullable(row.starts_at),
    endsAt: nullable(row.ends_at),
    active: Number(row.active) === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export async function insertReward(
  db: Executor,
  workspaceId: number,
  reward: Omit<Reward, 'id' | 'claimed' | 'active' | 'updatedAt'>,
): Promise<Reward> {
  const row = await db
    .insertInto('loyalty_reward')
    .values({
      workspace_id: workspaceId,
      name: reward.name,
      kind: reward.kind,
      cost_points: reward.costPoints,
      details: toJson(reward.details as unknown as Record<string, unknown>),
      tiers: reward.tiers === null ? null : toJson([...reward.tiers]),
      stock: reward.stock,
      starts_at: reward.startsAt,
      ends_at: reward.endsAt,
      created_at: reward.createdAt,
      updated_at: reward.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toReward(row);
}

export async function findReward(db: Executor, workspaceId: number, id: RowId): Promise<Reward | undefined> {
  const row = await db
    .selectFrom('loyalty_reward')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toReward(row);
}

/** The catalogue, cheapest first (active ones only when asked), at most `limit`. */
export async function listRewards(
  db: Executor,
  workspaceId: number,
  options: { readonly activeOnly: boolean; readonly limit: number },
): Promise<Reward[]> {
  const rows = await db
    .selectFrom('loyalty_reward')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .$if(options.activeOnly, (query) => query.where('active', '=', 1))
    .orderBy('cost_points')
    .orderBy('id')
    .limit(options.limit)
    .execute();
  return rows.map(toReward);
}

/** Sets the reward's `details` (the promotion id is known only after the reward's insert). */
export async function writeRewardDetails(
  db: Executor,
  workspaceId: number,
  id: RowId,
  details: RewardDetails,
): Promise<void> {
  await db
    .updateTable('loyalty_reward')
    .set({ details: toJson(details as unknown as Record<string, unknown>) })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

/** Changes what may change; `false` when a new stock is below what was claimed (nothing changes). */
export async function updateReward(
  db: Executor,
  workspaceId: number,
  id: RowId,
  patch: {
    readonly name?: string;
    readonly costPoints?: number;
    readonly details?: RewardDetails;
    readonly tiers?: readonly string[] | null;
    readonly stock?: number | null;
    readonly startsAt?: number | null;
    readonly endsAt?: number | null;
    readonly active?: boolean;
  },
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('loyalty_reward')
    .set({
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.costPoints === undefined ? {} : { cost_points: patch.costPoints }),
      ...(patch.details === undefined
        ? {}
        : { details: toJson(patch.details as unknown as Record<string, unknown>) }),
      ...(patch.tiers === undefined ? {} : { tiers: patch.tiers === null ? null : toJson([...patch.tiers]) }),
      ...(patch.stock === undefined ? {} : { stock: patch.stock }),
      ...(patch.startsAt === undefined ? {} : { starts_at: patch.startsAt }),
      ...(patch.endsAt === undefined ? {} : { ends_at: patch.endsAt }),
      ...(patch.active === undefined ? {} : { active: patch.active ? 1 : 0 }),
      updated_at: now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .$if(patch.stock !== undefined && patch.stock !== null, (query) =>
      query.where('claimed', '<=', patch.stock as number),
    )
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Takes one of the reward's stock if any is left and it is active: one conditional UPDATE. */
export async function takeRewardStock(
  db: Executor,
  workspaceId: number,
  id: RowId,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('loyalty_reward')
    .set((eb) => ({ claimed: eb('claimed', '+', 1), updated_at: now }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('active', '=', 1)
    .where((eb) => eb.or([eb('stock', 'is', null), eb('claimed', '<', eb.ref('stock'))]))
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Gives back the unit `takeRewardStock` took (same transaction: the claim failed after it). */
export async function returnRewardStock(db: Executor, workspaceId: number, id: RowId): Promise<void> {
  await db
    .updateTable('loyalty_reward')
    .set((eb) => ({ claimed: eb('claimed', '-', 1) }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

export interface Claim {
  readonly id: RowId;
  readonly rewardId: RowId;
  readonly customerId: RowId;
  readonly entryId: RowId;
  readonly couponCode: string | null;
  readonly createdAt: number;
}

export async function insertClaim(
  db: Executor,
  workspaceId: number,
  claim: Omit<Claim, 'id'>,
): Promise<Claim> {
  const row = await db
    .insertInto('loyalty_reward_claim')
    .values({
      workspace_id: workspaceId,
      reward_id: claim.rewardId,
      customer_id: claim.customerId,
      entry_id: claim.entryId,
      coupon_code: claim.couponCode,
      created_at: claim.createdAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ...claim, id: row.id };
}

/** A customer's claims, newest first, with the reward's name and kind. */
export async function listClaims(db: Executor, workspaceId: number, customerId: RowId, limit: number) {
  return db
    .selectFrom('loyalty_reward_claim as c')
    .innerJoin('loyalty_reward as r', (join) =>
      join.onRef('r.workspace_id', '=', 'c.workspace_id').onRef('r.id', '=', 'c.reward_id'),
    )
    .select(['c.id', 'c.reward_id', 'r.name', 'r.kind', 'c.coupon_code', 'c.created_at'])
    .where('c.workspace_id', '=', workspaceId)
    .where('c.customer_id', '=', customerId)
    .orderBy('c.id', 'desc')
    .limit(limit)
    .execute();
}
