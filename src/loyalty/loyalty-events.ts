/**
 * Points for events, each earned once (the ledger entry's idempotency key says what it is for):
 * - `Signed Up` (tracked): the sign-up points, once per customer (`event:signup:<customer>`); a
 *   `referral_code` (or `referralCode`) property records the referral (referral.service.ts);
 * - `Product Reviewed` (tracked): the review points, once per review (`review_id`, else the
 *   event's message id: `event:review:<id>`);
 * - the birthday (the customer's `birthday` attribute, `YYYY-MM-DD` or `MM-DD`): the birthday
 *   points once a year (`event:birthday:<customer>:<year>`), to members, by the job's daily pass.
 * Tracked events are read by the earning job's events pass (loyalty-earning.ts) with the orders.
 */
import { type Kysely, sql } from 'kysely';
import { type Database, dialectOf, fromJson, type RowId } from '../db/index.js';
import {
  credit,
  findProgramme,
  inLedgerTransaction,
  lockLiveCustomer,
  type Programme,
} from './loyalty.repository.js';
import { recordReferral, referrerByCode } from './referral.service.js';
import { reviewTier } from './tier.service.js';

const DAY_MS = 86_400_000;

/** The tracked events the earning job reads. */
export const EARNING_EVENT_NAMES = ['Order Completed', 'Signed Up', 'Product Reviewed'] as const;

/** Credits event points (settled at once) and reviews the tier; false when the key earned before. */
async function earnEventPoints(
  trx: Kysely<Database>,
  workspaceId: number,
  programme: Programme,
  entry: { customerId: RowId; points: number; reason: string; sourceRef: string; key: string },
  now: number,
): Promise<boolean> {
  if (entry.points <= 0) return false;
  // Under the lock erasure takes: no points for a customer erased meanwhile (loyalty-privacy.ts).
  if (!(await lockLiveCustomer(trx, workspaceId, entry.customerId))) return false;
  const outcome = await credit(trx, workspaceId, {
    customerId: entry.customerId,
    kind: 'earn',
    points: entry.points,
    reason: entry.reason,
    source: 'event',
    sourceRef: entry.sourceRef,
    idempotencyKey: entry.key,
    now,
  });
  if (outcome.entry === undefined) return false;
  await reviewTier(trx, workspaceId, programme.settings, entry.customerId, now);
  return true;
}

/**
 * Earns what a tracked `Signed Up` or `Product Reviewed` event gives (inside the earning job's
 * ledger transaction). Returns whether points were credited.
 */
export async function earnForEvent(
  trx: Kysely<Database>,
  workspaceId: number,
  programme: Programme,
  event: {
    id: RowId;
    name: string;
    customer_id: RowId | null;
    message_id: string | null;
    properties: string;
  },
  now: number,
): Promise<boolean> {
  if (event.customer_id === null) return false;
  const properties = fromJson<Record<string, unknown>>(event.properties);
  const { events } = programme.settings;
  if (event.name === 'Signed Up') {
    const code = properties.referral_code ?? properties.referralCode;
    if (typeof code === 'string' && code.length <= 64) {
      const referrerId = await referrerByCode(trx, workspaceId, code);
      if (referrerId !== undefined) {
        // A refusal (self-referral, cap) records nothing; the sign-up still earns.
        await recordReferral(
          trx,
          workspaceId,
          programme.settings,
          { referrerId, referredId: event.customer_id },
          now,
        );
      }
    }
    return earnEventPoints(
      trx,
      workspaceId,
      programme,
      {
        customerId: event.customer_id,
        points: events.signUp,
        reason: 'Sign-up',
        sourceRef: 'Signed Up',
        key: `event:signup:${event.customer_id}`,
      },
      now,
    );
  }
  if (event.name === 'Product Reviewed') {
    const reviewId = properties.review_id ?? properties.reviewId;
    const reference =
      typeof reviewId === 'string' || typeof reviewId === 'number'
        ? String(reviewId).slice(0, 200)
        : `message:${event.message_id ?? event.id}`;
    return earnEventPoints(
      trx,
      workspaceId,
      programme,
      {
        customerId: event.customer_id,
        points: events.review,
        reason: 'Review',
        sourceRef: reference,
        key: `event:review:${reference}`,
      },
      now,
    );
  }
  return false;
}

/** `MM-DD` of a UTC day number. */
function monthDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(5, 10);
}

/**
 * The birthday pass of the job: once per UTC day (the programme's `birthdays_through`), members
 * whose `birthday` attribute falls on a day since the last pass (at most the last 7 days) earn the
 * birthday points of that year, `batch` members per transaction. Returns the members credited.
 */
export async function awardBirthdays(
  db: Kysely<Database>,
  workspaceId: number,
  now: number,
  batch = 500,
): Promise<number> {
  const programme = await findProgramme(db, workspaceId);
  if (programme === undefined) return 0;
  const today = Math.floor(now / DAY_MS);
  const row = await db
    .selectFrom('loyalty_programme')
    .select('birthdays_through')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  const through = Number(row?.birthdays_through ?? 0);
  if (through >= today) return 0;
  let credited = 0;
  if (programme.settings.events.birthday > 0) {
    const birthday =
      dialectOf(db) === 'postgres'
        ? sql<string | null>`c.attributes->>'birthday'`
        : sql<string | null>`json_extract(c.attributes, '$.birthday')`;
    for (let day = Math.max(through + 1, today - 6); day <= today; day++) {
      const suffix = monthDay(day);
      const year = new Date(day * DAY_MS).getUTCFullYear();
      let after: RowId = 0;
      for (;;) {
        const read = await inLedgerTransaction(db, async (trx) => {
          const members = await trx
            .selectFrom('loyalty_account as a')
            .innerJoin('customer as c', (join) =>
              join.onRef('c.workspace_id', '=', 'a.workspace_id').onRef('c.id', '=', 'a.customer_id'),
            )
            .select('a.customer_id')
            .where('a.workspace_id', '=', workspaceId)
            .where('a.customer_id', '>', after)
            .where('c.erased_at', 'is', null)
            .where(birthday, 'like', `%${suffix}`)
            .orderBy('a.customer_id')
            .limit(batch)
            .execute();
          for (const member of members) {
            after = member.customer_id;
            const earned = await earnEventPoints(
              trx,
              workspaceId,
              programme,
              {
                customerId: member.customer_id,
                points: programme.settings.events.birthday,
                reason: 'Birthday',
                sourceRef: String(year),
                key: `event:birthday:${member.customer_id}:${year}`,
              },
              now,
            );
            if (earned) credited += 1;
          }
          return members.length;
        });
        if (read < batch) break;
      }
    }
  }
  await db
    .updateTable('loyalty_programme')
    .set({ birthdays_through: today })
    .where('workspace_id', '=', workspaceId)
    .execute();
  return credited;
}
