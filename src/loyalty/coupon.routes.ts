/**
 * `/api/v1/loyalty/promotions` and `/api/v1/coupons`: thin HTTP over the coupon service. Every
 * role reads; marketers (and owners and admins) create promotions and issue codes; marketers and
 * agents redeem. Codes are matched ignoring case, spaces and dashes.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import { parseRowId } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import {
  type AppEnv,
  authenticatedErrors,
  CSRF_REFUSED,
  createRouter,
  JSON_BODY_ERRORS,
  requireRole,
} from '../http/index.js';
import { listPromotions } from './coupon.repository.js';
import {
  couponBody,
  couponOf,
  createPromotion,
  issueCoupons,
  promotionBody,
  promotionOf,
  redeemCoupon,
} from './coupon.service.js';
import { MoneyAmount } from './loyalty.schemas.js';

const TAGS = ['Loyalty'];
const readers = () => requireRole('analyst', 'marketer', 'agent');
const NO_PROMOTION = 'No such promotion in the caller’s workspace.';
const NO_COUPON = 'No such code in the caller’s workspace.';

const json = <T>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const body = <T>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });

/** 404 before the body is validated (as loyalty.routes.ts's customers). */
const known = (
  check: (c: Parameters<Parameters<typeof createMiddleware<AppEnv>>[0]>[0]) => Promise<unknown>,
) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const type = c.req.header('Content-Type');
    if (type === undefined || /^application\/json\b/i.test(type)) await check(c);
    await next();
  });
const knownPromotion = () =>
  known((c) => promotionOf(c.get('services').db, c.get('auth').workspaceId, c.req.param('id') ?? ''));
const knownCoupon = () =>
  known((c) => couponOf(c.get('services').db, c.get('auth').workspaceId, c.req.param('code') ?? ''));

const Instant = z.iso.datetime({ offset: true });

const DiscountSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('percent'), percent: z.number().gt(0).max(100) }),
    z.object({ kind: z.literal('fixed'), amountCents: z.number().int().min(1).max(1e12) }),
    z.object({ kind: z.literal('free_shipping') }),
    z
      .object({
        kind: z.literal('reward'),
        reward: z.enum(['free_product', 'early_access', 'custom']),
        productId: z.string().max(200).optional(),
      })
      .openapi({ description: 'A loyalty reward’s code that gives no money off (the shop honours it).' }),
  ])
  .openapi('CouponDiscount');

const PromotionBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    discount: DiscountSchema,
    totalLimit: z.number().int().min(1).max(1e12).optional().openapi({
      description: 'Uses of all the promotion’s codes together; absent: no limit.',
    }),
    perCustomerLimit: z.number().int().min(1).max(1e6).optional().openapi({
      description: 'Uses per customer across the promotion’s codes; absent: no limit.',
    }),
    minimumOrder: MoneyAmount.optional(),
    startsAt: Instant.optional(),
    endsAt: Instant.optional(),
  })
  .openapi('CouponPromotionRequest');

const PromotionSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    discount: DiscountSchema,
    totalLimit: z.number().nullable(),
    perCustomerLimit: z.number().nullable(),
    uses: z.number(),
    minimumOrder: z.string().nullable(),
    startsAt: z.string().nullable(),
    endsAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('CouponPromotion');

