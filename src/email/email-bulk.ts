/**
 * Queueing many e-mails at once (`queueEmails`): the same contract as `queueEmail` for each
 * message — dedupe key, erasure, address, suppression, consent, frequency caps, quiet hours,
 * rendering — at a handful of statements per chunk of `BULK_CHUNK` messages instead of about nine
 * per message. A chunk is one transaction: its messages, their rendered content and one
 * `email.dispatch` job (email-dispatch.ts) that delivers them in batches commit together or not
 * at all. Chunks commit one after another; a call that fails part-way leaves the earlier chunks
 * queued, and calling again with the same dedupe keys answers them `duplicate` (safe to retry).
 */
import type { Kysely } from 'kysely';
import { findCustomers } from '../customers/index.js';
import { type CustomerRow, type Database, type RowId, toJson } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import {
  findMessageIdsByDedupeKeys,
  findSuppressedHashes,
  insertMessages,
  marketingInstantsOf,
  type NewMessage,
  type RenderedContent,
  withCapTurn,
  writeRenderedContents,
} from './email.repository.js';
import {
  formatFrom,
  MAX_DEDUPE_KEY_CHARS,
  messageIdHeader,
  type OutgoingEmail,
  type QueueOptions,
  type QueueOutcome,
  renderEmail,
  type SkipReason,
  templateInputError,
  workspaceVariables,
} from './email.service.js';
import { addressHash } from './email-crypto.js';
import { emailEnvironment } from './email-environment.js';
import { enqueueDispatch, scheduleSweep } from './email-job-schedule.js';
import { checkTemplate, TemplateError } from './email-render.js';
import { DAY_MS, endOfQuietHours, WEEK_MS } from './email-schedule.js';
import { type EmailSettings, getEmailSettings } from './email-settings.js';

/** Messages per transaction of `queueEmails`. */
export const BULK_CHUNK = 200;
/** Most messages one `queueEmails` call takes (a caller with more pages through them). */
export const MAX_BULK_MESSAGES = 10_000;

/**
 * How many of `instants` fall in the open window `(from, to)`. O(n).
 * Example: `countWithin([1, 5, 9], 1, 9)` → 1.
 */
export function countWithin(instants: readonly number[], from: number, to: number): number {
  let count = 0;
  for (const at of instants) if (at > from && at < to) count += 1;
  return count;
}

/**
 * Whether a marketing message planned at `plannedAt` would break a frequency cap, given the send
 * instants of the customer's other marketing messages (`skipReasonFor`'s rule, without a query):
 * no rolling day holds more than `maxPerDay`, no rolling week more than `maxPerWeek`. At queue
 * time the windows reach both sides of the planned instant, at send time only the past.
 */
export function breaksFrequencyCap(
  instants: readonly number[],
  plannedAt: number,
  settings: Pick<EmailSettings, 'maxPerDay' | 'maxPerWeek'>,
  sending: boolean,
): boolean {
  const caps: [windowMs: number, cap: number][] = [
    [DAY_MS, settings.maxPerDay],
    [WEEK_MS, settings.maxPerWeek],
  ];
  return caps.some(
    ([windowMs, cap]) =>
      countWithin(instants, plannedAt - windowMs, sending ? plannedAt + 1 : plannedAt + windowMs) >= cap,
  );
}

/** Why a message may not go, from what the batch read (`skipReasonFor`'s order of reasons). */
export function batchSkipReason(input: {
  readonly customer: CustomerRow;
  readonly category: 'marketing' | 'transactional';
  readonly toAddress: string | null;
  readonly suppressed: ReadonlySet<string>;
  readonly instants: readonly number[];
  readonly plannedAt: number;
  readonly settings: EmailSettings;
  readonly sending: boolean;
}): SkipReason | null {
  const { customer } = input;
  if (customer.erased_at !== null) return 'erased';
  if (input.toAddress === null || input.toAddress.trim() === '') return 'no_address';
  if (input.suppressed.has(addressHash(input.toAddress))) return 'suppressed';
  if (input.category === 'transactional') return null;
  if (customer.consent_email_marketing !== 1) return 'no_consent';
  if (breaksFrequencyCap(input.instants, input.plannedAt, input.settings, input.sending)) {
    return 'frequency_cap';
  }
  return null;
}

function checkDedupeKey(email: OutgoingEmail, index: number): void {
  if (
    typeof email.dedupeKey !== 'string' ||
    email.dedupeKey === '' ||
    email.dedupeKey.length > MAX_DEDUPE_KEY_CHARS
  ) {
    throw new RetainError('invalid_input', `The dedupe key must be 1–${MAX_DEDUPE_KEY_CHARS} characters.`, [
      { path: [index, 'dedupeKey'], message: `Expected 1–${MAX_DEDUPE_KEY_CHARS} characters` },
    ]);
  }
}

