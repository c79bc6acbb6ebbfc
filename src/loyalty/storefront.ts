/**
 * The customer-facing side: `GET /storefront/v1/loyalty` (JSON, authenticated by a storefront
 * token — storefront-token.ts) and `GET /storefront/widget.js` (the embeddable widget). Mounted
 * outside `/api/v1`: no API key or session, any origin may call it (CORS `*`, no cookies: the
 * token is the credential), rate-limited per token.
 */
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { Kysely } from 'kysely';
import { findCustomerByExternalId } from '../customers/index.js';
import { type Database, fromJson, parseRowId, type RowId } from '../db/index.js';
import { notFound, RetainError } from '../errors/index.js';
import type { AppEnv } from '../http/index.js';
import { emptyAccount, findAccount, findProgramme } from './loyalty.repository.js';
import { IdempotencyKey } from './loyalty.schemas.js';
import { nextTierOf } from './loyalty-tiers.js';
import { referralCodeOf } from './referral.service.js';
import { claimReward, rewardsForCustomer } from './reward.service.js';
import { readStorefrontToken, verifyStorefrontToken } from './storefront-token.js';
import { STOREFRONT_WIDGET_JS } from './storefront-widget.js';
import { qualifyingOf } from './tier.service.js';

/** Rewards the storefront view lists (the cheapest first). */
const MAX_STOREFRONT_REWARDS = 50;

const REFUSED = 'The storefront token is not valid (forged, altered, expired or for no known customer).';

/** The workspace and customer a request's token names, or `unauthenticated`. */
export async function storefrontCustomer(
  db: Kysely<Database>,
  authorization: string | undefined,
  now: number,
): Promise<{ workspaceId: number; customerId: RowId }> {
  const text = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  const token = text === undefined ? undefined : readStorefrontToken(text);
  if (token === undefined) throw new RetainError('unauthenticated', REFUSED);
  const programme = await findProgramme(db, token.workspaceId);
  if (programme === undefined || !verifyStorefrontToken(programme.storefrontSecret, token, now)) {
    throw new RetainError('unauthenticated', REFUSED);
  }
  const customer = await findCustomerByExternalId(db, token.workspaceId, token.externalId);
  if (customer === undefined || customer.erased_at !== null)
    throw new RetainError('unauthenticated', REFUSED);
  return { workspaceId: token.workspaceId, customerId: customer.id };
}

/** What the storefront shows a signed-in customer. */
export async function storefrontView(
  db: Kysely<Database>,
  workspaceId: number,
  customerId: RowId,
  now: number,
) {
  const programme = await findProgramme(db, workspaceId);
  const account = (await findAccount(db, workspaceId, customerId)) ?? emptyAccount(customerId, now);
  const settings = programme?.settings;
  const qualifying =
    settings === undefined ? 0 : await qualifyingOf(db, workspaceId, settings, customerId, now);
  const next = settings === undefined ? null : nextTierOf(settings, account, qualifying);
  const level = settings?.tiers.levels.find((candidate) => candidate.name === account.tier);
  const rewards = await rewardsForCustomer(db, workspaceId, customerId, now);
  const workspace = await db
    .selectFrom('workspace')
    .select('settings')
    .where('id', '=', workspaceId)
    .executeTakeFirst();
  const currency =
    workspace === undefined ? 'USD' : (fromJson<{ currency?: string }>(workspace.settings).currency ?? 'USD');
  return {
    balance: account.balance,
    pending: account.pending,
    tier: account.tier,
    nextTier: next,
    progress: next === null || next.threshold === 0 ? 1 : Math.min(1, qualifying / next.threshold),
    earlyAccess: level?.earlyAccess ?? false,
    balanceValue: ((account.balance * (settings?.pointValueCents ?? 1)) / 100).toFixed(2),
    currency,
    rewards: rewards.slice(0, MAX_STOREFRONT_REWARDS).map((reward) => ({
      id: reward.id,
      name: reward.name,
      kind: reward.kind,
      description: reward.description,
      costPoints: reward.costPoints,
      exclusive: reward.exclusive,
      available: reward.available,
      affordable: reward.affordable,
    })),
    referralCode: await referralCodeOf(db, workspaceId, customerId, now),
  };
}

/**
 * CORS of the storefront API: any shop's pages call it from the browser with a storefront token
 * (never a cookie), so every origin may. One policy for every `/storefront/v1` router (loyalty's,
 * feedback's survey widget).
 */
export const storefrontCors = cors({
  origin: '*',
  allowMethods: ['GET', 'POST', 'OPTIONS'],
  allowHeaders: ['Authorization', 'Content-Type'],
  maxAge: 86_400,
});

/** The storefront routes, to mount at the root (`/storefront/…`). */
export function storefrontRoutes() {
  const router = new Hono<AppEnv>();
  router.use('/storefront/v1/*', storefrontCors);
  router.get('/storefront/v1/loyalty', async (c) => {
    const { db, now } = c.get('services');
    const at = now();
    const { workspaceId, customerId } = await storefrontCustomer(db, c.req.header('Authorization'), at);
    c.header('Cache-Control', 'no-store');
    return c.json(await storefrontView(db, workspaceId, customerId, at), 200);
  });
  // Claims a reward for the signed-in customer: `{ "idempotencyKey" }` → 201 the claim (with its
  // coupon code), 409 when it cannot be claimed; a retry with the key answers the same.
  router.post('/storefront/v1/loyalty/rewards/:rewardId/claim', async (c) => {
    const { db, now } = c.get('services');
    const at = now();
    const { workspaceId, customerId } = await storefrontCustomer(db, c.req.header('Authorization'), at);
    c.header('Cache-Control', 'no-store');
    const rewardId = parseRowId(c.req.param('rewardId'));
    if (rewardId === undefined) throw notFound('Reward');
    if (!/^application\/json\b/i.test(c.req.header('Content-Type') ?? '')) {
      throw new RetainError(
        'unsupported_media_type',
        'The body must be JSON (Content-Type: application/json).',
      );
    }
    const text = await c.req.text();
    if (text.length > 4096) {
      throw new RetainError('invalid_input', 'The request is not valid.', [
        { path: ['json'], message: 'At most 4 KB.' },
      ]);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new RetainError('invalid_input', 'The body is not valid JSON.', [
        { path: ['json'], message: 'Not JSON.' },
      ]);
    }
    const key = IdempotencyKey.safeParse((parsed as { idempotencyKey?: unknown } | null)?.idempotencyKey);
    if (!key.success) {
      throw new RetainError('invalid_input', 'The request is not valid.', [
        {
          path: ['json', 'idempotencyKey'],
          message: 'Required: printable ASCII without spaces, 1–255 characters.',
        },
      ]);
    }
    const answer = await claimReward(
      db,
      workspaceId,
      customerId,
      rewardId,
      // Keys are the customer's own: another customer's same key is another request.
      { key: `storefront:${customerId}:${key.data}` },
      at,
    );
    if (answer.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(answer.body as never, answer.status as 201 | 409);
  });
  router.get('/storefront/widget.js', (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(STOREFRONT_WIDGET_JS);
  });
  return router;
}
