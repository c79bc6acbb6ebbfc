/**
 * Everything around queueing: what recipients do (unsubscribe, open, click — reached through
 * signed links), the suppression list, consent records, the outbox listing, previews and test
 * sends, and erasure.
 */
import type { Kysely } from 'kysely';
import { findCustomer, setEmailMarketingConsent } from '../customers/index.js';
import {
  type Database,
  type EmailMessageRow,
  type EmailStatus,
  newId,
  type RowId,
  type SuppressionReason,
} from '../db/index.js';
import { notFound } from '../errors/index.js';
import {
  deleteSuppression,
  type Executor,
  findMessage,
  insertConsent,
  insertSuppression,
  listConsents,
  listMessages,
  listSuppressions as listSuppressionRows,
  type MessageFilter,
  scrubMessagesOfCustomer,
} from './email.repository.js';
import {
  type OutgoingEmail,
  type QueueOutcome,
  queueEmail,
  renderEmail,
  templateInputError,
} from './email.service.js';
import { addressHash, type LinkToken, linkSignatureValid, readLink } from './email-crypto.js';
import { type EmailEnvironment, emailEnvironment } from './email-environment.js';
import { TemplateError } from './email-render.js';
import { getEmailSettings } from './email-settings.js';

/**
 * The verified claims of a link token, or `null` for one that is malformed, forged, of another
 * kind, or names no message of its workspace (answered alike: a page that says the link is not
 * valid).
 */
export async function verifyLink(
  db: Kysely<Database>,
  token: string,
  kind: LinkToken['kind'],
): Promise<{ claims: LinkToken; message: EmailMessageRow } | null> {
  const read = readLink(token);
  if (read === null || read.claims.kind !== kind) return null;
  const settings = await db
    .selectFrom('email_settings')
    .select('signing_secret')
    .where('workspace_id', '=', read.claims.workspaceId)
    .executeTakeFirst();
  if (settings === undefined || !linkSignatureValid(read, settings.signing_secret)) return null;
  const message = await findMessage(db, read.claims.workspaceId, read.claims.messageId);
  return message === undefined ? null : { claims: read.claims, message };
}

/**
 * Unsubscribes the recipient of a message (the page's POST, or a mail client's RFC 8058 one-click
 * POST): the address is suppressed, the customer's marketing consent withdrawn with a consent
 * record saying how, and the message marked. Idempotent. Returns false for an invalid token.
 */
export async function unsubscribe(
  db: Kysely<Database>,
  token: string,
  input: { readonly source: 'one_click' | 'unsubscribe_page'; readonly now: number },
): Promise<boolean> {
  const verified = await verifyLink(db, token, 'u');
  if (verified === null) return false;
  const { message } = verified;
  const workspaceId = message.workspace_id;
  await db.transaction().execute(async (trx) => {
    if (message.to_address !== null) {
      await insertSuppression(trx, workspaceId, {
        hash: addressHash(message.to_address),
        reason: 'unsubscribe',
        source: input.source,
        now: input.now,
      });
    }
    const customer = await findCustomer(trx, workspaceId, message.customer_id);
    if (customer !== undefined && customer.erased_at === null && customer.consent_email_marketing === 1) {
      await setEmailMarketingConsent(trx, workspaceId, customer.id, false, input.now);
      await insertConsent(trx, workspaceId, {
        customerId: customer.id,
        granted: false,
        source: input.source,
        messageId: message.id,
        detail: null,
        at: input.now,
      });
    }
    if (message.unsubscribed_at === null) {
      await trx
        .updateTable('email_message')
        .set({ unsubscribed_at: input.now, updated_at: input.now })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', message.id)
        .execute();
    }
  });
  return true;
}

/** Records the first open of a message (the pixel), unless the workspace turned opens off. */
export async function recordOpen(db: Kysely<Database>, token: string, now: number): Promise<void> {
  const verified = await verifyLink(db, token, 'o');
  if (verified === null || verified.message.opened_at !== null) return;
  const settings = await getEmailSettings(db, verified.message.workspace_id, now);
  if (!settings.trackOpens) return;
  await db
    .updateTable('email_message')
    .set({ opened_at: now })
    .where('workspace_id', '=', verified.message.workspace_id)
    .where('id', '=', verified.message.id)
    .where('opened_at', 'is', null)
    .execute();
}

