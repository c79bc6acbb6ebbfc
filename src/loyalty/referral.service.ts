/**
 * Referrals: each member has a code (8 readable characters, unique per workspace, made on first
 * use); a new customer who arrives with it is recorded as referred (through the API or a tracked
 * `Signed Up` event carrying `referral_code`), and both sides earn the programme's referral points
 * once the referred customer's first order is paid and its returns window has passed (the
 * `loyalty.process` job). Refused: referring oneself (the same customer, or the same normalised
 * e-mail), a customer already referred or who has ordered before, and more than the weekly cap of
 * referrals per referrer (rolling 7 days). The referrer's account row is locked while the cap is
 * counted, so concurrent referrals cannot pass it together.
 */
import type { Kysely } from 'kysely';
import { findCustomer } from '../customers/index.js';
import { type Database, isUniqueViolation, type RowId } from '../db/index.js';
import { newCouponCode } from './coupon-code.js';
import {
  credit,
  ensureAccount,
  findAccount,
  findProgramme,
  inLedgerTransaction,
  lockLiveCustomer,
} from './loyalty.repository.js';
import type { LoyaltySettings } from './loyalty-settings.js';
import { lockTierRow } from './tier.repository.js';
import { reviewTier } from './tier.service.js';

const DAY_MS = 86_400_000;
export const REFERRAL_CODE_LENGTH = 8;

/**
 * An e-mail address as referrals compare them: trimmed, lower case, without a `+tag`, and for
 * Gmail without dots in the local part (Gmail ignores them). Null for text without a local part and
 * a domain. Example: ` Ann.Lee+shop@GoogleMail.com ` → `annlee@gmail.com`.
 */
export function normaliseReferralEmail(email: string | null): string | null {
  if (email === null) return null;
  const text = email.trim().toLowerCase();
  const at = text.lastIndexOf('@');
  if (at < 1 || at === text.length - 1) return null;
  let local = text.slice(0, at).split('+')[0] ?? '';
  let domain = text.slice(at + 1);
  if (domain === 'googlemail.com') domain = 'gmail.com';
  if (domain === 'gmail.com') local = local.replaceAll('.', '');
  return local === '' ? null : `${local}@${domain}`;
}

