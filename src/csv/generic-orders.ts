import type { Worker } from 'node:worker_threads';
import { startWorkerModule } from '../runtime/index.js';
import { IssueCollector } from './csv-issue.js';
import type { InstantParser } from './instant-parser.js';
import {
  findSplit,
  type OrdersRangeRequest,
  type OrdersRangeResponse,
  PARALLEL_MIN_BYTES,
  scanRange,
} from './order-ranges.js';
import { distinctIds, type GenericOrderLayout, OrderScanner, type ScannedOrders } from './order-scanner.js';
import { type CurrencyCount, reportMixedCurrencies } from './reader-support.js';

/** Where the data of a file lies (from `readCsvHeader`). */
export interface DataExtent {
  readonly dataByte: number;
  readonly dataLine: number;
  readonly totalBytes: number;
}

export interface ScanOptions {
  readonly timeZone: string;
  readonly maxIssues: number;
  readonly onProgress?: ((bytesRead: number, totalBytes: number) => void) | undefined;
  /**
   * 1 forces one thread; 2 (default) reads a file of ≥ 32 MB of data in two halves, the second in
   * a worker thread, when the split is safe.
   */
  readonly threads?: number;
  /** Smallest data size read on two threads; default `PARALLEL_MIN_BYTES` (tests lower it). */
  readonly parallelMinBytes?: number;
  /**
   * A check only (`layout.importChecks`: no table is built): read the whole file in one worker
   * thread, so this thread stays free meanwhile (the import writes its first batches while its file
   * is checked); on this thread if the worker cannot run. Ignored when a table is built.
   */
  readonly offThread?: boolean;
}

export type ScanResult =
  | {
      readonly status: 'read';
      readonly scanned: ScannedOrders;
      readonly issues: IssueCollector;
      /** Threads that read the file (1 when the two-thread read was not tried or was redone). */
      readonly threads: 1 | 2;
      /** With `layout.importChecks`: the scan stopped at a record the import might refuse. */
      readonly unsure: boolean;
    }
  | { readonly status: 'unreadable'; readonly reason: string }
  | { readonly status: 'invalid-utf8'; readonly byte: number; readonly message: string };

/**
 * Reads the data rows of a generic orders file into columns, on one thread or two.
 *
 * Two threads: the data is split near its middle at a line start (`findSplit`); a worker scans the
 * second half while this thread scans the first; then the worker's customers are mapped to global
 * indices (one lookup per distinct id of the worker, then a typed-array remap of its customer
 * column) and its columns appended. The result is identical to the one-thread read: customers in
 * order of first appearance in the file, rows in file order, issues on the same lines (the worker's
 * lines are shifted by the first half's line count), a second currency found across the halves
 * reported on its line. Ids are interned as bytes and decoded at the end (`distinctIds` merges the
 * ones that decode alike). If the first half does not end at a record's end (a quoted field spans the
 * split), the second half's first record continues the first half's last order (same order id), or
 * the worker fails, the file is read again on one thread.
 *
 * O(file size) time; memory ~20 bytes a row (plus a copy of the columns while merging).
 */
export async function scanGenericOrders(
  path: string,
  extent: DataExtent,
  layout: GenericOrderLayout,
  instants: InstantParser,
  options: ScanOptions,
): Promise<ScanResult> {
  const { dataByte, totalBytes } = extent;
  if (options.offThread === true && layout.importChecks === true) {
    const result = await checkInWorker(path, extent, layout, instants, options);
    if (result !== null) return result;
  }
  if (
    (options.threads ?? 2) >= 2 &&
    totalBytes - dataByte >= (options.parallelMinBytes ?? PARALLEL_MIN_BYTES)
  ) {
    const split = await findSplit(path, dataByte, totalBytes);
    if (split !== -1) {
      const result = await scanInTwo(path, extent, split, layout, instants, options);
      if (result !== null) return result;
    }
  }
  const issues = new IssueCollector(options.maxIssues);
  const scanner = new OrderScanner(layout, instants, issues, extent.dataLine, 1 << 16);
  const outcome = await scanRange(path, dataByte, totalBytes, scanner, true, (bytes) =>
    options.onProgress?.(dataByte + bytes, totalBytes),
  );
  if (outcome.status !== 'read') return outcome;
  options.onProgress?.(totalBytes, totalBytes);
  const scanned = scanner.finish();
  reportMixedCurrencies(issues, scanned.currencies, layout.names.currency, 'order');
  return { status: 'read', scanned: distinctIds(scanned), issues, threads: 1, unsure: scanner.unsure };
}

