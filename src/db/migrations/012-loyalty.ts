/**
 * Migration 012: the loyalty programme (src/loyalty).
 *
 * - `loyalty_programme`: one row per workspace — its rules (JSON: points per currency unit, the
 *   returns window, expiry, tiers, the money value of a point), the storefront secret, and how far
 *   the earning job has read the workspace's orders and refunds.
 * - `loyalty_account`: a customer's cached position, derived from the ledger and updated in the
 *   same transaction as each entry: `balance` (spendable), `pending` (inside the returns window),
 *   `debt` (refund reversals that found no balance; the next earnings absorb them), lifetime
 *   `earned`, the tier and the referral code. `balance >= 0` is a CHECK as well as the condition
 *   of every debit's UPDATE.
 * - `loyalty_entry`: the append-only ledger (earn, redeem, expire, adjust, reverse), each with its
 *   reason, source and an idempotency key unique per workspace.
 * - `loyalty_request`: the answer given to each API write, by the client's idempotency key, so a
 *   retry is answered exactly as the first request was.
 * - `loyalty_order`: what each order earned and what its refunds reversed (one row per order:
 *   an order earns once, whatever path it arrived by).
 * - `loyalty_tier_change`: tier history. `loyalty_notice`: expiry warnings flows read in id order.
 * - `loyalty_reward` / `loyalty_reward_claim`: the rewards catalogue and what was claimed.
 * - `loyalty_referral`: who referred whom, and whether it was rewarded or refused.
 * - `loyalty_promotion`, `loyalty_coupon`, `loyalty_coupon_redemption`, `loyalty_coupon_customer`:
 *   coupon codes, their promotion's total limit, redemptions, and uses per customer and promotion.
 *
 * Same layout as migrations 003–007: SQLite `id INTEGER PRIMARY KEY AUTOINCREMENT` plus a unique
 * `(workspace_id, id)` where a foreign key points; PostgreSQL `bigint` identity with primary key
 * `(workspace_id, id)`; every unique constraint and foreign key leads with `workspace_id`.
 */
import { type CreateTableBuilder, type Kysely, type Migration, sql } from 'kysely';
import { type DialectName, dialectOf, jsonColumnType } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow later table types.
type AnyDb = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: the builder's table/column type parameters are irrelevant here.
type AnyTableBuilder = CreateTableBuilder<any, any>;

/** The tables this migration adds, parents first. */
export const LOYALTY_TABLES = [
  'loyalty_programme',
  'loyalty_account',
  'loyalty_entry',
  'loyalty_request',
  'loyalty_order',
  'loyalty_tier_change',
  'loyalty_notice',
  'loyalty_reward',
  'loyalty_reward_claim',
  'loyalty_referral',
  'loyalty_promotion',
  'loyalty_coupon',
  'loyalty_coupon_redemption',
  'loyalty_coupon_customer',
] as const;

/** Tables some foreign key points at by `(workspace_id, id)` (SQLite needs the unique index). */
const REFERENCED = ['loyalty_entry', 'loyalty_reward', 'loyalty_promotion', 'loyalty_coupon'] as const;

function keyType(dialect: DialectName): 'integer' | 'bigint' {
  return dialect === 'sqlite' ? 'integer' : 'bigint';
}

/** `workspace_id` and an allocated `id` (see migration 003). */
function scoped(db: AnyDb, dialect: DialectName, table: string): AnyTableBuilder {
  let builder: AnyTableBuilder = db.schema.createTable(table);
  if (dialect === 'sqlite') {
    builder = builder
      .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
      .addColumn('workspace_id', 'integer', (column) => column.notNull());
  } else {
    builder = builder
      .addColumn('workspace_id', 'bigint', (column) => column.notNull())
      .addColumn('id', 'bigint', (column) => column.notNull().generatedByDefaultAsIdentity())
      .addPrimaryKeyConstraint(`${table}_pkey`, ['workspace_id', 'id']);
  }
  return withWorkspace(builder, table);
}

/** A table keyed by something else than an allocated id; `workspace_id` leads its key. */
function keyed(db: AnyDb, dialect: DialectName, table: string): AnyTableBuilder {
  return withWorkspace(
    db.schema.createTable(table).addColumn('workspace_id', keyType(dialect), (column) => column.notNull()),
    table,
  );
}