/** The customer's referral code, made on first use (unique per workspace; a clash is redrawn). */
export async function referralCodeOf(
  db: Kysely<Database>,
  workspaceId: number,
  customerId: RowId,
  now: number,
): Promise<string | null> {
  const account = await findAccount(db, workspaceId, customerId);
  if (account?.referralCode) return account.referralCode;
  await ensureAccount(db, workspaceId, customerId, now);
  for (let attempt = 0; attempt < 5; attempt++) {
    const code = newCouponCode().slice(0, REFERRAL_CODE_LENGTH);
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

/** The member whose referral code this is (case, spaces and dashes ignored), or undefined. */
export async function referrerByCode(
  db: Kysely<Database>,
  workspaceId: number,
  codeText: string,
): Promise<RowId | undefined> {
  const code = codeText.replace(/[\s-]+/g, '').toUpperCase();
  if (!/^[A-Z0-9]{1,64}$/.test(code)) return undefined;
  const row = await db
    .selectFrom('loyalty_account')
    .select('customer_id')
    .where('workspace_id', '=', workspaceId)
    .where('referral_code', '=', code)
    .executeTakeFirst();
  return row?.customer_id;
}

/** A referral as the API shows it. */
export interface ReferralBody {
  readonly id: string;
  readonly referrerId: string;
  readonly referredId: string;
  readonly status: 'pending' | 'rewarded';
  readonly createdAt: string;
  readonly rewardedAt: string | null;
}

function referralBody(row: {
  id: RowId;
  referrer_id: RowId;
  referred_id: RowId;
  status: 'pending' | 'rewarded';
  created_at: number;
  rewarded_at: number | null;
}): ReferralBody {
  return {
    id: String(row.id),
    referrerId: String(row.referrer_id),
    referredId: String(row.referred_id),
    status: row.status,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    rewardedAt: row.rewarded_at === null ? null : new Date(Number(row.rewarded_at)).toISOString(),
  };
}

/** Why a referral was refused. */
export type ReferralRefusal = 'self_referral' | 'already_referred' | 'existing_customer' | 'weekly_cap';

export type ReferralOutcome =
  | { readonly ok: true; readonly created: boolean; readonly referral: ReferralBody }
  | { readonly ok: false; readonly reason: ReferralRefusal; readonly message: string };

async function referralOf(trx: Kysely<Database>, workspaceId: number, referredId: RowId) {
  return trx
    .selectFrom('loyalty_referral')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('referred_id', '=', referredId)
    .executeTakeFirst();
}

/**
 * Records that `referrerId` referred `referredId`, inside a ledger transaction (see the file
 * comment for the refusals). The same pair again answers the stored referral (`created: false`).
 */
export async function recordReferral(
  trx: Kysely<Database>,
  workspaceId: number,
  settings: LoyaltySettings,
  pair: { readonly referrerId: RowId; readonly referredId: RowId },
  now: number,
): Promise<ReferralOutcome> {
  const { referrerId, referredId } = pair;
  const existing = await referralOf(trx, workspaceId, referredId);
  if (existing !== undefined) {
    if (existing.referrer_id === referrerId)
      return { ok: true, created: false, referral: referralBody(existing) };
    return { ok: false, reason: 'already_referred', message: 'This customer was referred by someone else.' };
  }
  const referrer = await findCustomer(trx, workspaceId, referrerId);
  const referred = await findCustomer(trx, workspaceId, referredId);
  const referrerEmail = normaliseReferralEmail(referrer?.email ?? null);
  if (
    referrerId === referredId ||
    (referrerEmail !== null && referrerEmail === normaliseReferralEmail(referred?.email ?? null))
  ) {
    return { ok: false, reason: 'self_referral', message: 'A customer cannot refer themselves.' };
  }
  const ordered = await trx
    .selectFrom('loyalty_order')
    .select('order_ref')
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', referredId)
    .limit(1)
    .executeTakeFirst();
  const orderedBefore =
    ordered ??
    (await trx
      .selectFrom('customer_order')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', referredId)
      .where('status', '!=', 'cancelled')
      .limit(1)
      .executeTakeFirst());
  if (orderedBefore !== undefined) {
    return {
      ok: false,
      reason: 'existing_customer',
      message: 'This customer has ordered before: only new customers can be referred.',
    };
  }
  // The referrer's account row is the lock that serialises its referrals (PostgreSQL).
  await ensureAccount(trx, workspaceId, referrerId, now);
  await lockTierRow(trx, workspaceId, referrerId);
  const recent = await trx
    .selectFrom('loyalty_referral')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('workspace_id', '=', workspaceId)
    .where('referrer_id', '=', referrerId)
    .where('created_at', '>', now - 7 * DAY_MS)
    .executeTakeFirst();
  if (Number(recent?.count ?? 0) >= settings.referral.weeklyCap) {
    return {
      ok: false,
      reason: 'weekly_cap',
      message: `The referrer has reached the cap of ${settings.referral.weeklyCap} referrals in 7 days.`,
    };
  }
  const inserted = await trx
    .insertInto('loyalty_referral')
    .values({
      workspace_id: workspaceId,
      referrer_id: referrerId,
      referred_id: referredId,
      status: 'pending',
      created_at: now,
    })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'referred_id']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted === undefined) {
    const raced = await referralOf(trx, workspaceId, referredId);
    if (raced !== undefined && raced.referrer_id === referrerId)
      return { ok: true, created: false, referral: referralBody(raced) };
    return { ok: false, reason: 'already_referred', message: 'This customer was referred by someone else.' };
  }
  await ensureAccount(trx, workspaceId, referredId, now);
  return { ok: true, created: true, referral: referralBody(inserted) };
}

