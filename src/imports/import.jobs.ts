/**
 * Imports started over the API run as jobs on the durable queue: `startImport` records the run
 * (`queued`) and enqueues its job in one transaction; the worker's handler executes the run with
 * `runImport`. A worker that crashes mid-import leaves the run `running` with its checkpoint; the
 * job is claimed again when its lease ends and the import resumes after the last committed batch.
 */
import { rm } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import { type CsvEncoding, parseCsvEncoding } from '../csv/index.js';
import type { Database } from '../db/index.js';
import { enqueue, type JobHandler } from '../jobs/index.js';
import {
  DEFAULT_IMPORT_FILES_RETENTION_MS,
  deleteImportFiles,
  importFilesJobHandlers,
  rejectsPathFor,
  scheduleImportFilesExpiry,
} from './import.files.js';
import { findImportRun, type ImportRun, insertImportRun, updateImportRun } from './import.repository.js';
import { assertImportKind, runImport } from './import.service.js';
import type { ImportFormat, ImportReadOptions, ImportType } from './import.types.js';

/** The job type of an import. */
export const IMPORT_JOB_TYPE = 'import.run';

/** What the job carries: the run to execute and where its uploaded file was stored. */
export interface ImportJobPayload {
  readonly importId: number;
  readonly path: string;
  /** The file's text encoding (absent in jobs queued before it existed: UTF-8). */
  readonly encoding?: CsvEncoding;
  /** The dialect and column mapping asked for (absent: detected, the layout's names). */
  readonly read?: ImportReadOptions;
}

export interface StartImportInput {
  readonly workspaceId: number;
  readonly type: string;
  readonly format: string;
  readonly fileName: string;
  readonly skipInvalid: boolean;
  /** The file's text encoding (default UTF-8). */
  readonly encoding?: CsvEncoding;
  /** The dialect and column mapping asked for. */
  readonly read?: ImportReadOptions;
  /**
   * Stores the upload where the job will read it (in the data directory: import.files.ts); called
   * with the new run's id. Returns the path.
   */
  readonly store: (importId: number) => Promise<string>;
  /** How long the import's files are kept after it finished (default 7 days). */
  readonly retentionMs?: number;
  readonly actor?: AuditActor;
  readonly now: number;
}

/**
 * Records a queued import and enqueues its job with the expiry of its files (one transaction, so
 * there is never a run without its job or the reverse, nor a stored file that never expires). A
 * file stored but not enqueued is deleted and the run marked failed.
 * Throws `RetainError('invalid_input')` for an unknown type or format.
 * Example: `await startImport(db, { workspaceId, type: 'orders', format: 'shopify', … })` →
 * `{ status: 'queued', rowsRead: 0, … }`.
 */
export async function startImport(db: Kysely<Database>, input: StartImportInput): Promise<ImportRun> {
  assertImportKind(input.type, input.format);
  const run = await insertImportRun(db, {
    workspaceId: input.workspaceId,
    type: input.type as ImportType,
    format: input.format as ImportFormat,
    fileName: input.fileName,
    fingerprint: null,
    skipInvalid: input.skipInvalid,
    status: 'queued',
    createdBy: input.actor?.type === 'user' ? input.actor.id : null,
    now: input.now,
  });
  let path: string;
  try {
    path = await input.store(run.id);
  } catch (error) {
    await updateImportRun(db, input.workspaceId, run.id, {
      status: 'failed',
      error: 'The upload could not be stored',
      now: input.now,
    });
    throw error;
  }
  const retentionMs = input.retentionMs ?? DEFAULT_IMPORT_FILES_RETENTION_MS;
  try {
    await db.transaction().execute(async (trx) => {
      const { job } = await enqueue<ImportJobPayload>(trx, {
        workspaceId: input.workspaceId,
        type: IMPORT_JOB_TYPE,
        payload: {
          importId: run.id,
          path,
          ...(input.encoding ? { encoding: input.encoding } : {}),
          ...(input.read === undefined ? {} : { read: input.read }),
        },
        idempotencyKey: `import:${run.id}`,
        now: input.now,
      });
      // The first look comes when the files could expire at the earliest; the job waits longer
      // while the import has not finished (import.files.ts).
      await scheduleImportFilesExpiry(trx, {
        workspaceId: input.workspaceId,
        importId: run.id,
        path,
        retentionMs,
        runAt: input.now + retentionMs,
        now: input.now,
      });
      await updateImportRun(trx, input.workspaceId, run.id, { jobId: job.id, now: input.now });
    });
  } catch (error) {
    await deleteImportFiles(path);
    await updateImportRun(db, input.workspaceId, run.id, {
      status: 'failed',
      error: 'The import could not be queued',
      now: input.now,
    }).catch(() => undefined);
    throw error;
  }
  return (await findImportRun(db, input.workspaceId, run.id))!;
}

/**
 * The worker's handler for `import.run`: executes the run (resuming it after a crash), writing the
 * rejects file beside the upload; deletes the uploaded file once the run has a verdict (succeeded
 * or rejected). A thrown error fails the attempt, and the queue retries it with backoff; the upload
 * of a run that fails for good, and every rejects file, are deleted by the expiry job.
 */
export const importJobHandler: JobHandler<ImportJobPayload> = async (job, context) => {
  const { importId, path, read } = job.payload;
  const encoding = parseCsvEncoding(job.payload.encoding ?? 'utf-8');
  if (typeof importId !== 'number' || typeof path !== 'string' || encoding === null)
    throw new Error('Malformed import job payload');
  const run = await findImportRun(context.db, job.workspaceId, importId);
  if (run === undefined) return; // the workspace was deleted meanwhile
  await runImport(context.db, {
    workspaceId: job.workspaceId,
    importId,
    path,
    type: run.type,
    format: run.format,
    fileName: run.fileName,
    skipInvalid: run.skipInvalid,
    encoding,
    ...(read === undefined ? {} : { read }),
    rejectsPath: rejectsPathFor(path),
    now: context.now,
  });
  await rm(path, { force: true });
};

/** Handlers to give the server's `Worker` (`new Worker({ db, handlers: { ...importJobHandlers } })`). */
export const importJobHandlers: Readonly<Record<string, JobHandler>> = {
  [IMPORT_JOB_TYPE]: importJobHandler,
  ...importFilesJobHandlers,
};