type RangeDone = Extract<OrdersRangeResponse, { type: 'done' }>;

/**
 * Starts a worker scanning the file from `fromByte` (a line start) to its end (`orders-worker.ts`):
 * `done` is its result, or null when the worker failed; `stop` ends the thread. Null when no worker
 * could start.
 */
function scanRestInWorker(
  path: string,
  fromByte: number,
  totalBytes: number,
  layout: GenericOrderLayout,
  instants: InstantParser,
  options: ScanOptions,
  onBytes: (bytes: number) => void,
): { readonly done: Promise<RangeDone | null>; stop(): void } | null {
  let worker: Worker;
  try {
    worker = startWorkerModule('./orders-worker', import.meta.url);
  } catch {
    return null;
  }
  const done = new Promise<RangeDone | null>((resolve) => {
    worker.on('message', (message: OrdersRangeResponse) => {
      if (message.type === 'progress') onBytes(message.bytes);
      else resolve(message);
    });
    worker.once('error', () => resolve(null));
    worker.once('exit', () => resolve(null));
  });
  const request: OrdersRangeRequest = {
    path,
    fromByte,
    toByte: totalBytes,
    layout,
    timeZone: instants.timeZone,
    dateFormat: instants.dateFormat,
    maxIssues: options.maxIssues,
  };
  worker.postMessage(request);
  return { done, stop: () => void worker.terminate() };
}

/** The check-only read of the whole file in one worker (`ScanOptions.offThread`); null: redo here. */
async function checkInWorker(
  path: string,
  extent: DataExtent,
  layout: GenericOrderLayout,
  instants: InstantParser,
  options: ScanOptions,
): Promise<ScanResult | null> {
  const { dataByte, totalBytes } = extent;
  const worker = scanRestInWorker(path, dataByte, totalBytes, layout, instants, options, (bytes) =>
    options.onProgress?.(dataByte + bytes, totalBytes),
  );
  if (worker === null) return null;
  try {
    const result = await worker.done;
    if (result === null) return null;
    if (result.outcome.status !== 'read') return result.outcome;
    const issues = new IssueCollector(options.maxIssues);
    addSecondHalfIssues(issues, result, extent.dataLine - 1);
    reportMixedCurrencies(issues, result.scanned.currencies, layout.names.currency, 'order');
    options.onProgress?.(totalBytes, totalBytes);
    // A check builds no table: there are no customer ids to decode.
    return { status: 'read', scanned: result.scanned, issues, threads: 1, unsure: result.unsure };
  } finally {
    worker.stop();
  }
}

/** The two-thread read; null when it must be redone on one thread. */
async function scanInTwo(
  path: string,
  extent: DataExtent,
  split: number,
  layout: GenericOrderLayout,
  instants: InstantParser,
  options: ScanOptions,
): Promise<ScanResult | null> {
  const { dataByte, totalBytes } = extent;
  let mainBytes = 0;
  let workerBytes = 0;
  const report = (): void => options.onProgress?.(dataByte + mainBytes + workerBytes, totalBytes);
  const worker = scanRestInWorker(path, split, totalBytes, layout, instants, options, (bytes) => {
    workerBytes = bytes;
    report();
  });
  if (worker === null) return null;
  const done = worker.done;

  try {
    const issues = new IssueCollector(options.maxIssues);
    const scanner = new OrderScanner(layout, instants, issues, extent.dataLine, 1 << 16);
    const outcome = await scanRange(path, dataByte, split, scanner, false, (bytes) => {
      mainBytes = bytes;
      report();
    });
    if (outcome.status !== 'read') return outcome;
    if (scanner.stopped) {
      // Issues are full, or (import checks) the scan gave up.
      return {
        status: 'read',
        scanned: distinctIds(scanner.finish()),
        issues,
        threads: 2,
        unsure: scanner.unsure,
      };
    }
    if (!outcome.endsAtRecord) return null;

    // The ids' strings are made while the worker may still be reading.
    const splitLine = scanner.line;
    const first = scanner.finish();
    const second = await done;
    if (second === null) return null;
    if (second.outcome.status !== 'read') return second.outcome;
    // The second half must start a new order, not continue the first half's last one.
    const [last, next] = [first.lastOrderId, second.scanned.firstOrderId];
    if (last !== null && next !== null && Buffer.compare(last, next) === 0) return null;
    const merged = mergeSecondHalf(scanner, first, second.scanned, splitLine - 1);
    addSecondHalfIssues(issues, second, splitLine - 1);
    reportMixedCurrencies(issues, merged.currencies, layout.names.currency, 'order');
    options.onProgress?.(totalBytes, totalBytes);
    return { status: 'read', scanned: distinctIds(merged), issues, threads: 2, unsure: second.unsure };
  } finally {
    worker.stop();
  }
}

