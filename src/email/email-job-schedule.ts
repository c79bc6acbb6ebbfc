/**
 * The e-mail jobs' schedule: the `email.dispatch` job (email-dispatch.ts) that delivers a
 * workspace's due messages in batches, and the `email.sweep` job that finds stuck ones. Both are
 * enqueued by idempotency keys naming an instant, so callers asking for the same instant share a job.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { enqueue } from '../jobs/index.js';
import type { Executor } from './email.repository.js';

/** The job type that delivers a workspace's due messages in batches. */
export const EMAIL_DISPATCH_JOB = 'email.dispatch';
/** The job type of the sweeper. */
export const EMAIL_SWEEP_JOB = 'email.sweep';
/** How often the sweeper runs while messages are pending, ms. */
export const SWEEP_INTERVAL_MS = 15 * 60_000;

/**
 * Enqueues an `email.dispatch` job at `runAt` unless one is already waiting for that instant
 * (dispatch jobs scheduled for the same instant merge into one).
 */
export async function enqueueDispatch(
  db: Executor,
  workspaceId: number,
  runAt: number,
  now: number,
  tag: string,
): Promise<void> {
  const key = `${EMAIL_DISPATCH_JOB}:at:${runAt}`;
  const { job, created } = await enqueue(db as Kysely<Database>, {
    workspaceId,
    type: EMAIL_DISPATCH_JOB,
    payload: {},
    runAt,
    idempotencyKey: key,
    now,
  });
  // That instant's job already ran: a fresh one.
  if (!created && job.status !== 'queued') {
    await enqueue(db as Kysely<Database>, {
      workspaceId,
      type: EMAIL_DISPATCH_JOB,
      payload: {},
      runAt,
      idempotencyKey: `${key}:${tag}`,
      now,
    });
  }
}

/** The sweeper's next run after `now`: the end of the interval after the current one. */
export function nextSweepAt(now: number): number {
  return (Math.floor(now / SWEEP_INTERVAL_MS) + 2) * SWEEP_INTERVAL_MS;
}

/** Schedules the workspace's sweeper (one job per interval, whoever asks). Two statements at most. */
export async function scheduleSweep(db: Executor, workspaceId: number, now: number): Promise<void> {
  const runAt = nextSweepAt(now);
  await enqueue(db as Kysely<Database>, {
    workspaceId,
    type: EMAIL_SWEEP_JOB,
    payload: {},
    runAt,
    idempotencyKey: `${EMAIL_SWEEP_JOB}:${runAt}`,
    now,
  });
}