/**
 * The target of a click link — exactly the URL that was signed (so the redirect can go nowhere
 * else: no open redirect) and only http(s) — recording the first click (and an open: the mail was
 * read), unless the workspace turned clicks off. `null` for an invalid token.
 */
export async function followClick(db: Kysely<Database>, token: string, now: number): Promise<string | null> {
  const verified = await verifyLink(db, token, 'c');
  if (verified === null || verified.claims.kind !== 'c') return null;
  const target = verified.claims.url;
  if (!/^https?:\/\//i.test(target)) return null;
  const { message } = verified;
  const settings = await getEmailSettings(db, message.workspace_id, now);
  if (settings.trackClicks && message.clicked_at === null) {
    await db
      .updateTable('email_message')
      .set({ clicked_at: now, opened_at: message.opened_at ?? now })
      .where('workspace_id', '=', message.workspace_id)
      .where('id', '=', message.id)
      .execute();
  }
  return target;
}

/** Adds an address to the suppression list by hand (or a complaint reported by the API). */
export async function suppressAddress(
  db: Kysely<Database>,
  workspaceId: number,
  input: { readonly address: string; readonly reason: SuppressionReason; readonly now: number },
): Promise<{ hash: string; created: boolean }> {
  const hash = addressHash(input.address);
  const created = await insertSuppression(db, workspaceId, {
    hash,
    reason: input.reason,
    source: 'api',
    now: input.now,
  });
  return { hash, created };
}

/** Lifts a suppression (by address or hash); false when there was none. */
export async function liftSuppression(
  db: Kysely<Database>,
  workspaceId: number,
  addressOrHash: string,
): Promise<boolean> {
  const hash = /^[0-9a-f]{64}$/.test(addressOrHash) ? addressOrHash : addressHash(addressOrHash);
  return deleteSuppression(db, workspaceId, hash);
}

/** A page of the suppression list, newest first; `address` filters to that address's hash. */
export async function listSuppressions(
  db: Kysely<Database>,
  workspaceId: number,
  page: { readonly limit: number; readonly cursor?: RowId; readonly address?: string },
) {
  const rows = await listSuppressionRows(db, workspaceId, {
    limit: page.limit + 1,
    ...(page.cursor === undefined ? {} : { beforeId: page.cursor }),
    ...(page.address === undefined ? {} : { hash: addressHash(page.address) }),
  });
  const items = rows.slice(0, page.limit);
  return { items, nextCursor: rows.length > page.limit ? String(items[items.length - 1]?.id) : null };
}

/** A page of messages, newest first (the outbox). */
export async function listMessagePage(
  db: Kysely<Database>,
  workspaceId: number,
  filter: MessageFilter,
  page: { readonly limit: number; readonly cursor?: RowId },
): Promise<{ items: EmailMessageRow[]; nextCursor: string | null }> {
  const rows = await listMessages(db, workspaceId, filter, {
    limit: page.limit + 1,
    ...(page.cursor === undefined ? {} : { beforeId: page.cursor }),
  });
  const items = rows.slice(0, page.limit);
  return { items, nextCursor: rows.length > page.limit ? String(items[items.length - 1]?.id) : null };
}

/** One message of the workspace (404 otherwise). */
export async function getMessage(
  db: Kysely<Database>,
  workspaceId: number,
  id: RowId,
): Promise<EmailMessageRow> {
  const message = await findMessage(db, workspaceId, id);
  if (message === undefined) throw notFound('Message');
  return message;
}

/**
 * Renders a template as a customer would get it, nothing stored or sent (links point at the
 * unsubscribe page of no message: they do not work). A template error is a 400 naming it.
 */
export async function previewEmail(
  db: Kysely<Database>,
  input: {
    readonly workspaceId: number;
    readonly customerId: RowId;
    readonly category: 'marketing' | 'transactional';
    readonly subject: string;
    readonly html: string;
    readonly variables?: Record<string, unknown>;
    readonly now: number;
    readonly environment?: EmailEnvironment;
  },
) {
  const customer = await findCustomer(db, input.workspaceId, input.customerId);
  if (customer === undefined) throw notFound('Customer');
  const settings = await getEmailSettings(db, input.workspaceId, input.now);
  try {
    return await renderEmail(db, {
      workspaceId: input.workspaceId,
      messageId: 0,
      customer,
      category: input.category,
      subject: input.subject,
      html: input.html,
      variables: input.variables,
      settings,
      environment: input.environment ?? emailEnvironment(),
      tracking: false,
    });
  } catch (error) {
    if (error instanceof TemplateError) throw templateInputError(error);
    throw error;
  }
}

/**
 * A test send: the template rendered as `customerId`, delivered to `toAddress` (the caller's
 * own), through the same queue and SMTP server as real mail (or the outbox), once.
 */
export async function sendTestEmail(
  db: Kysely<Database>,
  input: Omit<OutgoingEmail, 'dedupeKey' | 'origin'> & {
    readonly toAddress: string;
    readonly now: number;
    readonly environment?: EmailEnvironment;
    readonly requestedBy: string;
  },
): Promise<QueueOutcome> {
  const { now, environment, requestedBy, ...email } = input;
  return queueEmail(
    db,
    { ...email, dedupeKey: `test:${newId(now)}`, origin: { kind: 'test', requestedBy } },
    { now, ...(environment === undefined ? {} : { environment }) },
  );
}

/** Records a change of a customer's e-mail marketing consent (and sets it on the customer). */
export async function recordEmailConsent(
  db: Kysely<Database>,
  input: {
    readonly workspaceId: number;
    readonly customerId: RowId;
    readonly granted: boolean;
    readonly source: string;
    readonly detail?: string | null;
    readonly now: number;
  },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const changed = await setEmailMarketingConsent(
      trx,
      input.workspaceId,
      input.customerId,
      input.granted,
      input.now,
    );
    if (!changed) throw notFound('Customer');
    await insertConsent(trx, input.workspaceId, {
      customerId: input.customerId,
      granted: input.granted,
      source: input.source,
      messageId: null,
      detail: input.detail ?? null,
      at: input.now,
    });
  });
}