/**
 * The first half's result followed by the second's: the second half's customer ids (their bytes) are
 * looked up (or added, in their order of first appearance) in the first half's interner, its customer column
 * remapped through that table; attribute labels likewise. O(rows + distinct ids of the second half).
 * The merged columns are allocated on SharedArrayBuffers: a table this large is then analysed on
 * two threads (`analyzeOrdersOnThreads`), which shares such columns instead of copying them.
 */
function mergeSecondHalf(
  scanner: OrderScanner,
  first: ScannedOrders,
  second: ScannedOrders,
  lineShift: number,
): ScannedOrders {
  const length = first.length + second.length;
  const customerMap =
    second.customerKeys === null
      ? globalIndexes(second.customerIds, (id) => scanner.customerInterner.indexOf(id))
      : scanner.customerInterner.internAll(second.customerKeys);
  const customer = new Int32Array(new SharedArrayBuffer(length * 4));
  customer.set(first.customer);
  const secondCustomer = second.customer;
  for (let row = 0; row < second.length; row++) {
    customer[first.length + row] = customerMap[secondCustomer[row]!]!;
  }
  const concat = (a: Float64Array, b: Float64Array): Float64Array => {
    const column = new Float64Array(new SharedArrayBuffer(length * 8));
    column.set(a);
    column.set(b, a.length);
    return column;
  };
  const attributes = first.attributes.map((attribute, index) => {
    const interner = scanner.attributeInterner(index);
    const secondAttribute = second.attributes[index]!;
    const labelMap = globalIndexes(secondAttribute.labels, (label) => interner.indexOf(label));
    const codes = new Int32Array(new SharedArrayBuffer(length * 4));
    codes.set(attribute.codes);
    for (let row = 0; row < second.length; row++) {
      codes[first.length + row] = labelMap[secondAttribute.codes[row]!]!;
    }
    return { labels: interner.ids, codes };
  });
  return {
    length,
    records: first.records + second.records,
    customer,
    orderedAt: concat(first.orderedAt, second.orderedAt),
    amountCents: concat(first.amountCents, second.amountCents),
    customerIds: scanner.customerInterner.ids,
    customerKeys: null,
    attributes,
    firstOrderAt: Math.min(first.firstOrderAt, second.firstOrderAt),
    lastOrderAt: Math.max(first.lastOrderAt, second.lastOrderAt),
    currencies: mergeCurrencies(first.currencies, second.currencies, lineShift),
    firstOrderId: first.firstOrderId,
    lastOrderId: second.lastOrderId,
  };
}

function globalIndexes(localIds: readonly string[], indexOf: (id: string) => number): Int32Array {
  const map = new Int32Array(localIds.length);
  for (let local = 0; local < localIds.length; local++) map[local] = indexOf(localIds[local]!);
  return map;
}

/** The currencies of both halves: counts added, the second half's lines shifted by `lineShift`. */
function mergeCurrencies(
  first: readonly CurrencyCount[],
  second: readonly CurrencyCount[],
  lineShift: number,
): CurrencyCount[] {
  const merged = new Map(first.map((currency) => [currency.code, { ...currency }]));
  for (const currency of second) {
    const known = merged.get(currency.code);
    if (known === undefined) merged.set(currency.code, { ...currency, first: currency.first + lineShift });
    else known.rows += currency.rows;
  }
  return [...merged.values()];
}

/**
 * Adds the worker's issues (lines shifted by `lineShift`) after the first half's, as one thread
 * would have found them: in line order, up to the limit.
 */
function addSecondHalfIssues(
  issues: IssueCollector,
  second: Extract<OrdersRangeResponse, { type: 'done' }>,
  lineShift: number,
): void {
  const candidates = [];
  for (const issue of second.issues) {
    const line = issue.record + lineShift;
    // A field-count message names its line ("line 12 has 3 fields…"): the worker's local one.
    const message =
      issue.code === 'field-count' ? issue.message.replace(/^line \d+ /u, `line ${line} `) : issue.message;
    candidates.push({ ...issue, record: line, message });
  }
  candidates.sort((a, b) => a.record - b.record);
  for (const issue of candidates) issues.add(issue.record, issue.column, issue.code, issue.message);
}
