import {
  type CategoricalColumn,
  fail,
  type OrderTable,
  OrderTableBuilder,
  ok,
  type Result,
} from '../core/index.js';
import { amountProblem, parseAmountCents } from './amount.js';
import { type FieldSpec, hasColumns, type ResolvedColumns, resolveColumns } from './columns.js';
import { type CsvIssue, IssueCollector } from './csv-issue.js';
import { readCsvHeader, recordLines, streamCsv } from './csv-stream.js';
import { scanGenericOrders } from './generic-orders.js';
import { dateProblem, InstantParser } from './instant-parser.js';
import type { GenericOrderLayout } from './order-scanner.js';
import {
  CurrencyCheck,
  CustomerInterner,
  optionIssue,
  SkipCounter,
  streamFailure,
} from './reader-support.js';

export interface ReadOrdersOptions {
  /** IANA zone for date-times written without an offset; default `UTC`. */
  readonly timeZone?: string;
  /** `auto` (default) recognises a Shopify orders export by its header, else reads the generic layout. */
  readonly format?: 'auto' | 'generic' | 'shopify';
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
}

/** What `readOrdersCsv` returns: the table and what was learnt about the file. */
export interface OrdersFile {
  readonly table: OrderTable;
  readonly format: 'generic' | 'shopify';
  /** The file's currency (ISO code, upper case) when it has a currency column, else null. */
  readonly currency: string | null;
  /** Rows in the table (orders, and refund rows with a negative amount). */
  readonly rows: number;
  /** Orders left out on purpose, by reason (e.g. Shopify's refunded or voided orders). */
  readonly skipped: { readonly reason: string; readonly count: number }[];
  /** Earliest and latest `orderedAt` of the table (epoch ms). */
  readonly firstOrderAt: number;
  readonly lastOrderAt: number;
  /** Threads that read the rows: 2 when a large generic file was read in two halves, else 1. */
  readonly threads: 1 | 2;
}

const GENERIC_FIELDS: readonly FieldSpec[] = [
  { field: 'customer_id', headers: ['customer_id'], required: true },
  { field: 'order_id', headers: ['order_id'], required: false },
  { field: 'ordered_at', headers: ['ordered_at'], required: true },
  { field: 'amount', headers: ['amount'], required: true },
  { field: 'currency', headers: ['currency'], required: false },
];

/** Shopify's orders export (Admin → Orders → Export), one line per line item. */
const SHOPIFY_FIELDS: readonly FieldSpec[] = [
  { field: 'order_id', headers: ['name'], required: true },
  { field: 'customer_id', headers: ['email'], required: true },
  { field: 'financial_status', headers: ['financial status'], required: true },
  { field: 'amount', headers: ['total'], required: true },
  { field: 'refunded_amount', headers: ['refunded amount'], required: false },
  { field: 'ordered_at', headers: ['created at'], required: true },
  { field: 'currency', headers: ['currency'], required: false },
];
/** Number of fixed columns a merged Shopify order keeps before its attribute columns. */
const SHOPIFY_TRACKED = 7;
const SHOPIFY_SIGNATURE = ['name', 'email', 'financial status', 'total', 'created at'];
/** Financial statuses whose orders brought no money: left out, and counted in `skipped`. */
const SHOPIFY_EXCLUDED_STATUSES = new Set(['refunded', 'voided', 'expired']);