/** A customer's consent history, newest first. */
export async function consentHistory(db: Kysely<Database>, workspaceId: number, customerId: RowId) {
  const customer = await findCustomer(db, workspaceId, customerId);
  if (customer === undefined) throw notFound('Customer');
  return {
    granted: customer.consent_email_marketing === 1,
    records: await listConsents(db, workspaceId, customerId),
  };
}

/**
 * The e-mail part of a customer's erasure (called by src/privacy inside its transaction): the
 * messages lose their address and contents, queued ones are skipped as `erased`, a withdrawal is
 * recorded; the suppression list — hashes, not tied to the customer — stays. Returns messages scrubbed.
 */
export async function eraseEmailDataOfCustomer(
  db: Executor,
  input: { readonly workspaceId: number; readonly customerId: RowId; readonly now: number },
): Promise<number> {
  const { workspaceId, customerId, now } = input;
  await db
    .updateTable('email_message')
    .set({ status: 'skipped', skip_reason: 'erased', updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where('status', '=', 'queued')
    .execute();
  const scrubbed = await scrubMessagesOfCustomer(db, workspaceId, customerId, now);
  await insertConsent(db, workspaceId, {
    customerId,
    granted: false,
    source: 'erasure',
    messageId: null,
    detail: null,
    at: now,
  });
  return scrubbed;
}

/** Statuses a message may be listed by. */
export const EMAIL_STATUSES: readonly EmailStatus[] = [
  'queued',
  'sending',
  'sent',
  'outbox',
  'bounced',
  'failed',
  'skipped',
  'unknown',
];
