/**
 * Flow test support: a workspace with customers and orders written straight to the tables, and a
 * recorder standing in for e-mail in simulated-time tests (it answers `duplicate` for a dedupe key
 * it has seen, as e-mail's `queueEmail` does).
 */
import type { Kysely } from 'kysely';
import type { Database, RowId } from '../../src/db/index.js';
import { newId, toJson } from '../../src/db/index.js';
import type { FlowEffects, FlowEmail } from '../../src/flows/index.js';
import { createWorkspace } from '../../src/workspaces/workspace.repository.js';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;

/** A template check that accepts everything (the real one is e-mail's `checkTemplate`). */
export const acceptTemplates = () => ({ ok: true as const });

export async function newWorkspace(db: Kysely<Database>, now: number, timeZone?: string): Promise<number> {
  const { workspace } = await createWorkspace(db, {
    name: 'Flows',
    slug: `flows-${newId()}`,
    now,
    ...(timeZone === undefined ? {} : { settings: { timeZone } }),
  });
  return workspace.id;
}

export async function addCustomer(
  db: Kysely<Database>,
  workspaceId: number,
  fields: {
    readonly externalId?: string;
    readonly email?: string | null;
    readonly timeZone?: string | null;
    readonly signedUpAt?: number | null;
    readonly consent?: boolean;
    readonly now: number;
  },
): Promise<RowId> {
  const row = await db
    .insertInto('customer')
    .values({
      workspace_id: workspaceId,
      external_id: fields.externalId ?? `c-${newId()}`,
      email: fields.email === undefined ? `${newId()}@example.com` : fields.email,
      time_zone: fields.timeZone ?? null,
      signed_up_at: fields.signedUpAt ?? null,
      consent_email_marketing: fields.consent === false ? 0 : 1,
      attributes: toJson({}),
      created_at: fields.now,
      updated_at: fields.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** `count` customers in one insert (consenting, with an e-mail address), their ids in order. */
export async function addCustomers(
  db: Kysely<Database>,
  workspaceId: number,
  count: number,
  now: number,
): Promise<RowId[]> {
  const ids: RowId[] = [];
  for (let start = 0; start < count; start += 500) {
    const rows = await db
      .insertInto('customer')
      .values(
        Array.from({ length: Math.min(500, count - start) }, () => {
          const key = newId();
          return {
            workspace_id: workspaceId,
            external_id: `c-${key}`,
            email: `${key}@example.com`,
            consent_email_marketing: 1 as const,
            attributes: toJson({}),
            created_at: now,
            updated_at: now,
          };
        }),
      )
      .returning('id')
      .execute();
    ids.push(...rows.map((row) => row.id).sort((left, right) => left - right));
  }
  return ids;
}

export async function addOrder(
  db: Kysely<Database>,
  workspaceId: number,
  customerId: RowId,
  orderedAt: number,
  amountCents = 5_000,
): Promise<void> {
  await db
    .insertInto('customer_order')
    .values({
      workspace_id: workspaceId,
      customer_id: customerId,
      ordered_at: orderedAt,
      currency: 'USD',
      amount_cents: amountCents,
      status: 'completed',
      created_at: orderedAt,
      updated_at: orderedAt,
    })
    .execute();
}

/** Effects that record the e-mails instead of queueing them. */
export function recordingEffects(): FlowEffects & {
  readonly sent: FlowEmail[];
  readonly calls: FlowEmail[];
} {
  const sent: FlowEmail[] = [];
  const calls: FlowEmail[] = [];
  const keys = new Set<string>();
  return {
    sent,
    calls,
    async sendEmail(_db, email) {
      calls.push(email);
      if (keys.has(email.dedupeKey)) return { status: 'duplicate', messageId: email.dedupeKey };
      keys.add(email.dedupeKey);
      sent.push(email);
      return { status: 'queued', messageId: email.dedupeKey };
    },
    async emailCounts() {
      return {
        sent: sent.length,
        delivered: 0,
        bounced: 0,
        opened: 0,
        clicked: 0,
        unsubscribed: 0,
        skipped: 0,
      };
    },
  };
}
