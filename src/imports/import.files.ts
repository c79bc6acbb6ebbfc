/**
 * The files the server keeps for an import: the uploaded CSV (until the run has its verdict, or
 * longer when the run failed) and its rejects file (`skipInvalid`: the invalid rows, verbatim).
 * Both hold personal data, so (docs/operations.md, "Import files"):
 * - they live in the data directory, `<data>/imports/<workspace id>/`, folders mode 0700 and files
 *   0600 — never in the shared temporary directory;
 * - they expire with the import: a job on the durable queue, enqueued with the import, deletes
 *   them `retention` (default 7 days, `RETAIN_IMPORT_FILES_DAYS`) after the import finished —
 *   succeeded, rejected, or failed for good;
 * - erasing a customer deletes the kept files that name them (`eraseFromImportFiles`).
 * The CLI's `retain import` writes its rejects file beside the user's own file instead, where they
 * asked for it; none of this applies to it.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { enqueue, getJob, type JobHandler } from '../jobs/index.js';
import { findImportRun } from './import.repository.js';

/** The folder of the data directory that holds import files. */
export const IMPORT_FILES_FOLDER = 'imports';
/** Owner only: read, write, enter. */
export const PRIVATE_DIRECTORY_MODE = 0o700;
/** Owner only: read and write. */
export const PRIVATE_FILE_MODE = 0o600;
/** How long an import's files are kept after it finished, unless configured (7 days). */
export const DEFAULT_IMPORT_FILES_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** How often the expiry job looks again at an import that has not finished (at least). */
export const UNFINISHED_RECHECK_MS = 60 * 60 * 1000;
/** An upload still being received is named `*.part`; one untouched this long was abandoned. */
export const ABANDONED_UPLOAD_MS = 60 * 60 * 1000;
/** The job type that deletes an import's files once they expire. */
export const IMPORT_FILES_JOB_TYPE = 'import.files.expire';

/** `<data>/imports/<workspace id>`: a workspace's import files. */
export function importFilesDirectory(dataDirectory: string, workspaceId: number): string {
  return join(dataDirectory, IMPORT_FILES_FOLDER, String(workspaceId));
}

/** Where an import's upload is kept: `<id>.csv` in the workspace's folder. */
export function uploadPathFor(directory: string, importId: number): string {
  return join(directory, `${importId}.csv`);
}

/** The rejects file beside an upload: `<id>.rejects.csv` for `<id>.csv`. */
export function rejectsPathFor(uploadPath: string): string {
  return `${uploadPath.replace(/\.csv$/u, '')}.rejects.csv`;
}

/** A fresh name for an upload being received (renamed to `uploadPathFor` once complete). */
export function incomingPathIn(directory: string): string {
  return join(directory, `incoming-${randomBytes(8).toString('hex')}.part`);
}

/** Makes `path` a directory only its owner can read, whether it existed or not. */
async function privateDirectory(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  // mkdir leaves an existing directory (an older install's, or one made by hand) as it was.
  const { mode } = await stat(path);
  if ((mode & 0o777) !== PRIVATE_DIRECTORY_MODE) await chmod(path, PRIVATE_DIRECTORY_MODE);
}

/**
 * Creates the workspace's import folder (and `<data>/imports`) with mode 0700, tightening them if
 * they exist, and deletes uploads there abandoned mid-way (a server killed while receiving one).
 * Returns the folder. O(files in it).
 */
export async function prepareImportFilesDirectory(
  dataDirectory: string,
  workspaceId: number,
  now: number,
): Promise<string> {
  await privateDirectory(join(dataDirectory, IMPORT_FILES_FOLDER));
  const directory = importFilesDirectory(dataDirectory, workspaceId);
  await privateDirectory(directory);
  for (const name of await readdir(directory)) {
    if (!name.endsWith('.part')) continue;
    const path = join(directory, name);
    const modified = await stat(path).then(
      (stats) => stats.mtimeMs,
      () => now,
    );
    if (now - modified > ABANDONED_UPLOAD_MS) await rm(path, { force: true });
  }
  return directory;
}

