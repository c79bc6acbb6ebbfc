import {
  type CategoricalColumn,
  fail,
  type OrderTable,
  OrderTableBuilder,
  ok,
  type Result,
} from '../core/light.js';
import { detach, type ResolvedColumns, resolveColumns } from './columns.js';
import { type CsvIssue, fileReadIssue, IssueCollector } from './csv-issue.js';
import { type CsvHeader, readCsvHeader } from './csv-stream.js';
import { type DetectedDialect, type DialectRequest, readDialect } from './dialect.js';
import { scanGenericOrders } from './generic-orders.js';
import { InstantParser } from './instant-parser.js';
import { readLayoutRecords } from './layout-records.js';
import { detectOrderLayout, looksLike, ORDER_LAYOUTS } from './layouts/detect-layout.js';
import { GENERIC_ORDER_FIELDS, genericOrders, SCANNED_ORDER_FIELDS } from './layouts/generic-orders.js';
import { countedRows, type OrderLayout, type OrdersFormat } from './layouts/order-layout.js';
import type { GenericOrderLayout } from './order-scanner.js';
import { CurrencyTally, CustomerInterner, optionIssue, SkipCounter } from './reader-support.js';
import type { OtherKind } from './row-groups.js';
import { type CsvEncoding, lineOfByte } from './text-decoding.js';

/** What a header error of an orders file says when the file looks like subscriptions. */
const SUBSCRIPTIONS_MEANT: OtherKind = {
  kind: 'subscriptions',
  hint: 'this looks like a subscriptions file: did you mean --mode subscription?',
};

export interface ReadOrdersOptions extends DialectRequest {
  /** IANA zone for date-times written without an offset; default `UTC`. */
  readonly timeZone?: string;
  /**
   * `auto` (default) recognises a Shopify orders export or a Stripe invoices export by its header
   * (`detectOrderLayout`, as `retain import` does), else reads the generic layout.
   */
  readonly format?: 'auto' | OrdersFormat;
  /** Logical field → header name, e.g. `{ customer_id: 'Email', ordered_at: 'Created at' }`. */
  readonly map?: Readonly<Record<string, string>>;
  /** Extra columns kept as categorical attributes of each order (e.g. `['country']`). */
  readonly attributes?: readonly string[];
  /** Called after each chunk read (about 1 MB). */
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** At most this many issues are collected (default 100); reading stops there. */
  readonly maxIssues?: number;
  /**
   * 2 (default): a generic file with ≥ 32 MB of rows is read in two halves, the second in a worker
   * thread (same result as one thread); 1: always one thread.
   */
  readonly threads?: 1 | 2;
  /** Smallest size of the rows (bytes) read on two threads; default 32 MB (tests lower it). */
  readonly parallelMinBytes?: number;
  /**
   * The file's text encoding: `utf-8` (default; a byte that is not UTF-8 is refused with its
   * line), `latin1` or `windows-1252` (converted while reading; such files are read by record,
   * not by the UTF-8 byte scanner).
   */
  readonly encoding?: CsvEncoding;
}

/** What `readOrdersCsv` returns: the table and what was learnt about the file. */
export interface OrdersFile {
  readonly table: OrderTable;
  readonly format: OrdersFormat;
  /** The header each field was read from, as written (e.g. `{ amount: 'Subtotal', … }`). */
  readonly columns: Readonly<Record<string, string>>;
  /** How the file was read: its delimiter, decimal separator and date format, and why. */
  readonly dialect: DetectedDialect;
  /** The file's currency (ISO code, upper case) when it has a currency column, else null. */
  readonly currency: string | null;
  /** Rows in the table (orders, and refund rows with a negative amount). */
  readonly rows: number;
  /** Orders left out on purpose, by reason (e.g. Shopify's voided or pending orders). */
  readonly skipped: { readonly reason: string; readonly count: number }[];
  /** Earliest and latest `orderedAt` of the table (epoch ms). */
  readonly firstOrderAt: number;
  readonly lastOrderAt: number;
  /** Threads that read the rows: 2 when a large generic file was read in two halves, else 1. */
  readonly threads: 1 | 2;
}

