/**
 * Which customer an identity names, and the row locks that keep that answer true until a write
 * commits: live (not erased) customers by external id or by alias (`customer_alias`), the erased
 * identities a workspace refuses (`erased_identity`), and merging one customer into another (a
 * Segment `alias` call). Every query names the workspace.
 *
 * Locks (PostgreSQL; SQLite has one writer at a time, so a write transaction already excludes
 * every other): a write that links rows to customers takes `FOR KEY SHARE` on them and checks
 * `erased_at IS NULL` in the same statement; erasure and merge take `FOR UPDATE` first. The two
 * modes conflict, so whichever comes second waits for the first to commit, and PostgreSQL then
 * re-checks the waiting statement's `WHERE` on the committed row (READ COMMITTED): a write never
 * links to a customer erased meanwhile, and an erasure sees every event written before it.
 */
import { type CustomerRow, dialectOf, fromJson, hashSecret, type RowId, toJson } from '../db/index.js';
import { bumpDataVersion } from './data-version.repository.js';
import { chunks, type Executor } from './upsert-batch.js';

/** Ids per `IN (…)` list (far below either engine's parameter limit). */
const IDS_PER_QUERY = 1_000;

/**
 * External id → id of the live (not erased) customers among `externalIds`. O(n) over the
 * `(workspace_id, external_id)` index. Example: `await liveCustomerIds(db, ws, ['c1'])` → `Map { 'c1' => 7 }`.
 */
export async function liveCustomerIds(
  db: Executor,
  workspaceId: number,
  externalIds: readonly string[],
): Promise<Map<string, RowId>> {
  const found = new Map<string, RowId>();
  for (const chunk of chunks([...new Set(externalIds)], IDS_PER_QUERY)) {
    const rows = await db
      .selectFrom('customer')
      .select(['id', 'external_id'])
      .where('workspace_id', '=', workspaceId)
      .where('external_id', 'in', chunk)
      .where('erased_at', 'is', null)
      .execute();
    for (const row of rows) if (row.external_id !== null) found.set(row.external_id, row.id);
  }
  return found;
}

/**
 * The ids among `externalIds` that are an erased customer's external id — its pseudonym
 * `erased:<id>`, the only external id an erased row keeps. Such an id can never name a new
 * customer (the pseudonym stays unique), so callers refuse it. O(n).
 */
export async function erasedExternalIds(
  db: Executor,
  workspaceId: number,
  externalIds: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (const chunk of chunks([...new Set(externalIds)], IDS_PER_QUERY)) {
    const rows = await db
      .selectFrom('customer')
      .select('external_id')
      .where('workspace_id', '=', workspaceId)
      .where('external_id', 'in', chunk)
      .where('erased_at', 'is not', null)
      .execute();
    for (const row of rows) if (row.external_id !== null) found.add(row.external_id);
  }
  return found;
}

/** Alias → id of the live customer it was merged into, for the aliases among `aliases`. O(n). */
export async function customerIdsByAlias(
  db: Executor,
  workspaceId: number,
  aliases: readonly string[],
): Promise<Map<string, RowId>> {
  const found = new Map<string, RowId>();
  for (const chunk of chunks([...new Set(aliases)], IDS_PER_QUERY)) {
    const rows = await db
      .selectFrom('customer_alias as a')
      .innerJoin('customer as c', (join) =>
        join.onRef('c.workspace_id', '=', 'a.workspace_id').onRef('c.id', '=', 'a.customer_id'),
      )
      .select(['a.alias', 'a.customer_id'])
      .where('a.workspace_id', '=', workspaceId)
      .where('a.alias', 'in', chunk)
      .where('c.erased_at', 'is', null)
      .execute();
    for (const row of rows) found.set(row.alias, row.customer_id);
  }
  return found;
}

/**
 * The ids among `customerIds` whose customer exists and is not erased, each locked until the
 * transaction ends (`FOR KEY SHARE` on PostgreSQL, in id order; see the file comment). Call it
 * inside the transaction that links rows to these customers, after any wait, so a cached id is
 * checked against `erased_at` where it is used. One indexed query per 1,000 ids.
 * Example: `await lockLiveCustomers(trx, ws, [7, 9])` → `Set { 7 }` when 9 was erased.
 */
