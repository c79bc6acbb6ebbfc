/**
 * A worker process for the crash-recovery test (src/jobs/crash-recovery.test.ts). Environment:
 * - CHILD_DATABASE_URL: the test database (with `?schema=` on PostgreSQL);
 * - CHILD_MODE: `hang` writes the effect inside `completeWith`, prints EFFECT_WRITTEN and never
 *   commits (the parent then kills it with SIGKILL); `finish` runs until CHILD_JOB_ID succeeded;
 * - CHILD_JOB_TYPE, CHILD_WORKSPACE_ID, CHILD_JOB_ID, CHILD_LOCK_MS.
 * Every handler start prints `STARTED attempt=<n>`, so the parent can count runs.
 */
import { openDatabase } from '../../../src/db/index.js';
import { getJob, Worker } from '../../../src/jobs/index.js';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

const mode = required('CHILD_MODE');
const workspaceId = Number(required('CHILD_WORKSPACE_ID'));
const jobId = Number(required('CHILD_JOB_ID'));
const connection = openDatabase(required('CHILD_DATABASE_URL'));
type EffectTable = { workspace_id: number; job_id: number; attempt: number };

const worker = new Worker({
  db: connection.db,
  workerId: `child-${mode}-${process.pid}`,
  lockMs: Number(required('CHILD_LOCK_MS')),
  pollIntervalMs: 25,
  handlers: {
    [required('CHILD_JOB_TYPE')]: async (job, context) => {
      process.stdout.write(`STARTED attempt=${job.attempts}\n`);
      await context.completeWith(async (trx) => {
        // The job id is the effect's idempotency key (its primary key in test_effect).
        await trx
          .withTables<{ test_effect: EffectTable }>()
          .insertInto('test_effect')
          .values({ workspace_id: job.workspaceId, job_id: job.id, attempt: job.attempts })
          .execute();
        if (mode === 'hang') {
          process.stdout.write('EFFECT_WRITTEN\n');
          // Keep the process (and the open transaction) alive until the parent kills it.
          setInterval(() => {}, 60_000);
          await new Promise<never>(() => {});
        }
      });
    },
  },
});

worker.start();
if (mode === 'finish') {
  for (;;) {
    const job = await getJob(connection.db, workspaceId, jobId);
    if (job?.status === 'succeeded' || job?.status === 'dead') break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await worker.stop();
  await connection.close();
  process.stdout.write('DONE\n');
}
