/**
 * Worker thread of `analyzeOrdersOnThreads`: computes the report parts it is asked for on the
 * table it is sent (columns on SharedArrayBuffers: shared, not copied) and posts them back.
 */
import { parentPort } from 'node:worker_threads';
import { orderReportParts } from '../core/index.js';
import { type ReportPartsRequest, type ReportPartsResponse, tableFromRequest } from './report-threads.js';

const port = parentPort;
if (port === null) throw new Error('report-worker.ts runs as a worker thread');

port.once('message', (request: ReportPartsRequest) => {
  let response: ReportPartsResponse;
  try {
    response = {
      ok: true,
      parts: orderReportParts(tableFromRequest(request), request.options, request.parts),
    };
  } catch (error) {
    response = { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(response);
});
