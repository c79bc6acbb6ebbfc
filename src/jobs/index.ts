/** The durable job queue (stored in the database) and its worker. */
export {
  type BackoffOptions,
  type ClaimedJob,
  type ClaimOptions,
  claim,
  complete,
  completeWith,
  DEFAULT_MAX_ATTEMPTS,
  type EnqueueInput,
  enqueue,
  extendLease,
  type FailOptions,
  fail,
  getJob,
  type Job,
  type JobLease,
  JobLeaseLostError,
  type LeaseOptions,
  type ListJobsOptions,
  listJobs,
  retryDelayMs,
} from './job-queue.js';
export { type JobContext, type JobHandler, Worker, type WorkerOptions } from './worker.js';
