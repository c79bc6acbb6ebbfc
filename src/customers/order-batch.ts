/**
 * The write path of order imports: one batch (`EncodedOrderBatch`, see `order-batch-rows.ts`)
 * into `customer`, `customer_order`, `order_item` and `refund`, inside the caller's transaction,
 * with the upsert rules of `upsertOrders` / `upsertRefunds` (natural keys; a stored row is
 * rewritten only when a column differs, so a re-import writes nothing). Row ids are allocated by
 * the database in the statement (SQLite's rowid, PostgreSQL's identity), and natural keys are
 * resolved to them in the same statements by joins on the `(workspace_id, external_id)` indexes,
 * so a batch costs a handful of statements whatever its size and a crash leaves no id allocated.
 *
 * - SQLite: each row set is one JSON text parameter unpacked by `jsonb_each`, joined to the
 *   stored rows it names (`cross join` keeps the batch as the outer loop). `jsonb_each` hands each
 *   row over as binary JSON, which `->>` reads directly; `json_each` rendered each row as text that
 *   every `->>` parsed again (≈ 8 % of the statements' CPU on 1 M orders, docs/benchmarks.md).
 * - PostgreSQL: each row set is streamed by COPY into a session-temporary staging table (emptied
 *   before each batch and at commit), then moved by one `INSERT … SELECT` per table. Rows
 *   already stored unchanged are left out before the insert (a LATERAL look-up of the stored row),
 *   so a re-import neither takes identity values nor touches the rows; new customers and orders
 *   are inserted in key order, so concurrent writers (tracking while importing) lock rows in one
 *   order, and `ON CONFLICT` settles races with them.
 */
import { CompiledQuery } from 'kysely';
import { dialectOf } from '../db/index.js';
import { bumpDataVersion } from './data-version.repository.js';
import type { EncodedOrderBatch } from './order-batch-rows.js';
import type { Executor } from './upsert-batch.js';

/** Streams COPY text into a (staging) table of the transaction's PostgreSQL session. */
export type CopyInto = (table: string, columns: readonly string[], text: string) => Promise<void>;

/** What one batch wrote. */
export interface OrderBatchResult {
  /** Customers created (named by an order, not stored before). */
  readonly customersCreated: number;
}

const SQLITE = {
  customers: `insert into customer (workspace_id, external_id, email, created_at, updated_at)
    select ?, value ->> 0, value ->> 1, ?, ? from jsonb_each(?) where true
    on conflict (workspace_id, external_id) do nothing`,
  orders: `insert into customer_order
      (workspace_id, external_id, customer_id, ordered_at, currency, amount_cents, status, source, created_at, updated_at)
    select ?, j.value ->> 0, c.id, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, j.value ->> 6, ?, ?
    from jsonb_each(?) j cross join customer c on c.workspace_id = ? and c.external_id = j.value ->> 1
    where true
    on conflict (workspace_id, external_id) do update set customer_id = excluded.customer_id,
      ordered_at = excluded.ordered_at, currency = excluded.currency, amount_cents = excluded.amount_cents,
      status = excluded.status, source = excluded.source, updated_at = excluded.updated_at
    where customer_order.customer_id is not excluded.customer_id
      or customer_order.ordered_at is not excluded.ordered_at or customer_order.currency is not excluded.currency
      or customer_order.amount_cents is not excluded.amount_cents or customer_order.status is not excluded.status
      or customer_order.source is not excluded.source`,
  items: `insert into order_item
      (workspace_id, order_id, line, product_id, product_name, category, quantity, unit_price_cents)
    select ?, o.id, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, j.value ->> 6
    from jsonb_each(?) j cross join customer_order o on o.workspace_id = ? and o.external_id = j.value ->> 0
    where true
    on conflict (workspace_id, order_id, line) do update set product_id = excluded.product_id,
      product_name = excluded.product_name, category = excluded.category, quantity = excluded.quantity,
      unit_price_cents = excluded.unit_price_cents
    where order_item.product_id is not excluded.product_id or order_item.product_name is not excluded.product_name
      or order_item.category is not excluded.category or order_item.quantity is not excluded.quantity
      or order_item.unit_price_cents is not excluded.unit_price_cents`,
  staleLines: `delete from order_item where id in (
    select i.id from jsonb_each(?) j
    cross join customer_order o on o.workspace_id = ? and o.external_id = j.value ->> 0
    cross join order_item i on i.workspace_id = o.workspace_id and i.order_id = o.id and i.line > j.value ->> 1)`,
  refunds: `insert into refund
      (workspace_id, external_id, order_id, customer_id, refunded_at, currency, amount_cents, reason, created_at)
    select ?, j.value ->> 0, o.id, o.customer_id, j.value ->> 2, j.value ->> 3, j.value ->> 4, null, ?
    from jsonb_each(?) j cross join customer_order o on o.workspace_id = ? and o.external_id = j.value ->> 1
    where true
    on conflict (workspace_id, external_id) do update set order_id = excluded.order_id,
      customer_id = excluded.customer_id, refunded_at = excluded.refunded_at, currency = excluded.currency,
      amount_cents = excluded.amount_cents, reason = excluded.reason
    where refund.order_id is not excluded.order_id or refund.customer_id is not excluded.customer_id
      or refund.refunded_at is not excluded.refunded_at or refund.currency is not excluded.currency
      or refund.amount_cents is not excluded.amount_cents or refund.reason is not excluded.reason`,
};

