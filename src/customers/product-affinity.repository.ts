/**
 * Products bought together, for the e-mail recommendations of src/email: what other customers
 * bought in the same orders as the products this customer bought, ranked by how many orders they
 * shared (item-to-item co-occurrence, the "customers who bought this also bought" of Linden, Smith
 * & York, IEEE Internet Computing 7(1), 2003, counted without normalisation), leaving out what the
 * customer already bought; topped up with the workspace's best sellers when co-occurrence finds
 * too few. A product is its `product_id`, else its name. Cancelled orders count for nothing.
 *
 * Bounded whatever the data: the customer's most recent 200 products, the 5,000 most recent other
 * orders holding one of them, and the 5,000 most recent order lines for the best sellers.
 */
import { sql } from 'kysely';
import type { RowId } from '../db/index.js';
import type { Executor } from './upsert-batch.js';

/** One recommended product. */
export interface RecommendedProduct {
  /** `product_id`, or the product's name when the lines have no id. */
  readonly productKey: string;
  readonly name: string | null;
  readonly category: string | null;
  /** Orders it shared with the customer's products (0 for a best-seller top-up). */
  readonly boughtTogether: number;
}

const OWN_PRODUCTS = 200;
const PEER_ORDERS = 5_000;
const RECENT_LINES = 5_000;

/**
 * Up to `limit` (1–50) products recommended to the customer (see the file comment). Three
 * bounded queries. Example: a customer who bought `tea` where others bought `tea` with `cups`
 * three times and with `honey` once → `[{ productKey: 'cups', boughtTogether: 3 }, { 'honey', 1 }]`.
 */
export async function productsBoughtTogether(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
  limit: number,
): Promise<RecommendedProduct[]> {
  const wanted = Math.max(1, Math.min(50, Math.floor(limit)));
  const key = sql<string>`coalesce(oi.product_id, oi.product_name)`;
  const own = await db
    .selectFrom('order_item as oi')
    .innerJoin('customer_order as o', (join) =>
      join.onRef('o.workspace_id', '=', 'oi.workspace_id').onRef('o.id', '=', 'oi.order_id'),
    )
    .select([key.as('product_key'), sql<number>`max(o.ordered_at)`.as('last_at')])
    .where('oi.workspace_id', '=', workspaceId)
    .where('o.customer_id', '=', customerId)
    .where('o.status', '<>', 'cancelled')
    .where(key, 'is not', null)
    .groupBy(key)
    .orderBy('last_at', 'desc')
    .limit(OWN_PRODUCTS)
    .execute();
  const owned = own.map((row) => row.product_key);
  const recommended: RecommendedProduct[] = [];
  if (owned.length > 0) {
    const peerOrders = db
      .selectFrom('order_item as peer')
      .innerJoin('customer_order as po', (join) =>
        join.onRef('po.workspace_id', '=', 'peer.workspace_id').onRef('po.id', '=', 'peer.order_id'),
      )
      .select('peer.order_id')
      .distinct()
      .where('peer.workspace_id', '=', workspaceId)
      .where(sql`coalesce(peer.product_id, peer.product_name)`, 'in', owned)
      .where('po.customer_id', '<>', customerId)
      .where('po.status', '<>', 'cancelled')
      .orderBy('peer.order_id', 'desc')
      .limit(PEER_ORDERS);
    const rows = await db
      .with('peer_order', () => peerOrders)
      .selectFrom('order_item as oi')
      .innerJoin('peer_order', 'peer_order.order_id', 'oi.order_id')
      .select([
        key.as('product_key'),
        sql<string | null>`max(oi.product_name)`.as('name'),
        sql<string | null>`max(oi.category)`.as('category'),
        sql<number>`count(distinct oi.order_id)`.as('together'),
      ])
      .where('oi.workspace_id', '=', workspaceId)
      .where(key, 'is not', null)
      .where(key, 'not in', owned)
      .groupBy(key)
      .orderBy('together', 'desc')
      .orderBy(key)
      .limit(wanted)
      .execute();
    for (const row of rows) {
      recommended.push({
        productKey: row.product_key,
        name: row.name,
        category: row.category,
        boughtTogether: Number(row.together),
      });
    }
  }
  if (recommended.length < wanted) {
    const taken = new Set([...owned, ...recommended.map((product) => product.productKey)]);
    const recent = db
      .selectFrom('order_item as recent')
      .select(['recent.id', 'recent.product_id', 'recent.product_name', 'recent.category'])
      .where('recent.workspace_id', '=', workspaceId)
      .orderBy('recent.id', 'desc')
      .limit(RECENT_LINES);
    const best = await db
      .with('recent_line', () => recent)
      .selectFrom('recent_line as oi')
      .select([
        key.as('product_key'),
        sql<string | null>`max(oi.product_name)`.as('name'),
        sql<string | null>`max(oi.category)`.as('category'),
        sql<number>`count(*)`.as('lines'),
      ])
      .where(key, 'is not', null)
      .groupBy(key)
      .orderBy('lines', 'desc')
      .orderBy(key)
      .limit(wanted + taken.size)
      .execute();
    for (const row of best) {
      if (recommended.length >= wanted) break;
      if (taken.has(row.product_key)) continue;
      recommended.push({
        productKey: row.product_key,
        name: row.name,
        category: row.category,
        boughtTogether: 0,
      });
    }
  }
  return recommended;
}

/**
 * Sets a customer's e-mail marketing consent (an unsubscribe link, the e-mail API), stamping
 * `consent_updated_at`. Returns false for an unknown or erased customer. One update.
 */
export async function setEmailMarketingConsent(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
  granted: boolean,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('customer')
    .set({ consent_email_marketing: granted ? 1 : 0, consent_updated_at: now, updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', customerId)
    .where('erased_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
