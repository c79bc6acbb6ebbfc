/**
 * Delivering one queued message: the `email.send` job's work.
 *
 * Never twice for a dedupe key. The message row is the record of progress, moved by
 * compare-and-set updates: `queued` → `sending` (with a lease, `sending_until`, written *before*
 * the SMTP call) → `sent` once the server accepted it (250 after DATA). A process killed between
 * the server's acceptance and that last write leaves the row `sending`; when its job is claimed
 * again (the job lease expired) and the message lease has passed, the message is recorded as
 * `unknown` and **not sent again**: at most once, by design. A second copy is worse for a
 * marketing message than a missing one, and nothing tells us which happened (SMTP has no way to
 * ask a server whether it holds a message). The outbox shows `unknown` messages for a person to
 * judge; their Message-ID (`<id.workspace.retain@domain>`, stable for the message) finds them in
 * the SMTP server's logs.
 *
 * Failures: a 4xx reply (and a connection that fails before the server answered) is retried with
 * exponential backoff (1 min, 2 min, 4 min … capped at 1 h, `MAX_SMTP_ATTEMPTS` in all) by a new
 * job; a 5xx reply to the recipient (RCPT TO) is a hard bounce — the message is `bounced` and the
 * address suppressed; any other 5xx fails the message without retry. The one window where a copy
 * could go twice: a connection lost after the message was sent but before the server's reply came
 * (no reply code); it is retried, with the same Message-ID, so the receiving side can tell.
 */
import type { Kysely } from 'kysely';
import { findCustomer } from '../customers/index.js';
import type { Database, EmailMessageRow, RowId } from '../db/index.js';
import { enqueue } from '../jobs/index.js';
import {
  type Executor,
  findMessage,
  insertSuppression,
  updateMessage,
  withCapTurn,
} from './email.repository.js';
import { EMAIL_SEND_JOB, type EmailSendPayload, linkUrl, skipReasonFor } from './email.service.js';
import { addressHash, signLink } from './email-crypto.js';
import type { EmailEnvironment } from './email-environment.js';
import { endOfQuietHours } from './email-schedule.js';
import { type EmailSettings, getEmailSettings, smtpUrlFor } from './email-settings.js';
import { SMTP_TIMEOUT_MS, transportFor } from './email-transport.js';

/** SMTP attempts a message gets before it is `failed`. */
export const MAX_SMTP_ATTEMPTS = 8;
/** The lease of a message being sent: past it, a `sending` message's outcome is unknown. */
export const SENDING_LEASE_MS = 4 * SMTP_TIMEOUT_MS;

/** Why a message is `unknown`: its sender's lease ended between the claim and the recorded answer. */
export const UNKNOWN_OUTCOME =
  'The sender stopped after handing the message to the SMTP server and before recording its answer; not sent again (at most once).';

/** Wait before SMTP attempt `attempt + 1` after attempt `attempt` failed with a 4xx. */
export function smtpRetryDelayMs(attempt: number): number {
  return Math.min(3_600_000, 60_000 * 2 ** Math.max(0, attempt - 1));
}

/** What became of a delivery attempt. */
export type DeliveryOutcome =
  | {
      readonly status: 'sent' | 'outbox' | 'bounced' | 'failed' | 'unknown' | 'skipped' | 'missing' | 'final';
    }
  | { readonly status: 'retry'; readonly runAt: number; readonly error: string }
  | { readonly status: 'held'; readonly runAt: number };

/** How an SMTP error is handled. */
function classify(error: unknown): 'retry' | 'bounce' | 'fail' {
  const { responseCode, command } = error as { responseCode?: unknown; command?: unknown };
  if (typeof responseCode !== 'number') return 'retry';
  if (responseCode >= 400 && responseCode < 500) return 'retry';
  if (responseCode >= 500 && command === 'RCPT TO') return 'bounce';
  // A refused login is the operator's to fix: retried, not failed.
  if (responseCode === 535 || responseCode === 530) return 'retry';
  return 'fail';
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 1_000);
}

/**
 * Runs one delivery attempt of a message (see the file comment). Re-checks, at send time, the
 * customer's erasure, suppression, consent and the frequency caps (skipped with the reason) and
 * quiet hours (held until they end). Without SMTP configured the message goes to the outbox.
 */