/**
 * Queues many e-mails of one workspace: for each, what `queueEmail` would answer (same order),
 * with the same rules and records, in chunks of `BULK_CHUNK` messages a transaction (see the file
 * comment). Delivery is by `email.dispatch` jobs, which claim due messages in batches. The same
 * dedupe key twice in one call: the second is a `duplicate` of the first. Throws, before writing
 * anything of the chunk: `invalid_input` for a bad dedupe key, another workspace's message, more
 * than `MAX_BULK_MESSAGES`, or a template that does not parse or render; `not_found` for a
 * customer not in the workspace.
 *
 * Statements per chunk: on PostgreSQL the cap turn of the chunk's marketing customers (one
 * statement, `withCapTurn`), existing keys, customers, suppressions, frequency-cap instants, the
 * insert, the rendered content, the job (plus the settings and workspace once per call).
 */
export async function queueEmails(
  db: Kysely<Database>,
  emails: readonly OutgoingEmail[],
  options: QueueOptions = {},
): Promise<QueueOutcome[]> {
  if (emails.length === 0) return [];
  if (emails.length > MAX_BULK_MESSAGES) {
    throw new RetainError('invalid_input', `At most ${MAX_BULK_MESSAGES} messages a call.`, [
      { path: ['emails'], message: `Expected at most ${MAX_BULK_MESSAGES} messages` },
    ]);
  }
  const now = options.now ?? Date.now();
  const environment = options.environment ?? emailEnvironment();
  const workspaceId = emails[0]?.workspaceId ?? 0;
  const templates = new Set<string>();
  for (const [index, email] of emails.entries()) {
    checkDedupeKey(email, index);
    if (email.workspaceId !== workspaceId) {
      throw new RetainError('invalid_input', 'Every message of a bulk call belongs to one workspace.', [
        { path: [index, 'workspaceId'], message: 'Not the workspace of the first message' },
      ]);
    }
    templates.add(email.subject);
    templates.add(email.html);
  }
  // Parse errors once per distinct template, before anything is written.
  for (const email of emails) {
    for (const [field, source] of [
      ['subject', email.subject],
      ['html', email.html],
    ] as const) {
      if (!templates.has(source)) continue;
      templates.delete(source);
      const check = checkTemplate(source);
      if (!check.ok) throw templateInputError(new TemplateError(check.problems), field);
    }
  }
  const settings = await getEmailSettings(db, workspaceId, now);
  const workspace = await workspaceVariables(db, workspaceId);
  const fromAddress = formatFrom(settings, environment);
  const outcomes: QueueOutcome[] = [];
  const firstIds = new Map<string, RowId>();
  for (let start = 0; start < emails.length; start += BULK_CHUNK) {
    const chunk = emails.slice(start, start + BULK_CHUNK);
    // The chunk's cap decisions and the insert acting on them are one turn for the customers of
    // its marketing mail (withCapTurn, taken at once in key order as the dispatcher does), so a
    // concurrent caller for one of them counts this chunk's messages.
    const capped = chunk
      .filter((email) => email.category === 'marketing' && email.toAddress === undefined)
      .map((email) => email.customerId);
    outcomes.push(
      ...(await withCapTurn(db, workspaceId, capped, async (trx) => {
        // Keys used before: by earlier messages of the workspace, or earlier in this call.
        const known = await findMessageIdsByDedupeKeys(
          trx,
          workspaceId,
          chunk.map((email) => email.dedupeKey).filter((key) => !firstIds.has(key)),
        );
        for (const email of chunk) {
          const id = firstIds.get(email.dedupeKey);
          if (id !== undefined) known.set(email.dedupeKey, id);
        }
        const customers = new Map(
          (
            await findCustomers(
              trx,
              workspaceId,
              chunk.map((email) => email.customerId),
            )
          ).map((customer) => [Number(customer.id), customer]),
        );
        const planned = chunk.map((email, index) => {
          const customer = customers.get(Number(email.customerId));
          if (customer === undefined) {
            throw new RetainError('not_found', 'Customer not found', [
              { path: [start + index, 'customerId'], message: 'No such customer in the workspace' },
            ]);
          }
          const toAddress = email.toAddress ?? customer.email;
          const category = email.toAddress === undefined ? email.category : 'transactional';
          const quiet = category === 'marketing' ? settings.quietHours : null;
          const sendAfter = endOfQuietHours(Math.max(now, email.notBefore ?? now), customer.time_zone, quiet);
          return { email, customer, toAddress, category, sendAfter };
        });
        const fresh = planned.filter((plan) => !known.has(plan.email.dedupeKey));
        const suppressed = await findSuppressedHashes(
          trx,
          workspaceId,
          fresh.flatMap((plan) =>
            plan.toAddress === null || plan.toAddress.trim() === '' ? [] : [addressHash(plan.toAddress)],
          ),
        );
        const marketing = fresh.filter(
          (plan) => plan.category === 'marketing' && plan.customer.consent_email_marketing === 1,
        );
        const sendAfters = marketing.map((plan) => plan.sendAfter);
        const instants =
          marketing.length === 0
            ? new Map<RowId, number[]>()
            : await marketingInstantsOf(
                trx,
                workspaceId,
                marketing.map((plan) => plan.customer.id),
                { from: Math.min(...sendAfters) - WEEK_MS, to: Math.max(...sendAfters) + WEEK_MS },
              );
        const rows: (NewMessage & { reason: SkipReason | null })[] = [];
        const seen = new Set<string>();
        for (const plan of fresh) {
          if (seen.has(plan.email.dedupeKey)) continue;
          seen.add(plan.email.dedupeKey);
          const customerInstants = instants.get(Number(plan.customer.id)) ?? [];
          const reason = batchSkipReason({
            customer: plan.customer,
            category: plan.category,
            toAddress: plan.toAddress,
            suppressed,
            instants: customerInstants,
            plannedAt: plan.sendAfter,
            settings,
            sending: false,
          });
          // Queued marketing mail counts against the customer's next message in this call.
          if (reason === null && plan.category === 'marketing') {
            customerInstants.push(plan.sendAfter);
            instants.set(Number(plan.customer.id), customerInstants);
          }
          const origin = plan.email.origin ?? null;
          rows.push({
            workspaceId,
            customerId: plan.customer.id,
            dedupeKey: plan.email.dedupeKey,
            category: plan.category,
            originKind: origin === null ? null : String(origin.kind),
            originFlowId: origin !== null && origin.kind === 'flow' ? String(origin.flowId) : null,
            origin: origin === null ? null : toJson(origin as Record<string, unknown>),
            toAddress:
              plan.toAddress === null || plan.customer.erased_at !== null ? null : plan.toAddress.trim(),
            sendAfter: plan.sendAfter,
            now,
            status: reason === null ? 'queued' : 'skipped',
            skipReason: reason,
            reason,
          });
        }
        const inserted = await insertMessages(trx, rows);
        // Keys another caller inserted since the first read: duplicates of its messages.
        const raced = rows.filter((row) => !inserted.has(row.dedupeKey)).map((row) => row.dedupeKey);
        for (const [key, id] of await findMessageIdsByDedupeKeys(trx, workspaceId, raced)) known.set(key, id);

        const contents: RenderedContent[] = [];
        const firstQueued: { id: RowId | null; runAt: number } = {
          id: null,
          runAt: Number.POSITIVE_INFINITY,
        };
        const chunkOutcomes: QueueOutcome[] = [];
        const rowByKey = new Map(rows.map((row) => [row.dedupeKey, row]));
        const answered = new Set<string>();
        for (const plan of planned) {
          const key = plan.email.dedupeKey;
          const id = inserted.get(key);
          const row = rowByKey.get(key);
          if (id === undefined || row === undefined || answered.has(key)) {
            const first = id ?? known.get(key);
            if (first === undefined) throw new Error(`Message with dedupe key ${key} vanished`);
            chunkOutcomes.push({ status: 'duplicate', messageId: String(first) });
            continue;
          }
          answered.add(key);
          if (row.reason !== null) {
            chunkOutcomes.push({ status: 'skipped', messageId: String(id), reason: row.reason });
            continue;
          }
          let rendered: Awaited<ReturnType<typeof renderEmail>>;
          try {
            rendered = await renderEmail(trx, {
              workspaceId,
              messageId: id,
              customer: plan.customer,
              category: plan.category,
              subject: plan.email.subject,
              html: plan.email.html,
              variables: plan.email.variables,
              settings,
              environment,
              tracking: plan.email.toAddress === undefined,
              workspace,
            });
          } catch (error) {
            if (error instanceof TemplateError) throw templateInputError(error);
            throw error;
          }
          contents.push({
            id,
            subject: rendered.subject,
            html: rendered.html,
            text: rendered.text,
            fromAddress,
            smtpMessageId: messageIdHeader(workspaceId, id, fromAddress),
          });
          firstQueued.id ??= id;
          firstQueued.runAt = Math.min(firstQueued.runAt, plan.sendAfter);
          chunkOutcomes.push({ status: 'queued', messageId: String(id) });
        }
        await writeRenderedContents(trx, workspaceId, contents);
        if (firstQueued.id !== null) {
          await enqueueDispatch(trx, workspaceId, firstQueued.runAt, now, `queued:${firstQueued.id}`);
          await scheduleSweep(trx, workspaceId, now);
        }
        return chunkOutcomes;
      })),
    );
    for (const [index, outcome] of outcomes.entries()) {
      const key = emails[index]?.dedupeKey;
      if (key !== undefined && !firstIds.has(key)) firstIds.set(key, Number(outcome.messageId));
    }
  }
  return outcomes;
}
