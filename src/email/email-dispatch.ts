/**
 * Delivering due messages in batches (the `email.dispatch` job) and sweeping up stuck ones (the
 * `email.sweep` job).
 *
 * A batch costs a few statements whatever its size: the due messages (one per customer for
 * marketing mail, so frequency caps see each send before the next), their customers, the
 * suppressions and the frequency-cap instants, then the skips, holds and outbox entries grouped,
 * the claim — one `UPDATE … RETURNING` putting every message to send under the `sending` lease
 * *before* any SMTP call; the cap instants are read, and the claim written, in one transaction
 * holding the cap turn of the batch's customers (`withCapTurn`), so two dispatchers, in one
 * process or two, never both pass a customer's cap — the sends (several in flight over the pooled transport), and one
 * statement recording every acceptance. The guarantees of the one-message path
 * (email-delivery.ts) hold: a message is handed to SMTP only while it holds its lease; one whose
 * acceptance was not recorded (the process was killed) stays `sending` and becomes `unknown` when
 * its lease ends — never sent again, at most once. The window is wider (a whole batch's
 * acceptances are recorded together), the guarantee is the same.
 *
 * The sweeper finds what no job will finish: `sending` past its lease (→ `unknown`), `queued`
 * overdue by more than `SWEEP_GRACE_MS` (its job is dead or lost → a dispatch now). It keeps
 * itself scheduled every `SWEEP_INTERVAL_MS` while the workspace has messages queued or sending,
 * and queueing a message schedules it (one job per interval: the idempotency key names it).
 */
import type { Kysely, Transaction } from 'kysely';
import { findCustomers } from '../customers/index.js';
import type { Database, EmailMessageRow, RowId } from '../db/index.js';
import type { JobHandler } from '../jobs/index.js';
import {
  claimMessages,
  type Executor,
  expireSendingMessages,
  findDueMessages,
  findSuppressedHashes,
  marketingInstantsOf,
  pendingMessages,
  recordSentMessages,
  updateMessages,
  withCapTurn,
} from './email.repository.js';
import { batchSkipReason } from './email-bulk.js';
import { addressHash } from './email-crypto.js';
import { mailOf, recordFailure, SENDING_LEASE_MS, UNKNOWN_OUTCOME } from './email-delivery.js';
import { type EmailEnvironment, emailEnvironment } from './email-environment.js';
import { enqueueDispatch, scheduleSweep } from './email-job-schedule.js';
import { endOfQuietHours, WEEK_MS } from './email-schedule.js';
import { getEmailSettings, smtpUrlFor } from './email-settings.js';
import { transportFor } from './email-transport.js';

/** Messages a dispatch batch takes. */
export const DISPATCH_BATCH = 200;
/** Messages handed to the SMTP transport at once (its pool spreads them over its connections). */
export const SEND_CONCURRENCY = 16;
/** How long one `email.dispatch` job sends before it hands over to a new one, ms. */
export const DISPATCH_BUDGET_MS = 20_000;
/** A queued message this long overdue has lost its job: the sweeper dispatches it, ms. */
export const SWEEP_GRACE_MS = SENDING_LEASE_MS;

/** What one dispatch batch did, in messages. */
export interface DispatchCounts {
  sent: number;
  outbox: number;
  skipped: number;
  held: number;
  retry: number;
  bounced: number;
  failed: number;
  /** Claimed, then not handed over: the lease was half gone (queued again). */
  released: number;
  /** Messages the batch looked at (0: nothing was due). */
  handled: number;
}

function emptyCounts(): DispatchCounts {
  return {
    sent: 0,
    outbox: 0,
    skipped: 0,
    held: 0,
    retry: 0,
    bounced: 0,
    failed: 0,
    released: 0,
    handled: 0,
  };
}

/** Ids grouped by a key (one update per group). */
function groupIds<Key>(entries: readonly [Key, RowId][]): Map<Key, RowId[]> {
  const groups = new Map<Key, RowId[]>();
  for (const [key, id] of entries) groups.set(key, [...(groups.get(key) ?? []), id]);
  return groups;
}

/**
 * Delivers up to `DISPATCH_BATCH` messages of the workspace due at `now` (see the file comment):
 * checked again at send time like `deliverMessage` (erasure, suppression, consent, frequency caps
 * → skipped; quiet hours → held), kept in the outbox without SMTP, else claimed and sent.
 */
