/** Node-side runtime for the core: worker threads, the report computed on two of them, a worker pool. */
export {
  analyzeOrdersOnThreads,
  orderReportPartsInWorker,
  PARALLEL_MIN_ROWS,
  type ThreadOptions,
} from './report-threads.js';
export { startWorkerModule } from './worker-module.js';
export {
  PoolClosedError,
  type PoolStats,
  serveTasks,
  TaskAbortedError,
  type TaskOptions,
  type TaskRequest,
  type TaskResponse,
  TaskTimeoutError,
  WorkerPool,
  type WorkerPoolOptions,
  WorkerTaskError,
} from './worker-pool.js';
