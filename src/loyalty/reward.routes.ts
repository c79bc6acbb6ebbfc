/**
 * `/api/v1/loyalty/rewards` (the catalogue) and a customer's rewards and claims: thin HTTP over
 * reward.service.ts. Every role reads; marketers (and owners and admins) edit the catalogue;
 * marketers and agents claim for a customer (points move, as with redeem).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import {
  type AppEnv,
  authenticatedErrors,
  CSRF_REFUSED,
  createRouter,
  JSON_BODY_ERRORS,
  requireRole,
} from '../http/index.js';
import { knownCustomer, replaying } from './loyalty.routes.js';
import { EntrySchema, IdempotencyKey, LoyaltyCustomerParams, MoneyAmount } from './loyalty.schemas.js';
import { checkedCustomerId } from './loyalty.service.js';
import {
  catalogue,
  changeReward,
  claimReward,
  createReward,
  customerClaims,
  rewardBody,
  rewardOf,
  rewardsForCustomer,
} from './reward.service.js';

const TAGS = ['Loyalty'];
const readers = () => requireRole('analyst', 'marketer', 'agent');
const NO_REWARD = 'No such reward in the caller’s workspace.';
const NO_CUSTOMER = 'No such customer in the caller’s workspace.';
const json = <T>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const body = <T>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });

/** 404 for an unknown reward before the body is validated. */
const knownReward = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const type = c.req.header('Content-Type');
    if (c.req.method === 'GET' || type === undefined || /^application\/json\b/i.test(type)) {
      await rewardOf(c.get('services').db, c.get('auth').workspaceId, c.req.param('rewardId') ?? '');
    }
    await next();
  });

const Instant = z.iso.datetime({ offset: true });
const KINDS = [
  'fixed_discount',
  'percent_discount',
  'free_shipping',
  'free_product',
  'early_access',
  'custom',
] as const;
const TierNames = z.array(z.string().trim().min(1).max(60)).min(1).max(10);

const RewardBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    kind: z.enum(KINDS),
    costPoints: z.number().int().min(1).max(1_000_000_000),
    description: z.string().trim().min(1).max(1000).optional(),
    amount: MoneyAmount.optional().openapi({ description: 'fixed_discount: the money off, e.g. `5.00`.' }),
    percent: z.number().gt(0).max(100).optional().openapi({ description: 'percent_discount: 1–100.' }),
    productId: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: 'free_product: your product’s id.' }),
    minimumOrder: MoneyAmount.optional().openapi({ description: 'The coupon’s minimum order.' }),
    couponValidDays: z.number().int().min(1).max(3650).optional().openapi({ description: 'Default 90.' }),
    tiers: TierNames.nullable().optional().openapi({
      description: 'Only members of these tiers may claim (exclusive rewards); absent or null: every member.',
    }),
    stock: z
      .number()
      .int()
      .min(0)
      .max(1_000_000_000)
      .nullable()
      .optional()
      .openapi({ description: 'Units that may be claimed in all; absent or null: unlimited.' }),
    startsAt: Instant.nullable().optional(),
    endsAt: Instant.nullable().optional(),
  })
  .openapi('LoyaltyRewardRequest');

const RewardPatch = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    costPoints: z.number().int().min(1).max(1_000_000_000).optional(),
    description: z.string().trim().min(1).max(1000).nullable().optional(),
    tiers: TierNames.nullable().optional(),
    stock: z
      .number()
      .int()
      .min(0)
      .max(1_000_000_000)
      .nullable()
      .optional()
      .openapi({ description: 'Not below `claimed` (409).' }),
    startsAt: Instant.nullable().optional(),
    endsAt: Instant.nullable().optional(),
    active: z.boolean().optional(),
  })
  .openapi('LoyaltyRewardPatch');

const RewardSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(KINDS),
    costPoints: z.number().int(),
    description: z.string().nullable(),
    amount: z.string().nullable(),
    percent: z.number().nullable(),
    productId: z.string().nullable(),
    minimumOrder: z.string().nullable(),
    couponValidDays: z.number().int(),
    tiers: z.array(z.string()).nullable(),
    stock: z.number().int().nullable(),
    claimed: z.number().int(),
    remaining: z.number().int().nullable(),
    startsAt: z.string().nullable(),
    endsAt: z.string().nullable(),
    active: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('LoyaltyReward');

const CustomerRewardSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(KINDS),
    description: z.string().nullable(),
    costPoints: z.number().int(),
    amount: z.string().nullable(),
    percent: z.number().nullable(),
    exclusive: z
      .boolean()
      .openapi({ description: 'Offered to some tiers only (the customer’s among them).' }),
    endsAt: z.string().nullable(),
    remaining: z.number().int().nullable(),
    available: z.boolean().openapi({ description: 'Stock is left.' }),
    affordable: z.boolean().openapi({ description: 'The balance covers the cost.' }),
    claimable: z.boolean(),
  })
  .openapi('LoyaltyCustomerReward');

const ClaimSchema = z
  .object({
    claim: z.object({
      id: z.string(),
      rewardId: z.string(),
      rewardName: z.string(),
      kind: z.enum(KINDS),
      couponCode: z.string(),
      couponDisplay: z.string(),
      couponExpiresAt: z.string(),
      claimedAt: z.string(),
    }),
    entry: EntrySchema,
    balance: z.number().int(),
    pending: z.number().int(),
  })
  .openapi('LoyaltyRewardClaim');

const RewardParams = z.object({
  rewardId: z.string().openapi({ param: { name: 'rewardId', in: 'path' }, example: '1' }),
});

const createRewardRoute = createRoute({
  method: 'post',
  path: '/loyalty/rewards',
  operationId: 'createLoyaltyReward',
  tags: TAGS,
  summary: 'Add a reward to the catalogue',
  middleware: [requireRole('marketer')] as const,
  request: body(RewardBody),
  responses: {
    201: json(RewardSchema, 'The reward'),
    ...authenticatedErrors({
      403: `A role other than owner, admin or marketer, or ${CSRF_REFUSED}`,
      ...JSON_BODY_ERRORS,
    }),
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/loyalty/rewards',
  operationId: 'listLoyaltyRewards',
  tags: TAGS,
  summary: 'The catalogue (up to 200 rewards, cheapest first), with stock claimed',
  middleware: [readers()] as const,
  responses: {
    200: json(z.object({ items: z.array(RewardSchema) }).openapi('LoyaltyRewardList'), 'The rewards'),
    ...authenticatedErrors(),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/loyalty/rewards/{rewardId}',
  operationId: 'getLoyaltyReward',
  tags: TAGS,
  summary: 'A reward',
  middleware: [readers(), knownReward()] as const,
  request: { params: RewardParams },
  responses: { 200: json(RewardSchema, 'The reward'), ...authenticatedErrors({ 404: NO_REWARD }) },
});

const patchRoute = createRoute({
  method: 'patch',
  path: '/loyalty/rewards/{rewardId}',
  operationId: 'updateLoyaltyReward',
  tags: TAGS,
  summary: 'Change a reward (what it gives is fixed; set `active: false` to withdraw it)',
  middleware: [requireRole('marketer'), knownReward()] as const,
  request: { params: RewardParams, ...body(RewardPatch) },
  responses: {
    200: json(RewardSchema, 'The reward'),
    ...authenticatedErrors({
      403: `A role other than owner, admin or marketer, or ${CSRF_REFUSED}`,
      404: NO_REWARD,
      ...JSON_BODY_ERRORS,
    }),
  },
});

const customerRewardsRoute = createRoute({
  method: 'get',
  path: '/loyalty/customers/{customerId}/rewards',
  operationId: 'listLoyaltyCustomerRewards',
  tags: TAGS,
  summary: 'The rewards offered to a customer now (their tier’s exclusives included), and their claims',
  middleware: [readers(), knownCustomer()] as const,
  request: { params: LoyaltyCustomerParams },
  responses: {
    200: json(
      z
        .object({
          items: z.array(CustomerRewardSchema),
          claims: z.array(
            z.object({
              id: z.string(),
              rewardId: z.string(),
              rewardName: z.string(),
              kind: z.enum(KINDS),
              couponCode: z.string().nullable(),
              claimedAt: z.string(),
            }),
          ),
        })
        .openapi('LoyaltyCustomerRewards'),
      'The rewards and the 50 newest claims',
    ),
    ...authenticatedErrors({ 404: NO_CUSTOMER }),
  },
});

const claimRoute = createRoute({
  method: 'post',
  path: '/loyalty/customers/{customerId}/rewards/{rewardId}/claim',
  operationId: 'claimLoyaltyReward',
  tags: TAGS,
  summary: 'Claim a reward for a customer: spends the points and issues a coupon code, all or nothing',
  description:
    '**409** `conflict` with `error.issues[0].code` one of `reward_inactive`, `reward_not_started`, `reward_ended`, `tier_required`, `out_of_stock`, `insufficient_points` — nothing changes. Stock is taken by a conditional update: never more claims than the stock. A retry with the same `idempotencyKey` gets the first answer (header `Idempotent-Replayed: true`); the key with another reward or customer: 409.',
  middleware: [requireRole('marketer', 'agent'), knownCustomer()] as const,
  request: {
    params: LoyaltyCustomerParams.extend(RewardParams.shape),
    ...body(z.object({ idempotencyKey: IdempotencyKey }).openapi('LoyaltyRewardClaimRequest')),
  },
  responses: {
    201: json(ClaimSchema, 'Claimed: the coupon, the entry and the balance after it'),
    ...authenticatedErrors({
      403: `An analyst’s key, or ${CSRF_REFUSED}`,
      404: `${NO_CUSTOMER} Or no such reward.`,
      ...JSON_BODY_ERRORS,
    }),
  },
});

const ms = (text: string | null | undefined) =>
  text === undefined ? undefined : text === null ? null : Date.parse(text);

/** The reward routes, to mount under `/api/v1`. */
export function rewardRoutes() {
  const router = createRouter();
  router.openapi(createRewardRoute, async (c) => {
    const { db, now } = c.get('services');
    const input = c.req.valid('json');
    const reward = await createReward(
      db,
      c.get('auth').workspaceId,
      {
        name: input.name,
        kind: input.kind,
        costPoints: input.costPoints,
        description: input.description,
        amountCents: input.amount,
        percent: input.percent,
        productId: input.productId,
        minimumOrderCents: input.minimumOrder,
        couponValidDays: input.couponValidDays,
        tiers: input.tiers,
        stock: input.stock,
        startsAt: ms(input.startsAt),
        endsAt: ms(input.endsAt),
      },
      now(),
    );
    return c.json(rewardBody(reward), 201);
  });
  router.openapi(listRoute, async (c) => {
    const { db } = c.get('services');
    return c.json({ items: (await catalogue(db, c.get('auth').workspaceId)).map(rewardBody) }, 200);
  });
  router.openapi(getRoute, async (c) => {
    const { db } = c.get('services');
    return c.json(
      rewardBody(await rewardOf(db, c.get('auth').workspaceId, c.req.valid('param').rewardId)),
      200,
    );
  });
  router.openapi(patchRoute, async (c) => {
    const { db, now } = c.get('services');
    const workspaceId = c.get('auth').workspaceId;
    const reward = await rewardOf(db, workspaceId, c.req.valid('param').rewardId);
    const patch = c.req.valid('json');
    const changed = await changeReward(
      db,
      workspaceId,
      reward,
      {
        name: patch.name,
        costPoints: patch.costPoints,
        description: patch.description,
        tiers: patch.tiers,
        stock: patch.stock,
        startsAt: ms(patch.startsAt),
        endsAt: ms(patch.endsAt),
        active: patch.active,
      },
      now(),
    );
    return c.json(rewardBody(changed), 200);
  });
  router.openapi(customerRewardsRoute, async (c) => {
    const { db, now } = c.get('services');
    const workspaceId = c.get('auth').workspaceId;
    const customerId = checkedCustomerId(c.req.valid('param').customerId);
    return c.json(
      {
        items: await rewardsForCustomer(db, workspaceId, customerId, now()),
        claims: await customerClaims(db, workspaceId, customerId, 50),
      },
      200,
    );
  });
  router.openapi(claimRoute, async (c) => {
    const { db, now } = c.get('services');
    const workspaceId = c.get('auth').workspaceId;
    const params = c.req.valid('param');
    const customerId = checkedCustomerId(params.customerId);
    const reward = await rewardOf(db, workspaceId, params.rewardId);
    const { idempotencyKey } = c.req.valid('json');
    const result = await replaying(c, () =>
      claimReward(db, workspaceId, customerId, reward.id, { key: idempotencyKey }, now()),
    );
    return c.json(result.body, 201);
  });
  return router;
}