/** PostgreSQL staging tables: session-temporary, emptied at each commit. */
const STAGES = {
  customers: {
    table: 'import_customer_stage',
    columns: ['external_id text', 'email text'],
  },
  orders: {
    table: 'import_order_stage',
    columns: [
      'external_id text',
      'customer_external_id text',
      'ordered_at bigint',
      'currency text',
      'amount_cents bigint',
      'status text',
      'source text',
    ],
  },
  items: {
    table: 'import_item_stage',
    columns: [
      'order_external_id text',
      'line integer',
      'product_id text',
      'product_name text',
      'category text',
      'quantity integer',
      'unit_price_cents bigint',
    ],
  },
  lineCounts: { table: 'import_line_count_stage', columns: ['order_external_id text', 'lines integer'] },
  refunds: {
    table: 'import_refund_stage',
    columns: [
      'external_id text',
      'order_external_id text',
      'refunded_at bigint',
      'currency text',
      'amount_cents bigint',
    ],
  },
} as const;

/*
 * Every lookup of a staged row is a LATERAL subquery with LIMIT 1 on a unique index: one index
 * probe per row whatever the planner believes about the target tables. Their statistics lag
 * behind an import that fills them (a first import starts on an empty table, and a new
 * workspace's id is in no histogram): with plain joins the planner took them for tiny and scanned
 * them once per staged row — a first import of 1 M orders took minutes (measured).
 */
