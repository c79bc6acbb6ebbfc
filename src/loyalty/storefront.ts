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
import { type Database, fromJson, isUniqueViolation, type RowId } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import type { AppEnv } from '../http/index.js';
import { newCouponCode } from './coupon-code.js';
import { emptyAccount, ensureAccount, findAccount, findProgramme } from './loyalty.repository.js';
import { nextTierOf } from './loyalty-tiers.js';
import { readStorefrontToken, verifyStorefrontToken } from './storefront-token.js';
import { STOREFRONT_WIDGET_JS } from './storefront-widget.js';

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

/** The customer's referral code, made on first use (8 readable characters, unique per workspace). */
async function referralCodeOf(db: Kysely<Database>, workspaceId: number, customerId: RowId, now: number) {
  const account = await findAccount(db, workspaceId, customerId);
  if (account?.referralCode) return account.referralCode;
  await ensureAccount(db, workspaceId, customerId, now);
  for (let attempt = 0; attempt < 5; attempt++) {
    const code = newCouponCode().slice(0, 8);
    try {
      const result = await db
        .updateTable('loyalty_account')
        .set({ referral_code: code })
        .where('workspace_id', '=', workspaceId)
        .where('customer_id', '=', customerId)
        .where('referral_code', 'is', null)
        .executeTakeFirst();
      if (result.numUpdatedRows === 1n) return code;
      return (await findAccount(db, workspaceId, customerId))?.referralCode ?? null;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  return null;
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
  const next = settings === undefined ? null : nextTierOf(settings, account);
  const rewards = await db
    .selectFrom('loyalty_reward')
    .select(['id', 'name', 'kind', 'cost_points', 'tiers', 'stock', 'claimed', 'starts_at', 'ends_at'])
    .where('workspace_id', '=', workspaceId)
    .where('active', '=', 1)
    .orderBy('cost_points')
    .limit(50)
    .execute();
  const open = rewards.filter(
    (reward) =>
      (reward.starts_at === null || reward.starts_at <= now) &&
      (reward.ends_at === null || now < reward.ends_at) &&
      (reward.tiers === null || fromJson<string[]>(reward.tiers).includes(account.tier ?? '')),
  );
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
    progress: next === null || next.threshold === 0 ? 1 : Math.min(1, account.earned / next.threshold),
    balanceValue: ((account.balance * (settings?.pointValueCents ?? 1)) / 100).toFixed(2),
    currency,
    rewards: open.map((reward) => ({
      id: String(reward.id),
      name: reward.name,
      kind: reward.kind,
      costPoints: Number(reward.cost_points),
      available: reward.stock === null || Number(reward.claimed) < Number(reward.stock),
      affordable: account.balance >= Number(reward.cost_points),
    })),
    referralCode: await referralCodeOf(db, workspaceId, customerId, now),
  };
}

/** The storefront routes, to mount at the root (`/storefront/…`). */
export function storefrontRoutes() {
  const router = new Hono<AppEnv>();
  router.use(
    '/storefront/v1/*',
    cors({ origin: '*', allowMethods: ['GET', 'OPTIONS'], allowHeaders: ['Authorization'], maxAge: 86_400 }),
  );
  router.get('/storefront/v1/loyalty', async (c) => {
    const { db, now } = c.get('services');
    const at = now();
    const { workspaceId, customerId } = await storefrontCustomer(db, c.req.header('Authorization'), at);
    c.header('Cache-Control', 'no-store');
    return c.json(await storefrontView(db, workspaceId, customerId, at), 200);
  });
  router.get('/storefront/widget.js', (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(STOREFRONT_WIDGET_JS);
  });
  return router;
}
