/** Loyalty test support: a customer in a workspace, and the ledger invariants checked against the rows. */
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import type { Database, RowId } from '../../src/db/index.js';

/** Inserts a bare customer and returns its id. */
export async function newCustomer(
  db: Kysely<Database>,
  workspaceId: number,
  fields: { readonly externalId?: string; readonly email?: string } = {},
): Promise<RowId> {
  const row = await db
    .insertInto('customer')
    .values({
      workspace_id: workspaceId,
      external_id: fields.externalId ?? null,
      email: fields.email ?? null,
      created_at: 0,
      updated_at: 0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The account row's numbers (zeros when there is none). */
export async function accountOf(db: Kysely<Database>, workspaceId: number, customerId: RowId) {
  const row = await db
    .selectFrom('loyalty_account')
    .select(['balance', 'pending', 'debt', 'earned'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return {
    balance: Number(row?.balance ?? 0),
    pending: Number(row?.pending ?? 0),
    debt: Number(row?.debt ?? 0),
    earned: Number(row?.earned ?? 0),
  };
}

/**
 * Asserts the ledger's invariants for a customer, computed from the entries themselves: the cached
 * balance equals the sum of the settled entries, pending the sum of the pending ones, neither below 0.
 */
export async function expectLedgerConsistent(
  db: Kysely<Database>,
  workspaceId: number,
  customerId: RowId,
): Promise<{ balance: number; pending: number }> {
  const entries = await db
    .selectFrom('loyalty_entry')
    .select(['points', 'pending'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .execute();
  let settled = 0;
  let pending = 0;
  for (const entry of entries) {
    if (Number(entry.pending) === 1) pending += Number(entry.points);
    else settled += Number(entry.points);
  }
  const account = await accountOf(db, workspaceId, customerId);
  expect(account.balance, 'balance = sum of settled entries').toBe(settled);
  expect(account.pending, 'pending = sum of pending entries').toBe(pending);
  expect(account.balance).toBeGreaterThanOrEqual(0);
  expect(account.pending).toBeGreaterThanOrEqual(0);
  return { balance: settled, pending };
}
