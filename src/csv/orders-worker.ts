/**
 * Worker thread of the generic orders reader: scans one byte range of the file (from a line start
 * to the end of the file) with its own `OrderScanner`, posting progress, then its columns (their
 * buffers transferred, not copied), its local customer ids and its issues with lines counted from
 * the range's first line (1). The main thread merges them (`generic-orders.ts`).
 */
import { parentPort } from 'node:worker_threads';
import { IssueCollector } from './csv-issue.js';
import { InstantParser } from './instant-parser.js';
import { type OrdersRangeRequest, type OrdersRangeResponse, scanRange } from './order-ranges.js';
import { OrderScanner } from './order-scanner.js';

const port = parentPort;
if (port === null) throw new Error('orders-worker.ts runs as a worker thread');

port.once('message', async (request: OrdersRangeRequest) => {
  const issues = new IssueCollector(request.maxIssues);
  const scanner = new OrderScanner(
    request.layout,
    new InstantParser(request.timeZone, request.dateFormat),
    issues,
    1,
    1 << 16,
  );
  let lastPosted = 0;
  const outcome = await scanRange(request.path, request.fromByte, request.toByte, scanner, true, (bytes) => {
    if (bytes - lastPosted >= 8 << 20) {
      lastPosted = bytes;
      port.postMessage({ type: 'progress', bytes } satisfies OrdersRangeResponse);
    }
  });
  const scanned = scanner.finish(false);
  const response: OrdersRangeResponse = {
    type: 'done',
    outcome,
    scanned,
    issues: issues.list(),
    unsure: scanner.unsure,
  };
  // The columns' buffers are plain ArrayBuffers (never shared): transfer them instead of copying.
  const keys = scanned.customerKeys!;
  const buffers = [scanned.customer, scanned.orderedAt, scanned.amountCents, keys.starts]
    .concat(scanned.attributes.map((attribute) => attribute.codes))
    .map((column) => column.buffer as ArrayBuffer)
    .concat(keys.bytes.buffer as ArrayBuffer);
  port.postMessage(response, buffers);
});