const CouponSchema = z
  .object({
    code: z.string().openapi({ description: 'As stored: upper case, no dashes.' }),
    display: z.string().openapi({ description: 'In groups of four, for people: `7KQ4-M9XP-RT2H`.' }),
    promotionId: z.string(),
    customerId: z.string().nullable(),
    maxUses: z.number().nullable(),
    uses: z.number(),
    expiresAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('Coupon');

const IssueBody = z
  .object({
    count: z.number().int().min(1).max(10_000).default(1),
    maxUses: z.number().int().min(1).max(1e9).nullable().optional().openapi({
      description:
        'Uses of each code (default 1: single-use); null: unlimited (the promotion’s limits still apply).',
    }),
    expiresAt: Instant.optional(),
    customerId: z
      .string()
      .max(20)
      .optional()
      .openapi({ description: 'Only this customer may redeem the code(s).' }),
    prefix: z
      .string()
      .max(20)
      .optional()
      .openapi({ description: 'Letters and digits put before each random code.' }),
    code: z
      .string()
      .max(80)
      .optional()
      .openapi({ description: 'A chosen code instead of a random one (count 1).' }),
  })
  .openapi('CouponIssueRequest');

const RedeemCouponBody = z
  .object({
    customerId: z.union([z.string().max(20), z.number()]).openapi({
      type: 'string',
      description: 'The customer’s id in Retain (as in `/api/v1/customers`).',
      example: '42',
    }),
    orderId: z.union([z.string().min(1).max(255), z.number()]).openapi({
      type: 'string',
      description:
        'Your order’s id. Redeeming the code again for this order and customer answers as the first time and uses nothing.',
      example: '1001',
    }),
    orderAmount: MoneyAmount.optional().openapi({
      description:
        'The order’s net amount: checked against the minimum order (else the stored order’s is used).',
    }),
  })
  .openapi('CouponRedeemRequest');

const RedemptionSchema = z
  .object({
    redemption: z.object({
      id: z.string(),
      code: z.string(),
      customerId: z.string(),
      orderId: z.string(),
      orderAmount: z.string().nullable(),
      redeemedAt: z.string(),
    }),
    promotion: z.object({ id: z.string(), name: z.string() }),
    discount: DiscountSchema,
    discountAmount: z
      .string()
      .nullable()
      .openapi({ description: 'The discount on `orderAmount`, when known.' }),
  })
  .openapi('CouponRedemption');

const IdParams = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: '1' }) });
const CodeParams = z.object({
  code: z.string().openapi({ param: { name: 'code', in: 'path' }, example: '7KQ4-M9XP-RT2H' }),
});

const createPromotionRoute = createRoute({
  method: 'post',
  path: '/loyalty/promotions',
  operationId: 'createCouponPromotion',
  tags: TAGS,
  summary: 'Create a promotion (its discount and limits) to issue codes of',
  description: 'A name the workspace already uses: 409 `conflict`.',
  middleware: [requireRole('marketer')] as const,
  request: body(PromotionBody),
  responses: {
    201: json(PromotionSchema, 'The promotion'),
    ...authenticatedErrors({
      403: `A role other than owner, admin or marketer, or ${CSRF_REFUSED}`,
      ...JSON_BODY_ERRORS,
    }),
  },
});

const listPromotionsRoute = createRoute({
  method: 'get',
  path: '/loyalty/promotions',
  operationId: 'listCouponPromotions',
  tags: TAGS,
  summary: 'The 500 newest promotions with their use counts',
  middleware: [readers()] as const,
  responses: {
    200: json(z.object({ items: z.array(PromotionSchema) }).openapi('CouponPromotionList'), 'The promotions'),
    ...authenticatedErrors(),
  },
});

const getPromotionRoute = createRoute({
  method: 'get',
  path: '/loyalty/promotions/{id}',
  operationId: 'getCouponPromotion',
  tags: TAGS,
  summary: 'A promotion with its use count',
  middleware: [readers()] as const,
  request: { params: IdParams },
  responses: {
    200: json(PromotionSchema, 'The promotion'),
    ...authenticatedErrors({ 404: NO_PROMOTION }),
  },
});

const issueRoute = createRoute({
  method: 'post',
  path: '/loyalty/promotions/{id}/coupons',
  operationId: 'issueCoupons',
  tags: TAGS,
  summary: 'Issue codes of a promotion: random (unguessable, no 0/O/1/I/L) or one chosen',
  description: 'A chosen code that exists: 409 `conflict`.',
  middleware: [requireRole('marketer'), knownPromotion()] as const,
  request: { params: IdParams, ...body(IssueBody) },
  responses: {
    201: json(z.object({ coupons: z.array(CouponSchema) }).openapi('CouponList'), 'The codes'),
    ...authenticatedErrors({
      403: `A role other than owner, admin or marketer, or ${CSRF_REFUSED}`,
      404: NO_PROMOTION,
      ...JSON_BODY_ERRORS,
    }),
  },
});

const getCouponRoute = createRoute({
  method: 'get',
  path: '/coupons/{code}',
  operationId: 'getCoupon',
  tags: TAGS,
  summary: 'A code’s state (uses, expiry) and its promotion',
  middleware: [readers()] as const,
  request: { params: CodeParams },
  responses: {
    200: json(
      z.object({ coupon: CouponSchema, promotion: PromotionSchema }).openapi('CouponState'),
      'The code',
    ),
    ...authenticatedErrors({ 404: NO_COUPON }),
  },
});

