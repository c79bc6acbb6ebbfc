/**
 * The `customer` table: batch upserts by natural key (external id, unique per workspace) and
 * look-ups (the list's query is customer-list.ts). Every query carries the workspace predicate.
 */
import { type CustomerRow, dialectOf, fromJson, type RowId, toFlag, toJson } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { bumpDataVersion } from './data-version.repository.js';
import {
  type Executor,
  idsByExternalId,
  lastByKey,
  type UpsertTarget,
  upsertRows,
  upsertSparseRows,
} from './upsert-batch.js';

/**
 * One customer as an importer or the tracking endpoint gives it. `externalId` is the natural key;
 * any other field left `undefined` keeps its stored value (or the default on insert), `null` clears it.
 */
export interface CustomerInput {
  readonly externalId: string;
  readonly email?: string | null;
  readonly name?: string | null;
  readonly phone?: string | null;
  readonly language?: string | null;
  readonly country?: string | null;
  readonly timeZone?: string | null;
  /** Replaces the stored attributes whole (no deep merge). */
  readonly attributes?: Record<string, unknown>;
  readonly consentEmailMarketing?: boolean;
  readonly consentSmsMarketing?: boolean;
  readonly consentUpdatedAt?: number | null;
  readonly signedUpAt?: number | null;
}

/** What a batch upsert did. */
export interface UpsertResult {
  /** Rows inserted or changed (an identical re-write counts 0). */
  readonly written: number;
  /** The stored id of every natural key in the batch. */
  readonly ids: Map<string, RowId>;
}

const CUSTOMER_TARGET: UpsertTarget = {
  table: 'customer',
  conflictColumns: ['workspace_id', 'external_id'],
  insertOnlyColumns: ['created_at'],
  touchColumn: 'updated_at',
};
/** Bare customers: nothing but the key is compared, so a collision does nothing. */
const CUSTOMER_STUB_TARGET: UpsertTarget = {
  table: 'customer',
  conflictColumns: ['workspace_id', 'external_id'],
  insertOnlyColumns: ['email', 'created_at', 'updated_at'],
  insertOnly: true,
};
const CUSTOMER_COLUMNS = [
  'workspace_id',
  'external_id',
  'email',
  'name',
  'phone',
  'language',
  'country',
  'time_zone',
  'attributes',
  'consent_email_marketing',
  'consent_sms_marketing',
  'consent_updated_at',
  'signed_up_at',
  'created_at',
  'updated_at',
] as const;

function requireExternalId(value: unknown, index: number, what: string): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new RetainError('invalid_input', `Every ${what} needs an external id.`, [
      { path: ['rows', index, 'externalId'], message: 'Required: a non-empty string.' },
    ]);
  }
}

/** Options of the batch upserts. */
export interface UpsertOptions {
  /** The clock, epoch ms (default `Date.now()`): `created_at` / `updated_at` of written rows. */
  readonly now?: number;
  /** Read back the id of every natural key (one more query; default true). */
  readonly withIds?: boolean;
}

/**
 * Inserts or updates customers by `(workspace_id, external_id)`, 5,000 rows a statement (see
 * `upsert-batch.ts`). Rows naming the same external id twice: the last wins. Re-writing an
 * identical batch changes no row (not even `updated_at`); a changed field updates the row.
 * Country is stored upper-case (ISO 3166-1 alpha-2), e-mail trimmed.
 *
 * O(rows) with ⌈rows / 5,000⌉ write statements plus as many id look-ups (none with `withIds: false`).
 * Example: `await upsertCustomers(db, ws, [{ externalId: 'c1', email: 'a@b.co' }])`
 * → `{ written: 1, ids: Map { 'c1' => 17 } }`; the same call again → `written: 0`.
 */
export async function upsertCustomers(
  db: Executor,
  workspaceId: number,
  rows: readonly CustomerInput[],
  options: UpsertOptions = {},
): Promise<UpsertResult> {
  const now = options.now ?? Date.now();
  rows.forEach((row, index) => {
    requireExternalId(row.externalId, index, 'customer');
  });
  const unique = lastByKey(rows, (row) => row.externalId);
  const values = unique.map((row) => [
    workspaceId,
    row.externalId,
    row.email === undefined || row.email === null ? row.email : row.email.trim(),
    row.name,
    row.phone,
    row.language,
    row.country === undefined || row.country === null ? row.country : row.country.toUpperCase(),
    row.timeZone,
    row.attributes === undefined ? undefined : toJson(row.attributes),
    row.consentEmailMarketing === undefined ? undefined : toFlag(row.consentEmailMarketing),
    row.consentSmsMarketing === undefined ? undefined : toFlag(row.consentSmsMarketing),
    row.consentUpdatedAt,
    row.signedUpAt,
    now,
    now,
  ]);
  const dialect = dialectOf(db);
  const written = await upsertSparseRows(db, dialect, CUSTOMER_TARGET, CUSTOMER_COLUMNS, values);
  if (written > 0) await bumpDataVersion(db, workspaceId);
  if (options.withIds === false) return { written, ids: new Map() };
  const stored = await idsByExternalId(
    db,
    dialect,
    'customer',
    workspaceId,
    unique.map((row) => row.externalId),
  );
  return { written, ids: stored };
}

