/**
 * Queueing e-mail: the one way Retain sends mail (flows, loyalty, surveys, the support desk, test
 * sends). `queueEmail` decides whether a message may go (address, erasure, suppression, consent,
 * frequency caps), when (`notBefore`, quiet hours), renders it, and enqueues its delivery on the
 * durable job queue — all in one transaction keyed by the dedupe key, so a message is recorded
 * once, with its delivery job, or not at all.
 */
import type { Kysely } from 'kysely';
import { findCustomer, findCustomerScore, productsBoughtTogether } from '../customers/index.js';
import { type CustomerRow, type Database, type RowId, toJson } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { enqueue } from '../jobs/index.js';
import { getWorkspace } from '../workspaces/workspace.repository.js';
import {
  countMessagesByStatus,
  type Executor,
  findMessageByDedupeKey,
  insertMessage,
  suppressionAndCaps,
  updateMessage,
  withCapTurn,
} from './email.repository.js';
import { addressHash, signLink } from './email-crypto.js';
import { type EmailEnvironment, emailEnvironment } from './email-environment.js';
import { scheduleSweep } from './email-job-schedule.js';
import { plainTextOf, renderTemplate, TemplateError } from './email-render.js';
import { DAY_MS, endOfQuietHours, WEEK_MS } from './email-schedule.js';
import { type EmailSettings, getEmailSettings } from './email-settings.js';

/** The job type that delivers one message. */
export const EMAIL_SEND_JOB = 'email.send';

/** The payload of an `email.send` job. */
export interface EmailSendPayload {
  readonly messageId: number;
}

/** An e-mail to send to one customer (see src/email/index.ts for the contract). */
export interface OutgoingEmail {
  workspaceId: RowId;
  customerId: RowId;
  /** Unique per workspace: the same key is never queued/sent twice, e.g. `flow:<runId>:<stepId>`. */
  dedupeKey: string;
  /** Transactional mail is exempt from consent and frequency caps (not from suppression). */
  category: 'marketing' | 'transactional';
  /** Liquid source. */
  subject: string;
  /** Liquid source; the plain-text part is generated from the rendered HTML. */
  html: string;
  /** Where it comes from, for reports: a flow step, a survey send, a test send. */
  origin?:
    | { kind: 'flow'; flowId: string; runId: string; stepId: string }
    | { kind: string; [key: string]: unknown };
  /** Extra Liquid variables (e.g. a coupon, a survey link). */
  variables?: Record<string, unknown>;
  /** Not before this instant, epoch ms. */
  notBefore?: number;
  /**
   * Test sends only: deliver to this address instead of the customer's (rendered as the customer,
   * exempt from consent and caps, still refused when the address is suppressed).
   */
  toAddress?: string;
}

export type SkipReason = 'no_consent' | 'suppressed' | 'no_address' | 'frequency_cap' | 'erased';

export type QueueOutcome =
  | { status: 'queued'; messageId: string }
  | { status: 'duplicate'; messageId: string }
  | { status: 'skipped'; messageId: string; reason: SkipReason };

export interface QueueOptions {
  /** The current instant, epoch ms (default the clock). */
  now?: number;
  /** SMTP_URL, the public URL and keys (default read from the process environment). */
  environment?: EmailEnvironment;
}

/** Longest dedupe key, characters. */
export const MAX_DEDUPE_KEY_CHARS = 500;
/** Recommended products offered to a template. */
export const RECOMMENDATIONS = 6;

/**
 * Why a marketing or transactional message to `customer` may not go now, or `null`. Checked when
 * it is queued and again when it is sent (consent may be withdrawn, an address suppressed, in
 * between). `plannedAt`: the send instant the frequency caps are counted around.
 */