/**
 * Reads an orders CSV into an `OrderTable`, streaming the file (never loaded whole).
 *
 * Layouts (recognised by header, case-insensitive; `format` forces one):
 * - generic: `customer_id, order_id, ordered_at, amount[, currency]`, one row per order; a negative
 *   amount is a refund row. `order_id` is optional and not deduplicated: a set of 10 M ids would
 *   cost hundreds of MB, and exports do not repeat orders.
 * - Shopify orders export: consecutive lines with the same `Name` are one order whose totals are on
 *   its first line; customer = `Email` (an order without one is skipped and counted); `refunded`,
 *   `voided` and `expired` orders are skipped and counted; amount = `Total` − `Refunded Amount`.
 *
 * Amounts become exact integer cents (`parseAmountCents`); dates are read by `InstantParser` in
 * `timeZone` when they carry no offset. Any problem (missing column, unreadable value, several
 * currencies, no rows) makes the result `{ ok: false, error: issues }` — never a partial table.
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
  let instants: InstantParser;
  try {
    instants = new InstantParser(timeZone);
  } catch (error) {
    return fail([optionIssue(path, 'invalid-time-zone', (error as Error).message)]);
  }
  const requested = options.format ?? 'auto';
  if (requested !== 'auto' && requested !== 'generic' && requested !== 'shopify') {
    return fail([
      optionIssue(
        path,
        'invalid-format',
        `unknown orders format "${String(requested)}": use auto, generic or shopify`,
      ),
    ]);
  }

  const head = await readCsvHeader(path);
  if (head.status !== 'header') return fail([streamFailure(path, head)]);
  const format =
    requested === 'auto' ? (hasColumns(head.names, SHOPIFY_SIGNATURE) ? 'shopify' : 'generic') : requested;
  if (format === 'shopify') return readShopifyOrders(path, options, issues, instants);

  const columns = resolveColumns(head.names, GENERIC_FIELDS, options.map, options.attributes, issues);
  if (columns === null) return fail(issues.resolve(path, () => head.headerLine));
  const at = (field: string): number => columns.index.get(field) ?? -1;
  const nameOf = (field: string): string => columns.headerName.get(field) ?? field;
  const layout: GenericOrderLayout = {
    fieldCount: head.names.length,
    customerColumn: at('customer_id'),
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
    timeZone,
    maxIssues: issues.limit,
    onProgress: options.onProgress,
    threads: options.threads ?? 2,
    ...(options.parallelMinBytes === undefined ? {} : { parallelMinBytes: options.parallelMinBytes }),
  });
  if (read.status !== 'read') return fail([streamFailure(path, read)]);
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
    currency: scanned.currency?.value ?? null,
    rows: scanned.length,
    skipped: [],
    firstOrderAt: scanned.firstOrderAt,
    lastOrderAt: scanned.lastOrderAt,
    threads: read.threads,
  });
}

/**
 * The Shopify layout, read through `streamCsv` (uDSV): consecutive lines with the same `Name` are
 * merged into one order (see `readOrdersCsv`). Exports of this kind are far smaller than generic
 * exports, so this path keeps the simpler row-array parser.
 */
