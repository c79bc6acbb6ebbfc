/**
 * Migration 017: loyalty tiers, event points and the orders the earning job waits for
 * (src/loyalty: tier.service.ts, loyalty-events.ts, waiting-order.ts).
 *
 * - `loyalty_account.tier_below_since`: when the member's qualification first fell below the tier
 *   held (null while it qualifies). The downgrade happens once the grace period has passed since
 *   then; qualifying again clears it.
 * - `loyalty_programme.birthdays_through`: the last UTC day (days since 1970-01-01) whose
 *   birthdays were awarded, so the hourly job scans the customers for birthdays once a day.
 * - `loyalty_waiting_order`: orders the earning job read while they were `pending` (the cursor has
 *   passed them); each run looks at them again and earns those completed since — the bug of issue
 *   13 where such an order never earned. Keyed by the order, deleted with it.
 */
import type { Kysely, Migration } from 'kysely';
import { dialectOf } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow later table types.
type AnyDb = Kysely<any>;

/** The tables this migration adds. */
export const LOYALTY_TIER_TABLES = ['loyalty_waiting_order'] as const;

export const loyaltyTiersMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    const key = dialectOf(db) === 'sqlite' ? 'integer' : 'bigint';
    await db.schema.alterTable('loyalty_account').addColumn('tier_below_since', 'bigint').execute();
    await db.schema
      .alterTable('loyalty_programme')
      .addColumn('birthdays_through', 'bigint', (column) => column.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable('loyalty_waiting_order')
      .addColumn('workspace_id', key, (column) => column.notNull())
      .addColumn('order_id', key, (column) => column.notNull())
      .addColumn('since', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('loyalty_waiting_order_pkey', ['workspace_id', 'order_id'])
      .addForeignKeyConstraint(
        'loyalty_waiting_order_workspace_fkey',
        ['workspace_id'],
        'workspace',
        ['id'],
        (fk) => fk.onDelete('cascade'),
      )
      .addForeignKeyConstraint(
        'loyalty_waiting_order_order_id_fkey',
        ['workspace_id', 'order_id'],
        'customer_order',
        ['workspace_id', 'id'],
        (fk) => fk.onDelete('cascade'),
      )
      .execute();
  },

  async down(db: AnyDb): Promise<void> {
    await db.schema.dropTable('loyalty_waiting_order').execute();
    await db.schema.alterTable('loyalty_programme').dropColumn('birthdays_through').execute();
    await db.schema.alterTable('loyalty_account').dropColumn('tier_below_since').execute();
  },
};