/**
 * Reads an orders CSV into an `OrderTable`, streaming the file (never loaded whole).
 *
 * The layouts and their rules are those of `retain import` (`src/csv/layouts/`, docs/imports.md),
 * recognised by header (`format` forces one): generic, Shopify's orders export, Stripe's invoices
 * export. Each record adds the rows `countedRows` says: a completed order at its date, and its
 * refund as a negative row at the refund's date; pending and cancelled orders are left out and
 * counted in `skipped` by the status the file gave them, as are records the layout skips (a
 * Shopify order without an e-mail).
 *
 * Generic files that bind only `customer_id, order_id, ordered_at, amount, currency` (and
 * attribute columns) — the large exports — take the byte scanner (`scanGenericOrders`), which
 * implements the same rules for those fields (pinned by a property test); any other file is read
 * by record. The delimiter, decimal separator and date format are detected from the file's start
 * (`readDialect`) unless `options` force them. Amounts become exact integer cents; dates are read in `timeZone` when they carry no
 * offset (Stripe's: UTC). Any problem (missing column, unreadable value, several currencies, no
 * rows) makes the result `{ ok: false, error: issues }` — never a partial table.
 *
 * O(file size) time; memory ~20 bytes a row plus the distinct customer ids.
 * Example: `await readOrdersCsv('orders.csv', { timeZone: 'Europe/Paris' })`.
 */
export async function readOrdersCsv(
  path: string,
  options: ReadOrdersOptions = {},
): Promise<Result<OrdersFile, CsvIssue[]>> {
  const issues = new IssueCollector(options.maxIssues ?? 100);
  const timeZone = options.timeZone ?? 'UTC';
  try {
    new InstantParser(timeZone);
  } catch (error) {
    return fail([optionIssue(path, 'invalid-time-zone', (error as Error).message)]);
  }
  const requested = options.format ?? 'auto';
  if (requested !== 'auto' && !(requested in ORDER_LAYOUTS)) {
    return fail([
      optionIssue(
        path,
        'invalid-format',
        `unknown orders format "${String(requested)}": use auto, ${Object.keys(ORDER_LAYOUTS).join(', ')}`,
      ),
    ]);
  }

  const sample = await readDialect(path, options);
  if (sample.status !== 'read') return fail([fileReadIssue(path, sample)]);
  const dialect = sample.dialect;
  // The byte scanner reads UTF-8 only: other encodings are read by record (converted strictly).
  const encoding = options.encoding ?? 'utf-8';
  const head = await readCsvHeader(path, { encoding, delimiter: dialect.delimiter });
  if (head.status !== 'header') return fail([fileReadIssue(path, head)]);
  const layout = requested === 'auto' ? detectOrderLayout(head.names) : ORDER_LAYOUTS[requested];
  if (layout === genericOrders && encoding === 'utf-8') {
    const otherKind = looksLike('subscriptions', head.names) ? SUBSCRIPTIONS_MEANT.hint : null;
    const columns = resolveColumns(
      head.names,
      GENERIC_ORDER_FIELDS,
      options.map,
      options.attributes,
      issues,
      {
        otherKind,
      },
    );
    if (columns === null) return fail(issues.resolve(path, () => head.headerLine));
    if (scannable(columns)) {
      const instants = new InstantParser(timeZone, dialect.dateFormat);
      return scanOrders(path, head, columns, instants, issues, dialect, options);
    }
  }
  return readOrderRecords(path, layout, options, issues, dialect);
}

/** Whether the byte scanner implements every field the file binds (`SCANNED_ORDER_FIELDS`). */
function scannable(columns: ResolvedColumns): boolean {
  for (const [field, index] of columns.index) {
    if (index !== -1 && !SCANNED_ORDER_FIELDS.has(field)) return false;
  }
  return true;
}

/** The header each field was found under, as written. */
function columnNames(columns: ResolvedColumns): Record<string, string> {
  return Object.fromEntries(columns.headerName);
}

