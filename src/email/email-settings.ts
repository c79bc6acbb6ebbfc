/**
 * A workspace's e-mail settings with their defaults: sender, an SMTP server of its own (overriding
 * `SMTP_URL`), frequency caps for marketing mail (default at most 1 a day and 3 a week), quiet
 * hours in the customer's time zone (default 21:00–08:00), open and click tracking (default on),
 * and the secret that signs its links (made on first use).
 */

import type { Kysely, Updateable } from 'kysely';
import { type Database, type EmailSettingsRow, type EmailSettingsTable, toFlag } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import type { Executor } from './email.repository.js';
import { decryptSecret, encryptSecret, newSigningSecret } from './email-crypto.js';
import type { EmailEnvironment } from './email-environment.js';

export const DEFAULT_MAX_PER_DAY = 1;
export const DEFAULT_MAX_PER_WEEK = 3;
export const DEFAULT_QUIET_HOURS = Object.freeze({ start: '21:00', end: '08:00' });

/** The settings as the service uses them (defaults applied). */
export interface EmailSettings {
  readonly fromAddress: string | null;
  readonly fromName: string | null;
  readonly replyTo: string | null;
  /** Whether the workspace has its own SMTP server. */
  readonly smtpOverride: boolean;
  readonly smtpUrlEncrypted: string | null;
  readonly maxPerDay: number;
  readonly maxPerWeek: number;
  /** `null`: no quiet hours. */
  readonly quietHours: { readonly start: string; readonly end: string } | null;
  readonly trackOpens: boolean;
  readonly trackClicks: boolean;
  readonly signingSecret: string;
}

function toSettings(row: EmailSettingsRow): EmailSettings {
  const quietHours =
    row.quiet_start === null || row.quiet_end === null
      ? DEFAULT_QUIET_HOURS
      : row.quiet_start === '' || row.quiet_end === ''
        ? null
        : { start: row.quiet_start, end: row.quiet_end };
  return {
    fromAddress: row.from_address,
    fromName: row.from_name,
    replyTo: row.reply_to,
    smtpOverride: row.smtp_url_encrypted !== null,
    smtpUrlEncrypted: row.smtp_url_encrypted,
    maxPerDay: row.max_per_day ?? DEFAULT_MAX_PER_DAY,
    maxPerWeek: row.max_per_week ?? DEFAULT_MAX_PER_WEEK,
    quietHours,
    trackOpens: row.track_opens !== 0,
    trackClicks: row.track_clicks !== 0,
    signingSecret: row.signing_secret,
  };
}

/**
 * The workspace's settings, its row made on first use (with a fresh signing secret; a race makes
 * one row, both callers read it). One or two queries.
 */
export async function getEmailSettings(
  db: Executor,
  workspaceId: number,
  now = Date.now(),
): Promise<EmailSettings> {
  const row = await db
    .selectFrom('email_settings')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  if (row !== undefined) return toSettings(row);
  await db
    .insertInto('email_settings')
    .values({ workspace_id: workspaceId, signing_secret: newSigningSecret(), updated_at: now })
    .onConflict((conflict) => conflict.column('workspace_id').doNothing())
    .execute();
  return toSettings(
    await db
      .selectFrom('email_settings')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirstOrThrow(),
  );
}

/** A change of settings; `undefined` keeps a value, `null` restores the default. */
export interface EmailSettingsUpdate {
  readonly fromAddress?: string | null;
  readonly fromName?: string | null;
  readonly replyTo?: string | null;
  /** The workspace's own SMTP URL (stored encrypted), or `null` to use the install's. */
  readonly smtpUrl?: string | null;
  readonly maxPerDay?: number | null;
  readonly maxPerWeek?: number | null;
  /** `null`: no quiet hours; omit to keep. */
  readonly quietHours?: { readonly start: string; readonly end: string } | null;
  readonly trackOpens?: boolean;
  readonly trackClicks?: boolean;
}

/** Applies `update`; an SMTP URL needs the install key (`RETAIN_SECRET_KEY`), else 400. */
export async function updateEmailSettings(
  db: Kysely<Database>,
  workspaceId: number,
  update: EmailSettingsUpdate,
  environment: EmailEnvironment,
  now: number,
): Promise<EmailSettings> {
  await getEmailSettings(db, workspaceId, now);
  let smtpUrlEncrypted: string | null | undefined;
  if (update.smtpUrl !== undefined) {
    if (update.smtpUrl === null) smtpUrlEncrypted = null;
    else if (environment.secretKey === null) {
      throw new RetainError(
        'invalid_input',
        'The server has no RETAIN_SECRET_KEY, so it cannot keep an SMTP password.',
        [
          {
            path: ['json', 'smtpUrl'],
            message: 'Set RETAIN_SECRET_KEY on the server to store a workspace SMTP server.',
          },
        ],
      );
    } else smtpUrlEncrypted = encryptSecret(update.smtpUrl, environment.secretKey);
  }
  const set: Updateable<EmailSettingsTable> = { updated_at: now };
  if (update.fromAddress !== undefined) set.from_address = update.fromAddress;
  if (update.fromName !== undefined) set.from_name = update.fromName;
  if (update.replyTo !== undefined) set.reply_to = update.replyTo;
  if (smtpUrlEncrypted !== undefined) set.smtp_url_encrypted = smtpUrlEncrypted;
  if (update.maxPerDay !== undefined) set.max_per_day = update.maxPerDay;
  if (update.maxPerWeek !== undefined) set.max_per_week = update.maxPerWeek;
  if (update.quietHours !== undefined) {
    set.quiet_start = update.quietHours === null ? '' : update.quietHours.start;
    set.quiet_end = update.quietHours === null ? '' : update.quietHours.end;
  }
  if (update.trackOpens !== undefined) set.track_opens = toFlag(update.trackOpens);
  if (update.trackClicks !== undefined) set.track_clicks = toFlag(update.trackClicks);
  await db.updateTable('email_settings').set(set).where('workspace_id', '=', workspaceId).execute();
  return getEmailSettings(db, workspaceId, now);
}

/**
 * The SMTP URL messages of the workspace go through: its own (decrypted with the install key),
 * else `SMTP_URL`, else `null` — the built-in outbox. A stored URL the install key no longer
 * opens is an error (the operator changed RETAIN_SECRET_KEY), not a silent fallback.
 */
export function smtpUrlFor(settings: EmailSettings, environment: EmailEnvironment): string | null {
  if (settings.smtpUrlEncrypted !== null) {
    const url =
      environment.secretKey === null ? null : decryptSecret(settings.smtpUrlEncrypted, environment.secretKey);
    if (url === null) throw new Error('The workspace SMTP URL cannot be decrypted with RETAIN_SECRET_KEY');
    return url;
  }
  return environment.smtpUrl;
}
