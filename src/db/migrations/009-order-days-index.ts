/**
 * Migration 009 (SQLite): `customer_order_customer_idx` also carries `status` and `amount_cents`,
 * so the analytics' read of a workspace's orders by customer and time (analytics.repository.ts,
 * `loadDayOrderTable`) is one ordered walk of the index, without a visit to the table per order.
 *
 * Measured on 10 M orders of 1 M customers (docs/benchmarks.md, "Overview at size"): the read with
 * the three-column index visited the table in customer order — a random page per order — and
 * grouped through a temporary B-tree: 309 s; with this index, an ordered scan of it. Queries by
 * (workspace, customer[, time]) use it as they used the narrower one. PostgreSQL keeps its index:
 * it aggregates the workspace's orders by hashing a sequential scan, which no index would speed up.
 */
import type { Kysely, Migration } from 'kysely';
import { dialectOf } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow later table types.
type AnyDb = Kysely<any>;

const INDEX = 'customer_order_customer_idx';

export const orderDaysIndexMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    if (dialectOf(db) !== 'sqlite') return;
    await db.schema.dropIndex(INDEX).execute();
    await db.schema
      .createIndex(INDEX)
      .on('customer_order')
      .columns(['workspace_id', 'customer_id', 'ordered_at', 'status', 'amount_cents'])
      .execute();
  },

  async down(db: AnyDb): Promise<void> {
    if (dialectOf(db) !== 'sqlite') return;
    await db.schema.dropIndex(INDEX).execute();
    await db.schema
      .createIndex(INDEX)
      .on('customer_order')
      .columns(['workspace_id', 'customer_id', 'ordered_at'])
      .execute();
  },
};