/** A generic file through the byte scanner (one thread or two). */
async function scanOrders(
  path: string,
  head: Extract<CsvHeader, { status: 'header' }>,
  columns: ResolvedColumns,
  instants: InstantParser,
  issues: IssueCollector,
  dialect: DetectedDialect,
  options: ReadOrdersOptions,
): Promise<Result<OrdersFile, CsvIssue[]>> {
  const at = (field: string): number => columns.index.get(field) ?? -1;
  const nameOf = (field: string): string => columns.headerName.get(field) ?? field;
  const layout: GenericOrderLayout = {
    fieldCount: head.names.length,
    delimiter: dialect.delimiter.charCodeAt(0),
    decimal: dialect.decimal,
    customerColumn: at('customer_id'),
    orderIdColumn: at('order_id'),
    orderedAtColumn: at('ordered_at'),
    amountColumn: at('amount'),
    currencyColumn: at('currency'),
    attributeColumns: columns.attributes.map((attribute) => attribute.index),
    names: {
      customer: nameOf('customer_id'),
      orderedAt: nameOf('ordered_at'),
      amount: nameOf('amount'),
      currency: nameOf('currency'),
    },
  };
  const read = await scanGenericOrders(path, head, layout, instants, {
    timeZone: instants.timeZone,
    maxIssues: issues.limit,
    onProgress: options.onProgress,
    threads: options.threads ?? 2,
    ...(options.parallelMinBytes === undefined ? {} : { parallelMinBytes: options.parallelMinBytes }),
  });
  if (read.status === 'invalid-utf8') {
    const line = await lineOfByte(path, read.byte);
    return fail([{ file: path, line, column: null, code: 'invalid-utf8', message: read.message }]);
  }
  if (read.status !== 'read') return fail([fileReadIssue(path, read)]);
  const { scanned, issues: rowIssues } = read;
  if (rowIssues.count === 0 && scanned.length === 0) {
    rowIssues.add(0, null, 'no-rows', 'the file has a header but no rows');
  }
  if (rowIssues.count > 0) {
    return fail(rowIssues.resolve(path, (line) => (line === 0 ? head.headerLine : line)));
  }
  const attributes = new Map<string, CategoricalColumn>();
  columns.attributes.forEach((attribute, index) => {
    attributes.set(attribute.name, scanned.attributes[index]!);
  });
  return ok({
    table: {
      length: scanned.length,
      customer: scanned.customer,
      orderedAt: scanned.orderedAt,
      amountCents: scanned.amountCents,
      customerIds: scanned.customerIds,
      attributes,
    },
    format: 'generic',
    columns: columnNames(columns),
    dialect,
    currency: scanned.currencies[0]?.code ?? null,
    rows: scanned.length,
    skipped: [],
    firstOrderAt: scanned.firstOrderAt,
    lastOrderAt: scanned.lastOrderAt,
    threads: read.threads,
  });
}

/**
 * Any layout read by record through its definition (`OrderLayout.read`, shared with the import):
 * each order's `countedRows` go into the table with the order's attribute values (its first line).
 * Vendor exports are far smaller than the generic exports the scanner is for.
 */
async function readOrderRecords(
  path: string,
  layout: OrderLayout,
  options: ReadOrdersOptions,
  issues: IssueCollector,
  dialect: DetectedDialect,
): Promise<Result<OrdersFile, CsvIssue[]>> {
  const builder = new OrderTableBuilder(1 << 12);
  const customers = new CustomerInterner(builder);
  const currency = new CurrencyTally();
  const skipped = new SkipCounter();
  let currencyColumn = 'currency';
  let attributes: readonly { readonly name: string; readonly index: number }[] = [];
  const labels = new Map<string, string>(); // attribute values, detached from the parser's chunks
  let firstOrderAt = Number.POSITIVE_INFINITY;
  let lastOrderAt = Number.NEGATIVE_INFINITY;

  const read = await readLayoutRecords(
    path,
    {
      layout,
      timeZone: options.timeZone ?? 'UTC',
      dialect,
      map: options.map,
      attributes: options.attributes,
      otherKind: SUBSCRIPTIONS_MEANT,
      onProgress: options.onProgress,
      read: { encoding: options.encoding },
    },
    issues,
    {
      header: (_layout, columns) => {
        currencyColumn = columns.headerName.get('currency') ?? 'currency';
        attributes = columns.attributes;
        for (const attribute of attributes) builder.addAttribute(attribute.name);
      },
      read: (chosen, lines) => chosen.read(lines, 'analyze'),
      record: (order, lines, firstRecord) => {
        if (order.currency !== null) currency.add(order.currency, firstRecord);
        if (issues.count > 0) return; // the table will be discarded: stop building it
        const rows = countedRows(order);
        if (rows.length === 0) {
          skipped.add(order.statusInFile);
          return;
        }
        const customer = customers.indexOf(order.customerId);
        for (const row of rows) {
          builder.addIndexed(customer, row.at, row.amountCents);
          if (row.at < firstOrderAt) firstOrderAt = row.at;
          if (row.at > lastOrderAt) lastOrderAt = row.at;
          for (const attribute of attributes) {
            const value = lines[0]!.fields[attribute.index] ?? '';
            let label = labels.get(value);
            if (label === undefined) {
              label = detach(value);
              labels.set(label, label);
            }
            builder.setAttribute(builder.length - 1, attribute.name, label);
          }
        }
      },
      skipped: (reason) => skipped.add(reason),
      finish: () => currency.report(issues, currencyColumn, 'order'),
      nothingLeft: () => (builder.length === 0 ? `no order is left to read: ${skipped.describe()}` : null),
    },
  );
  if (!read.ok) return read;
  return ok({
    table: builder.build(),
    format: read.value.layout.format,
    columns: columnNames(read.value.columns),
    dialect,
    currency: currency.value,
    rows: builder.length,
    skipped: skipped.list(),
    firstOrderAt,
    lastOrderAt,
    threads: 1,
  });
}
