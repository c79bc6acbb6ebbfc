/**
 * `/api/v1/loyalty`: thin HTTP over the ledger service. Every role reads a customer's points;
 * marketers and agents (and owners and admins) earn, redeem and adjust; owners and admins change
 * the programme. Customers are named by their id in Retain (`{customerId}`, the `id` of
 * `/api/v1/customers`), so another workspace's customer answers 404.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import { type InputIssue, RetainError } from '../errors/index.js';
import {
  type AppEnv,
  authenticatedErrors,
  CSRF_REFUSED,
  createRouter,
  JSON_BODY_ERRORS,
  requireRole,
} from '../http/index.js';
import { getWorkspace } from '../workspaces/index.js';
import { requestLoyaltyProcessing } from './loyalty.jobs.js';
import {
  ensureProgramme,
  findProgramme,
  inLedgerTransaction,
  rotateStorefrontSecret,
  writeProgrammeSettings,
} from './loyalty.repository.js';
import {
  AdjustBody,
  CustomerPointsSchema,
  EarnBody,
  EarnResultSchema,
  HistoryQuery,
  HistorySchema,
  LedgerWriteSchema,
  LoyaltyCustomerParams,
  ProgrammeSchema,
  RedeemBody,
} from './loyalty.schemas.js';
import {
  adjustPoints,
  checkedCustomerId,
  customerHistory,
  customerPoints,
  earnOrderThroughApi,
  type LedgerAnswer,
  loyaltyCustomer,
  redeemPoints,
} from './loyalty.service.js';
import { loyaltyReport } from './loyalty-report.js';
import { LoyaltySettingsSchema } from './loyalty-settings.js';
import { nextTierOf } from './loyalty-tiers.js';
import { qualifyingOf } from './tier.service.js';

const TAGS = ['Loyalty'];
const readers = () => requireRole('analyst', 'marketer', 'agent');
const writers = () => requireRole('marketer', 'agent');
const NO_CUSTOMER = 'No such customer in the caller’s workspace.';
const WRITE_FORBIDDEN = `An analyst’s key (points are moved by owners, admins, marketers and agents), or ${CSRF_REFUSED}`;

/**
 * 404 for a customer id the workspace does not hold, before the JSON body is validated, so an
 * unknown customer is not found whatever the body says (a body of another type is left to 415).
 */
export const knownCustomer = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const type = c.req.header('Content-Type');
    // Always, except for a body of another type (the validator answers that 415): the handlers
    // rely on this check (checkedCustomerId) and do not query the customer again.
    if (c.req.method === 'GET' || type === undefined || /^application\/json\b/i.test(type)) {
      await loyaltyCustomer(c.get('services').db, c.get('auth').workspaceId, c.req.param('customerId') ?? '');
    }
    await next();
  });

const json = <T>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const body = <T>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });

const getPointsRoute = createRoute({
  method: 'get',
  path: '/loyalty/customers/{customerId}',
  operationId: 'getLoyaltyCustomer',
  tags: TAGS,
  summary: 'A customer’s points: balance, pending, tier and progress to the next one',
  middleware: [readers(), knownCustomer()] as const,
  request: { params: LoyaltyCustomerParams },
  responses: {
    200: json(CustomerPointsSchema, 'The customer’s position (zeros for a customer who never earned)'),
    ...authenticatedErrors({ 404: NO_CUSTOMER }),
  },
});

const historyRoute = createRoute({
  method: 'get',
  path: '/loyalty/customers/{customerId}/entries',
  operationId: 'listLoyaltyEntries',
  tags: TAGS,
  summary: 'A customer’s ledger, newest first (cursor pagination)',
  middleware: [readers(), knownCustomer()] as const,
  request: { params: LoyaltyCustomerParams, query: HistoryQuery },
  responses: {
    200: json(HistorySchema, 'A page of entries'),
    ...authenticatedErrors({ 404: NO_CUSTOMER }),
  },
});