/**
 * The ids of the customers with these external ids, creating a bare customer (no personal data
 * but, when `emails` gives one, the e-mail) for each one not stored yet, so orders, subscriptions
 * and events can reference customers that arrive before (or without) their profile. Existing
 * customers are left untouched (`on conflict do nothing`).
 *
 * O(n): one insert and one look-up per 5,000 distinct ids.
 * Example: `await ensureCustomers(db, ws, ['c1', 'c2'])` → `Map { 'c1' => …, 'c2' => … }`.
 */
export async function ensureCustomers(
  db: Executor,
  workspaceId: number,
  externalIds: readonly string[],
  options: EnsureCustomersOptions = {},
): Promise<Map<string, RowId>> {
  return (await ensureCustomersCounted(db, workspaceId, externalIds, options)).ids;
}

/** Options of `ensureCustomers`. */
export interface EnsureCustomersOptions {
  /** The clock, epoch ms (default `Date.now()`). */
  readonly now?: number;
  /** The e-mail to store on a customer created here, by external id (default none). */
  readonly emails?: ReadonlyMap<string, string | null>;
}

/**
 * `ensureCustomers`, also saying how many customers it created (those not stored before).
 * O(n). Example: `await ensureCustomersCounted(db, ws, ['c1'])` → `{ ids: Map { 'c1' => … }, created: 1 }`;
 * again → `created: 0`.
 */
export async function ensureCustomersCounted(
  db: Executor,
  workspaceId: number,
  externalIds: readonly string[],
  options: EnsureCustomersOptions = {},
): Promise<{ readonly ids: Map<string, RowId>; readonly created: number }> {
  const now = options.now ?? Date.now();
  const unique = [...new Set(externalIds)];
  const emails = options.emails;
  const values = unique.map((externalId) => [
    workspaceId,
    externalId,
    emails?.get(externalId) ?? null,
    now,
    now,
  ]);
  const dialect = dialectOf(db);
  const { written } = await upsertRows(
    db,
    dialect,
    CUSTOMER_STUB_TARGET,
    ['workspace_id', 'external_id', 'email', 'created_at', 'updated_at'],
    values,
  );
  if (written > 0) await bumpDataVersion(db, workspaceId);
  return { ids: await idsByExternalId(db, dialect, 'customer', workspaceId, unique), created: written };
}

/** External id → id for the stored customers among `externalIds` (unknown ones are absent). O(n). */
export async function customerIdsByExternalId(
  db: Executor,
  workspaceId: number,
  externalIds: readonly string[],
): Promise<Map<string, RowId>> {
  return idsByExternalId(db, dialectOf(db), 'customer', workspaceId, externalIds);
}

/** The customers with these ids in this workspace (one statement; others' ids find nothing). */
export async function findCustomers(
  db: Executor,
  workspaceId: number,
  customerIds: readonly RowId[],
): Promise<CustomerRow[]> {
  if (customerIds.length === 0) return [];
  return db
    .selectFrom('customer')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', [...new Set(customerIds)])
    .execute();
}

/** The customer with this id in this workspace, or `undefined` (also for another workspace's id). */
export async function findCustomer(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
): Promise<CustomerRow | undefined> {
  return db
    .selectFrom('customer')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', customerId)
    .executeTakeFirst();
}

/** The customer with this external id in this workspace, or `undefined`. */
export async function findCustomerByExternalId(
  db: Executor,
  workspaceId: number,
  externalId: string,
): Promise<CustomerRow | undefined> {
  return db
    .selectFrom('customer')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
}

/** Filters of the customer list; every bound is optional, ranges are half-open `[from, to)`. */
export interface CustomerFilter {
  /** ISO 3166-1 alpha-2, any case. */
  readonly country?: string;
  /** Signed up (or, when the sign-up is unknown, first stored) at or after this instant. */
  readonly createdFrom?: number;
  readonly createdTo?: number;
  /** The latest non-cancelled order falls in the range. */
  readonly lastOrderFrom?: number;
  readonly lastOrderTo?: number;
  /** Has (or has not) a live subscription: trialing, active, past_due or paused. */
  readonly hasSubscription?: boolean;
  readonly consentEmailMarketing?: boolean;
  readonly consentSmsMarketing?: boolean;
  /** Case-insensitive substring of the e-mail, name or external id. */
  readonly search?: string;
}

/** Subscription statuses that count as "has a subscription" in the list filter. */
export const LIVE_SUBSCRIPTION_STATUSES = ['trialing', 'active', 'past_due', 'paused'] as const;

/**
 * Sets one key of a live customer's attributes (`null` removes it), keeping the others — what a
 * flow's `update_attribute` step does. Locks the row (PostgreSQL `FOR UPDATE`) for the
 * read-merge-write, so pass the transaction that records the step. Returns `false` when there is
 * no such live customer (erased or gone). Two statements, plus the data version bump.
 */
export async function setCustomerAttribute(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
  change: { readonly key: string; readonly value: unknown; readonly now: number },
): Promise<boolean> {
  const row = await db
    .selectFrom('customer')
    .select('attributes')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', customerId)
    .where('erased_at', 'is', null)
    .$if(dialectOf(db) === 'postgres', (query) => query.forUpdate())
    .executeTakeFirst();
  if (row === undefined) return false;
  const attributes: Record<string, unknown> = { ...fromJson<Record<string, unknown>>(row.attributes) };
  if (change.value === null) delete attributes[change.key];
  else attributes[change.key] = change.value;
  await db
    .updateTable('customer')
    .set({ attributes: toJson(attributes), updated_at: change.now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', customerId)
    .execute();
  await bumpDataVersion(db, workspaceId);
  return true;
}