const redeemRoute = createRoute({
  method: 'post',
  path: '/coupons/{code}/redeem',
  operationId: 'redeemCoupon',
  tags: TAGS,
  summary: 'Redeem a code for a customer’s order (checks and consumes every limit atomically)',
  description:
    'Refused with **409** `conflict` and the reason in `error.message`: the code used up, the promotion’s total reached, the customer’s limit for the promotion reached, the code expired, outside the promotion’s window, issued to another customer, the order below the minimum, or the order redeemed with this code by another customer. Nothing is consumed unless every check passes; concurrent redemptions can never pass a limit.',
  middleware: [requireRole('marketer', 'agent'), knownCoupon()] as const,
  request: { params: CodeParams, ...body(RedeemCouponBody) },
  responses: {
    200: json(RedemptionSchema, 'Redeemed (or redeemed before for this order: the same answer)'),
    ...authenticatedErrors({
      403: `An analyst’s key, or ${CSRF_REFUSED}`,
      404: NO_COUPON,
      ...JSON_BODY_ERRORS,
    }),
  },
});

function instant(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Date.parse(text);
}

/** The coupon routes, to mount under `/api/v1`. */
export function couponRoutes() {
  const router = createRouter();

  router.openapi(createPromotionRoute, async (c) => {
    const { db, now } = c.get('services');
    const input = c.req.valid('json');
    const promotion = await createPromotion(
      db,
      c.get('auth').workspaceId,
      {
        name: input.name,
        discount: input.discount,
        totalLimit: input.totalLimit,
        perCustomerLimit: input.perCustomerLimit,
        minimumOrderCents: input.minimumOrder,
        startsAt: instant(input.startsAt),
        endsAt: instant(input.endsAt),
      },
      now(),
    );
    return c.json(promotionBody(promotion), 201);
  });

  router.openapi(listPromotionsRoute, async (c) => {
    const promotions = await listPromotions(c.get('services').db, c.get('auth').workspaceId, 500);
    return c.json({ items: promotions.map(promotionBody) }, 200);
  });

  router.openapi(getPromotionRoute, async (c) => {
    const promotion = await promotionOf(
      c.get('services').db,
      c.get('auth').workspaceId,
      c.req.valid('param').id,
    );
    return c.json(promotionBody(promotion), 200);
  });

  router.openapi(issueRoute, async (c) => {
    const { db, now } = c.get('services');
    const workspaceId = c.get('auth').workspaceId;
    const promotion = await promotionOf(db, workspaceId, c.req.valid('param').id);
    const input = c.req.valid('json');
    let customerId: number | undefined;
    if (input.customerId !== undefined) {
      customerId = parseRowId(input.customerId);
      if (customerId === undefined) {
        throw new RetainError('invalid_input', 'The request is not valid.', [
          { path: ['json', 'customerId'], message: 'No such customer in this workspace.' },
        ]);
      }
    }
    const coupons = await issueCoupons(
      db,
      workspaceId,
      promotion,
      {
        count: input.count,
        maxUses: input.maxUses,
        expiresAt: instant(input.expiresAt),
        customerId,
        prefix: input.prefix,
        code: input.code,
      },
      now(),
    );
    return c.json({ coupons: coupons.map(couponBody) }, 201);
  });

  router.openapi(getCouponRoute, async (c) => {
    const { db } = c.get('services');
    const workspaceId = c.get('auth').workspaceId;
    const coupon = await couponOf(db, workspaceId, c.req.valid('param').code);
    const promotion = await promotionOf(db, workspaceId, String(coupon.promotionId));
    return c.json({ coupon: couponBody(coupon), promotion: promotionBody(promotion) }, 200);
  });

  router.openapi(redeemRoute, async (c) => {
    const { db, now } = c.get('services');
    const input = c.req.valid('json');
    const customerId = parseRowId(input.customerId);
    if (customerId === undefined) {
      throw new RetainError('invalid_input', 'The request is not valid.', [
        { path: ['json', 'customerId'], message: 'No such customer in this workspace.' },
      ]);
    }
    const answer = await redeemCoupon(
      db,
      c.get('auth').workspaceId,
      c.req.valid('param').code,
      { customerId, orderId: String(input.orderId), orderAmountCents: input.orderAmount },
      now(),
    );
    return c.json(answer, 200);
  });

  return router;
}
