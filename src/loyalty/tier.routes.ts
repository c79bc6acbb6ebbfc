/**
 * `/api/v1/loyalty/tiers` and a customer's tier: thin HTTP over tier.service.ts. Every role reads;
 * owners and admins change the tiers (they are part of the programme's rules).
 */
import { createRoute, z } from '@hono/zod-openapi';
import {
  authenticatedErrors,
  CSRF_REFUSED,
  createRouter,
  JSON_BODY_ERRORS,
  requireRole,
} from '../http/index.js';
import { requestLoyaltyProcessing } from './loyalty.jobs.js';
import { knownCustomer } from './loyalty.routes.js';
import { LoyaltyCustomerParams, TierProgressSchema } from './loyalty.schemas.js';
import { checkedCustomerId } from './loyalty.service.js';
import { LoyaltySettingsSchema } from './loyalty-settings.js';
import { customerTier, replaceTiers, tierConfiguration } from './tier.service.js';

const TAGS = ['Loyalty'];
const readers = () => requireRole('analyst', 'marketer', 'agent');
const json = <T>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

/** The tier rules as `PUT /loyalty/tiers` takes them (the `tiers` part of the programme's settings). */
export const TiersBody = LoyaltySettingsSchema.shape.tiers.unwrap().openapi('LoyaltyTiersRequest');

const TierLevelSchema = z.object({
  name: z.string(),
  threshold: z.number().openapi({ description: 'Points earned, or spend in cents, over the window.' }),
  multiplier: z.number().openapi({ description: 'Earning multiplier of the tier’s members.' }),
  benefits: z.array(z.string()),
  earlyAccess: z.boolean(),
  members: z.number().int().openapi({ description: 'Members holding the tier now.' }),
});

const TiersSchema = z
  .object({
    basis: z.enum(['points_earned', 'spend']),
    window: z.enum(['rolling_12_months', 'calendar_year']),
    downgradeGraceDays: z.number().int(),
    levels: z.array(TierLevelSchema).openapi({ description: 'Lowest threshold first.' }),
  })
  .openapi('LoyaltyTiers');

const CustomerTierSchema = z
  .object({
    customerId: z.string(),
    tier: z.string().nullable(),
    since: z.string().nullable(),
    basis: z.enum(['points_earned', 'spend']),
    window: z.object({ kind: z.enum(['rolling_12_months', 'calendar_year']), from: z.string() }),
    qualifying: z
      .number()
      .openapi({ description: 'Points earned (less refund reversals) or cents spent in the window.' }),
    benefits: z.object({ multiplier: z.number(), earlyAccess: z.boolean(), benefits: z.array(z.string()) }),
    nextTier: TierProgressSchema.nullable(),
    downgradeAt: z.string().nullable().openapi({
      description:
        'When the member drops to the tier it qualifies for, if it stays below its tier’s threshold until then; null: it qualifies.',
    }),
    history: z.array(
      z.object({
        id: z.string(),
        from: z.string().nullable(),
        to: z.string().nullable(),
        reason: z.string(),
        at: z.string(),
      }),
    ),
  })
  .openapi('LoyaltyCustomerTier');

const getTiersRoute = createRoute({
  method: 'get',
  path: '/loyalty/tiers',
  operationId: 'getLoyaltyTiers',
  tags: TAGS,
  summary: 'The tiers: basis, qualification window, downgrade grace, levels with their members',
  middleware: [readers()] as const,
  responses: { 200: json(TiersSchema, 'The tiers'), ...authenticatedErrors() },
});

const putTiersRoute = createRoute({
  method: 'put',
  path: '/loyalty/tiers',
  operationId: 'updateLoyaltyTiers',
  tags: TAGS,
  summary: 'Replace the tiers (owners and admins); members are reviewed by the next programme run',
  description:
    'Upgrades apply at once when a member earns, downgrades after `downgradeGraceDays` below the threshold. Tier names must differ (400 naming `json.levels[i].name`).',
  middleware: [requireRole()] as const,
  request: { body: { required: true, content: { 'application/json': { schema: TiersBody } } } },
  responses: {
    200: json(TiersSchema, 'The tiers as stored'),
    ...authenticatedErrors({
      403: `A role other than owner or admin, or ${CSRF_REFUSED}`,
      ...JSON_BODY_ERRORS,
    }),
  },
});

const HistoryLimit = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(50)
    .openapi({ param: { name: 'limit', in: 'query' }, description: 'Tier changes to list, newest first.' }),
});

const customerTierRoute = createRoute({
  method: 'get',
  path: '/loyalty/customers/{customerId}/tier',
  operationId: 'getLoyaltyCustomerTier',
  tags: TAGS,
  summary: 'A customer’s tier, benefits, progress, pending downgrade and tier history',
  middleware: [readers(), knownCustomer()] as const,
  request: { params: LoyaltyCustomerParams, query: HistoryLimit },
  responses: {
    200: json(CustomerTierSchema, 'The tier'),
    ...authenticatedErrors({ 404: 'No such customer in the caller’s workspace.' }),
  },
});

/** The tier routes, to mount under `/api/v1`. */
export function tierRoutes() {
  const router = createRouter();
  router.openapi(getTiersRoute, async (c) => {
    const { db, now } = c.get('services');
    return c.json(await tierConfiguration(db, c.get('auth').workspaceId, now()), 200);
  });
  router.openapi(putTiersRoute, async (c) => {
    const { db, now } = c.get('services');
    const workspaceId = c.get('auth').workspaceId;
    const at = now();
    await replaceTiers(db, workspaceId, c.req.valid('json'), at);
    await requestLoyaltyProcessing(db, workspaceId, { reason: 'api', now: at });
    return c.json(await tierConfiguration(db, workspaceId, at), 200);
  });
  router.openapi(customerTierRoute, async (c) => {
    const { db, now } = c.get('services');
    const customerId = checkedCustomerId(c.req.valid('param').customerId);
    const { limit } = c.req.valid('query');
    return c.json(await customerTier(db, c.get('auth').workspaceId, customerId, now(), limit), 200);
  });
  return router;
}