function withWorkspace(builder: AnyTableBuilder, table: string): AnyTableBuilder {
  return builder.addForeignKeyConstraint(
    `${table}_workspace_fkey`,
    ['workspace_id'],
    'workspace',
    ['id'],
    (fk) => fk.onDelete('cascade'),
  );
}

/** An integer column naming a row of `target` in the same workspace (deleted with it). */
function reference(
  builder: AnyTableBuilder,
  dialect: DialectName,
  table: string,
  column: string,
  target: string,
  options: { nullable?: boolean; onDelete?: 'cascade' | 'set null' } = {},
): AnyTableBuilder {
  return builder
    .addColumn(column, keyType(dialect), (definition) =>
      options.nullable ? definition : definition.notNull(),
    )
    .addForeignKeyConstraint(
      `${table}_${column}_fkey`,
      ['workspace_id', column],
      target,
      ['workspace_id', 'id'],
      (fk) => fk.onDelete(options.onDelete ?? 'cascade'),
    );
}

const points = 'bigint';

export const loyaltyMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    const dialect = dialectOf(db);
    const json = jsonColumnType(dialect);

    await keyed(db, dialect, 'loyalty_programme')
      .addColumn('settings', json, (column) => column.notNull())
      .addColumn('storefront_secret', 'text', (column) => column.notNull())
      .addColumn('orders_read_through', keyType(dialect), (column) => column.notNull().defaultTo(0))
      .addColumn('refunds_read_through', keyType(dialect), (column) => column.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('loyalty_programme_pkey', ['workspace_id'])
      .execute();

    let account = keyed(db, dialect, 'loyalty_account');
    account = reference(account, dialect, 'loyalty_account', 'customer_id', 'customer');
    await account
      .addColumn('balance', points, (column) => column.notNull().defaultTo(0))
      .addColumn('pending', points, (column) => column.notNull().defaultTo(0))
      .addColumn('debt', points, (column) => column.notNull().defaultTo(0))
      .addColumn('earned', points, (column) => column.notNull().defaultTo(0))
      .addColumn('tier', 'text')
      .addColumn('tier_since', 'bigint')
      .addColumn('referral_code', 'text')
      .addColumn('last_activity_at', 'bigint')
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('loyalty_account_pkey', ['workspace_id', 'customer_id'])
      .addUniqueConstraint('loyalty_account_referral_code_key', ['workspace_id', 'referral_code'])
      .addCheckConstraint('loyalty_account_balance_check', sql`balance >= 0`)
      .addCheckConstraint('loyalty_account_pending_check', sql`pending >= 0`)
      .addCheckConstraint('loyalty_account_debt_check', sql`debt >= 0`)
      .execute();

    let entry = scoped(db, dialect, 'loyalty_entry');
    entry = reference(entry, dialect, 'loyalty_entry', 'customer_id', 'customer');
    await entry
      .addColumn('kind', 'text', (column) => column.notNull())
      .addColumn('points', points, (column) => column.notNull())
      // 1 while the points wait out the returns window (they count in `pending`, not `balance`).
      .addColumn('pending', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('available_at', 'bigint')
      .addColumn('reason', 'text')
      .addColumn('source', 'text', (column) => column.notNull())
      .addColumn('source_ref', 'text')
      .addColumn('order_id', keyType(dialect))
      .addColumn('idempotency_key', 'text', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('loyalty_entry_idempotency_key', ['workspace_id', 'idempotency_key'])
      .addCheckConstraint(
        'loyalty_entry_kind_check',
        sql`kind in ('earn', 'redeem', 'expire', 'adjust', 'reverse')`,
      )
      .addCheckConstraint('loyalty_entry_pending_check', sql`pending in (0, 1)`)
      .execute();

    await keyed(db, dialect, 'loyalty_request')
      .addColumn('idempotency_key', 'text', (column) => column.notNull())
      .addColumn('operation', 'text', (column) => column.notNull())
      .addColumn('fingerprint', 'text', (column) => column.notNull())
      .addColumn('status', 'integer', (column) => column.notNull())
      // Text, not JSONB: the answer is replayed byte for byte (JSONB would reorder its keys).
      .addColumn('response', 'text', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('loyalty_request_pkey', ['workspace_id', 'idempotency_key'])
      .execute();

    let order = keyed(db, dialect, 'loyalty_order');
    order = reference(order, dialect, 'loyalty_order', 'customer_id', 'customer');
    await order
      // The order's external id (`ext:<id>`), else its row id (`row:<id>`): how an order earning
      // through the API and the same order arriving later by import are known to be one.
      .addColumn('order_ref', 'text', (column) => column.notNull())
      .addColumn('order_id', keyType(dialect))
      .addColumn('amount_cents', 'bigint', (column) => column.notNull())
      .addColumn('points', points, (column) => column.notNull())
      .addColumn('refunded_cents', 'bigint', (column) => column.notNull().defaultTo(0))
      .addColumn('reversed_points', points, (column) => column.notNull().defaultTo(0))
      .addColumn('available_at', 'bigint', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('loyalty_order_pkey', ['workspace_id', 'order_ref'])
      .addCheckConstraint('loyalty_order_reversed_check', sql`reversed_points <= points`)
      .execute();

    let tierChange = scoped(db, dialect, 'loyalty_tier_change');
    tierChange = reference(tierChange, dialect, 'loyalty_tier_change', 'customer_id', 'customer');
    await tierChange
      .addColumn('from_tier', 'text')
      .addColumn('to_tier', 'text')
      .addColumn('reason', 'text', (column) => column.notNull())
      .addColumn('at', 'bigint', (column) => column.notNull())
      .execute();

    let notice = scoped(db, dialect, 'loyalty_notice');
    notice = reference(notice, dialect, 'loyalty_notice', 'customer_id', 'customer');
    await notice
      .addColumn('kind', 'text', (column) => column.notNull())
      .addColumn('points', points, (column) => column.notNull())
      .addColumn('due_at', 'bigint', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('loyalty_notice_due_key', ['workspace_id', 'customer_id', 'kind', 'due_at'])
      .addCheckConstraint('loyalty_notice_kind_check', sql`kind in ('points_expiring')`)
      .execute();

    await scoped(db, dialect, 'loyalty_reward')
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('kind', 'text', (column) => column.notNull())
      .addColumn('cost_points', points, (column) => column.notNull())
      .addColumn('details', json, (column) => column.notNull())
      .addColumn('tiers', json)
      .addColumn('stock', 'bigint')
      .addColumn('claimed', 'bigint', (column) => column.notNull().defaultTo(0))
      .addColumn('starts_at', 'bigint')
      .addColumn('ends_at', 'bigint')
      .addColumn('active', 'integer', (column) => column.notNull().defaultTo(1))
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addCheckConstraint(
        'loyalty_reward_kind_check',
        sql`kind in ('fixed_discount', 'percent_discount', 'free_shipping', 'free_product', 'early_access', 'custom')`,
      )
      .addCheckConstraint('loyalty_reward_cost_check', sql`cost_points > 0`)
      .addCheckConstraint('loyalty_reward_stock_check', sql`stock is null or claimed <= stock`)
      .execute();

    let claim = scoped(db, dialect, 'loyalty_reward_claim');
    claim = reference(claim, dialect, 'loyalty_reward_claim', 'reward_id', 'loyalty_reward');
    claim = reference(claim, dialect, 'loyalty_reward_claim', 'customer_id', 'customer');
    claim = reference(claim, dialect, 'loyalty_reward_claim', 'entry_id', 'loyalty_entry');
    await claim
      .addColumn('coupon_code', 'text')
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .execute();

    let referral = scoped(db, dialect, 'loyalty_referral');
    referral = reference(referral, dialect, 'loyalty_referral', 'referrer_id', 'customer');
    referral = reference(referral, dialect, 'loyalty_referral', 'referred_id', 'customer');
    await referral
      .addColumn('status', 'text', (column) => column.notNull())
      .addColumn('order_id', keyType(dialect))
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('rewarded_at', 'bigint')
      .addUniqueConstraint('loyalty_referral_referred_key', ['workspace_id', 'referred_id'])
      .addCheckConstraint('loyalty_referral_status_check', sql`status in ('pending', 'rewarded')`)
      .execute();

    await scoped(db, dialect, 'loyalty_promotion')
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('discount', json, (column) => column.notNull())
      .addColumn('total_limit', 'bigint')
      .addColumn('per_customer_limit', 'bigint')
      .addColumn('uses', 'bigint', (column) => column.notNull().defaultTo(0))
      .addColumn('minimum_order_cents', 'bigint')
      .addColumn('starts_at', 'bigint')
      .addColumn('ends_at', 'bigint')
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('loyalty_promotion_name_key', ['workspace_id', 'name'])
      .addCheckConstraint('loyalty_promotion_uses_check', sql`total_limit is null or uses <= total_limit`)
      .execute();

    let coupon = scoped(db, dialect, 'loyalty_coupon');
    coupon = reference(coupon, dialect, 'loyalty_coupon', 'promotion_id', 'loyalty_promotion');
    coupon = reference(coupon, dialect, 'loyalty_coupon', 'customer_id', 'customer', { nullable: true });
    await coupon
      .addColumn('code', 'text', (column) => column.notNull())
      .addColumn('max_uses', 'bigint')
      .addColumn('uses', 'bigint', (column) => column.notNull().defaultTo(0))
      .addColumn('expires_at', 'bigint')
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('loyalty_coupon_code_key', ['workspace_id', 'code'])
      .addCheckConstraint('loyalty_coupon_uses_check', sql`max_uses is null or uses <= max_uses`)
      .execute();

    let redemption = scoped(db, dialect, 'loyalty_coupon_redemption');
    redemption = reference(redemption, dialect, 'loyalty_coupon_redemption', 'coupon_id', 'loyalty_coupon');
    redemption = reference(redemption, dialect, 'loyalty_coupon_redemption', 'customer_id', 'customer');
    await redemption
      .addColumn('order_ref', 'text', (column) => column.notNull())
      .addColumn('order_amount_cents', 'bigint')
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('loyalty_coupon_redemption_order_key', ['workspace_id', 'coupon_id', 'order_ref'])
      .execute();

    let perCustomer = keyed(db, dialect, 'loyalty_coupon_customer');
    perCustomer = reference(
      perCustomer,
      dialect,
      'loyalty_coupon_customer',
      'promotion_id',
      'loyalty_promotion',
    );
    perCustomer = reference(perCustomer, dialect, 'loyalty_coupon_customer', 'customer_id', 'customer');
    await perCustomer
      .addColumn('uses', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('loyalty_coupon_customer_pkey', [
        'workspace_id',
        'promotion_id',
        'customer_id',
      ])
      .execute();

    if (dialect === 'sqlite') {
      for (const table of REFERENCED) {
        await db.schema
          .createIndex(`${table}_workspace_id_key`)
          .on(table)
          .columns(['workspace_id', 'id'])
          .unique()
          .execute();
      }
    }

    // A customer's history (newest first); the maturing job's scan of pending entries; a
    // customer's rows for the cascade when the customer goes.
    const indexes: readonly [name: string, table: string, columns: readonly string[]][] = [
      ['loyalty_entry_customer_idx', 'loyalty_entry', ['workspace_id', 'customer_id', 'id']],
      ['loyalty_entry_pending_idx', 'loyalty_entry', ['workspace_id', 'pending', 'available_at']],
      ['loyalty_order_customer_idx', 'loyalty_order', ['workspace_id', 'customer_id']],
      ['loyalty_tier_change_customer_idx', 'loyalty_tier_change', ['workspace_id', 'customer_id', 'id']],
      ['loyalty_notice_customer_idx', 'loyalty_notice', ['workspace_id', 'customer_id']],
      ['loyalty_reward_claim_customer_idx', 'loyalty_reward_claim', ['workspace_id', 'customer_id']],
      ['loyalty_reward_claim_reward_idx', 'loyalty_reward_claim', ['workspace_id', 'reward_id']],
      ['loyalty_reward_claim_entry_idx', 'loyalty_reward_claim', ['workspace_id', 'entry_id']],
      ['loyalty_referral_referrer_idx', 'loyalty_referral', ['workspace_id', 'referrer_id', 'created_at']],
      ['loyalty_coupon_promotion_idx', 'loyalty_coupon', ['workspace_id', 'promotion_id']],
      ['loyalty_coupon_customer_idx', 'loyalty_coupon', ['workspace_id', 'customer_id']],
      [
        'loyalty_coupon_redemption_customer_idx',
        'loyalty_coupon_redemption',
        ['workspace_id', 'customer_id'],
      ],
      ['loyalty_coupon_customer_customer_idx', 'loyalty_coupon_customer', ['workspace_id', 'customer_id']],
    ];
    for (const [name, table, columns] of indexes) {
      await db.schema
        .createIndex(name)
        .on(table)
        .columns([...columns])
        .execute();
    }
  },

  async down(db: AnyDb): Promise<void> {
    for (const name of [...LOYALTY_TABLES].reverse()) await db.schema.dropTable(name).execute();
  },
};
