/**
 * Imports started over the API run as jobs on the durable queue: `startImport` records the run
 * (`queued`) and enqueues its job in one transaction; the worker's handler executes the run with
 * `runImport`. A worker that crashes mid-import leaves the run `running` with its checkpoint; the
 * job is claimed again when its lease ends and the import resumes after the last committed batch.
 */
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import type { Database } from '../db/index.js';
import { enqueue, type JobHandler } from '../jobs/index.js';
import { findImportRun, type ImportRun, insertImportRun, updateImportRun } from './import.repository.js';
import { assertImportKind, runImport } from './import.service.js';
import type { ImportFormat, ImportReadOptions, ImportType } from './import.types.js';

/** The job type of an import. */
export const IMPORT_JOB_TYPE = 'import.run';

/** What the job carries: the run to execute, where its uploaded file was stored, how to read it. */
export interface ImportJobPayload {
  readonly importId: number;
  readonly path: string;
  /** The dialect and column mapping asked for (absent: detected, the layout's names). */
  readonly read?: ImportReadOptions;
}

/** Where uploaded files wait for their job (deleted once the import has a verdict). */
export function uploadDirectory(): string {
  return join(tmpdir(), 'retain-imports');
}

/** Creates the upload directory if needed and returns a fresh path in it for `importId`. */
export async function uploadPath(importId: number): Promise<string> {
  await mkdir(uploadDirectory(), { recursive: true });
  return join(uploadDirectory(), `${importId}.csv`);
}

export interface StartImportInput {
  readonly workspaceId: number;
  readonly type: string;
  readonly format: string;
  readonly fileName: string;
  readonly skipInvalid: boolean;
  /** The dialect and column mapping asked for. */
  readonly read?: ImportReadOptions;
  /** Stores the upload where the job will read it; called with the new run's id. */
  readonly store: (importId: number) => Promise<string>;
  readonly actor?: AuditActor;
  readonly now: number;
}

/**
 * Records a queued import and enqueues its job (one transaction, so there is never a run without
 * its job or the reverse). Throws `RetainError('invalid_input')` for an unknown type or format.
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
  await db.transaction().execute(async (trx) => {
    const { job } = await enqueue<ImportJobPayload>(trx, {
      workspaceId: input.workspaceId,
      type: IMPORT_JOB_TYPE,
      payload: { importId: run.id, path, ...(input.read === undefined ? {} : { read: input.read }) },
      idempotencyKey: `import:${run.id}`,
      now: input.now,
    });
    await updateImportRun(trx, input.workspaceId, run.id, { jobId: job.id, now: input.now });
  });
  return (await findImportRun(db, input.workspaceId, run.id))!;
}

/**
 * The worker's handler for `import.run`: executes the run (resuming it after a crash); deletes the
 * uploaded file once the run has a verdict (succeeded or rejected). A thrown error fails the
 * attempt, and the queue retries it with backoff.
 */
export const importJobHandler: JobHandler<ImportJobPayload> = async (job, context) => {
  const { importId, path, read } = job.payload;
  if (typeof importId !== 'number' || typeof path !== 'string')
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
    ...(read === undefined ? {} : { read }),
    rejectsPath: `${path}.rejects.csv`,
  });
  await rm(path, { force: true });
};

/** Handlers to give the server's `Worker` (`new Worker({ db, handlers: { ...importJobHandlers } })`). */
export const importJobHandlers: Readonly<Record<string, JobHandler>> = {
  [IMPORT_JOB_TYPE]: importJobHandler,
};