const POSTGRES = {
  customers: `insert into customer (workspace_id, external_id, email, created_at, updated_at)
    select $1, s.external_id, s.email, $2, $2 from import_customer_stage s
    left join lateral (select c.id from customer c
      where c.workspace_id = $1 and c.external_id = s.external_id limit 1) stored on true
    where stored.id is null
    order by s.external_id
    on conflict (workspace_id, external_id) do nothing`,
  orders: `insert into customer_order
      (workspace_id, external_id, customer_id, ordered_at, currency, amount_cents, status, source, created_at, updated_at)
    select $1, s.external_id, c.id, s.ordered_at, s.currency, s.amount_cents, s.status, s.source, $2, $2
    from import_order_stage s
    cross join lateral (select c.id from customer c
      where c.workspace_id = $1 and c.external_id = s.customer_external_id limit 1) c
    left join lateral (select o.customer_id, o.ordered_at, o.currency, o.amount_cents, o.status, o.source
      from customer_order o where o.workspace_id = $1 and o.external_id = s.external_id limit 1) stored on true
    where stored.customer_id is null
      or (stored.customer_id, stored.ordered_at, stored.currency, stored.amount_cents, stored.status, stored.source)
        is distinct from (c.id, s.ordered_at, s.currency, s.amount_cents, s.status, s.source)
    order by s.external_id
    on conflict (workspace_id, external_id) do update set customer_id = excluded.customer_id,
      ordered_at = excluded.ordered_at, currency = excluded.currency, amount_cents = excluded.amount_cents,
      status = excluded.status, source = excluded.source, updated_at = excluded.updated_at
    where (customer_order.customer_id, customer_order.ordered_at, customer_order.currency,
      customer_order.amount_cents, customer_order.status, customer_order.source)
      is distinct from (excluded.customer_id, excluded.ordered_at, excluded.currency, excluded.amount_cents,
      excluded.status, excluded.source)`,
  items: `insert into order_item
      (workspace_id, order_id, line, product_id, product_name, category, quantity, unit_price_cents)
    select $1, o.id, s.line, s.product_id, s.product_name, s.category, s.quantity, s.unit_price_cents
    from import_item_stage s
    cross join lateral (select o.id from customer_order o
      where o.workspace_id = $1 and o.external_id = s.order_external_id limit 1) o
    left join lateral (select i.product_id, i.product_name, i.category, i.quantity, i.unit_price_cents
      from order_item i where i.workspace_id = $1 and i.order_id = o.id and i.line = s.line limit 1) stored on true
    where stored.quantity is null
      or (stored.product_id, stored.product_name, stored.category, stored.quantity, stored.unit_price_cents)
        is distinct from (s.product_id, s.product_name, s.category, s.quantity, s.unit_price_cents)
    order by o.id, s.line
    on conflict (workspace_id, order_id, line) do update set product_id = excluded.product_id,
      product_name = excluded.product_name, category = excluded.category, quantity = excluded.quantity,
      unit_price_cents = excluded.unit_price_cents`,
  staleLines: `delete from order_item where id in (
    select i.id from import_line_count_stage s
    cross join lateral (select o.id from customer_order o
      where o.workspace_id = $1 and o.external_id = s.order_external_id limit 1) o
    cross join lateral (select i.id from order_item i
      where i.workspace_id = $1 and i.order_id = o.id and i.line > s.lines offset 0) i)
    and workspace_id = $1`,
  refunds: `insert into refund
      (workspace_id, external_id, order_id, customer_id, refunded_at, currency, amount_cents, reason, created_at)
    select $1, s.external_id, o.id, o.customer_id, s.refunded_at, s.currency, s.amount_cents, null, $2
    from import_refund_stage s
    cross join lateral (select o.id, o.customer_id from customer_order o
      where o.workspace_id = $1 and o.external_id = s.order_external_id limit 1) o
    left join lateral (select r.order_id, r.customer_id, r.refunded_at, r.currency, r.amount_cents, r.reason
      from refund r where r.workspace_id = $1 and r.external_id = s.external_id limit 1) stored on true
    where stored.order_id is null
      or (stored.order_id, stored.customer_id, stored.refunded_at, stored.currency, stored.amount_cents, stored.reason)
        is distinct from (o.id, o.customer_id, s.refunded_at, s.currency, s.amount_cents, null::text)
    order by s.external_id
    on conflict (workspace_id, external_id) do update set order_id = excluded.order_id,
      customer_id = excluded.customer_id, refunded_at = excluded.refunded_at, currency = excluded.currency,
      amount_cents = excluded.amount_cents, reason = excluded.reason`,
};