export async function lockLiveCustomers(
  db: Executor,
  workspaceId: number,
  customerIds: readonly RowId[],
): Promise<Set<RowId>> {
  const live = new Set<RowId>();
  const sorted = [...new Set(customerIds)].sort((left, right) => left - right);
  const postgres = dialectOf(db) === 'postgres';
  for (const chunk of chunks(sorted, IDS_PER_QUERY)) {
    let query = db
      .selectFrom('customer')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', chunk)
      .where('erased_at', 'is', null)
      .orderBy('id');
    if (postgres) query = query.forKeyShare();
    for (const row of await query.execute()) live.add(row.id);
  }
  return live;
}

/**
 * The customers `customerIds`, locked for a change of identity (erasure, merge) until the
 * transaction ends: `FOR UPDATE` on PostgreSQL, in id order, so writers linking rows to them wait
 * (see the file comment). Erased rows are returned too; missing ones are absent.
 */
export async function lockCustomersForUpdate(
  db: Executor,
  workspaceId: number,
  customerIds: readonly RowId[],
): Promise<Map<RowId, CustomerRow>> {
  const sorted = [...new Set(customerIds)].sort((left, right) => left - right);
  let query = db
    .selectFrom('customer')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', sorted.length === 0 ? [-1] : sorted)
    .orderBy('id');
  if (dialectOf(db) === 'postgres') query = query.forUpdate();
  return new Map((await query.execute()).map((row) => [row.id, row]));
}

/** The stored form of an erased external id: its SHA-256 (hex), never the id itself. */
function identityHash(externalId: string): string {
  return hashSecret(externalId);
}

/**
 * Records external ids of an erased customer, so a workspace that refuses erased identities can
 * recognise them later (`erasedIdentitiesAmong`). Only their SHA-256 is stored, unlinked from any
 * row. Idempotent. O(n).
 */
export async function recordErasedIdentities(
  db: Executor,
  workspaceId: number,
  externalIds: readonly string[],
  now: number,
): Promise<void> {
  const hashes = [...new Set(externalIds.map(identityHash))];
  for (const chunk of chunks(hashes, IDS_PER_QUERY)) {
    await db
      .insertInto('erased_identity')
      .values(chunk.map((hash) => ({ workspace_id: workspaceId, identity_hash: hash, erased_at: now })))
      .onConflict((conflict) => conflict.columns(['workspace_id', 'identity_hash']).doNothing())
      .execute();
  }
}

/** The ids among `externalIds` recorded as erased (`recordErasedIdentities`). O(n). */
export async function erasedIdentitiesAmong(
  db: Executor,
  workspaceId: number,
  externalIds: readonly string[],
): Promise<Set<string>> {
  const byHash = new Map([...new Set(externalIds)].map((id) => [identityHash(id), id]));
  const found = new Set<string>();
  for (const chunk of chunks([...byHash.keys()], IDS_PER_QUERY)) {
    const rows = await db
      .selectFrom('erased_identity')
      .select('identity_hash')
      .where('workspace_id', '=', workspaceId)
      .where('identity_hash', 'in', chunk)
      .execute();
    for (const row of rows) found.add(byHash.get(row.identity_hash)!);
  }
  return found;
}

/**
 * Makes `alias` name `customerId` (a later alias of the same identity moves it). Every alias an
 * erased customer had is deleted with its erasure (`deleteAliasesOfCustomer`).
 */
export async function recordAlias(
  db: Executor,
  workspaceId: number,
  alias: string,
  customerId: RowId,
  now: number,
): Promise<void> {
  await db
    .insertInto('customer_alias')
    .values({ workspace_id: workspaceId, alias, customer_id: customerId, created_at: now })
    .onConflict((conflict) =>
      conflict.columns(['workspace_id', 'alias']).doUpdateSet({ customer_id: customerId }),
    )
    .execute();
}

/** The aliases that name a customer, oldest first. */
export async function listAliasesOfCustomer(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
): Promise<string[]> {
  const rows = await db
    .selectFrom('customer_alias')
    .select('alias')
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .orderBy('id')
    .execute();
  return rows.map((row) => row.alias);
}

