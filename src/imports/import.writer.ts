/**
 * Writes batches of import records with multi-row `INSERT … ON CONFLICT (natural key) DO UPDATE
 * … WHERE <a column differs>` statements, the same SQL on SQLite and PostgreSQL. Re-writing a batch
 * that is already stored changes nothing (not even `updated_at`); a changed row is updated in place
 * (its id and `created_at` kept). That is what makes an import idempotent, and a crashed import
 * finishable by simply running it again.
 *
 * Why hand-built SQL text (through `CompiledQuery.raw`, every value still a bound parameter): the
 * import's hot path writes 10^5–10^6 rows a second, and building a Kysely node per value costs more
 * than SQLite's own work. The statement text depends only on (table, row count), so it is cached.
 */
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import { type Database, type DialectName, toFlag, toJson } from '../db/index.js';
import { importRowId } from './import.row-id.js';
import type {
  CustomerRecord,
  CustomerReference,
  EventRecord,
  OrderRecord,
  SubscriptionRecord,
} from './import.types.js';

/** A Kysely instance or a transaction from it. */
export type Executor = Kysely<Database> | Transaction<Database>;

/** Rows per statement: one JSON (SQLite) or one array per column (PostgreSQL), so no parameter limit applies. */
const MAX_ROWS = 5_000;

/** How a column's values are typed when they travel as one array (PostgreSQL `unnest`). */
type ColumnType = 'text' | 'bigint' | 'integer' | 'jsonb';

/** How one table is upserted. */
interface UpsertSpec {
  readonly table: string;
  readonly columns: readonly (readonly [name: string, type: ColumnType])[];
  /** The unique key rows collide on. */
  readonly conflict: readonly string[];
  /** Written on insert only. */
  readonly insertOnly: readonly string[];
  /** Set from the incoming row only when another column changed. */
  readonly touch: string | null;
}

/** Statement text by spec (two specs may write one table, e.g. customer stubs and full customers). */
const statementCache = new WeakMap<UpsertSpec, { sqlite?: string; postgres?: string }>();

function quote(identifier: string): string {
  return `"${identifier}"`;
}

/**
 * The SQL text of an upsert (cached per table and dialect). The rows travel as ONE parameter on
 * SQLite — a JSON array of row arrays, unpacked by `json_each` — and as one array per column on
 * PostgreSQL (`unnest`), so the statement text never depends on the row count: it is short to
 * prepare, and the engine does the unpacking in C.
 */
function upsertSql(dialect: DialectName, spec: UpsertSpec): string {
  let cached = statementCache.get(spec);
  if (cached === undefined) statementCache.set(spec, (cached = {}));
  let text = cached[dialect];
  if (text !== undefined) return text;
  const names = spec.columns.map(([name]) => name);
  const source =
    dialect === 'postgres'
      ? `select ${spec.columns
          .map(([name, type]) => (type === 'jsonb' ? `${quote(name)}::jsonb` : quote(name)))
          .join(', ')} from unnest(${spec.columns
          .map(([, type], index) => `$${index + 1}::${type === 'jsonb' ? 'text' : type}[]`)
          .join(', ')}) as source(${names.map(quote).join(', ')})`
      : // `where true`: SQLite's documented way to keep `on conflict` from parsing as a join clause.
        `select ${names.map((_, index) => `value ->> ${index}`).join(', ')} from json_each(?) where true`;
  const fixed = new Set([...spec.conflict, ...spec.insertOnly]);
  const compared = names.filter((column) => !fixed.has(column) && column !== spec.touch);
  const assigned = spec.touch === null ? compared : [...compared, spec.touch];
  const onConflict =
    compared.length === 0
      ? 'do nothing'
      : `do update set ${assigned.map((column) => `${quote(column)} = excluded.${quote(column)}`).join(', ')} where ${compared
          .map((column) => `${quote(spec.table)}.${quote(column)} is distinct from excluded.${quote(column)}`)
          .join(' or ')}`;
  text = `insert into ${quote(spec.table)} (${names.map(quote).join(', ')}) ${source} on conflict (${spec.conflict
    .map(quote)
    .join(', ')}) ${onConflict}`;
  cached[dialect] = text;
  return text;
}

/** The parameters carrying `rows`: one JSON text (SQLite) or one array per column (PostgreSQL). */
function rowParameters(dialect: DialectName, columnCount: number, rows: readonly unknown[][]): unknown[] {
  if (dialect === 'sqlite') return [JSON.stringify(rows)];
  const columns: unknown[][] = [];
  for (let column = 0; column < columnCount; column++) columns.push(rows.map((row) => row[column] ?? null));
  return columns;
}

