/**
 * The rewards catalogue: a reward gives a fixed or percentage discount, free shipping, a free
 * product, early access or something custom, for a cost in points, optionally only to some tiers,
 * with a stock and a validity window. Each reward has a promotion of its own (made with it), and a
 * claim issues a single-use coupon code of that promotion bound to the customer.
 *
 * Claiming is one ledger transaction, all or nothing, idempotent by the client's key (`once`):
 * take one of the stock (conditional update), debit the points (conditional update; when the
 * balance does not cover them the stock is given back in the same transaction and the answer is
 * 409), insert the coupon and the claim. A crash before the commit leaves nothing; a retry with the
 * key gets the first answer.
 */
import type { Kysely } from 'kysely';
import { type Database, parseRowId, type RowId } from '../db/index.js';
import { type InputIssue, notFound, RetainError } from '../errors/index.js';
import { type Discount, insertCoupons, insertPromotion } from './coupon.repository.js';
import { displayCouponCode, newCouponCode } from './coupon-code.js';
import {
  debit,
  emptyAccount,
  ensureProgramme,
  findAccount,
  findProgramme,
  inLedgerTransaction,
} from './loyalty.repository.js';
import { entryBody, type LedgerAnswer, once } from './loyalty.service.js';
import {
  findReward,
  insertClaim,
  insertReward,
  listClaims,
  listRewards,
  type Reward,
  type RewardDetails,
  returnRewardStock,
  takeRewardStock,
  updateReward,
  writeRewardDetails,
} from './reward.repository.js';

const DAY_MS = 86_400_000;
/** The most rewards a workspace's catalogue lists (and a customer is shown). */
export const MAX_REWARDS = 200;

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());
const money = (cents: number | null) => (cents === null ? null : (cents / 100).toFixed(2));

export function rewardBody(reward: Reward) {
  return {
    id: String(reward.id),
    name: reward.name,
    kind: reward.kind,
    costPoints: reward.costPoints,
    description: reward.details.description,
    amount: money(reward.details.amountCents),
    percent: reward.details.percent,
    productId: reward.details.productId,
    minimumOrder: money(reward.details.minimumOrderCents),
    couponValidDays: reward.details.couponValidDays,
    tiers: reward.tiers === null ? null : [...reward.tiers],
    stock: reward.stock,
    claimed: reward.claimed,
    remaining: reward.stock === null ? null : Math.max(0, reward.stock - reward.claimed),
    startsAt: iso(reward.startsAt),
    endsAt: iso(reward.endsAt),
    active: reward.active,
    createdAt: new Date(reward.createdAt).toISOString(),
    updatedAt: new Date(reward.updatedAt).toISOString(),
  };
}

export interface NewReward {
  readonly name: string;
  readonly kind: Reward['kind'];
  readonly costPoints: number;
  readonly description?: string | undefined;
  readonly amountCents?: number | undefined;
  readonly percent?: number | undefined;
  readonly productId?: string | undefined;
  readonly minimumOrderCents?: number | undefined;
  readonly couponValidDays?: number | undefined;
  readonly tiers?: readonly string[] | null | undefined;
  readonly stock?: number | null | undefined;
  readonly startsAt?: number | null | undefined;
  readonly endsAt?: number | null | undefined;
}

function invalid(issues: InputIssue[]): RetainError {
  return new RetainError('invalid_input', 'The request is not valid.', issues);
}

/** The discount a reward's coupons give. */
function discountOf(kind: Reward['kind'], details: Omit<RewardDetails, 'promotionId'>): Discount {
  switch (kind) {
    case 'fixed_discount':
      return { kind: 'fixed', amountCents: details.amountCents ?? 0 };
    case 'percent_discount':
      return { kind: 'percent', percent: details.percent ?? 0 };
    case 'free_shipping':
      return { kind: 'free_shipping' };
    case 'free_product':
      return { kind: 'reward', reward: 'free_product', productId: details.productId ?? undefined };
    default:
      return { kind: 'reward', reward: kind };
  }
}