/** Deletes an import's upload and its rejects file (either may be gone already). */
export async function deleteImportFiles(uploadPath: string): Promise<void> {
  await rm(uploadPath, { force: true });
  await rm(rejectsPathFor(uploadPath), { force: true });
}

/** What the expiry job carries. */
export interface ImportFilesJobPayload {
  readonly importId: number;
  /** The upload's path; the rejects file is beside it (`rejectsPathFor`). */
  readonly path: string;
  readonly retentionMs: number;
}

/**
 * Enqueues the check that deletes an import's files at `runAt` (on `db`, a transaction to enqueue
 * with the import). Idempotent per (import, instant).
 */
export async function scheduleImportFilesExpiry(
  db: Kysely<Database>,
  input: {
    readonly workspaceId: number;
    readonly runAt: number;
    readonly now: number;
  } & ImportFilesJobPayload,
): Promise<void> {
  await enqueue<ImportFilesJobPayload>(db, {
    workspaceId: input.workspaceId,
    type: IMPORT_FILES_JOB_TYPE,
    payload: { importId: input.importId, path: input.path, retentionMs: input.retentionMs },
    runAt: input.runAt,
    idempotencyKey: `import-files:${input.importId}:${input.runAt}`,
    now: input.now,
  });
}

/**
 * When the import finished, for its files' expiry: the verdict's instant (succeeded, rejected); for
 * a failed run, when its job gave up (dead) — a failed attempt that will be retried has not
 * finished; `null` while it is queued, running or to be retried; `'gone'` when the run no longer
 * exists. Two queries at most.
 */
export async function importFinishedAt(
  db: Kysely<Database>,
  workspaceId: number,
  importId: number,
): Promise<number | null | 'gone'> {
  const run = await findImportRun(db, workspaceId, importId);
  if (run === undefined) return 'gone';
  if (run.status === 'succeeded' || run.status === 'rejected') return run.finishedAt ?? run.updatedAt;
  if (run.jobId === null) return run.status === 'failed' ? run.updatedAt : null;
  const job = await getJob(db, workspaceId, run.jobId);
  if (job === undefined) return run.updatedAt;
  if (job.status === 'dead' || job.status === 'succeeded') return job.finishedAt ?? job.updatedAt;
  return null;
}

/**
 * The expiry job: deletes the import's files once `retentionMs` has passed since the import
 * finished; before that it enqueues itself again — at the due instant, or an hour (or the
 * retention, if longer) later while the import has not finished. The new job is enqueued in the
 * same transaction that completes this one, so there is always exactly one check waiting.
 */
export const importFilesJobHandler: JobHandler<ImportFilesJobPayload> = async (job, context) => {
  const { importId, path, retentionMs } = job.payload;
  if (typeof importId !== 'number' || typeof path !== 'string' || typeof retentionMs !== 'number') {
    throw new Error('Malformed import files job payload');
  }
  const now = context.now();
  const finishedAt = await importFinishedAt(context.db, job.workspaceId, importId);
  const dueAt =
    finishedAt === 'gone'
      ? now
      : finishedAt === null
        ? now + Math.max(retentionMs, UNFINISHED_RECHECK_MS)
        : finishedAt + retentionMs;
  if (finishedAt !== null && dueAt <= now) {
    await deleteImportFiles(path);
    return;
  }
  await context.completeWith(async (trx) =>
    scheduleImportFilesExpiry(trx, {
      workspaceId: job.workspaceId,
      importId,
      path,
      retentionMs,
      runAt: dueAt,
      now,
    }),
  );
};

/** Whether a byte may be part of an identity (so a match must not continue into it). */
function isIdentityByte(byte: number): boolean {
  return (
    (byte >= 0x61 && byte <= 0x7a) || // a-z (the text is lower-cased)
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    byte === 0x40 || // @
    byte === 0x2e || // .
    byte === 0x5f || // _
    byte === 0x2b || // +
    byte === 0x2d || // -
    byte >= 0x80 // any byte of a multi-byte UTF-8 character
  );
}

