/**
 * The `import_run` table (migration 002): the only code that queries it. Every `where` carries the
 * workspace. The table is not in `db/schema.ts` (owned elsewhere), so it is typed here and added
 * with Kysely's `withTables`.
 */
import type { Generated, Kysely, Selectable, Transaction } from 'kysely';
import { type Database, fromJson, type JsonText, type RowId, toFlag, toJson } from '../db/index.js';
import type { ImportFormat, ImportType } from './import.types.js';

/** Lifecycle: queued (API, waiting for the worker) → running → succeeded | rejected | failed. */
export type ImportStatus = 'queued' | 'running' | 'succeeded' | 'rejected' | 'failed';

/** One problem of a rejected file, located by physical line (1 = header) and column. */
export interface ImportProblem {
  readonly line: number;
  readonly column: string | null;
  readonly code: string;
  readonly message: string;
}

export interface ImportRunTable {
  workspace_id: RowId;
  id: Generated<RowId>;
  type: string;
  format: string;
  file_name: string;
  fingerprint: string | null;
  skip_invalid: number;
  status: ImportStatus;
  rows_read: number;
  rows_written: number;
  rows_rejected: number;
  committed_records: number;
  problems: JsonText<ImportProblem[]>;
  error: string | null;
  job_id: RowId | null;
  created_by: RowId | null;
  created_at: number;
  started_at: number | null;
  updated_at: number;
  finished_at: number | null;
}

export type ImportDatabase = Database & { import_run: ImportRunTable };
type Executor = Kysely<Database> | Transaction<Database>;

/** An import as services and the API see it. */
export interface ImportRun {
  readonly workspaceId: number;
  readonly id: RowId;
  readonly type: ImportType;
  readonly format: ImportFormat;
  readonly fileName: string;
  readonly fingerprint: string | null;
  readonly skipInvalid: boolean;
  readonly status: ImportStatus;
  /** CSV data records read so far (the header not counted). */
  readonly rowsRead: number;
  /** Records (customers, orders, subscriptions, events) written so far. */
  readonly rowsWritten: number;
  /** Records rejected as invalid (left out with `skipInvalid`, else the reason the file was rejected). */
  readonly rowsRejected: number;
  /** Checkpoint: every record up to this CSV record number is committed. */
  readonly committedRecords: number;
  /** The first 100 problems, by line. */
  readonly problems: readonly ImportProblem[];
  readonly error: string | null;
  readonly jobId: RowId | null;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly updatedAt: number;
  readonly finishedAt: number | null;
}

function scoped(db: Executor): Kysely<ImportDatabase> {
  return (db as Kysely<Database>).withTables<{ import_run: ImportRunTable }>();
}

function toRun(row: Selectable<ImportRunTable>): ImportRun {
  return {
    workspaceId: row.workspace_id,
    id: row.id,
    type: row.type as ImportType,
    format: row.format as ImportFormat,
    fileName: row.file_name,
    fingerprint: row.fingerprint,
    skipInvalid: row.skip_invalid !== 0,
    status: row.status,
    rowsRead: Number(row.rows_read),
    rowsWritten: Number(row.rows_written),
    rowsRejected: Number(row.rows_rejected),
    committedRecords: Number(row.committed_records),
    problems: fromJson(row.problems),
    error: row.error,
    jobId: row.job_id,
    createdAt: Number(row.created_at),
    startedAt: row.started_at === null ? null : Number(row.started_at),
    updatedAt: Number(row.updated_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}

export interface NewImportRun {
  readonly workspaceId: number;
  readonly type: ImportType;
  readonly format: ImportFormat;
  readonly fileName: string;
  readonly fingerprint: string | null;
  readonly skipInvalid: boolean;
  readonly status: 'queued' | 'running';
  readonly createdBy?: RowId | null;
  readonly now: number;
}

/** Inserts a run. One statement. */
export async function insertImportRun(db: Executor, input: NewImportRun): Promise<ImportRun> {
  const row = await scoped(db)
    .insertInto('import_run')
    .values({
      workspace_id: input.workspaceId,
      type: input.type,
      format: input.format,
      file_name: input.fileName,
      fingerprint: input.fingerprint,
      skip_invalid: toFlag(input.skipInvalid),
      status: input.status,
      rows_read: 0,
      rows_written: 0,
      rows_rejected: 0,
      committed_records: 0,
      problems: toJson([]),
      error: null,
      job_id: null,
      created_by: input.createdBy ?? null,
      created_at: input.now,
      started_at: input.status === 'running' ? input.now : null,
      updated_at: input.now,
      finished_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRun(row);
}

/** A run of the workspace, or undefined (also for another workspace's run). */
export async function findImportRun(
  db: Executor,
  workspaceId: number,
  id: RowId,
): Promise<ImportRun | undefined> {
  const row = await scoped(db)
    .selectFrom('import_run')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toRun(row);
}

/**
 * The latest unfinished (`running`) run of the same file, type and format: the one a re-run after
 * a crash resumes.
 */
export async function findUnfinishedRun(
  db: Executor,
  workspaceId: number,
  fingerprint: string,
  type: ImportType,
  format: ImportFormat,
): Promise<ImportRun | undefined> {
  const row = await scoped(db)
    .selectFrom('import_run')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('fingerprint', '=', fingerprint)
    .where('type', '=', type)
    .where('format', '=', format)
    .where('status', '=', 'running')
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return row === undefined ? undefined : toRun(row);
}

/** The latest succeeded run of a file (by fingerprint), if any. */
export async function findSucceededRun(
  db: Executor,
  workspaceId: number,
  fingerprint: string,
): Promise<ImportRun | undefined> {
  const row = await scoped(db)
    .selectFrom('import_run')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('fingerprint', '=', fingerprint)
    .where('status', '=', 'succeeded')
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return row === undefined ? undefined : toRun(row);
}

/** The fields a service may change on a run. */
export interface ImportRunChanges {
  readonly status?: ImportStatus;
  readonly fingerprint?: string;
  readonly rowsRead?: number;
  readonly rowsWritten?: number;
  readonly rowsRejected?: number;
  readonly committedRecords?: number;
  readonly problems?: readonly ImportProblem[];
  readonly error?: string | null;
  readonly jobId?: RowId;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly now: number;
}

/** Updates a run of the workspace. One statement. */
export async function updateImportRun(
  db: Executor,
  workspaceId: number,
  id: RowId,
  changes: ImportRunChanges,
): Promise<void> {
  await scoped(db)
    .updateTable('import_run')
    .set({
      ...(changes.status === undefined ? {} : { status: changes.status }),
      ...(changes.fingerprint === undefined ? {} : { fingerprint: changes.fingerprint }),
      ...(changes.rowsRead === undefined ? {} : { rows_read: changes.rowsRead }),
      ...(changes.rowsWritten === undefined ? {} : { rows_written: changes.rowsWritten }),
      ...(changes.rowsRejected === undefined ? {} : { rows_rejected: changes.rowsRejected }),
      ...(changes.committedRecords === undefined ? {} : { committed_records: changes.committedRecords }),
      ...(changes.problems === undefined ? {} : { problems: toJson([...changes.problems]) }),
      ...(changes.error === undefined ? {} : { error: changes.error }),
      ...(changes.jobId === undefined ? {} : { job_id: changes.jobId }),
      ...(changes.startedAt === undefined ? {} : { started_at: changes.startedAt }),
      ...(changes.finishedAt === undefined ? {} : { finished_at: changes.finishedAt }),
      updated_at: changes.now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}