/** Issues for tier names the programme does not have. */
async function unknownTiers(
  db: Kysely<Database>,
  workspaceId: number,
  tiers: readonly string[] | null | undefined,
): Promise<InputIssue[]> {
  if (tiers === undefined || tiers === null) return [];
  const programme = await findProgramme(db, workspaceId);
  const names = new Set(programme?.settings.tiers.levels.map((level) => level.name) ?? []);
  return tiers
    .map((name, index) => ({ name, index }))
    .filter(({ name }) => !names.has(name))
    .map(({ name, index }) => ({
      path: ['json', 'tiers', index],
      message: `No tier named "${name}" in the programme (PUT /api/v1/loyalty/tiers).`,
    }));
}

function windowIssues(startsAt: number | null | undefined, endsAt: number | null | undefined): InputIssue[] {
  if (startsAt != null && endsAt != null && endsAt <= startsAt)
    return [{ path: ['json', 'endsAt'], message: 'Must be after startsAt.' }];
  return [];
}

/** Adds a reward (and its promotion) to the catalogue. */
export async function createReward(
  db: Kysely<Database>,
  workspaceId: number,
  input: NewReward,
  now: number,
): Promise<Reward> {
  const issues: InputIssue[] = [];
  if (input.kind === 'fixed_discount' && !(input.amountCents !== undefined && input.amountCents > 0))
    issues.push({ path: ['json', 'amount'], message: 'A fixed discount needs an amount above 0.' });
  if (input.kind === 'percent_discount' && input.percent === undefined)
    issues.push({ path: ['json', 'percent'], message: 'A percentage discount needs percent (1–100).' });
  if (input.kind === 'free_product' && input.productId === undefined)
    issues.push({ path: ['json', 'productId'], message: 'A free product needs the product’s id.' });
  issues.push(...windowIssues(input.startsAt, input.endsAt));
  issues.push(...(await unknownTiers(db, workspaceId, input.tiers)));
  if (issues.length > 0) throw invalid(issues);
  const details: Omit<RewardDetails, 'promotionId'> = {
    description: input.description ?? null,
    amountCents: input.kind === 'fixed_discount' ? (input.amountCents ?? null) : null,
    percent: input.kind === 'percent_discount' ? (input.percent ?? null) : null,
    productId: input.kind === 'free_product' ? (input.productId ?? null) : null,
    minimumOrderCents: input.minimumOrderCents ?? null,
    couponValidDays: input.couponValidDays ?? 90,
  };
  return inLedgerTransaction(db, async (trx) => {
    await ensureProgramme(trx, workspaceId, now);
    const reward = await insertReward(trx, workspaceId, {
      name: input.name,
      kind: input.kind,
      costPoints: input.costPoints,
      details: { ...details, promotionId: 0 },
      tiers: input.tiers ?? null,
      stock: input.stock ?? null,
      startsAt: input.startsAt ?? null,
      endsAt: input.endsAt ?? null,
      createdAt: now,
    });
    // One promotion per reward, named after its id (promotion names are unique per workspace).
    const promotion = await insertPromotion(trx, workspaceId, {
      name: `Loyalty reward #${reward.id}`,
      discount: discountOf(input.kind, details),
      totalLimit: null,
      perCustomerLimit: null,
      minimumOrderCents: details.minimumOrderCents,
      startsAt: null,
      endsAt: null,
      createdAt: now,
    });
    const withPromotion = { ...details, promotionId: Number(promotion.id) };
    await writeRewardDetails(trx, workspaceId, reward.id, withPromotion);
    return { ...reward, details: withPromotion };
  });
}

/** The reward of `idText` in the workspace, or `not_found`. */
export async function rewardOf(db: Kysely<Database>, workspaceId: number, idText: string): Promise<Reward> {
  const id = parseRowId(idText);
  const reward = id === undefined ? undefined : await findReward(db, workspaceId, id);
  if (reward === undefined) throw notFound('Reward');
  return reward;
}