/** Upserts `rows` (each `spec.columns.length` values, in order), chunked. */
async function upsert(
  db: Executor,
  dialect: DialectName,
  spec: UpsertSpec,
  rows: readonly unknown[][],
): Promise<void> {
  const text = upsertSql(dialect, spec);
  for (let start = 0; start < rows.length; start += MAX_ROWS) {
    const chunk = rows.slice(start, start + MAX_ROWS);
    await db.executeQuery(CompiledQuery.raw(text, rowParameters(dialect, spec.columns.length, chunk)));
  }
}

/** `"column" in <the list carried by parameter k>` for either dialect. */
function inList(dialect: DialectName, column: string, parameter: number): string {
  return dialect === 'postgres'
    ? `${quote(column)} = any($${parameter}::text[])`
    : `${quote(column)} in (select value from json_each(?))`;
}

function listParameter(dialect: DialectName, values: readonly string[]): unknown {
  return dialect === 'postgres' ? values : JSON.stringify(values);
}

/** Rows of (external_id, id) of `table` among `externalIds`, chunked. */
async function idsByExternalId(
  db: Executor,
  dialect: DialectName,
  table: 'customer' | 'customer_order',
  workspaceId: string,
  externalIds: readonly string[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (let start = 0; start < externalIds.length; start += MAX_ROWS) {
    const chunk = externalIds.slice(start, start + MAX_ROWS);
    const query = CompiledQuery.raw(
      `select "external_id", "id" from ${quote(table)} where "workspace_id" = ${
        dialect === 'postgres' ? '$1' : '?'
      } and ${inList(dialect, 'external_id', 2)}`,
      [workspaceId, listParameter(dialect, chunk)],
    );
    const result = await db.executeQuery<{ external_id: string; id: string }>(query);
    for (const row of result.rows) found.set(row.external_id, row.id);
  }
  return found;
}

/** Keeps the last record of each key, in first-seen order (PostgreSQL refuses to upsert a row twice per statement). */
function lastByKey<T>(records: readonly T[], keyOf: (record: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const record of records) byKey.set(keyOf(record), record);
  return byKey.size === records.length ? [...records] : [...byKey.values()];
}

const CUSTOMER_STUB: UpsertSpec = {
  table: 'customer',
  columns: [
    ['workspace_id', 'text'],
    ['id', 'text'],
    ['external_id', 'text'],
    ['email', 'text'],
    ['created_at', 'bigint'],
    ['updated_at', 'bigint'],
  ],
  conflict: ['workspace_id', 'external_id'],
  insertOnly: ['id', 'email', 'created_at', 'updated_at'],
  touch: null,
};

/**
 * External id → customer id for one workspace, for the records of an import that reference
 * customers. Unknown customers are looked up, and created when missing (external id and e-mail
 * only), inside the caller's transaction. The cache lives as long as one import run: if a batch's
 * transaction rolls back, the run fails and the directory is thrown away with it.
 */
export class CustomerDirectory {
  readonly workspaceId: string;
  readonly dialect: DialectName;
  readonly #ids = new Map<string, string>();
  /** Customers created so far through this directory. */
  created = 0;

  constructor(workspaceId: string, dialect: DialectName) {
    this.workspaceId = workspaceId;
    this.dialect = dialect;
  }

  /**
   * Makes every reference resolvable by `idOf`: two queries for unknown customers (one select, one
   * insert of the missing), none when all are cached. O(references).
   */
  async resolve(db: Executor, references: Iterable<CustomerReference>, now: number): Promise<void> {
    const unknown = new Map<string, string | null>();
    for (const reference of references) {
      if (!this.#ids.has(reference.externalId) && !unknown.has(reference.externalId)) {
        unknown.set(reference.externalId, reference.email);
      }
    }
    if (unknown.size === 0) return;
    const existing = await idsByExternalId(db, this.dialect, 'customer', this.workspaceId, [
      ...unknown.keys(),
    ]);
    const missing: unknown[][] = [];
    for (const [externalId, email] of unknown) {
      const id = existing.get(externalId);
      if (id !== undefined) this.#ids.set(externalId, id);
      else missing.push([this.workspaceId, importRowId(now), externalId, email, now, now]);
    }
    if (missing.length === 0) return;
    // DO NOTHING: a concurrent writer may have created one meanwhile; it is read back below.
    await upsert(db, this.dialect, CUSTOMER_STUB, missing);
    const created = await idsByExternalId(
      db,
      this.dialect,
      'customer',
      this.workspaceId,
      missing.map((row) => row[2] as string),
    );
    for (const [externalId, id] of created) this.#ids.set(externalId, id);
    this.created += missing.length;
  }

  /** The id of a resolved customer. */
  idOf(externalId: string): string {
    const id = this.#ids.get(externalId);
    if (id === undefined) throw new Error(`Customer ${externalId} was not resolved`);
    return id;
  }
}

/** Everything a batch writer needs besides the records. */
export interface WriteContext {
  readonly workspaceId: string;
  readonly dialect: DialectName;
  readonly now: number;
  readonly customers: CustomerDirectory;
}

const CUSTOMER: UpsertSpec = {
  table: 'customer',
  columns: [
    ['workspace_id', 'text'],
    ['id', 'text'],
    ['external_id', 'text'],
    ['email', 'text'],
    ['name', 'text'],
    ['phone', 'text'],
    ['language', 'text'],
    ['country', 'text'],
    ['time_zone', 'text'],
    ['attributes', 'jsonb'],
    ['consent_email_marketing', 'integer'],
    ['consent_sms_marketing', 'integer'],
    ['signed_up_at', 'bigint'],
    ['created_at', 'bigint'],
    ['updated_at', 'bigint'],
  ],
  conflict: ['workspace_id', 'external_id'],
  insertOnly: ['id', 'created_at'],
  touch: 'updated_at',
};

/** Upserts customers on (workspace, external id). O(records). */
export async function writeCustomers(
  db: Executor,
  context: WriteContext,
  records: readonly CustomerRecord[],
): Promise<void> {
  const { workspaceId, now } = context;
  const rows = lastByKey(records, (record) => record.externalId).map((record) => [
    workspaceId,
    importRowId(now),
    record.externalId,
    record.email,
    record.name,
    record.phone,
    record.language,
    record.country,
    record.timeZone,
    toJson(record.attributes),
    toFlag(record.consentEmailMarketing),
    toFlag(record.consentSmsMarketing),
    record.signedUpAt,
    now,
    now,
  ]);
  await upsert(db, context.dialect, CUSTOMER, rows);
}

const ORDER: UpsertSpec = {
  table: 'customer_order',
  columns: [
    ['workspace_id', 'text'],
    ['id', 'text'],
    ['external_id', 'text'],
    ['customer_id', 'text'],
    ['ordered_at', 'bigint'],
    ['currency', 'text'],
    ['amount_cents', 'bigint'],
    ['status', 'text'],
    ['source', 'text'],
    ['created_at', 'bigint'],
    ['updated_at', 'bigint'],
  ],
  conflict: ['workspace_id', 'external_id'],
  insertOnly: ['id', 'created_at'],
  touch: 'updated_at',
};

const ORDER_ITEM: UpsertSpec = {
  table: 'order_item',
  columns: [
    ['workspace_id', 'text'],
    ['id', 'text'],
    ['order_id', 'text'],
    ['product_id', 'text'],
    ['product_name', 'text'],
    ['category', 'text'],
    ['quantity', 'integer'],
    ['unit_price_cents', 'bigint'],
  ],
  conflict: ['workspace_id', 'id'],
  insertOnly: [],
  touch: null,
};

const REFUND: UpsertSpec = {
  table: 'refund',
  columns: [
    ['workspace_id', 'text'],
    ['id', 'text'],
    ['external_id', 'text'],
    ['order_id', 'text'],
    ['customer_id', 'text'],
    ['refunded_at', 'bigint'],
    ['currency', 'text'],
    ['amount_cents', 'bigint'],
    ['reason', 'text'],
    ['created_at', 'bigint'],
  ],
  conflict: ['workspace_id', 'external_id'],
  insertOnly: ['id', 'created_at'],
  touch: null,
};

/**
 * Upserts orders on (workspace, external id), creating missing customers. Line items: the orders
 * of a batch that carries items have theirs replaced (ids `<order id>:<n>`, so a re-import writes
 * the same rows). A refunded amount is one refund row keyed `<order external id>:refund`.
 * O(records + items): 3 statements per 2,000 orders without items.
 */
export async function writeOrders(
  db: Executor,
  context: WriteContext,
  records: readonly OrderRecord[],
): Promise<void> {
  const { workspaceId, now, dialect, customers } = context;
  const orders = lastByKey(records, (record) => record.externalId);
  await customers.resolve(
    db,
    orders.map((order) => order.customer),
    now,
  );
  await upsert(
    db,
    dialect,
    ORDER,
    orders.map((order) => [
      workspaceId,
      importRowId(now),
      order.externalId,
      customers.idOf(order.customer.externalId),
      order.orderedAt,
      order.currency,
      order.amountCents,
      order.status,
      order.source,
      now,
      now,
    ]),
  );

  const withItems = orders.some((order) => order.items.length > 0);
  const withRefunds = orders.some((order) => order.refundedCents > 0);
  if (!withItems && !withRefunds) return;
  const orderIds = await idsByExternalId(
    db,
    dialect,
    'customer_order',
    workspaceId,
    orders.map((order) => order.externalId),
  );
  const idOf = (order: OrderRecord): string => orderIds.get(order.externalId)!;

  if (withItems) {
    const ids = [...orderIds.values()];
    for (let start = 0; start < ids.length; start += MAX_ROWS) {
      const chunk = ids.slice(start, start + MAX_ROWS);
      await db.executeQuery(
        CompiledQuery.raw(
          `delete from "order_item" where "workspace_id" = ${dialect === 'postgres' ? '$1' : '?'} and ${inList(
            dialect,
            'order_id',
            2,
          )}`,
          [workspaceId, listParameter(dialect, chunk)],
        ),
      );
    }
    const items: unknown[][] = [];
    for (const order of orders) {
      const orderId = idOf(order);
      order.items.forEach((item, index) => {
        items.push([
          workspaceId,
          `${orderId}:${index + 1}`,
          orderId,
          item.productId,
          item.productName,
          item.category,
          item.quantity,
          item.unitPriceCents,
        ]);
      });
    }
    await upsert(db, dialect, ORDER_ITEM, items);
  }

  if (withRefunds) {
    const refunds = orders
      .filter((order) => order.refundedCents > 0)
      .map((order) => [
        workspaceId,
        importRowId(now),
        `${order.externalId}:refund`,
        idOf(order),
        customers.idOf(order.customer.externalId),
        order.refundedAt ?? order.orderedAt,
        order.currency,
        order.refundedCents,
        null,
        now,
      ]);
    await upsert(db, dialect, REFUND, refunds);
  }
}

const SUBSCRIPTION: UpsertSpec = {
  table: 'subscription',
  columns: [
    ['workspace_id', 'text'],
    ['id', 'text'],
    ['external_id', 'text'],
    ['customer_id', 'text'],
    ['plan', 'text'],
    ['interval', 'text'],
    ['interval_count', 'integer'],
    ['amount_cents', 'bigint'],
    ['currency', 'text'],
    ['status', 'text'],
    ['trial_start', 'bigint'],
    ['trial_end', 'bigint'],
    ['started_at', 'bigint'],
    ['ended_at', 'bigint'],
    ['cancelled_at', 'bigint'],
    ['current_period_end', 'bigint'],
    ['created_at', 'bigint'],
    ['updated_at', 'bigint'],
  ],
  conflict: ['workspace_id', 'external_id'],
  insertOnly: ['id', 'created_at'],
  touch: 'updated_at',
};

/** Upserts subscriptions on (workspace, external id), creating missing customers. O(records). */
export async function writeSubscriptions(
  db: Executor,
  context: WriteContext,
  records: readonly SubscriptionRecord[],
): Promise<void> {
  const { workspaceId, now, dialect, customers } = context;
  const subscriptions = lastByKey(records, (record) => record.externalId);
  await customers.resolve(
    db,
    subscriptions.map((subscription) => subscription.customer),
    now,
  );
  await upsert(
    db,
    dialect,
    SUBSCRIPTION,
    subscriptions.map((subscription) => [
      workspaceId,
      importRowId(now),
      subscription.externalId,
      customers.idOf(subscription.customer.externalId),
      subscription.plan,
      subscription.interval,
      subscription.intervalCount,
      subscription.amountCents,
      subscription.currency,
      subscription.status,
      subscription.trialStart,
      subscription.trialEnd,
      subscription.startedAt,
      subscription.endedAt,
      subscription.cancelledAt,
      subscription.currentPeriodEnd,
      now,
      now,
    ]),
  );
}

const EVENT: UpsertSpec = {
  table: 'event',
  columns: [
    ['workspace_id', 'text'],
    ['id', 'text'],
    ['message_id', 'text'],
    ['customer_id', 'text'],
    ['user_id', 'text'],
    ['anonymous_id', 'text'],
    ['name', 'text'],
    ['properties', 'jsonb'],
    ['occurred_at', 'bigint'],
    ['received_at', 'bigint'],
  ],
  conflict: ['workspace_id', 'message_id'],
  insertOnly: ['id', 'received_at'],
  touch: null,
};

/** Upserts events on (workspace, message id); a user id is resolved to (or creates) a customer. O(records). */
export async function writeEvents(
  db: Executor,
  context: WriteContext,
  records: readonly EventRecord[],
): Promise<void> {
  const { workspaceId, now, dialect, customers } = context;
  const events = lastByKey(records, (record) => record.messageId);
  const references: CustomerReference[] = [];
  for (const event of events) if (event.customer !== null) references.push(event.customer);
  await customers.resolve(db, references, now);
  await upsert(
    db,
    dialect,
    EVENT,
    events.map((event) => [
      workspaceId,
      importRowId(now),
      event.messageId,
      event.customer === null ? null : customers.idOf(event.customer.externalId),
      event.userId,
      event.anonymousId,
      event.name,
      toJson(event.properties),
      event.occurredAt,
      now,
    ]),
  );
}
