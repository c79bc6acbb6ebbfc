import { resolveColumns } from './columns.js';
import { IssueCollector } from './csv-issue.js';
import { readCsvHeader } from './csv-stream.js';
import { type CsvDialect, DEFAULT_DIALECT } from './dialect.js';
import { scanGenericOrders } from './generic-orders.js';
import { InstantParser } from './instant-parser.js';
import { detectOrderLayout } from './layouts/detect-layout.js';
import {
  GENERIC_ORDER_IMPORT_FIELDS,
  genericOrders,
  SCANNED_ORDER_FIELDS,
} from './layouts/generic-orders.js';
import type { GenericOrderLayout } from './order-scanner.js';
import type { CsvEncoding } from './text-decoding.js';

/** What the import knows of its file before checking it. */
export interface QuickCheckOptions {
  /** Zone of dates without an offset (the workspace's). */
  readonly timeZone: string;
  /** `generic`, or `auto` (then the header must not be a Shopify or Stripe export's). */
  readonly format: 'auto' | 'generic';
  readonly encoding: CsvEncoding;
  /** Delimiter, decimal separator and date format (`readDialect`); default comma, `.`, ISO. */
  readonly dialect?: CsvDialect | undefined;
  /** Logical field → header name (`--map`). */
  readonly map?: Readonly<Record<string, string>> | undefined;
  readonly onProgress?: ((bytesRead: number, totalBytes: number) => void) | undefined;
  /** Check the whole file in one worker thread, leaving this one free (`ScanOptions.offThread`). */
  readonly offThread?: boolean | undefined;
}

/** `valid`: every record passes the import's checks; `unsure`: the record reader must decide. */
export type QuickCheck =
  | {
      readonly verdict: 'valid';
      readonly records: number;
      readonly header: readonly string[];
      /** Each field's column, as written. */
      readonly columns: Readonly<Record<string, string>>;
      /** The currencies written (upper-cased; blank cells not counted): the caller checks them. */
      readonly currencies: readonly string[];
    }
  | { readonly verdict: 'unsure' };

/**
 * The import's validation pass, fast, for the large generic order files: the byte scanner of
 * `retain analyze` (`scanGenericOrders`, ~10× the record reader's rate, on two threads from 32 MB)
 * with the import's own checks added (`GenericOrderLayout.importChecks`: a required order id, ids,
 * fields and records within `CSV_LIMITS`, no NUL) and no table built, so its memory stays flat.
 * It answers `valid` only when it is sure the record reader would accept every record: the same
 * layout rules (pinned by a property test), the same amount and date parsers, the same quoting
 * rules; on anything it does not cover — another layout or encoding, a bound column it does not
 * read (status, refunds, items, e-mail), any problem at all, even a second currency the import
 * accepts — it answers `unsure`, and the import validates by record, with its located messages.
 * O(file size); memory O(chunk).
 *
 * Example: `await quickCheckGenericOrders('orders.csv', { timeZone: 'UTC', format: 'auto', encoding: 'utf-8' })`
 * → `{ verdict: 'valid', records: 1_000_000, header: [...] }`.
 */
export async function quickCheckGenericOrders(path: string, options: QuickCheckOptions): Promise<QuickCheck> {
  const unsure: QuickCheck = { verdict: 'unsure' };
  if (options.encoding !== 'utf-8') return unsure;
  const dialect = options.dialect ?? DEFAULT_DIALECT;
  const head = await readCsvHeader(path, { encoding: options.encoding, delimiter: dialect.delimiter });
  if (head.status !== 'header') return unsure;
  if (options.format === 'auto' && detectOrderLayout(head.names) !== genericOrders) return unsure;
  const columns = resolveColumns(
    head.names,
    GENERIC_ORDER_IMPORT_FIELDS,
    options.map,
    undefined,
    new IssueCollector(1),
  );
  if (columns === null) return unsure;
  for (const [field, index] of columns.index) {
    if (index !== -1 && !SCANNED_ORDER_FIELDS.has(field)) return unsure;
  }
  const at = (field: string): number => columns.index.get(field) ?? -1;
  const layout: GenericOrderLayout = {
    fieldCount: head.names.length,
    delimiter: dialect.delimiter.charCodeAt(0),
    decimal: dialect.decimal,
    customerColumn: at('customer_id'),
    orderIdColumn: at('order_id'),
    orderedAtColumn: at('ordered_at'),
    amountColumn: at('amount'),
    currencyColumn: at('currency'),
    attributeColumns: [],
    importChecks: true,
    names: { customer: 'customer_id', orderedAt: 'ordered_at', amount: 'amount', currency: 'currency' },
  };
  let instants: InstantParser;
  try {
    instants = new InstantParser(options.timeZone, dialect.dateFormat);
  } catch {
    return unsure;
  }
  const read = await scanGenericOrders(path, head, layout, instants, {
    timeZone: options.timeZone,
    maxIssues: 1,
    onProgress: options.onProgress,
    offThread: options.offThread === true,
  });
  if (read.status !== 'read' || read.unsure || read.issues.count > 0 || read.scanned.records === 0)
    return unsure;
  return {
    verdict: 'valid',
    records: read.scanned.records,
    header: head.names,
    columns: Object.fromEntries(columns.headerName),
    currencies: read.scanned.currencies.map((currency) => currency.code),
  };
}