/** The catalogue (every reward, active or not), cheapest first. */
export async function catalogue(db: Kysely<Database>, workspaceId: number): Promise<Reward[]> {
  return listRewards(db, workspaceId, { activeOnly: false, limit: MAX_REWARDS });
}

/** Changes a reward: name, cost, description, tiers, stock (not below what was claimed), window, active. */
export async function changeReward(
  db: Kysely<Database>,
  workspaceId: number,
  reward: Reward,
  patch: {
    readonly name?: string | undefined;
    readonly costPoints?: number | undefined;
    readonly description?: string | null | undefined;
    readonly tiers?: readonly string[] | null | undefined;
    readonly stock?: number | null | undefined;
    readonly startsAt?: number | null | undefined;
    readonly endsAt?: number | null | undefined;
    readonly active?: boolean | undefined;
  },
  now: number,
): Promise<Reward> {
  const issues = [
    ...windowIssues(
      patch.startsAt === undefined ? reward.startsAt : patch.startsAt,
      patch.endsAt === undefined ? reward.endsAt : patch.endsAt,
    ),
    ...(await unknownTiers(db, workspaceId, patch.tiers)),
  ];
  if (issues.length > 0) throw invalid(issues);
  const changed = await updateReward(
    db,
    workspaceId,
    reward.id,
    {
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.costPoints === undefined ? {} : { costPoints: patch.costPoints }),
      ...(patch.description === undefined
        ? {}
        : { details: { ...reward.details, description: patch.description } }),
      ...(patch.tiers === undefined ? {} : { tiers: patch.tiers }),
      ...(patch.stock === undefined ? {} : { stock: patch.stock }),
      ...(patch.startsAt === undefined ? {} : { startsAt: patch.startsAt }),
      ...(patch.endsAt === undefined ? {} : { endsAt: patch.endsAt }),
      ...(patch.active === undefined ? {} : { active: patch.active }),
    },
    now,
  );
  if (!changed) {
    throw new RetainError('conflict', 'The stock cannot be set below what was claimed already.', [
      { path: ['json', 'stock'], message: 'Below the units claimed.' },
    ]);
  }
  return (await findReward(db, workspaceId, reward.id))!;
}

/** Why a member cannot claim a reward now (undefined: it can, stock and balance permitting). */
function refusalOf(
  reward: Reward,
  tier: string | null,
  now: number,
): { code: string; message: string } | undefined {
  if (!reward.active) return { code: 'reward_inactive', message: 'The reward is not offered any more.' };
  if (reward.startsAt !== null && now < reward.startsAt)
    return { code: 'reward_not_started', message: 'The reward is not offered yet.' };
  if (reward.endsAt !== null && now >= reward.endsAt)
    return { code: 'reward_ended', message: 'The reward is no longer offered.' };
  if (reward.tiers !== null && (tier === null || !reward.tiers.includes(tier)))
    return {
      code: 'tier_required',
      message: `The reward is for members of ${reward.tiers.join(', ')} only.`,
    };
  return undefined;
}

function conflict(message: string, code: string, path: (string | number)[]) {
  return {
    status: 409,
    body: { error: { code: 'conflict', message, issues: [{ path, message, code }] } },
  };
}

/** A customer's view of the catalogue: what is offered to them now, with what stops a claim. */
export async function rewardsForCustomer(
  db: Kysely<Database>,
  workspaceId: number,
  customerId: RowId,
  now: number,
) {
  const account = (await findAccount(db, workspaceId, customerId)) ?? emptyAccount(customerId, now);
  const rewards = await listRewards(db, workspaceId, { activeOnly: true, limit: MAX_REWARDS });
  return rewards
    .filter((reward) => refusalOf(reward, account.tier, now) === undefined)
    .map((reward) => {
      const available = reward.stock === null || reward.claimed < reward.stock;
      const affordable = account.balance >= reward.costPoints;
      return {
        id: String(reward.id),
        name: reward.name,
        kind: reward.kind,
        description: reward.details.description,
        costPoints: reward.costPoints,
        amount: money(reward.details.amountCents),
        percent: reward.details.percent,
        exclusive: reward.tiers !== null,
        endsAt: iso(reward.endsAt),
        remaining: reward.stock === null ? null : Math.max(0, reward.stock - reward.claimed),
        available,
        affordable,
        claimable: available && affordable,
      };
    });
}