/** Deletes the aliases that name a customer (erasure); returns how many. */
export async function deleteAliasesOfCustomer(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
): Promise<number> {
  const result = await db
    .deleteFrom('customer_alias')
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Renames a live customer's external id (an `alias` whose new userId names no customer yet).
 * Throws the driver's unique violation when another customer took `externalId` meanwhile.
 */
export async function renameCustomer(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
  externalId: string,
  now: number,
): Promise<void> {
  await db
    .updateTable('customer')
    .set({ external_id: externalId, updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', customerId)
    .execute();
  await bumpDataVersion(db, workspaceId);
}

/**
 * Links events nobody was resolved to — anonymous ones with `anonymous_id = identity`, and
 * unresolved ones with `user_id = identity` — to `customerId` (an `alias` of that identity).
 * Returns how many.
 */
export async function linkEventsOfIdentity(
  db: Executor,
  workspaceId: number,
  identity: string,
  customerId: RowId,
): Promise<number> {
  const result = await db
    .updateTable('event')
    .set({ customer_id: customerId })
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', 'is', null)
    .where((eb) => eb.or([eb('anonymous_id', '=', identity), eb('user_id', '=', identity)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** What merging one customer into another moved. */
export interface MergeResult {
  readonly orders: number;
  readonly refunds: number;
  readonly subscriptions: number;
  readonly events: number;
  readonly groups: number;
  readonly aliases: number;
}

/**
 * Merges customer `from` into customer `into` and deletes `from`: its orders, refunds,
 * subscriptions, events, group memberships and aliases move to `into`; profile fields `into`
 * lacks (null) are taken from `from`, attributes are merged with `into`'s values winning, the
 * earlier sign-up and creation instants are kept, and the more recent consent decision wins.
 * Lock both rows first (`lockCustomersForUpdate`) and check neither is erased. O(rows moved).
 */
export async function mergeCustomers(
  db: Executor,
  workspaceId: number,
  rows: { readonly from: CustomerRow; readonly into: CustomerRow },
  now: number,
): Promise<MergeResult> {
  const { from, into } = rows;
  const moved = async (
    table: 'customer_order' | 'refund' | 'subscription' | 'event' | 'customer_alias',
  ): Promise<number> => {
    const result = await db
      .updateTable(table)
      .set({ customer_id: into.id })
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', from.id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  };
  const orders = await moved('customer_order');
  const refunds = await moved('refund');
  const subscriptions = await moved('subscription');
  const events = await moved('event');
  const aliases = await moved('customer_alias');
  const memberships = await db
    .selectFrom('customer_group_member')
    .select(['group_id', 'created_at'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', from.id)
    .execute();
  if (memberships.length > 0) {
    await db
      .insertInto('customer_group_member')
      .values(
        memberships.map((membership) => ({
          workspace_id: workspaceId,
          group_id: membership.group_id,
          customer_id: into.id,
          created_at: membership.created_at,
          updated_at: now,
        })),
      )
      .onConflict((conflict) => conflict.columns(['workspace_id', 'group_id', 'customer_id']).doNothing())
      .execute();
  }

  const earlier = (left: number | null, right: number | null): number | null =>
    left === null ? right : right === null ? left : Math.min(left, right);
  const consentFromOlder = (from.consent_updated_at ?? -1) > (into.consent_updated_at ?? -1);
  await db
    .updateTable('customer')
    .set({
      email: into.email ?? from.email,
      name: into.name ?? from.name,
      phone: into.phone ?? from.phone,
      language: into.language ?? from.language,
      country: into.country ?? from.country,
      time_zone: into.time_zone ?? from.time_zone,
      attributes: toJson({
        ...fromJson<Record<string, unknown>>(from.attributes),
        ...fromJson<Record<string, unknown>>(into.attributes),
      }),
      ...(consentFromOlder
        ? {
            consent_email_marketing: from.consent_email_marketing,
            consent_sms_marketing: from.consent_sms_marketing,
            consent_updated_at: from.consent_updated_at,
          }
        : {}),
      signed_up_at: earlier(into.signed_up_at, from.signed_up_at),
      created_at: Math.min(into.created_at, from.created_at),
      updated_at: now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', into.id)
    .execute();
  // Deleting `from` deletes its memberships (copied above) by cascade.
  await db.deleteFrom('customer').where('workspace_id', '=', workspaceId).where('id', '=', from.id).execute();
  await bumpDataVersion(db, workspaceId);
  return { orders, refunds, subscriptions, events, groups: memberships.length, aliases };
}