const redeemRoute = createRoute({
  method: 'post',
  path: '/loyalty/customers/{customerId}/redeem',
  operationId: 'redeemLoyaltyPoints',
  tags: TAGS,
  summary: 'Spend points of the customer’s balance (idempotent by `idempotencyKey`)',
  description:
    'One conditional update takes the points only if the balance covers them: concurrent redemptions can never overdraw it. A balance that does not cover `points`: **409** `conflict` (nothing changes; `error.issues[0].path` is `["json","points"]`). A retry with the same `idempotencyKey` and body gets the first answer again, 201 or 409, with the header `Idempotent-Replayed: true`; the key with another body: 409.',
  middleware: [writers(), knownCustomer()] as const,
  request: { params: LoyaltyCustomerParams, ...body(RedeemBody) },
  responses: {
    201: json(LedgerWriteSchema, 'Redeemed: the entry and the balance after it'),
    ...authenticatedErrors({ 403: WRITE_FORBIDDEN, 404: NO_CUSTOMER, ...JSON_BODY_ERRORS }),
  },
});

const adjustRoute = createRoute({
  method: 'post',
  path: '/loyalty/customers/{customerId}/adjust',
  operationId: 'adjustLoyaltyPoints',
  tags: TAGS,
  summary: 'Add or take points with a reason (idempotent by `idempotencyKey`)',
  description:
    'A positive adjustment first pays off any debt left by refunds. A negative one more than the balance: **409** `conflict`, nothing changes. Retries as for redeem.',
  middleware: [writers(), knownCustomer()] as const,
  request: { params: LoyaltyCustomerParams, ...body(AdjustBody) },
  responses: {
    201: json(LedgerWriteSchema, 'Adjusted: the entry and the balance after it'),
    ...authenticatedErrors({ 403: WRITE_FORBIDDEN, 404: NO_CUSTOMER, ...JSON_BODY_ERRORS }),
  },
});

const earnRoute = createRoute({
  method: 'post',
  path: '/loyalty/customers/{customerId}/earn',
  operationId: 'earnLoyaltyPoints',
  tags: TAGS,
  summary: 'Earn an order’s points (once per order, whichever way the order arrives)',
  description:
    'Points = ⌊amount × points per currency unit × the tier’s and promotion’s multiplier⌋, pending for the returns window. An order that earned before — here, by import or by tracking (the same external id) — answers 200 with `entry: null` and changes nothing.',
  middleware: [writers(), knownCustomer()] as const,
  request: { params: LoyaltyCustomerParams, ...body(EarnBody) },
  responses: {
    200: json(EarnResultSchema, 'The order had earned already: nothing changed'),
    201: json(EarnResultSchema, 'Earned'),
    ...authenticatedErrors({ 403: WRITE_FORBIDDEN, 404: NO_CUSTOMER, ...JSON_BODY_ERRORS }),
  },
});

const getProgrammeRoute = createRoute({
  method: 'get',
  path: '/loyalty/programme',
  operationId: 'getLoyaltyProgramme',
  tags: TAGS,
  summary: 'The programme’s rules (defaults filled)',
  middleware: [readers()] as const,
  responses: {
    200: json(ProgrammeSchema, 'The rules'),
    ...authenticatedErrors(),
  },
});

const putProgrammeRoute = createRoute({
  method: 'put',
  path: '/loyalty/programme',
  operationId: 'updateLoyaltyProgramme',
  tags: TAGS,
  summary: 'Replace the programme’s rules (owners and admins)',
  middleware: [requireRole()] as const,
  request: body(LoyaltySettingsSchema),
  responses: {
    200: json(ProgrammeSchema, 'The rules as stored (defaults filled)'),
    ...authenticatedErrors({
      403: `A role other than owner or admin, or ${CSRF_REFUSED}`,
      ...JSON_BODY_ERRORS,
    }),
  },
});

const GroupSchema = z.object({
  buyers: z.number(),
  repeatBuyers: z.number(),
  repeatRate: z
    .number()
    .nullable()
    .openapi({ description: 'Buyers with 2+ orders in the window ÷ buyers (null: none).' }),
  previousBuyers: z.number(),
  retained: z.number(),
  retention: z
    .number()
    .nullable()
    .openapi({ description: 'Buyers of the previous window who bought again in this one ÷ them.' }),
});

const ReportSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    members: z.number().openapi({ description: 'Customers with a points account.' }),
    points: z.object({
      issued: z.number(),
      redeemed: z.number(),
      expired: z.number(),
      reversed: z.number(),
      adjustedDown: z.number(),
    }),
    outstanding: z.object({ balance: z.number(), pending: z.number() }),
    currency: z.string(),
    pointValueCents: z.number(),
    liability: z.object({
      spendable: z
        .string()
        .openapi({ description: 'Outstanding spendable points × point value, in the currency.' }),
      includingPending: z.string(),
    }),
    redemptionRate: z
      .number()
      .nullable()
      .openapi({ description: 'Points redeemed ÷ points issued in the window.' }),
    membersGroup: GroupSchema,
    nonMembersGroup: GroupSchema,
    caveat: z.string(),
  })
  .openapi('LoyaltyReport');

