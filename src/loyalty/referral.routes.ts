/**
 * Referrals over HTTP: a member's code and referrals, and recording a referral by code (what the
 * shop's server calls when a new customer signs up with a code; a tracked `Signed Up` with a
 * `referral_code` property does the same through the programme's job).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { RetainError } from '../errors/index.js';
import {
  authenticatedErrors,
  CSRF_REFUSED,
  createRouter,
  JSON_BODY_ERRORS,
  requireRole,
} from '../http/index.js';
import { knownCustomer } from './loyalty.routes.js';
import { LoyaltyCustomerParams } from './loyalty.schemas.js';
import { checkedCustomerId, loyaltyCustomer } from './loyalty.service.js';
import { customerReferrals, referByCode } from './referral.service.js';

const TAGS = ['Loyalty'];
const json = <T>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

const ReferralSchema = z
  .object({
    id: z.string(),
    referrerId: z.string(),
    referredId: z.string(),
    status: z.enum(['pending', 'rewarded']),
    createdAt: z.string(),
    rewardedAt: z.string().nullable(),
  })
  .openapi('LoyaltyReferral');

const CustomerReferralsSchema = z
  .object({
    customerId: z.string(),
    code: z.string().nullable().openapi({ description: 'The member’s referral code (made on first read).' }),
    weeklyCap: z.number().int(),
    thisWeek: z
      .number()
      .int()
      .openapi({ description: 'Referrals in the last 7 days (counted against the cap).' }),
    referrals: z.array(ReferralSchema),
    referredBy: ReferralSchema.nullable(),
  })
  .openapi('LoyaltyCustomerReferrals');

const ReferBody = z
  .object({
    code: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .openapi({ description: 'The referrer’s code, as typed.', example: 'K7QM4XPR' }),
    customerId: z
      .string()
      .max(20)
      .openapi({ description: 'The new customer referred (their id in Retain).' }),
  })
  .openapi('LoyaltyReferRequest');

const customerReferralsRoute = createRoute({
  method: 'get',
  path: '/loyalty/customers/{customerId}/referrals',
  operationId: 'getLoyaltyCustomerReferrals',
  tags: TAGS,
  summary: 'A member’s referral code, referrals (newest 100) and who referred them',
  middleware: [requireRole('analyst', 'marketer', 'agent'), knownCustomer()] as const,
  request: { params: LoyaltyCustomerParams },
  responses: {
    200: json(CustomerReferralsSchema, 'The referrals'),
    ...authenticatedErrors({ 404: 'No such customer in the caller’s workspace.' }),
  },
});

const referRoute = createRoute({
  method: 'post',
  path: '/loyalty/referrals',
  operationId: 'createLoyaltyReferral',
  tags: TAGS,
  summary: 'Record that a new customer was referred by the member whose code they used',
  description:
    'Both sides earn the programme’s referral points once the referred customer’s first order is paid and its returns window has passed. **201** recorded; **200** the same pair again; **400** an unknown code (`json.code`) or customer (`json.customerId`); **409** `conflict` with `error.issues[0].code` `self_referral` (the same customer or the same normalised e-mail), `already_referred`, `existing_customer` (has ordered before) or `weekly_cap`.',
  middleware: [requireRole('marketer', 'agent')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: ReferBody } } } },
  responses: {
    200: json(z.object({ referral: ReferralSchema }), 'Recorded before: nothing changed'),
    201: json(z.object({ referral: ReferralSchema }).openapi('LoyaltyReferralWrite'), 'Recorded'),
    ...authenticatedErrors({ 403: `An analyst’s key, or ${CSRF_REFUSED}`, ...JSON_BODY_ERRORS }),
  },
});

/** The referral routes, to mount under `/api/v1`. */
export function referralRoutes() {
  const router = createRouter();
  router.openapi(customerReferralsRoute, async (c) => {
    const { db, now } = c.get('services');
    const customerId = checkedCustomerId(c.req.valid('param').customerId);
    return c.json(await customerReferrals(db, c.get('auth').workspaceId, customerId, now(), 100), 200);
  });
  router.openapi(referRoute, async (c) => {
    const { db, now } = c.get('services');
    const workspaceId = c.get('auth').workspaceId;
    const input = c.req.valid('json');
    const referredId = await loyaltyCustomer(db, workspaceId, input.customerId).catch((error: unknown) => {
      if (!(error instanceof RetainError && error.code === 'not_found')) throw error;
      throw new RetainError('invalid_input', 'The request is not valid.', [
        { path: ['json', 'customerId'], message: 'No such customer in this workspace.' },
      ]);
    });
    const outcome = await referByCode(db, workspaceId, { code: input.code, referredId }, now());
    if (outcome === undefined) {
      throw new RetainError('invalid_input', 'The request is not valid.', [
        { path: ['json', 'code'], message: 'No member has this referral code.' },
      ]);
    }
    if (!outcome.ok) {
      throw new RetainError('conflict', outcome.message, [
        { path: ['json', 'customerId'], message: outcome.message, code: outcome.reason },
      ]);
    }
    return outcome.created
      ? c.json({ referral: outcome.referral }, 201)
      : c.json({ referral: outcome.referral }, 200);
  });
  return router;
}