export async function skipReasonFor(
  db: Executor,
  input: {
    readonly workspaceId: number;
    readonly customer: CustomerRow;
    readonly category: 'marketing' | 'transactional';
    readonly toAddress: string | null;
    readonly settings: EmailSettings;
    readonly plannedAt: number;
    readonly messageId: RowId | null;
    /** At send time the caps count what was sent before, at queue time around the planned instant. */
    readonly sending: boolean;
  },
): Promise<SkipReason | null> {
  const { customer, workspaceId } = input;
  if (customer.erased_at !== null) return 'erased';
  if (input.toAddress === null || input.toAddress.trim() === '') return 'no_address';
  const hash = addressHash(input.toAddress);
  const marketing = input.category === 'marketing' && customer.consent_email_marketing === 1;
  const caps: [windowMs: number, cap: number][] = [
    [DAY_MS, input.settings.maxPerDay],
    [WEEK_MS, input.settings.maxPerWeek],
  ];
  // A rolling window: no span of `windowMs` holds more than `cap` messages. Queued messages have
  // planned instants on both sides of this one; at send time only the past counts.
  const found = await suppressionAndCaps(
    db,
    workspaceId,
    hash,
    marketing
      ? {
          customerId: customer.id,
          windows: caps.map(([windowMs]) => ({
            from: input.plannedAt - windowMs,
            to: input.sending ? input.plannedAt + 1 : input.plannedAt + windowMs,
          })),
          exceptId: input.messageId,
        }
      : null,
  );
  if (found.suppressed) return 'suppressed';
  if (input.category === 'transactional') return null;
  if (customer.consent_email_marketing !== 1) return 'no_consent';
  if (caps.some(([, cap], index) => (found.counts[index] ?? 0) >= cap)) return 'frequency_cap';
  return null;
}

/** The variables a template sees about a customer (docs/api.md, "Template variables"). */
async function customerVariables(
  db: Kysely<Database>,
  workspaceId: number,
  customer: CustomerRow,
  wantsRecommendations: boolean,
  wantsScores: boolean,
): Promise<Record<string, unknown>> {
  const score = wantsScores ? await findCustomerScore(db, workspaceId, customer.id) : undefined;
  const attributes =
    typeof customer.attributes === 'string' ? JSON.parse(customer.attributes) : customer.attributes;
  const name = customer.name ?? null;
  const recommendations = wantsRecommendations
    ? (await productsBoughtTogether(db, workspaceId, customer.id, RECOMMENDATIONS)).map((product) => ({
        id: product.productKey,
        name: product.name ?? product.productKey,
        category: product.category,
        bought_together: product.boughtTogether,
      }))
    : [];
  const iso = (at: number | null | undefined) =>
    at === null || at === undefined ? null : new Date(Number(at)).toISOString();
  return {
    customer: {
      id: String(customer.id),
      external_id: customer.external_id,
      email: customer.email,
      name,
      first_name: name === null ? null : (name.trim().split(/\s+/)[0] ?? null),
      language: customer.language,
      country: customer.country,
      time_zone: customer.time_zone,
      attributes: attributes ?? {},
      signed_up_at: iso(customer.signed_up_at),
      orders_count: score?.ordersCount ?? null,
      total_spent: score === undefined ? null : score.valueCents / 100,
      first_order_at: iso(score?.firstOrderAt),
      last_order_at: iso(score?.lastOrderAt),
      predicted_clv:
        score?.predictedClvCents === null || score === undefined ? null : score.predictedClvCents / 100,
      at_risk_score: score?.riskScore ?? null,
      p_alive: score?.pAlive ?? null,
      rfm_segment: score?.rfmSegment ?? null,
    },
    recommendations,
  };
}

/** The customer variables read from the stored scores (fetched when a template names one). */
const SCORE_FIELDS = [
  'orders_count',
  'total_spent',
  'first_order_at',
  'last_order_at',
  'predicted_clv',
  'at_risk_score',
  'p_alive',
  'rfm_segment',
] as const;

/** Where links in a message point: the unsubscribe page, the open pixel, a click redirect. */
export function linkUrl(environment: EmailEnvironment, kind: 'u' | 'o' | 'c', token: string): string {
  return `${environment.publicUrl}/e/${kind}/${token}`;
}

