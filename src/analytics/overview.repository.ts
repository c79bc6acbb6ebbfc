/**
 * The version of a workspace's analysed data, so the overview can keep a computed answer until the
 * data changes (overview.service.ts). Three index-friendly aggregates.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';

/**
 * A string that changes whenever the workspace's orders, refunds or subscriptions change: an
 * insert changes a count, an update moves `updated_at` (a refund is never updated in place, so its
 * count, latest `created_at` and total cover it). Settings are part of the cache key elsewhere.
 */
export async function analyticsDataVersion(db: Kysely<Database>, workspaceId: number): Promise<string> {
  const orders = await db
    .selectFrom('customer_order')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.max<number>('updated_at').as('latest')])
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  const refunds = await db
    .selectFrom('refund')
    .select((eb) => [
      eb.fn.countAll<number>().as('count'),
      eb.fn.max<number>('created_at').as('latest'),
      eb.fn.sum<number>('amount_cents').as('total'),
    ])
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  const subscriptions = await db
    .selectFrom('subscription')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.max<number>('updated_at').as('latest')])
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return [
    orders?.count,
    orders?.latest,
    refunds?.count,
    refunds?.latest,
    refunds?.total,
    subscriptions?.count,
    subscriptions?.latest,
  ]
    .map((value) => String(value ?? ''))
    .join(':');
}
