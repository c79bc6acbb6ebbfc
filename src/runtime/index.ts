/** Node-side runtime for the core: worker threads, and the report computed on two of them. */
export {
  analyzeOrdersOnThreads,
  orderReportPartsInWorker,
  PARALLEL_MIN_ROWS,
  type ThreadOptions,
} from './report-threads.js';
export { startWorkerModule } from './worker-module.js';