/** ASCII lower case of `bytes`, in a new buffer. O(length). */
function lowerAscii(bytes: Buffer): Buffer {
  const lowered = Buffer.from(bytes);
  for (let index = 0; index < lowered.length; index++) {
    const byte = lowered[index]!;
    if (byte >= 0x41 && byte <= 0x5a) lowered[index] = byte + 0x20;
  }
  return lowered;
}

/**
 * Whether the file holds one of `identities` as a whole value: not inside a longer id (`bob` is not
 * found in `bob-2`), compared without regard to ASCII case. Streams the file (memory: one chunk).
 * Read as bytes, so a file that is not valid CSV is searched all the same. O(file size · identities).
 */
export async function fileHoldsAny(path: string, identities: readonly string[]): Promise<boolean> {
  const needles = [...new Set(identities.map((identity) => identity.trim().toLowerCase()))]
    .filter((identity) => identity !== '')
    .map((identity) => Buffer.from(identity, 'utf8'));
  if (needles.length === 0) return false;
  const keep = Math.max(...needles.map((needle) => needle.length)) + 1;
  const found = (text: Buffer, atStart: boolean, atEnd: boolean): boolean => {
    for (const needle of needles) {
      for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
        const end = at + needle.length;
        const before = at === 0 ? atStart : !isIdentityByte(text[at - 1]!);
        // At the end of a chunk the next bytes are unknown: the carried tail is searched again.
        const after = end === text.length ? atEnd : !isIdentityByte(text[end]!);
        if (before && after) return true;
      }
    }
    return false;
  };
  let carry: Buffer = Buffer.alloc(0);
  let start = true;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    const text = lowerAscii(Buffer.concat([carry, chunk as Buffer]));
    if (found(text, start, false)) return true;
    const tail = Math.max(0, text.length - keep);
    start = start && tail === 0;
    carry = text.subarray(tail);
  }
  return found(carry, start, true);
}

/**
 * Deletes the workspace's kept import files — uploads of failed imports, rejects files — that hold
 * one of a customer's identities (external id, e-mail, former ids), for erasure. The whole file
 * goes, other customers' rows with it: nothing in it is needed once the import has finished (its
 * rows are in the store, its problems on the run). Files of an import that has not finished are
 * left to it (it is reading them); uploads still being received (`*.part`) too. Returns how many
 * files were deleted. O(the workspace's kept files).
 */
export async function eraseFromImportFiles(
  db: Kysely<Database>,
  input: {
    readonly dataDirectory: string;
    readonly workspaceId: number;
    readonly identities: readonly string[];
  },
): Promise<number> {
  const directory = importFilesDirectory(input.dataDirectory, input.workspaceId);
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let deleted = 0;
  const finished = new Map<number, boolean>();
  for (const name of names.sort()) {
    const match = /^(\d+)(?:\.rejects)?\.csv$/u.exec(name);
    if (match === null) continue;
    const importId = Number(match[1]);
    if (!finished.has(importId)) {
      finished.set(importId, (await importFinishedAt(db, input.workspaceId, importId)) !== null);
    }
    if (!finished.get(importId)) continue;
    const path = join(directory, name);
    const holds = await fileHoldsAny(path, input.identities).catch((error: unknown) => {
      // Deleted meanwhile (its expiry, a second erasure): nothing left to erase.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    });
    if (holds) {
      await rm(path, { force: true });
      deleted++;
    }
  }
  return deleted;
}

/** The import jobs' handler for file expiry, keyed by type (merged into `importJobHandlers`). */
export const importFilesJobHandlers: Readonly<Record<string, JobHandler>> = {
  [IMPORT_FILES_JOB_TYPE]: importFilesJobHandler,
};