/**
 * Claims a reward for a customer: 201 `{ claim, entry, balance, pending }`, or 409 naming why
 * (not offered now, not for the customer's tier, out of stock, the balance does not cover it).
 * Idempotent by `key` (a replay answers the same; the key with another reward or customer: 409).
 * The reward's unknown id throws `not_found` (nothing stored).
 */
export async function claimReward(
  db: Kysely<Database>,
  workspaceId: number,
  customerId: RowId,
  rewardId: RowId,
  request: { readonly key: string },
  now: number,
): Promise<LedgerAnswer> {
  return once(
    db,
    workspaceId,
    { key: request.key, operation: 'claim_reward', target: `${customerId}:${rewardId}`, body: {}, now },
    async (trx) => {
      await ensureProgramme(trx, workspaceId, now);
      const reward = await findReward(trx, workspaceId, rewardId);
      if (reward === undefined) throw notFound('Reward');
      const account = (await findAccount(trx, workspaceId, customerId)) ?? emptyAccount(customerId, now);
      const refusal = refusalOf(reward, account.tier, now);
      if (refusal !== undefined) return conflict(refusal.message, refusal.code, ['path', 'rewardId']);
      if (!(await takeRewardStock(trx, workspaceId, rewardId, now)))
        return conflict('The reward is out of stock.', 'out_of_stock', ['path', 'rewardId']);
      const outcome = await debit(trx, workspaceId, {
        customerId,
        kind: 'redeem',
        points: -reward.costPoints,
        reason: `Reward: ${reward.name}`.slice(0, 500),
        source: 'reward',
        sourceRef: String(reward.id),
        idempotencyKey: `reward:${request.key}`,
        now,
      });
      if (!outcome.ok) {
        await returnRewardStock(trx, workspaceId, rewardId);
        return conflict(
          `The balance (${outcome.balance} points) does not cover the reward’s ${reward.costPoints} points; nothing was claimed.`,
          'insufficient_points',
          ['path', 'rewardId'],
        );
      }
      const expiresAt = now + reward.details.couponValidDays * DAY_MS;
      const [coupon] = await insertCoupons(trx, workspaceId, [
        {
          promotionId: reward.details.promotionId,
          customerId,
          code: newCouponCode(),
          maxUses: 1,
          expiresAt,
          createdAt: now,
        },
      ]);
      const claim = await insertClaim(trx, workspaceId, {
        rewardId,
        customerId,
        entryId: outcome.entry!.id,
        couponCode: coupon!.code,
        createdAt: now,
      });
      const after = await findAccount(trx, workspaceId, customerId);
      return {
        status: 201,
        body: {
          claim: {
            id: String(claim.id),
            rewardId: String(reward.id),
            rewardName: reward.name,
            kind: reward.kind,
            couponCode: coupon!.code,
            couponDisplay: displayCouponCode(coupon!.code),
            couponExpiresAt: new Date(expiresAt).toISOString(),
            claimedAt: new Date(now).toISOString(),
          },
          entry: entryBody(outcome.entry!),
          balance: after?.balance ?? 0,
          pending: after?.pending ?? 0,
        },
      };
    },
  );
}

/** A customer's claims, newest first. */
export async function customerClaims(
  db: Kysely<Database>,
  workspaceId: number,
  customerId: RowId,
  limit: number,
) {
  const rows = await listClaims(db, workspaceId, customerId, limit);
  return rows.map((row) => ({
    id: String(row.id),
    rewardId: String(row.reward_id),
    rewardName: row.name,
    kind: row.kind,
    couponCode: row.coupon_code,
    claimedAt: new Date(Number(row.created_at)).toISOString(),
  }));
}