async function readShopifyOrders(
  path: string,
  options: ReadOrdersOptions,
  issues: IssueCollector,
  instants: InstantParser,
): Promise<Result<OrdersFile, CsvIssue[]>> {
  const builder = new OrderTableBuilder(1 << 16);
  const customers = new CustomerInterner(builder);
  const currency = new CurrencyCheck(issues);
  const skipped = new SkipCounter();
  let columns: ResolvedColumns | null = null;
  let firstOrderAt = Number.POSITIVE_INFINITY;
  let lastOrderAt = Number.NEGATIVE_INFINITY;
  let attributeLabels: Map<string, string>[] = [];

  // Column indexes, set from the header (−1 when absent).
  let customerColumn = -1;
  let orderedAtColumn = -1;
  let amountColumn = -1;
  let currencyColumn = -1;
  let nameColumn = -1;
  let statusColumn = -1;
  let refundedColumn = -1;
  let attributeNames: string[] = [];
  let attributeColumns: number[] = [];

  const columnName = (field: string): string => columns?.headerName.get(field) ?? field;

  /** Appends one order; the shared tail of both layouts. */
  const addOrder = (
    customerId: string,
    orderedAt: number,
    amountCents: number,
    source: readonly string[],
    attributeIndexes: readonly number[],
  ): void => {
    builder.addIndexed(customers.indexOf(customerId), orderedAt, amountCents);
    if (orderedAt < firstOrderAt) firstOrderAt = orderedAt;
    if (orderedAt > lastOrderAt) lastOrderAt = orderedAt;
    if (attributeNames.length > 0) {
      const row = builder.length - 1;
      for (let attribute = 0; attribute < attributeNames.length; attribute++) {
        const labels = attributeLabels[attribute]!;
        const value = source[attributeIndexes[attribute]!] ?? '';
        let label = labels.get(value);
        if (label === undefined) {
          label = ` ${value}`.slice(1); // detached from the chunk (see `detach`)
          labels.set(label, label);
        }
        builder.setAttribute(row, attributeNames[attribute]!, label);
      }
    }
  };

  const amountIssue = (record: number, field: string, text: string): void => {
    if (text.trim() === '') {
      issues.add(record, columnName(field), 'missing-value', 'the amount is blank');
      return;
    }
    const problem = amountProblem(text);
    issues.add(
      record,
      columnName(field),
      problem?.code ?? 'invalid-amount',
      `cannot read "${text}" as an amount${problem?.reason ? `: ${problem.reason}` : ''}`,
    );
  };
  const dateIssue = (record: number, field: string, text: string): void => {
    if (text.trim() === '') {
      issues.add(record, columnName(field), 'missing-value', 'the date is blank');
      return;
    }
    issues.add(
      record,
      columnName(field),
      'invalid-date',
      `cannot read "${text}" as a date: ${dateProblem(text).reason}`,
    );
  };

  // --- Shopify layout: consecutive lines of one order merged ------------------------------------
  let pending: string[] | null = null; // the order being merged: one value per tracked column
  let pendingRecord = 0;
  let trackedColumns: number[] = [];
  let pendingAttributeSlots: number[] = [];
  const finishShopifyOrder = (): void => {
    if (pending === null) return;
    const order = pending;
    const record = pendingRecord;
    pending = null;
    const [, email = '', status = '', total = '', refunded = '', createdAt = '', currencyText = ''] = order;
    const customerId = email.trim().toLowerCase();
    if (customerId === '') {
      skipped.add('no customer email');
      return;
    }
    const financialStatus = status.trim().toLowerCase();
    if (SHOPIFY_EXCLUDED_STATUSES.has(financialStatus)) {
      skipped.add(financialStatus);
      return;
    }
    const totalCents = parseAmountCents(total);
    const refundedCents = refunded.trim() === '' ? 0 : parseAmountCents(refunded);
    const orderedAt = instants.parse(createdAt);
    if (Number.isNaN(totalCents)) amountIssue(record, 'amount', total);
    if (Number.isNaN(refundedCents)) amountIssue(record, 'refunded_amount', refunded);
    if (Number.isNaN(orderedAt)) dateIssue(record, 'ordered_at', createdAt);
    if (currencyColumn !== -1) currency.check(currencyText, record, columnName('currency'));
    if (issues.count > 0) return;
    addOrder(customerId, orderedAt, totalCents - refundedCents, order, pendingAttributeSlots);
  };
  const shopifyRow = (fields: string[], record: number): boolean => {
    const name = fields[nameColumn] ?? '';
    if (pending !== null && name === pending[0]) {
      // A further line item: fill what the first line left blank (usually nothing).
      for (let slot = 1; slot < trackedColumns.length; slot++) {
        if (pending[slot] === '') {
          const index = trackedColumns[slot]!;
          if (index !== -1) pending[slot] = fields[index] ?? '';
        }
      }
      return true;
    }
    finishShopifyOrder();
    pending = trackedColumns.map((index) => (index === -1 ? '' : (fields[index] ?? '')));
    pendingRecord = record;
    return !issues.full;
  };

  const outcome = await streamCsv(
    path,
    {
      header: (names) => {
        columns = resolveColumns(names, SHOPIFY_FIELDS, options.map, options.attributes, issues);
        if (columns === null) return false;
        const at = (field: string): number => columns!.index.get(field) ?? -1;
        customerColumn = at('customer_id');
        orderedAtColumn = at('ordered_at');
        amountColumn = at('amount');
        currencyColumn = at('currency');
        nameColumn = at('order_id');
        statusColumn = at('financial_status');
        refundedColumn = at('refunded_amount');
        attributeNames = columns.attributes.map((attribute) => attribute.name);
        attributeColumns = columns.attributes.map((attribute) => attribute.index);
        attributeLabels = attributeNames.map(() => new Map<string, string>());
        for (const name of attributeNames) builder.addAttribute(name);
        // The merged Shopify order keeps these columns, in this order, then the attributes.
        trackedColumns = [
          nameColumn,
          customerColumn,
          statusColumn,
          amountColumn,
          refundedColumn,
          orderedAtColumn,
          currencyColumn,
          ...attributeColumns,
        ];
        pendingAttributeSlots = attributeColumns.map((_, attribute) => SHOPIFY_TRACKED + attribute);
        return true;
      },
      row: shopifyRow,
    },
    options.onProgress,
  );
  if (!issues.full) finishShopifyOrder();

  if (outcome.status !== 'read') return fail([streamFailure(path, outcome)]);
  if (issues.count === 0 && builder.length === 0) {
    if (outcome.records === 0) issues.add(0, null, 'no-rows', 'the file has a header but no rows');
    else issues.add(0, null, 'no-rows', `no order is left to read: ${skipped.describe()}`);
  }
  if (issues.count > 0) {
    const lines = await recordLines(path, issues.records());
    return fail(issues.resolve(path, (record) => lines.get(record) ?? 1));
  }
  const rows = builder.length;
  return ok({
    table: builder.build(),
    format: 'shopify',
    currency: currency.value,
    rows,
    skipped: skipped.list(),
    firstOrderAt,
    lastOrderAt,
    threads: 1,
  });
}
