/**
 * The `loyalty.process` job: per workspace with a programme, earns new orders, orders that were
 * pending and completed since, and tracked sign-ups and reviews, reverses new refunds
 * (loyalty-earning.ts), settles points whose returns window has passed, expires points by the
 * programme's rule (with the advance notices), awards birthdays (once a day), rewards referrals
 * whose first order has passed its returns window, reviews every member's tier (downgrades after
 * the grace period), and asks for its next run an hour later. Asked
 * for by an import's transaction, by tracking (throttled, a minute later), and by the schedule;
 * debounced as `segments.recompute` is: at most one waiting job per workspace.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/index.js';
import { enqueue, expediteJob, type Job, type JobHandler, listJobs } from '../jobs/index.js';
import { findProgramme } from './loyalty.repository.js';
import { expirePoints, settleDuePoints } from './loyalty.service.js';
import { earnFromNewOrders } from './loyalty-earning.js';
import { awardBirthdays } from './loyalty-events.js';
import { rewardReferrals } from './referral.service.js';
import { reviewAllTiers } from './tier.service.js';

export const LOYALTY_PROCESS_JOB = 'loyalty.process';
/** How often a workspace's programme runs when nothing asks sooner (settling and expiry need time). */
export const LOYALTY_PROCESS_EVERY_MS = 3_600_000;
/** Tracking asks for a run this long after its calls, which the calls of that minute share. */
export const LOYALTY_TRACKING_DELAY_MS = 60_000;

export interface LoyaltyProcessPayload {
  readonly reason: 'import' | 'tracking' | 'schedule' | 'api';
}

/**
 * Asks for the workspace's `loyalty.process` at `now + delayMs` when the workspace has a
 * programme (else nothing: a workspace without loyalty gets no jobs). Pass the transaction of the
 * change that calls for it. Two to three queries.
 */
export async function requestLoyaltyProcessing(
  db: Kysely<Database> | Transaction<Database>,
  workspaceId: number,
  request: LoyaltyProcessPayload & { readonly now: number; readonly delayMs?: number },
): Promise<Job<LoyaltyProcessPayload> | null> {
  const executor = db as Kysely<Database>;
  if ((await findProgramme(executor, workspaceId)) === undefined) return null;
  const runAt = request.now + (request.delayMs ?? 0);
  const [latest] = await listJobs(executor, workspaceId, { type: LOYALTY_PROCESS_JOB, limit: 1 });
  if (
    latest?.status === 'queued' &&
    (await expediteJob(executor, workspaceId, latest.id, runAt, { now: request.now }))
  ) {
    return latest as Job<LoyaltyProcessPayload>;
  }
  const { job } = await enqueue<LoyaltyProcessPayload>(executor, {
    workspaceId,
    type: LOYALTY_PROCESS_JOB,
    payload: { reason: request.reason },
    runAt,
    idempotencyKey: `${LOYALTY_PROCESS_JOB}:after:${latest?.id ?? 0}`,
    maxAttempts: 5,
    now: request.now,
  });
  return job;
}

const lastRequestedByStore = new WeakMap<Kysely<Database>, Map<number, number>>();

/**
 * `requestLoyaltyProcessing` for tracking's hot path: at most one look per workspace every 10 s in
 * this process; never throws (the hourly schedule earns anyway).
 */
export async function requestLoyaltyProcessingThrottled(
  db: Kysely<Database>,
  workspaceId: number,
  now: number,
): Promise<void> {
  let lastRequested = lastRequestedByStore.get(db);
  if (lastRequested === undefined) lastRequestedByStore.set(db, (lastRequested = new Map()));
  const last = lastRequested.get(workspaceId);
  if (last !== undefined && now >= last && now - last < 10_000) return;
  lastRequested.set(workspaceId, now);
  if (lastRequested.size > 10_000) lastRequested.clear();
  try {
    await requestLoyaltyProcessing(db, workspaceId, {
      reason: 'tracking',
      now,
      delayMs: LOYALTY_TRACKING_DELAY_MS,
    });
  } catch (error) {
    lastRequested.delete(workspaceId);
    console.error('[loyalty] processing request failed:', error);
  }
}

/** Everything one run does, at `now`. */
export async function processLoyalty(db: Kysely<Database>, workspaceId: number, now: number) {
  const earning = await earnFromNewOrders(db, workspaceId, now);
  const settled = await settleDuePoints(db, workspaceId, now);
  const expiry = await expirePoints(db, workspaceId, now);
  const birthdays = await awardBirthdays(db, workspaceId, now);
  const referralsRewarded = await rewardReferrals(db, workspaceId, now);
  const tierChanges = await reviewAllTiers(db, workspaceId, now);
  return { ...earning, customersSettled: settled, ...expiry, birthdays, referralsRewarded, tierChanges };
}

export const loyaltyProcessJobHandler: JobHandler<LoyaltyProcessPayload> = async (job, context) => {
  const now = context.now();
  await processLoyalty(context.db, job.workspaceId, now);
  await requestLoyaltyProcessing(context.db, job.workspaceId, {
    reason: 'schedule',
    now,
    delayMs: LOYALTY_PROCESS_EVERY_MS,
  });
};

/** Handlers to give the `Worker` (`cli/job-handlers.ts`). */
export const loyaltyJobHandlers: Readonly<Record<string, JobHandler>> = {
  [LOYALTY_PROCESS_JOB]: loyaltyProcessJobHandler as JobHandler,
};
