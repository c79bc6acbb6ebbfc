/**
 * The order report on two threads: the report's parts are independent (`orderReportParts`), so a
 * worker thread computes some of them while this thread computes the others, over the same columns
 * shared through SharedArrayBuffers. The result is `analyzeOrders`' result exactly — the same
 * functions on the same data, assembled by `assembleOrderReport` (a test compares them).
 *
 * Worth it only for large tables: a worker costs a few tens of milliseconds to start, and a table
 * whose columns are not shared yet is copied once (~20 bytes a row).
 */
import type {
  CategoricalColumn,
  OrderReportPart,
  OrderReportParts,
  OrderTable,
  ReportOptions,
  RetentionReport,
} from '../core/index.js';
import { startWorkerModule } from './worker-module.js';

/**
 * The core's report functions, loaded on first use: `runtime/index.ts` is imported by threads that
 * never compute a report (an import's reader and check threads), and the whole core takes
 * ≈ 200 ms to load (src/core/light.ts).
 */
const reportCore = () => import('../core/index.js');

/**
 * The parts the worker computes; this thread computes the rest. Chosen by measuring the parts on
 * 10 M orders (bench/analyze): retention ≈ 30 %, rfm ≈ 28 %, cohorts ≈ 19 %, clv ≈ 14 %,
 * orders ≈ 7 % of the compute time, so {retention, clv, orders} and {cohorts, rfm} are near halves,
 * and this thread's half is the one with no worker start-up to wait for.
 */
export const WORKER_PARTS: readonly OrderReportPart[] = ['retention', 'clv', 'orders'];
const MAIN_PARTS: readonly OrderReportPart[] = ['cohorts', 'rfm'];

/** Below this many rows one thread is faster than starting a worker. */
export const PARALLEL_MIN_ROWS = 1_000_000;

/** What the worker is sent: the table's columns (shared) and what to compute. */
export interface ReportPartsRequest {
  readonly length: number;
  readonly customer: Int32Array;
  readonly orderedAt: Float64Array;
  readonly amountCents: Float64Array;
  readonly customerCount: number;
  readonly attributes: readonly (readonly [name: string, column: CategoricalColumn])[];
  readonly options: ReportOptions;
  readonly parts: readonly OrderReportPart[];
}

export type ReportPartsResponse =
  | { readonly ok: true; readonly parts: OrderReportParts }
  | { readonly ok: false; readonly message: string };

/**
 * The worker's table. The report's parts read `customerIds` only for its length (the customer
 * count), so the ids themselves (a million strings would take longer to post than to use) stay on
 * the main thread and the worker gets an empty array of the right length.
 */
export function tableFromRequest(request: ReportPartsRequest): OrderTable {
  return {
    length: request.length,
    customer: request.customer,
    orderedAt: request.orderedAt,
    amountCents: request.amountCents,
    customerIds: new Array<string>(request.customerCount),
    attributes: new Map(request.attributes),
  };
}

/** `column` itself when it lives on a SharedArrayBuffer, else a shared copy. O(length) to copy. */
function shared<Column extends Int32Array | Float64Array>(column: Column): Column {
  if (column.buffer instanceof SharedArrayBuffer) return column;
  const Constructor = column.constructor as new (buffer: SharedArrayBuffer) => Column;
  const copy = new Constructor(new SharedArrayBuffer(column.byteLength));
  copy.set(column);
  return copy;
}

export interface ThreadOptions {
  /** 2 (default): use a worker thread for tables of `minRows` rows or more; 1: never. */
  readonly threads?: 1 | 2;
  /** Smallest table computed on two threads; default `PARALLEL_MIN_ROWS` (tests lower it). */
  readonly minRows?: number;
}

/**
 * `orderReportParts(orders, options, parts)` computed in a new worker thread. Rejects when the
 * worker cannot start, fails or exits without answering. The columns are shared with the worker
 * (copied once into SharedArrayBuffers unless they are there already).
 */
export async function orderReportPartsInWorker(
  orders: OrderTable,
  options: ReportOptions,
  parts: readonly OrderReportPart[],
): Promise<OrderReportParts> {
  const worker = startWorkerModule('./report-worker', import.meta.url);
  try {
    const answer = new Promise<ReportPartsResponse>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new Error(`The report worker exited (${code}) without answering.`)),
      );
    });
    const request: ReportPartsRequest = {
      length: orders.length,
      customer: shared(orders.customer),
      orderedAt: shared(orders.orderedAt),
      amountCents: shared(orders.amountCents),
      customerCount: orders.customerIds.length,
      attributes: [...orders.attributes].map(([name, column]) => [
        name,
        { labels: column.labels, codes: shared(column.codes) },
      ]),
      options,
      parts,
    };
    worker.postMessage(request);
    const response = await answer;
    if (!response.ok) throw new Error(response.message);
    return response.parts;
  } finally {
    void worker.terminate();
  }
}

/**
 * `analyzeOrders(orders, options)`, computed on two threads when the table is large (see the
 * module comment). If the worker cannot start or fails, its parts are computed here instead, so an
 * error in the data surfaces exactly as `analyzeOrders` throws it.
 *
 * Example: `const report = await analyzeOrdersOnThreads(read.table, { period: 'month' });`
 */
export async function analyzeOrdersOnThreads(
  orders: OrderTable,
  options: ReportOptions = {},
  threadOptions: ThreadOptions = {},
): Promise<RetentionReport> {
  const { analyzeOrders, assembleOrderReport, orderReportParts } = await reportCore();
  const minRows = Math.max(1, threadOptions.minRows ?? PARALLEL_MIN_ROWS);
  if ((threadOptions.threads ?? 2) < 2 || orders.length < minRows) return analyzeOrders(orders, options);
  // Started first so that the worker boots while this thread computes its own parts.
  const remote = orderReportPartsInWorker(orders, options, WORKER_PARTS).catch(() => null);
  const here = orderReportParts(orders, options, MAIN_PARTS);
  const there = (await remote) ?? orderReportParts(orders, options, WORKER_PARTS);
  return assembleOrderReport(orders, options, { ...here, ...there });
}