/**
 * Writes one encoded batch of orders (customers they name created bare, with the e-mail the batch
 * gives; lines replaced where the batch has lines; refunds upserted). Run it in a transaction with
 * the import's checkpoint. `copy` is required on PostgreSQL (the session that holds the transaction).
 *
 * O(rows) in ≤ 5 statements on SQLite, ≤ 5 COPYs and 5 statements on PostgreSQL.
 * Example: `await writeOrderBatch(trx, ws, encodeOrderBatch(records, 'json', seen), { now })`
 * → `{ customersCreated: 2 }`.
 */
export async function writeOrderBatch(
  db: Executor,
  workspaceId: number,
  batch: EncodedOrderBatch,
  options: { readonly now: number; readonly copy?: CopyInto },
): Promise<OrderBatchResult> {
  const { now } = options;
  const run = async (text: string, parameters: readonly unknown[]): Promise<number> => {
    const result = await db.executeQuery(CompiledQuery.raw(text, [...parameters]));
    return Number(result.numAffectedRows ?? 0n);
  };
  if (dialectOf(db) === 'sqlite') {
    if (batch.encoding !== 'json') throw new Error('SQLite takes JSON-encoded batches');
    const created =
      batch.customerCount === 0 ? 0 : await run(SQLITE.customers, [workspaceId, now, now, batch.customers]);
    let changed = created;
    if (batch.orderCount > 0)
      changed += await run(SQLITE.orders, [workspaceId, now, now, batch.orders, workspaceId]);
    if (batch.itemCount > 0) await run(SQLITE.items, [workspaceId, batch.items, workspaceId]);
    if (batch.itemCount > 0) await run(SQLITE.staleLines, [batch.lineCounts, workspaceId]);
    if (batch.refundCount > 0)
      changed += await run(SQLITE.refunds, [workspaceId, now, batch.refunds, workspaceId]);
    if (changed > 0) await bumpDataVersion(db, workspaceId);
    return { customersCreated: created };
  }
  const copy = options.copy;
  if (batch.encoding !== 'copy' || copy === undefined) {
    throw new Error('PostgreSQL takes COPY-encoded batches and a COPY channel');
  }
  for (const stage of Object.values(STAGES)) {
    await run(
      `create temporary table if not exists ${stage.table} (${stage.columns.join(', ')}) on commit delete rows`,
      [],
    );
  }
  const columnsOf = (stage: (typeof STAGES)[keyof typeof STAGES]) =>
    stage.columns.map((column) => column.split(' ')[0]!);
  // A freshly filled temporary table has no statistics (autovacuum never sees it): without them
  // the planner misjudged a 50,000-row batch as tiny and joined it by scanning (minutes per batch,
  // measured). ANALYZE of one batch takes milliseconds.
  // A transaction may write several batches (an import writes ahead of its check): each batch's
  // stage starts empty.
  const stage = async (into: (typeof STAGES)[keyof typeof STAGES], text: string): Promise<void> => {
    await run(`truncate ${into.table}`, []);
    await copy(into.table, columnsOf(into), text);
    await run(`analyze ${into.table}`, []);
  };
  let created = 0;
  let changed = 0;
  if (batch.customerCount > 0) {
    await stage(STAGES.customers, batch.customers);
    created = await run(POSTGRES.customers, [workspaceId, now]);
    changed += created;
  }
  if (batch.orderCount > 0) {
    await stage(STAGES.orders, batch.orders);
    changed += await run(POSTGRES.orders, [workspaceId, now]);
  }
  if (batch.itemCount > 0) {
    await stage(STAGES.items, batch.items);
    await stage(STAGES.lineCounts, batch.lineCounts);
    await run(POSTGRES.items, [workspaceId]);
    await run(POSTGRES.staleLines, [workspaceId]);
  }
  if (batch.refundCount > 0) {
    await stage(STAGES.refunds, batch.refunds);
    changed += await run(POSTGRES.refunds, [workspaceId, now]);
  }
  // One count for the batch, in the import's transaction (customers/data-version.repository.ts).
  if (changed > 0) await bumpDataVersion(db, workspaceId);
  return { customersCreated: created };
}