function decodeHtmlAttribute(value: string): string {
  return value
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

function escapeHtmlAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** What a template sees of the workspace. */
export interface WorkspaceVariables {
  readonly name: string | null;
  readonly currency: string;
}

/** The workspace's name and currency for templates. */
export async function workspaceVariables(
  db: Kysely<Database>,
  workspaceId: number,
): Promise<WorkspaceVariables> {
  const workspace = await getWorkspace(db, workspaceId);
  return { name: workspace?.name ?? null, currency: workspace?.settings.currency ?? 'USD' };
}

/** The rendered message: subject, HTML (with tracking and the unsubscribe footer), plain text. */
export interface RenderedEmail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly unsubscribeUrl: string;
}

/**
 * Renders a message for a customer: the Liquid subject and HTML with the customer's variables,
 * then, for marketing mail, an unsubscribe footer unless the template shows `unsubscribe_url`
 * itself, the plain-text part from that HTML, and the tracking (http(s) links through signed
 * click redirects, an open pixel) as the workspace's settings say. Throws `TemplateError`.
 */
export async function renderEmail(
  db: Kysely<Database>,
  input: {
    readonly workspaceId: number;
    readonly messageId: RowId;
    readonly customer: CustomerRow;
    readonly category: 'marketing' | 'transactional';
    readonly subject: string;
    readonly html: string;
    readonly variables: Record<string, unknown> | undefined;
    readonly settings: EmailSettings;
    readonly environment: EmailEnvironment;
    readonly tracking: boolean;
    /** The workspace's name and currency, when the caller read them already (a batch). */
    readonly workspace?: WorkspaceVariables;
  },
): Promise<RenderedEmail> {
  const { workspaceId, messageId, settings, environment } = input;
  const secret = settings.signingSecret;
  const unsubscribeUrl = linkUrl(environment, 'u', signLink({ kind: 'u', workspaceId, messageId }, secret));
  const workspace = input.workspace ?? (await workspaceVariables(db, workspaceId));
  const sources = `${input.subject}\n${input.html}`;
  // Read only what the template can name (a statement each per message).
  const wantsRecommendations = sources.includes('recommendations');
  const wantsScores = SCORE_FIELDS.some((field) => sources.includes(field));
  const variables = {
    ...input.variables,
    ...(await customerVariables(db, workspaceId, input.customer, wantsRecommendations, wantsScores)),
    workspace,
    unsubscribe_url: unsubscribeUrl,
    message: { id: String(messageId) },
  };
  const subject = (await renderTemplate(input.subject, variables)).replace(/\s+/g, ' ').trim().slice(0, 998);
  let html = await renderTemplate(input.html, variables);
  if (input.category === 'marketing' && !html.includes(unsubscribeUrl)) {
    html = appendToBody(
      html,
      `<p style="font-size:12px;color:#666666"><a href="${escapeHtmlAttribute(unsubscribeUrl)}">Unsubscribe</a></p>`,
    );
  }
  const text = plainTextOf(html);
  if (input.tracking && settings.trackClicks) {
    html = html.replace(
      /(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?:\/\/[^"'\s]+)\2/gi,
      (whole, before: string, quote: string, href: string) => {
        const target = decodeHtmlAttribute(href);
        if (target.startsWith(`${environment.publicUrl}/e/`)) return whole;
        const token = signLink({ kind: 'c', workspaceId, messageId, url: target }, secret);
        return `${before}${quote}${escapeHtmlAttribute(linkUrl(environment, 'c', token))}${quote}`;
      },
    );
  }
  if (input.tracking && settings.trackOpens) {
    const pixel = linkUrl(environment, 'o', signLink({ kind: 'o', workspaceId, messageId }, secret));
    html = appendToBody(
      html,
      `<img src="${escapeHtmlAttribute(pixel)}" width="1" height="1" alt="" style="display:block;border:0">`,
    );
  }
  return { subject, html, text, unsubscribeUrl };
}

function appendToBody(html: string, fragment: string): string {
  const close = html.search(/<\/body\s*>/i);
  return close === -1 ? `${html}${fragment}` : `${html.slice(0, close)}${fragment}${html.slice(close)}`;
}

/** The stable Message-ID of a message: a retry of it is recognisable (`<id.ws.retain@domain>`). */
export function messageIdHeader(workspaceId: number, messageId: RowId, fromAddress: string): string {
  const domain = /@([^@>\s]+)>?$/.exec(fromAddress)?.[1] ?? 'retain.invalid';
  return `<${messageId}.${workspaceId}.retain@${domain}>`;
}

/**
 * Queues an e-mail to a customer (the contract: src/email/index.ts). Never twice for a dedupe key:
 * a key seen before answers `duplicate` with the first message's id, whatever became of it.
 * A message that may not go is recorded as `skipped` with the reason (so reports count it and the
 * key stays used). A template that does not render is a `RetainError('invalid_input')` naming the
 * problems, and nothing is recorded. Otherwise the rendered message and its `email.send` job are
 * written in one transaction, the job due at `notBefore` moved out of the customer's quiet hours
 * (marketing mail only). The checks and the row (skipped or queued) are one transaction, holding
 * the customer's cap turn for marketing mail (`withCapTurn`): of two concurrent calls for a
 * customer with room for one more message, one is queued and the other skipped (`frequency_cap`).
 */
export async function queueEmail(
  db: Kysely<Database>,
  email: OutgoingEmail,
  options: QueueOptions = {},
): Promise<QueueOutcome> {
  const now = options.now ?? Date.now();
  const environment = options.environment ?? emailEnvironment();
  const { workspaceId } = email;
  if (
    typeof email.dedupeKey !== 'string' ||
    email.dedupeKey === '' ||
    email.dedupeKey.length > MAX_DEDUPE_KEY_CHARS
  ) {
    throw new RetainError('invalid_input', `The dedupe key must be 1–${MAX_DEDUPE_KEY_CHARS} characters.`, [
      { path: ['dedupeKey'], message: 'Expected 1–500 characters' },
    ]);
  }
  const customer = await findCustomer(db, workspaceId, email.customerId);
  if (customer === undefined) throw new RetainError('not_found', 'Customer not found');
  const settings = await getEmailSettings(db, workspaceId, now);
  const toAddress = email.toAddress ?? customer.email;
  const category = email.toAddress === undefined ? email.category : 'transactional';
  const quiet = category === 'marketing' ? settings.quietHours : null;
  const sendAfter = endOfQuietHours(Math.max(now, email.notBefore ?? now), customer.time_zone, quiet);
  const origin = email.origin ?? null;
  const base = {
    workspaceId,
    customerId: customer.id,
    dedupeKey: email.dedupeKey,
    category,
    originKind: origin === null ? null : String(origin.kind),
    originFlowId: origin !== null && origin.kind === 'flow' ? String(origin.flowId) : null,
    origin: origin === null ? null : toJson(origin as Record<string, unknown>),
    toAddress: toAddress === null || customer.erased_at !== null ? null : toAddress.trim(),
    sendAfter,
    now,
  };
  const fromAddress = formatFrom(settings, environment);
  // The decision and the insert acting on it are one turn per customer for marketing mail
  // (withCapTurn, as at send time): a concurrent caller for the same customer counts this message.
  const decideAndWrite = async (trx: Executor): Promise<QueueOutcome> => {
    const reason = await skipReasonFor(trx, {
      workspaceId,
      customer,
      category,
      toAddress,
      settings,
      plannedAt: sendAfter,
      messageId: null,
      sending: false,
    });
    if (reason !== null) {
      const id = await insertMessage(trx, { ...base, status: 'skipped', skipReason: reason });
      if (id === undefined) return duplicateOf(trx, workspaceId, email.dedupeKey);
      return { status: 'skipped', messageId: String(id), reason };
    }
    const id = await insertMessage(trx, { ...base, status: 'queued', skipReason: null });
    if (id === undefined) return duplicateOf(trx, workspaceId, email.dedupeKey);
    let rendered: RenderedEmail;
    try {
      rendered = await renderEmail(trx, {
        workspaceId,
        messageId: id,
        customer,
        category,
        subject: email.subject,
        html: email.html,
        variables: email.variables,
        settings,
        environment,
        tracking: email.toAddress === undefined,
      });
    } catch (error) {
      if (error instanceof TemplateError) throw templateInputError(error);
      throw error;
    }
    await updateMessage(trx, workspaceId, id, ['queued'], {
      subject: rendered.subject,
      html: rendered.html,
      text_body: rendered.text,
      from_address: fromAddress,
      smtp_message_id: messageIdHeader(workspaceId, id, fromAddress),
    });
    await enqueue<EmailSendPayload>(trx, {
      workspaceId,
      type: EMAIL_SEND_JOB,
      payload: { messageId: id },
      runAt: sendAfter,
      idempotencyKey: `${EMAIL_SEND_JOB}:${id}`,
      maxAttempts: 3,
      now,
    });
    await scheduleSweep(trx, workspaceId, now);
    return { status: 'queued', messageId: String(id) };
  };
  // Transactional mail has no cap: the same transaction, no turn to wait for.
  return withCapTurn(db, workspaceId, category === 'marketing' ? [customer.id] : [], decideAndWrite);
}

async function duplicateOf(db: Executor, workspaceId: number, dedupeKey: string): Promise<QueueOutcome> {
  const row = await findMessageByDedupeKey(db, workspaceId, dedupeKey);
  if (row === undefined) throw new Error(`Message with dedupe key ${dedupeKey} vanished`);
  return { status: 'duplicate', messageId: String(row.id) };
}

/** A template problem as the 400 that names it. */
export function templateInputError(error: TemplateError, field = 'html'): RetainError {
  return new RetainError(
    'invalid_input',
    `The template does not render: ${error.message}`,
    error.problems.map((problem) => ({
      path: [field],
      message:
        problem.line === undefined
          ? problem.message
          : `${problem.message} (line ${problem.line}, column ${problem.column})`,
      code: 'template',
    })),
  );
}

/** `"Name" <address>` of the workspace's sender (the install's default when it names none). */
export function formatFrom(settings: EmailSettings, environment: EmailEnvironment): string {
  const address = settings.fromAddress ?? environment.defaultFrom;
  if (settings.fromName === null || settings.fromName === '') return address;
  return `"${settings.fromName.replace(/["\\\r\n]/g, '')}" <${address}>`;
}

/**
 * Counts per origin flow for the flow report: `sent` = handed over (accepted by the SMTP server,
 * or stored in the outbox when none is configured — `outboxed` says how many of those), `delivered`
 * = accepted and not bounced (no bounce report came back), `bounced`, `opened` / `clicked` /
 * `unsubscribed` = messages with at least one, `skipped` = not sent (consent, caps, suppression…),
 * `failed` = given up, `unknown` = the sender crashed after handing it over (at most once).
 */
export async function flowEmailCounts(
  db: Kysely<Database>,
  workspaceId: RowId,
  flowId: string,
): Promise<{
  sent: number;
  delivered: number;
  bounced: number;
  opened: number;
  clicked: number;
  unsubscribed: number;
  skipped: number;
  outboxed: number;
  queued: number;
  failed: number;
  unknown: number;
}> {
  const counts = await countMessagesByStatus(db, workspaceId, flowId);
  const of = (status: keyof typeof counts.byStatus) => counts.byStatus[status] ?? 0;
  return {
    sent: of('sent') + of('outbox'),
    delivered: of('sent'),
    bounced: of('bounced'),
    opened: counts.opened,
    clicked: counts.clicked,
    unsubscribed: counts.unsubscribed,
    skipped: of('skipped'),
    outboxed: of('outbox'),
    queued: of('queued') + of('sending'),
    failed: of('failed'),
    unknown: of('unknown'),
  };
}