/** `recordReferral` in a transaction of its own, the referrer named by its code. */
export async function referByCode(
  db: Kysely<Database>,
  workspaceId: number,
  request: { readonly code: string; readonly referredId: RowId },
  now: number,
): Promise<ReferralOutcome | undefined> {
  const referrerId = await referrerByCode(db, workspaceId, request.code);
  if (referrerId === undefined) return undefined;
  return inLedgerTransaction(db, async (trx) => {
    const programme = await findProgramme(trx, workspaceId);
    if (programme === undefined) return undefined;
    return recordReferral(
      trx,
      workspaceId,
      programme.settings,
      { referrerId, referredId: request.referredId },
      now,
    );
  });
}

/** A member's code and referrals (newest first), with how many count against this week's cap. */
export async function customerReferrals(
  db: Kysely<Database>,
  workspaceId: number,
  customerId: RowId,
  now: number,
  limit: number,
) {
  const programme = await findProgramme(db, workspaceId);
  const rows = await db
    .selectFrom('loyalty_referral')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('referrer_id', '=', customerId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  const referredBy = await referralOf(db, workspaceId, customerId);
  return {
    customerId: String(customerId),
    code: await referralCodeOf(db, workspaceId, customerId, now),
    weeklyCap: programme?.settings.referral.weeklyCap ?? 5,
    thisWeek: rows.filter((row) => Number(row.created_at) > now - 7 * DAY_MS).length,
    referrals: rows.map(referralBody),
    referredBy: referredBy === undefined ? null : referralBody(referredBy),
  };
}

/**
 * Rewards the workspace's pending referrals whose referred customer's first order (the first that
 * earned, by any path) has passed its returns window and was not refunded in full: both sides earn
 * once (entries keyed `referral:<id>:referrer|referred`, and the referral's status moves from
 * pending by a conditional update). Returns the referrals rewarded.
 */
export async function rewardReferrals(
  db: Kysely<Database>,
  workspaceId: number,
  now: number,
  batch = 200,
): Promise<number> {
  let after: RowId = 0;
  let rewarded = 0;
  for (;;) {
    const read = await inLedgerTransaction(db, async (trx) => {
      const programme = await findProgramme(trx, workspaceId);
      if (programme === undefined) return 0;
      const pending = await trx
        .selectFrom('loyalty_referral')
        .select(['id', 'referrer_id', 'referred_id'])
        .where('workspace_id', '=', workspaceId)
        .where('status', '=', 'pending')
        .where('id', '>', after)
        .orderBy('id')
        .limit(batch)
        .execute();
      for (const referral of pending) {
        after = referral.id;
        const first = await trx
          .selectFrom('loyalty_order')
          .select(['order_id', 'amount_cents', 'refunded_cents', 'available_at'])
          .where('workspace_id', '=', workspaceId)
          .where('customer_id', '=', referral.referred_id)
          .orderBy('created_at')
          .orderBy('order_ref')
          .limit(1)
          .executeTakeFirst();
        if (first === undefined || Number(first.available_at) > now) continue;
        if (Number(first.refunded_cents) >= Number(first.amount_cents)) continue;
        const moved = await trx
          .updateTable('loyalty_referral')
          .set({ status: 'rewarded', rewarded_at: now, order_id: first.order_id })
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', referral.id)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (moved.numUpdatedRows !== 1n) continue;
        rewarded += 1;
        const { referrerPoints, referredPoints } = programme.settings.referral;
        for (const [side, customerId, points] of [
          ['referrer', referral.referrer_id, referrerPoints],
          ['referred', referral.referred_id, referredPoints],
        ] as const) {
          // An erased side earns nothing (its referral rows go with the erasure, loyalty-privacy.ts;
          // this lock waits for one in progress).
          if (points <= 0 || !(await lockLiveCustomer(trx, workspaceId, customerId))) continue;
          await credit(trx, workspaceId, {
            customerId,
            kind: 'earn',
            points,
            reason:
              side === 'referrer' ? 'Referral: a referred customer’s first order' : 'Referred: first order',
            source: 'referral',
            sourceRef: String(referral.id),
            idempotencyKey: `referral:${referral.id}:${side}`,
            now,
          });
          await reviewTier(trx, workspaceId, programme.settings, customerId, now);
        }
      }
      return pending.length;
    });
    if (read < batch) return rewarded;
  }
}
