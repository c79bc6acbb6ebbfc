/**
 * Segment groups (`customer_group`: an account or company by its `groupId`, with its traits) and
 * the customers grouped with them (`customer_group_member`). Written by tracking's `group` calls;
 * read by the privacy export; memberships are deleted by erasure. Every query names the workspace.
 */
import { type CustomerGroupRow, fromJson, type RowId, toJson } from '../db/index.js';
import { chunks, type Executor } from './upsert-batch.js';

/** One `group` call's effect on its group: traits merged key by key (a later call wins). */
export interface GroupTraitsUpdate {
  readonly groupId: string;
  readonly traits: Readonly<Record<string, unknown>>;
}

/** A group as the API shows it. */
export interface CustomerGroup {
  readonly id: string;
  readonly groupId: string;
  readonly name: string | null;
  readonly traits: Record<string, unknown>;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A group one customer belongs to, with when they were first grouped with it. */
export interface CustomerMembership extends CustomerGroup {
  readonly joinedAt: string;
}

/**
 * Creates the groups of `updates` that do not exist and merges each update's traits into the
 * stored ones, in order (a key given later replaces the stored value; keys not sent keep theirs).
 * `name` is the `name` trait when it is a string. Returns groupId → row id for every group named.
 * O(updates): one read, then one write per group.
 */
export async function applyGroupTraits(
  db: Executor,
  workspaceId: number,
  updates: readonly GroupTraitsUpdate[],
  now: number,
): Promise<Map<string, RowId>> {
  const merged = new Map<string, Record<string, unknown>>();
  for (const update of updates) {
    merged.set(update.groupId, { ...merged.get(update.groupId), ...update.traits });
  }
  const ids = new Map<string, RowId>();
  for (const [groupId, traits] of merged) {
    const name = typeof traits.name === 'string' ? traits.name : undefined;
    // Insert, or lock the stored row and merge into it: concurrent calls for one group serialise here.
    const inserted = await db
      .insertInto('customer_group')
      .values({
        workspace_id: workspaceId,
        external_id: groupId,
        name: name ?? null,
        traits: toJson(traits),
        created_at: now,
        updated_at: now,
      })
      .onConflict((conflict) => conflict.columns(['workspace_id', 'external_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted !== undefined) {
      ids.set(groupId, inserted.id);
      continue;
    }
    const stored = await db
      .selectFrom('customer_group')
      .select(['id', 'traits'])
      .where('workspace_id', '=', workspaceId)
      .where('external_id', '=', groupId)
      .executeTakeFirstOrThrow();
    await db
      .updateTable('customer_group')
      .set({
        traits: toJson({ ...fromJson<Record<string, unknown>>(stored.traits), ...traits }),
        ...(name === undefined ? {} : { name }),
        updated_at: now,
      })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', stored.id)
      .execute();
    ids.set(groupId, stored.id);
  }
  return ids;
}

/** Groups customers with groups (by row ids); an existing link is kept as it is. O(links). */
export async function linkGroupMembers(
  db: Executor,
  workspaceId: number,
  links: readonly { readonly groupId: RowId; readonly customerId: RowId }[],
  now: number,
): Promise<void> {
  const unique = new Map(links.map((link) => [`${link.groupId}:${link.customerId}`, link]));
  for (const chunk of chunks([...unique.values()], 1_000)) {
    await db
      .insertInto('customer_group_member')
      .values(
        chunk.map((link) => ({
          workspace_id: workspaceId,
          group_id: link.groupId,
          customer_id: link.customerId,
          created_at: now,
          updated_at: now,
        })),
      )
      .onConflict((conflict) => conflict.columns(['workspace_id', 'group_id', 'customer_id']).doNothing())
      .execute();
  }
}

function toGroup(row: CustomerGroupRow): CustomerGroup {
  return {
    id: String(row.id),
    groupId: row.external_id,
    name: row.name,
    traits: fromJson(row.traits),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** A group by its `groupId`, or `undefined`. */
export async function findGroup(
  db: Executor,
  workspaceId: number,
  groupId: string,
): Promise<CustomerGroup | undefined> {
  const row = await db
    .selectFrom('customer_group')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('external_id', '=', groupId)
    .executeTakeFirst();
  return row === undefined ? undefined : toGroup(row);
}

/** The groups a customer belongs to, in the order they were joined. */
export async function listGroupsOfCustomer(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
): Promise<CustomerMembership[]> {
  const rows = await db
    .selectFrom('customer_group_member as m')
    .innerJoin('customer_group as g', (join) =>
      join.onRef('g.workspace_id', '=', 'm.workspace_id').onRef('g.id', '=', 'm.group_id'),
    )
    .selectAll('g')
    .select('m.created_at as joined_at')
    .where('m.workspace_id', '=', workspaceId)
    .where('m.customer_id', '=', customerId)
    .orderBy('m.id')
    .execute();
  return rows.map((row) => ({ ...toGroup(row), joinedAt: new Date(row.joined_at).toISOString() }));
}

/** Removes a customer from every group (erasure); returns how many memberships went. */
export async function deleteMembershipsOfCustomer(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
): Promise<number> {
  const result = await db
    .deleteFrom('customer_group_member')
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