export async function dispatchBatch(
  db: Kysely<Database>,
  workspaceId: number,
  context: { readonly now: number; readonly environment: EmailEnvironment; readonly limit?: number },
): Promise<DispatchCounts> {
  const { now, environment } = context;
  const counts = emptyCounts();
  const due = await findDueMessages(db, workspaceId, now, context.limit ?? DISPATCH_BATCH);
  // One marketing message per customer a batch: the caps then count each send before the next.
  const customersTaken = new Set<number>();
  const batch = due.filter((message) => {
    if (message.category !== 'marketing') return true;
    if (customersTaken.has(Number(message.customer_id))) return false;
    customersTaken.add(Number(message.customer_id));
    return true;
  });
  counts.handled = batch.length;
  if (batch.length === 0) return counts;

  const settings = await getEmailSettings(db, workspaceId, now);
  let smtpUrl: string | null;
  try {
    smtpUrl = smtpUrlFor(settings, environment);
  } catch (error) {
    // The workspace's SMTP URL no longer opens with RETAIN_SECRET_KEY: no retry can send them.
    counts.failed = await updateMessages(
      db,
      workspaceId,
      batch.map((message) => message.id),
      ['queued'],
      {
        status: 'failed',
        last_error: (error instanceof Error ? error.message : String(error)).slice(0, 1_000),
        updated_at: now,
      },
    );
    return counts;
  }

  const customers = new Map(
    (
      await findCustomers(
        db,
        workspaceId,
        batch.map((message) => message.customer_id),
      )
    ).map((customer) => [Number(customer.id), customer]),
  );
  const holds: [number, RowId][] = [];
  const checked: EmailMessageRow[] = [];
  for (const message of batch) {
    const customer = customers.get(Number(message.customer_id));
    if (customer !== undefined && message.category === 'marketing') {
      const resume = endOfQuietHours(now, customer.time_zone, settings.quietHours);
      if (resume > now) {
        holds.push([resume, message.id]);
        continue;
      }
    }
    checked.push(message);
  }
  for (const [resume, ids] of groupIds(holds)) {
    counts.held += await updateMessages(db, workspaceId, ids, ['queued'], {
      send_after: resume,
      updated_at: now,
    });
  }

  const suppressed = await findSuppressedHashes(
    db,
    workspaceId,
    checked.flatMap((message) =>
      message.to_address === null || message.to_address.trim() === ''
        ? []
        : [addressHash(message.to_address)],
    ),
  );
  const marketing = checked.filter((message) => message.category === 'marketing');
  // The cap decision and the claim acting on it are one turn per customer (withCapTurn): another
  // sender deciding for the same customer meanwhile would not see this batch's claims.
  const decide = async (executor: Executor): Promise<EmailMessageRow[]> => {
    const instants = await marketingInstantsOf(
      executor,
      workspaceId,
      marketing.map((message) => message.customer_id),
      { from: now - WEEK_MS, to: now + 1 },
      marketing.map((message) => message.id),
    );
    const skips: [string, RowId][] = [];
    const go: EmailMessageRow[] = [];
    for (const message of checked) {
      const customer = customers.get(Number(message.customer_id));
      const reason =
        customer === undefined
          ? 'erased'
          : batchSkipReason({
              customer,
              category: message.category,
              toAddress: message.to_address,
              suppressed,
              instants: instants.get(Number(message.customer_id)) ?? [],
              plannedAt: now,
              settings,
              sending: true,
            });
      if (reason === null) go.push(message);
      else skips.push([reason, message.id]);
    }
    for (const [reason, ids] of groupIds(skips)) {
      counts.skipped += await updateMessages(executor, workspaceId, ids, ['queued'], {
        status: 'skipped',
        skip_reason: reason,
        updated_at: now,
      });
    }
    if (go.length === 0) return [];
    if (smtpUrl === null) {
      counts.outbox = await updateMessages(
        executor,
        workspaceId,
        go.map((message) => message.id),
        ['queued'],
        { status: 'outbox', sent_at: now, updated_at: now },
      );
      return [];
    }
    return claimMessages(
      executor,
      workspaceId,
      go.map((message) => message.id),
      now,
      now + SENDING_LEASE_MS,
    );
  };
  const claimedAt = performance.now();
  const claimed =
    marketing.length === 0
      ? await decide(db)
      : await withCapTurn(
          db,
          workspaceId,
          marketing.map((message) => message.customer_id),
          decide,
        );
  if (claimed.length === 0 || smtpUrl === null) return counts;
  const transport = transportFor(smtpUrl);
  const accepted: { id: RowId; response: string }[] = [];
  const failures: { message: EmailMessageRow; error: unknown }[] = [];
  const released: RowId[] = [];
  let next = 0;
  const lane = async () => {
    while (next < claimed.length) {
      const message = claimed[next] as EmailMessageRow;
      next += 1;
      // Hand a message over only while its lease has at least half left: an answer recorded
      // after the lease ended would race the sweeper.
      if (performance.now() - claimedAt > SENDING_LEASE_MS / 2) {
        released.push(message.id);
        continue;
      }
      try {
        const info: { response?: string | undefined } = await transport.sendMail(
          mailOf(message, settings, environment),
        );
        accepted.push({ id: message.id, response: info.response ?? '' });
      } catch (error) {
        failures.push({ message, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SEND_CONCURRENCY, claimed.length) }, lane));
  // The server accepted them: record that before anything else.
  counts.sent = await recordSentMessages(db, workspaceId, accepted, now);
  for (const { message, error } of failures) {
    const outcome = await recordFailure(db, message, message.attempts, error, now);
    if (outcome.status === 'retry') counts.retry += 1;
    else if (outcome.status === 'bounced') counts.bounced += 1;
    else counts.failed += 1;
  }
  counts.released = await updateMessages(db, workspaceId, released, ['sending'], {
    status: 'queued',
    sending_until: null,
    updated_at: now,
  });
  return counts;
}

/** What a sweep found. */
export interface SweepOutcome {
  /** `sending` past the lease, now `unknown`. */
  readonly expired: number;
  /** Whether queued messages were overdue (a dispatch was enqueued). */
  readonly overdue: boolean;
}

/**
 * Sweeps the workspace's stuck messages at `now` (see the file comment); `trx`: the transaction
 * of the sweep job's completion, which also holds its next run and any dispatch.
 */
export async function sweepMessages(
  trx: Transaction<Database>,
  workspaceId: number,
  now: number,
): Promise<SweepOutcome> {
  const expired = await expireSendingMessages(trx, workspaceId, now, UNKNOWN_OUTCOME);
  const pending = await pendingMessages(trx, workspaceId);
  const overdue = pending.nextQueuedAt !== null && pending.nextQueuedAt < now - SWEEP_GRACE_MS;
  if (overdue) await enqueueDispatch(trx, workspaceId, now, now, `sweep:${now}`);
  if (pending.nextQueuedAt !== null || pending.sending > 0) await scheduleSweep(trx, workspaceId, now);
  return { expired, overdue };
}

/**
 * The `email.dispatch` handler: batches until nothing is due or `DISPATCH_BUDGET_MS` passed, then
 * (with its completion) a dispatch at the next planned instant — now when it stopped for time, or
 * the earliest queued message (a retry, quiet hours) — so a workspace's mail never waits for a job.
 */
export function emailDispatchHandler(environment?: EmailEnvironment): JobHandler {
  return async (job, context) => {
    const settingsOf = environment ?? emailEnvironment();
    const started = performance.now();
    // A dispatcher killed mid-batch left messages `sending`: past their lease they are `unknown`.
    await expireSendingMessages(context.db, job.workspaceId, context.now(), UNKNOWN_OUTCOME);
    let more = false;
    for (;;) {
      if (context.signal.aborted) {
        more = true;
        break;
      }
      const counts = await dispatchBatch(context.db, job.workspaceId, {
        now: context.now(),
        environment: settingsOf,
      });
      if (counts.handled === 0) break;
      if (performance.now() - started > DISPATCH_BUDGET_MS) {
        more = true;
        break;
      }
    }
    const now = context.now();
    await context.completeWith(async (trx) => {
      const pending = await pendingMessages(trx, job.workspaceId);
      const runAt = more ? now : pending.nextQueuedAt;
      if (runAt !== null) {
        await enqueueDispatch(
          trx,
          job.workspaceId,
          Math.max(runAt, now),
          now,
          `after:${job.id}:${job.attempts}`,
        );
      }
    });
  };
}

/** The `email.sweep` handler. */
export const emailSweepHandler: JobHandler = async (job, context) => {
  const now = context.now();
  await context.completeWith((trx) => sweepMessages(trx, job.workspaceId, now));
};