const ReportQuery = z.object({
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ param: { name: 'from', in: 'query' }, description: 'Default: a year before `to`.' }),
  to: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ param: { name: 'to', in: 'query' }, description: 'Default: now.' }),
});

const reportRoute = createRoute({
  method: 'get',
  path: '/loyalty/report',
  operationId: 'getLoyaltyReport',
  tags: TAGS,
  summary: 'The programme report: members, points flows, liability, redemption rate, members vs non-members',
  description:
    'Points issued / redeemed / expired / reversed in [from, to); outstanding points and their liability as of now; repeat rate and retention of members against non-members (docs/metrics.md, "Loyalty"), with the self-selection caveat.',
  middleware: [readers()] as const,
  request: { query: ReportQuery },
  responses: {
    200: json(ReportSchema, 'The report'),
    ...authenticatedErrors(),
  },
});

const StorefrontSecretSchema = z
  .object({
    workspaceId: z.string().openapi({ description: 'The workspace id the token names.' }),
    secret: z.string().openapi({ description: 'The HMAC-SHA256 key storefront tokens are signed with.' }),
  })
  .openapi('LoyaltyStorefrontSecret');

const getSecretRoute = createRoute({
  method: 'get',
  path: '/loyalty/programme/storefront-secret',
  operationId: 'getLoyaltyStorefrontSecret',
  tags: TAGS,
  summary: 'The storefront secret your shop’s server signs customer tokens with (owners and admins)',
  middleware: [requireRole()] as const,
  responses: {
    200: json(StorefrontSecretSchema, 'The secret'),
    ...authenticatedErrors({ 403: 'A role other than owner or admin.' }),
  },
});

const rotateSecretRoute = createRoute({
  method: 'post',
  path: '/loyalty/programme/storefront-secret',
  operationId: 'rotateLoyaltyStorefrontSecret',
  tags: TAGS,
  summary: 'Replace the storefront secret (tokens signed with the old one stop working at once)',
  middleware: [requireRole()] as const,
  responses: {
    200: json(StorefrontSecretSchema, 'The new secret'),
    ...authenticatedErrors({ 403: `A role other than owner or admin, or ${CSRF_REFUSED}` }),
  },
});

/**
 * The body of a ledger write's answer; a stored error answer (409) is thrown as the RetainError it
 * was, so the one error map answers it with the same body.
 */
function answer(stored: LedgerAnswer): { body: never } {
  if (stored.status >= 400) {
    const error = (stored.body as { error: { code: 'conflict'; message: string; issues?: InputIssue[] } })
      .error;
    throw new RetainError(error.code, error.message, error.issues ?? []);
  }
  return { body: stored.body as never };
}