export async function deliverMessage(
  db: Kysely<Database>,
  workspaceId: number,
  messageId: RowId,
  context: { readonly now: number; readonly environment: EmailEnvironment },
): Promise<DeliveryOutcome> {
  const { now, environment } = context;
  const message = await findMessage(db, workspaceId, messageId);
  if (message === undefined) return { status: 'missing' };
  if (message.status === 'sending') {
    // Another sender holds it (this job's earlier claim stalled and was taken over): look again
    // when its lease ends, by a new job, rather than spend this job's attempts waiting.
    if ((message.sending_until ?? 0) > now) return { status: 'held', runAt: Number(message.sending_until) };
    const moved = await updateMessage(db, workspaceId, messageId, ['sending'], {
      status: 'unknown',
      sending_until: null,
      last_error: UNKNOWN_OUTCOME,
      updated_at: now,
    });
    return moved ? { status: 'unknown' } : { status: 'final' };
  }
  if (message.status !== 'queued') return { status: 'final' };
  if (message.send_after > now) return { status: 'held', runAt: message.send_after };

  const settings = await getEmailSettings(db, workspaceId, now);
  const customer = await findCustomer(db, workspaceId, message.customer_id);
  if (customer === undefined) return { status: 'missing' };
  if (message.category === 'marketing') {
    const resume = endOfQuietHours(now, customer.time_zone, settings.quietHours);
    if (resume > now) {
      await updateMessage(db, workspaceId, messageId, ['queued'], { send_after: resume, updated_at: now });
      return { status: 'held', runAt: resume };
    }
  }
  let smtpUrl: string | null;
  let smtpProblem: unknown = null;
  try {
    smtpUrl = smtpUrlFor(settings, environment);
  } catch (error) {
    // The workspace's SMTP URL no longer opens with RETAIN_SECRET_KEY: no retry can send it.
    smtpUrl = null;
    smtpProblem = error;
  }
  const attempt = message.attempts + 1;
  // The cap decision and the claim acting on it: one turn per customer for marketing mail
  // (withCapTurn), so a concurrent sender of the customer's other messages counts this one.
  const decide = async (executor: Executor): Promise<DeliveryOutcome | null> => {
    const reason = await skipReasonFor(executor, {
      workspaceId,
      customer,
      category: message.category,
      toAddress: message.to_address,
      settings,
      plannedAt: now,
      messageId,
      sending: true,
    });
    if (reason !== null) {
      await updateMessage(executor, workspaceId, messageId, ['queued'], {
        status: 'skipped',
        skip_reason: reason,
        updated_at: now,
      });
      return { status: 'skipped' };
    }
    if (smtpProblem !== null) {
      await updateMessage(executor, workspaceId, messageId, ['queued'], {
        status: 'failed',
        last_error: errorText(smtpProblem),
        updated_at: now,
      });
      return { status: 'failed' };
    }
    if (smtpUrl === null) {
      const moved = await updateMessage(executor, workspaceId, messageId, ['queued'], {
        status: 'outbox',
        sent_at: now,
        updated_at: now,
      });
      return moved ? { status: 'outbox' } : { status: 'final' };
    }
    const claimed = await updateMessage(executor, workspaceId, messageId, ['queued'], {
      status: 'sending',
      attempts: attempt,
      // The hand-over instant: what frequency caps count until `sent_at` is written.
      send_after: now,
      sending_until: now + SENDING_LEASE_MS,
      updated_at: now,
    });
    return claimed ? null : { status: 'final' };
  };
  const decided =
    message.category === 'marketing'
      ? await withCapTurn(db, workspaceId, [message.customer_id], decide)
      : await decide(db);
  if (decided !== null || smtpUrl === null) return decided ?? { status: 'final' };

  let info: { response?: string | undefined };
  try {
    info = await transportFor(smtpUrl).sendMail(mailOf(message, settings, environment));
  } catch (error) {
    return recordFailure(db, message, attempt, error, now);
  }
  // The server accepted it: record that before anything else.
  await updateMessage(db, workspaceId, messageId, ['sending'], {
    status: 'sent',
    sent_at: now,
    sending_until: null,
    smtp_response: (info.response ?? '').slice(0, 1_000),
    last_error: null,
    updated_at: now,
  });
  return { status: 'sent' };
}

/** The nodemailer message of a row: its stable Message-ID and, for marketing, RFC 8058 headers. */
export function mailOf(message: EmailMessageRow, settings: EmailSettings, environment: EmailEnvironment) {
  const unsubscribe = linkUrl(
    environment,
    'u',
    signLink({ kind: 'u', workspaceId: message.workspace_id, messageId: message.id }, settings.signingSecret),
  );
  const headers: Record<string, string> = {};
  if (message.category === 'marketing') {
    headers['List-Unsubscribe'] = `<${unsubscribe}>`;
    headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  return {
    from: message.from_address ?? environment.defaultFrom,
    to: message.to_address ?? '',
    subject: message.subject ?? '',
    html: message.html ?? '',
    text: message.text_body ?? '',
    ...(settings.replyTo === null ? {} : { replyTo: settings.replyTo }),
    ...(message.smtp_message_id === null ? {} : { messageId: message.smtp_message_id }),
    headers,
  };
}

export async function recordFailure(
  db: Kysely<Database>,
  message: EmailMessageRow,
  attempt: number,
  error: unknown,
  now: number,
): Promise<DeliveryOutcome> {
  const kind = classify(error);
  const text = errorText(error);
  const { workspace_id: workspaceId, id } = message;
  if (kind === 'retry' && attempt < MAX_SMTP_ATTEMPTS) {
    const runAt = now + smtpRetryDelayMs(attempt);
    await updateMessage(db, workspaceId, id, ['sending'], {
      status: 'queued',
      sending_until: null,
      send_after: runAt,
      last_error: text,
      updated_at: now,
    });
    return { status: 'retry', runAt, error: text };
  }
  if (kind === 'bounce') {
    await db.transaction().execute(async (trx) => {
      await updateMessage(trx, workspaceId, id, ['sending'], {
        status: 'bounced',
        sending_until: null,
        last_error: text,
        updated_at: now,
      });
      if (message.to_address !== null) {
        await insertSuppression(trx, workspaceId, {
          hash: addressHash(message.to_address),
          reason: 'hard_bounce',
          source: 'smtp',
          now,
        });
      }
    });
    return { status: 'bounced' };
  }
  await updateMessage(db, workspaceId, id, ['sending'], {
    status: 'failed',
    sending_until: null,
    last_error: text,
    updated_at: now,
  });
  return { status: 'failed' };
}

/** Enqueues the delivery of a message at `runAt` (a retry or the end of quiet hours). */
export async function enqueueDelivery(
  db: Executor,
  workspaceId: number,
  messageId: RowId,
  runAt: number,
  now: number,
) {
  return enqueue<EmailSendPayload>(db as Kysely<Database>, {
    workspaceId,
    type: EMAIL_SEND_JOB,
    payload: { messageId },
    runAt,
    idempotencyKey: `${EMAIL_SEND_JOB}:${messageId}:${runAt}`,
    maxAttempts: 3,
    now,
  });
}
