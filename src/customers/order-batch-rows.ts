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

/** Accumulates rows as JSON array text or COPY text. */
class RowText {
  readonly #copy: boolean;
  #parts: string[] = [];
  count = 0;

  constructor(encoding: BatchEncoding) {
    this.#copy = encoding === 'copy';
  }

  add(values: readonly (string | number | null)[]): void {
    this.count++;
    if (!this.#copy) {
      this.#parts.push(JSON.stringify(values));
      return;
    }
    let line = '';
    for (let index = 0; index < values.length; index++) {
      const value = values[index];
      if (index > 0) line += '\t';
      line += value === null || value === undefined ? '\\N' : copyEscape(String(value));
    }
    this.#parts.push(line);
  }

  text(): string {
    if (this.#copy) return this.#parts.length === 0 ? '' : `${this.#parts.join('\n')}\n`;
    return `[${this.#parts.join(',')}]`;
  }
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
 * Encodes `records` (one batch, in file order) for `writeOrderBatch`. A repeated order external id
 * keeps its last record (as the upserts do). `knownCustomers` holds the customer external ids
 * already sent in earlier batches of the run (updated here, with copies of the ids: see
 * `ownCopy`), so each customer is sent once.
 *
 * O(records + lines). Example: `encodeOrderBatch([order], 'json', new Set())` → `{ orders:
 * '[["o1","c1",1704067200000,"USD",1999,"completed","csv"]]', orderCount: 1, … }`.
 */
export function encodeOrderBatch(
  records: readonly OrderBatchRecord[],
  encoding: BatchEncoding,
  knownCustomers: Set<string>,
): EncodedOrderBatch {
  let unique = records;
  const positions = new Map<string, number>();
  for (let index = 0; index < records.length; index++) positions.set(records[index]!.externalId, index);
  if (positions.size !== records.length)
    unique = records.filter((record, index) => positions.get(record.externalId) === index);
  const customers = new RowText(encoding);
  const orders = new RowText(encoding);
  const items = new RowText(encoding);
  const lineCounts = new RowText(encoding);
  const refunds = new RowText(encoding);
  for (const record of unique) {
    if (!knownCustomers.has(record.customerExternalId)) {
      knownCustomers.add(ownCopy(record.customerExternalId));
      customers.add([record.customerExternalId, record.customerEmail]);
    }
    const currency = record.currency.toUpperCase();
    orders.add([
      record.externalId,
      record.customerExternalId,
      record.orderedAt,
      currency,
      record.amountCents,
      record.status,
      record.source,
    ]);
    if (record.items.length > 0) {
      lineCounts.add([record.externalId, record.items.length]);
      record.items.forEach((item, index) => {
        items.add([
          record.externalId,
          index + 1,
          item.productId,
          item.productName,
          item.category,
          item.quantity,
          item.unitPriceCents,
        ]);
      });
    }
    if (record.refund !== null) {
      refunds.add([
        `${record.externalId}:refund`,
        record.externalId,
        record.refund.refundedAt,
        currency,
        record.refund.amountCents,
      ]);
    }
  }
  return {
    encoding,
    customers: customers.text(),
    orders: orders.text(),
    items: items.text(),
    lineCounts: lineCounts.text(),
    refunds: refunds.text(),
    orderCount: orders.count,
    customerCount: customers.count,
    itemCount: items.count,
    refundCount: refunds.count,
  };
}