/** The loyalty routes, to mount under `/api/v1` (behind `authenticate()`). */
export function loyaltyRoutes() {
  const router = createRouter();

  router.openapi(getPointsRoute, async (c) => {
    const { db, now } = c.get('services');
    const workspaceId = c.get('auth').workspaceId;
    const customerId = checkedCustomerId(c.req.valid('param').customerId);
    const { account, programme } = await customerPoints(db, workspaceId, customerId, now());
    const workspace = await getWorkspace(db, workspaceId);
    const pointValue = programme?.settings.pointValueCents ?? 1;
    const valueCents = Math.round(account.balance * pointValue);
    return c.json(
      {
        customerId: String(customerId),
        balance: account.balance,
        pending: account.pending,
        debt: account.debt,
        earned: account.earned,
        tier: account.tier,
        nextTier:
          programme === undefined
            ? null
            : nextTierOf(
                programme.settings,
                account,
                await qualifyingOf(db, workspaceId, programme.settings, customerId, now()),
              ),
        balanceValue: (valueCents / 100).toFixed(2),
        currency: workspace?.settings.currency ?? 'USD',
        referralCode: account.referralCode,
      },
      200,
    );
  });

  router.openapi(historyRoute, async (c) => {
    const { db } = c.get('services');
    const workspaceId = c.get('auth').workspaceId;
    const customerId = checkedCustomerId(c.req.valid('param').customerId);
    const query = c.req.valid('query');
    return c.json(await customerHistory(db, workspaceId, customerId, query), 200);
  });

  router.openapi(redeemRoute, async (c) => {
    const { db, now } = c.get('services');
    const workspaceId = c.get('auth').workspaceId;
    const customerId = checkedCustomerId(c.req.valid('param').customerId);
    const request = c.req.valid('json');
    const result = await replaying(c, () => redeemPoints(db, workspaceId, customerId, request, now()));
    return c.json(result.body, 201);
  });

  router.openapi(adjustRoute, async (c) => {
    const { db, now } = c.get('services');
    const workspaceId = c.get('auth').workspaceId;
    const customerId = checkedCustomerId(c.req.valid('param').customerId);
    const request = c.req.valid('json');
    const result = await replaying(c, () => adjustPoints(db, workspaceId, customerId, request, now()));
    return c.json(result.body, 201);
  });

  router.openapi(earnRoute, async (c) => {
    const { db, now } = c.get('services');
    const workspaceId = c.get('auth').workspaceId;
    const customerId = checkedCustomerId(c.req.valid('param').customerId);
    const request = c.req.valid('json');
    const at = now();
    const orderedAt = request.orderedAt === undefined ? at : Date.parse(request.orderedAt);
    const result = await earnOrderThroughApi(
      db,
      workspaceId,
      customerId,
      { orderId: request.orderId, amountCents: request.amount, orderedAt },
      at,
    );
    return result.status === 201 ? c.json(result.body as never, 201) : c.json(result.body as never, 200);
  });

  router.openapi(getProgrammeRoute, async (c) => {
    const { db, now } = c.get('services');
    const programme =
      (await findProgramme(db, c.get('auth').workspaceId)) ??
      (await ensureProgramme(db, c.get('auth').workspaceId, now()));
    return c.json({ settings: programme.settings }, 200);
  });

  router.openapi(putProgrammeRoute, async (c) => {
    const { db, now } = c.get('services');
    const workspaceId = c.get('auth').workspaceId;
    const settings = c.req.valid('json');
    const at = now();
    await inLedgerTransaction(db, async (trx) => {
      await ensureProgramme(trx, workspaceId, at);
      await writeProgrammeSettings(trx, workspaceId, settings as unknown as Record<string, unknown>, at);
      // Starts the programme's schedule (earning, settling, expiry) if it has none waiting.
      await requestLoyaltyProcessing(trx, workspaceId, { reason: 'api', now: at });
    });
    return c.json({ settings: (await findProgramme(db, workspaceId))!.settings }, 200);
  });

  router.openapi(reportRoute, async (c) => {
    const { db, now } = c.get('services');
    const query = c.req.valid('query');
    const to = query.to === undefined ? now() : Date.parse(query.to);
    const from = query.from === undefined ? to - 365 * 86_400_000 : Date.parse(query.from);
    if (!(from < to) || to - from > 10 * 366 * 86_400_000) {
      throw new RetainError('invalid_input', 'The request is not valid.', [
        { path: ['query', 'from'], message: '`from` must be before `to`, at most 10 years apart.' },
      ]);
    }
    return c.json(await loyaltyReport(db, c.get('auth').workspaceId, from, to), 200);
  });

  router.openapi(getSecretRoute, async (c) => {
    const { db, now } = c.get('services');
    const workspaceId = c.get('auth').workspaceId;
    const programme = await ensureProgramme(db, workspaceId, now());
    return c.json({ workspaceId: String(workspaceId), secret: programme.storefrontSecret }, 200);
  });

  router.openapi(rotateSecretRoute, async (c) => {
    const { db, now } = c.get('services');
    const workspaceId = c.get('auth').workspaceId;
    const at = now();
    await ensureProgramme(db, workspaceId, at);
    const secret = await rotateStorefrontSecret(db, workspaceId, at);
    return c.json({ workspaceId: String(workspaceId), secret }, 200);
  });

  return router;
}

/** Runs a ledger write, marking a replayed answer with `Idempotent-Replayed: true`. */
export async function replaying(
  c: { header(name: string, value: string): void },
  write: () => Promise<LedgerAnswer>,
): Promise<{ body: never }> {
  const result = await write();
  if (result.replayed) c.header('Idempotent-Replayed', 'true');
  return answer(result);
}
