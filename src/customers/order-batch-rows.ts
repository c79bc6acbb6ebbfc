/**
 * The rows of an order import batch, encoded as the one text parameter each statement of
 * `order-batch.ts` reads: a JSON array of row arrays for SQLite (`json_each`), PostgreSQL's COPY
 * text format for its staging tables. A light surface of `customers/` (no database code, no
 * driver), so an import's reader thread encodes batches while the main thread writes: text crosses
 * threads as one copy, where a structured clone of a batch's record objects costs more than
 * writing it (≈ 5 µs a record).
 *
 * The batch carries natural keys only (order and customer external ids); the statements resolve
 * them to row ids inside the write transaction, so nothing here needs the store.
 */
import type { OrderStatus } from '../db/index.js';

/** How the rows travel: `json` (SQLite) or `copy` (PostgreSQL COPY … FROM STDIN, text format). */
export type BatchEncoding = 'json' | 'copy';

/** One order of an import, by natural keys, with its lines and its refunded amount. */
export interface OrderBatchRecord {
  readonly externalId: string;
  readonly customerExternalId: string;
  /** Stored on a customer this batch creates; never changes a stored customer. */
  readonly customerEmail: string | null;
  readonly orderedAt: number;
  readonly currency: string;
  readonly amountCents: number;
  readonly status: OrderStatus;
  readonly source: string;
  /** The order's lines, which replace its stored ones; empty: stored lines are left alone. */
  readonly items: readonly {
    readonly productId: string | null;
    readonly productName: string | null;
    readonly category: string | null;
    readonly quantity: number;
    readonly unitPriceCents: number;
  }[];
  /** The refund row `<external id>:refund`, when an amount was refunded. */
  readonly refund: { readonly refundedAt: number; readonly amountCents: number } | null;
}

/** A batch ready for `writeOrderBatch`. Row layouts: see each field. */
export interface EncodedOrderBatch {
  readonly encoding: BatchEncoding;
  /** Customers first named in this run: `[external id, e-mail]`. */
  readonly customers: string;
  /** `[external id, customer external id, ordered_at, currency, amount_cents, status, source]`. */
  readonly orders: string;
  /** `[order external id, line, product_id, product_name, category, quantity, unit_price_cents]`. */
  readonly items: string;
  /** Orders whose lines this batch replaces: `[order external id, number of lines]`. */
  readonly lineCounts: string;
  /** `[refund external id, order external id, refunded_at, currency, amount_cents]`. */
  readonly refunds: string;
  readonly orderCount: number;
  readonly customerCount: number;
  readonly itemCount: number;
  readonly refundCount: number;
}

/** One row as JSON array text (`jsonb_each`) or a COPY text line. O(values). */
function renderRow(copy: boolean, values: readonly (string | number | null)[]): string {
  if (!copy) return JSON.stringify(values);
  let line = '';
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (index > 0) line += '\t';
    line += value === null || value === undefined ? '\\N' : copyEscape(String(value));
  }
  return line;
}

/** Rendered rows as one parameter: a JSON array, or COPY lines. O(characters). */
function rowsText(copy: boolean, rows: readonly string[]): string {
  if (copy) return rows.length === 0 ? '' : `${rows.join('\n')}\n`;
  return `[${rows.join(',')}]`;
}

/**
 * A string that holds its own characters. A field read from a file is a slice of the file's chunk
 * (V8 keeps the whole chunk, ~1 MB, alive for a 13-character slice); a set that outlives the chunk
 * keeps copies. Flattening the concatenation copies the characters. O(length).
 */
function ownCopy(text: string): string {
  return ` ${text}`.slice(1);
}

const COPY_SPECIAL = /[\\\t\n\r]/;

/** COPY text format: backslash, tab, newline and carriage return escaped. O(length). */
function copyEscape(text: string): string {
  if (!COPY_SPECIAL.test(text)) return text;
  return text.replace(/[\\\t\n\r]/g, (character) =>
    character === '\\' ? '\\\\' : character === '\t' ? '\\t' : character === '\n' ? '\\n' : '\\r',
  );
}

/**
 * Encodes one batch of orders as they are read: each record becomes its rows' text when it is
 * added, so the reader keeps text, not a batch of record objects (which lived long enough to be
 * copied by every young-generation collection and promoted: most of the reader thread's
 * collection work, docs/benchmarks.md). `finish` gives the same batch as
 * `encodeOrderBatch(records in add order, …)`: a repeated order external id keeps its last
 * record, and each customer comes with the first kept record that names it.
 */
export class OrderBatchEncoder {
  readonly #copy: boolean;
  readonly #encoding: BatchEncoding;
  /** Order external id → its slot (the last record added with it). */
  #slots = new Map<string, number>();
  /** Per slot: the order row, or null once a later record of the same order replaced it. */
  #orders: (string | null)[] = [];
  #customerIds: string[] = [];
  #emails: (string | null)[] = [];
  /** Per slot: `[line rows, line count row]` when the record has lines, else null. */
  #lines: ([readonly string[], string] | null)[] = [];
  #refunds: (string | null)[] = [];
  #lastCurrency = '';
  #lastCurrencyUpper = '';

  constructor(encoding: BatchEncoding) {
    this.#encoding = encoding;
    this.#copy = encoding === 'copy';
  }

  /** Records added since the last `finish` (repeated orders counted each time). */
  get count(): number {
    return this.#orders.length;
  }

  /** Adds the next record of the batch, in file order. O(lines). */
  add(record: OrderBatchRecord): void {
    const copy = this.#copy;
    const slot = this.#orders.length;
    const earlier = this.#slots.get(record.externalId);
    if (earlier !== undefined) {
      this.#orders[earlier] = null;
      this.#lines[earlier] = null;
      this.#refunds[earlier] = null;
    }
    this.#slots.set(record.externalId, slot);
    if (record.currency !== this.#lastCurrency) {
      this.#lastCurrency = record.currency;
      this.#lastCurrencyUpper = record.currency.toUpperCase();
    }
    const currency = this.#lastCurrencyUpper;
    this.#orders.push(
      renderRow(copy, [
        record.externalId,
        record.customerExternalId,
        record.orderedAt,
        currency,
        record.amountCents,
        record.status,
        record.source,
      ]),
    );
    this.#customerIds.push(record.customerExternalId);
    this.#emails.push(record.customerEmail);
    if (record.items.length === 0) this.#lines.push(null);
    else {
      const rows = record.items.map((item, index) =>
        renderRow(copy, [
          record.externalId,
          index + 1,
          item.productId,
          item.productName,
          item.category,
          item.quantity,
          item.unitPriceCents,
        ]),
      );
      this.#lines.push([rows, renderRow(copy, [record.externalId, record.items.length])]);
    }
    this.#refunds.push(
      record.refund === null
        ? null
        : renderRow(copy, [
            `${record.externalId}:refund`,
            record.externalId,
            record.refund.refundedAt,
            currency,
            record.refund.amountCents,
          ]),
    );
  }

  /**
   * The batch of the records added (then empty again for the next). `knownCustomers` holds the
   * customer external ids sent in earlier batches of the run (updated here, with copies of the
   * ids: see `ownCopy`), so each customer is sent once. O(records + lines).
   */
  finish(knownCustomers: Set<string>): EncodedOrderBatch {
    const copy = this.#copy;
    const customers: string[] = [];
    const orders: string[] = [];
    const items: string[] = [];
    const lineCounts: string[] = [];
    const refunds: string[] = [];
    for (let slot = 0; slot < this.#orders.length; slot++) {
      const order = this.#orders[slot];
      if (order === null || order === undefined) continue;
      const customerId = this.#customerIds[slot]!;
      if (!knownCustomers.has(customerId)) {
        knownCustomers.add(ownCopy(customerId));
        customers.push(renderRow(copy, [customerId, this.#emails[slot] ?? null]));
      }
      orders.push(order);
      const lines = this.#lines[slot];
      if (lines !== null && lines !== undefined) {
        for (const row of lines[0]) items.push(row);
        lineCounts.push(lines[1]);
      }
      const refund = this.#refunds[slot];
      if (refund !== null && refund !== undefined) refunds.push(refund);
    }
    this.#slots = new Map();
    this.#orders = [];
    this.#customerIds = [];
    this.#emails = [];
    this.#lines = [];
    this.#refunds = [];
    return {
      encoding: this.#encoding,
      customers: rowsText(copy, customers),
      orders: rowsText(copy, orders),
      items: rowsText(copy, items),
      lineCounts: rowsText(copy, lineCounts),
      refunds: rowsText(copy, refunds),
      orderCount: orders.length,
      customerCount: customers.length,
      itemCount: items.length,
      refundCount: refunds.length,
    };
  }
}

/**
 * Encodes `records` (one batch, in file order) for `writeOrderBatch` (`OrderBatchEncoder`, all at
 * once). A repeated order external id keeps its last record (as the upserts do). `knownCustomers`
 * holds the customer external ids already sent in earlier batches of the run (updated here), so
 * each customer is sent once.
 *
 * O(records + lines). Example: `encodeOrderBatch([order], 'json', new Set())` → `{ orders:
 * '[["o1","c1",1704067200000,"USD",1999,"completed","csv"]]', orderCount: 1, … }`.
 */
export function encodeOrderBatch(
  records: readonly OrderBatchRecord[],
  encoding: BatchEncoding,
  knownCustomers: Set<string>,
): EncodedOrderBatch {
  const encoder = new OrderBatchEncoder(encoding);
  for (const record of records) encoder.add(record);
  return encoder.finish(knownCustomers);
}
