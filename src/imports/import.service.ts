/**
 * Imports a CSV file into a workspace: the rules (validate everything first, then write in
 * transactional batches with a checkpoint), the resumable run record, and the audit entry.
 *
 * Two passes over the file, both streaming:
 * 1. validate — every record is read and checked; nothing is written. By default any invalid
 *    record rejects the whole file (the run is `rejected`, its first 100 problems listed by line
 *    and column). With `skipInvalid` the invalid records are left out and written, with their
 *    reasons, to a rejects file.
 * 2. write — valid records in batches (default 50,000), each batch one transaction that also
 *    advances the run's checkpoint (`committed_records`). Writes are upserts on natural keys, so
 *    a re-run writes the same final state; after a crash (even `kill -9`) a re-run of the same file
 *    (same SHA-256) resumes the unfinished run after its last committed batch.
 * Nothing commits before pass 1's verdict, but for a generic order file read in a worker thread
 * (`mayWriteWhileChecking`) pass 2 starts at once: the batches read while the file is checked are
 * written into one transaction that commits when the check finds every record valid, and is rolled
 * back otherwise (then the file is validated by record and read again, as without it).
 */

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { finished } from 'node:stream/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { requestAnalyticsRefresh } from '../analytics/index.js';
import { type AuditActor, recordAudit } from '../audit/index.js';
import {
  type CsvEncoding,
  type CsvReadOptions,
  CurrencyTally,
  type DetectedDialect,
  IssueCollector,
  type OtherKind,
  quickCheckGenericOrders,
  readDialect,
  recordLines,
} from '../csv/index.js';
import { type CopyInto, requestScoreRefresh, writeOrderBatch } from '../customers/index.js';
import { type Database, dialectOf, parseRowId, withPostgresSession } from '../db/index.js';
import { notFound, RetainError } from '../errors/index.js';
import { requestLoyaltyProcessing } from '../loyalty/index.js';
import { requestRecomputeAfterChange } from '../segments/segment.jobs.js';
import { getWorkspace, type Workspace } from '../workspaces/workspace.repository.js';
import {
  type BatchEvent,
  type BatchReading,
  type BatchSource,
  readBatchesHere,
  readBatchesInWorker,
} from './import.batches.js';
import { PRIVATE_FILE_MODE } from './import.files.js';
import { formatsOf, layoutFor } from './import.layouts.js';
import { storedProblems } from './import.problems.js';
import {
  csvLine,
  type LayoutOptions,
  type RecordLayout,
  type RecordProblem,
  readRecords,
} from './import.record-reader.js';
import {
  findImportRun,
  findUnfinishedRun,
  type ImportProblem,
  type ImportRun,
  insertImportRun,
  updateImportRun,
} from './import.repository.js';
import type { ImportFormat, ImportReadOptions, ImportType, RecordOf } from './import.types.js';
import {
  CustomerDirectory,
  type Executor,
  type WriteContext,
  writeCustomers,
  writeEvents,
  writeSubscriptions,
} from './import.writer.js';

/**
 * Records per transaction unless told otherwise: each commit rewrites the index pages the batch
 * touched into the WAL, so larger batches write less (docs/benchmarks.md); a crash loses at most
 * one batch of work.
 */
export const DEFAULT_IMPORT_BATCH_SIZE = 50_000;
/** What a header error says when the file looks like the other kind of file. */
const OTHER_KIND: Partial<Record<ImportType, OtherKind>> = {
  orders: {
    kind: 'subscriptions',
    hint: 'this looks like a subscriptions file: did you mean --type subscriptions?',
  },
  subscriptions: { kind: 'orders', hint: 'this looks like an orders file: did you mean --type orders?' },
};

/** Problems kept on a run (and listed to the user). */
export const MAX_LISTED_PROBLEMS = 100;

/** Where an import is, for progress bars and the API. */
export interface ImportProgress {
  readonly phase: 'validating' | 'writing';
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly rowsRead: number;
  readonly rowsWritten: number;
  readonly rowsRejected: number;
}

export interface RunImportInput {
  readonly workspaceId: number;
  /** The CSV file to read. */
  readonly path: string;
  readonly type: ImportType;
  /** Default `generic`. */
  readonly format?: ImportFormat;
  /**
   * The file's text encoding: `utf-8` (default; a byte that is not UTF-8 rejects the file, with its
   * line), `latin1` or `windows-1252` (converted while reading).
   */
  readonly encoding?: CsvEncoding;
  /** The name shown for the run (default: the path's base name). */
  readonly fileName?: string;
  /** Write the valid records and list the others in a rejects file (default: reject the file). */
  readonly skipInvalid?: boolean;
  /** The file's delimiter, decimal separator, date format (else detected) and column mapping. */
  readonly read?: ImportReadOptions;
  /** Default `<path>.rejects.csv`. */
  readonly rejectsPath?: string;
  /** Records per batch, each its own transaction once the file is known valid (default 50,000). */
  readonly batchSize?: number;
  /** Execute this existing run (a queued API import) instead of creating or resuming one. */
  readonly importId?: number;
  readonly actor?: AuditActor;
  /** Clock, epoch ms (default `Date.now`). */
  readonly now?: () => number;
  readonly onProgress?: (progress: ImportProgress) => void;
  /**
   * Awaited before the check's verdict is taken (tests hold it back to see the batches written
   * ahead of it rolled back).
   */
  readonly beforeVerdict?: () => Promise<void>;
  /** Awaited after each committed batch (tests use it to crash at a known point). */
  readonly afterBatch?: (run: {
    readonly id: number;
    readonly committedRecords: number;
  }) => Promise<void> | void;
}

/** What an import did. */
export interface ImportOutcome {
  readonly run: ImportRun;
  /**
   * The problems found by this call as read, cell values included, for the terminal of the person
   * importing their own file; `run.problems` keeps them without the values (import.problems.ts).
   */
  readonly problemsAsRead: readonly ImportProblem[];
  /** Records left out on purpose (e.g. Shopify orders without an e-mail), by reason. */
  readonly skipped: readonly { readonly reason: string; readonly count: number }[];
  /** The rejects file written (`skipInvalid` with invalid records), else null. */
  readonly rejectsPath: string | null;
  /** Customers created because a record referenced them. */
  readonly customersCreated: number;
  /** True when this call resumed a crashed run of the same file. */
  readonly resumed: boolean;
  /** How the file was read (delimiter, decimal separator, date format, and why); null if it was not. */
  readonly dialect: DetectedDialect | null;
  /** The layout that read it, for people (e.g. `a Shopify orders export`); null if unknown. */
  readonly layout: string | null;
  /**
   * The header each field was read from, as written (e.g. `started_at: 'Start (UTC)'` for a Stripe
   * export); null when the header was not read.
   */
  readonly columns: Readonly<Record<string, string>> | null;
}

/**
 * Checks a (type, format) pair. Throws `RetainError('invalid_input')` naming the accepted formats.
 * O(1). Example: `assertImportKind('events', 'stripe')` throws "events can be imported as: generic".
 */
export function assertImportKind(type: string, format: string): asserts type is ImportType {
  const layout = layoutFor(type as ImportType, format as ImportFormat);
  if (!['customers', 'orders', 'subscriptions', 'events'].includes(type)) {
    throw new RetainError('invalid_input', `Unknown import type "${type}".`, [
      { path: ['type'], message: 'expected customers, orders, subscriptions or events' },
    ]);
  }
  if (layout === undefined) {
    const formats = formatsOf(type as ImportType).join(', ');
    throw new RetainError('invalid_input', `${type} can be imported as: ${formats}.`, [
      { path: ['format'], message: `expected one of ${formats}` },
    ]);
  }
}

/** SHA-256 (hex) of a file's bytes, streamed. O(size). */
export async function fileFingerprint(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The record writers of the types whose batches travel as records (orders travel encoded). */
const WRITERS: {
  readonly [T in Exclude<ImportType, 'orders'>]: (
    db: Executor,
    context: WriteContext,
    records: readonly RecordOf[T][],
  ) => Promise<void>;
} = {
  customers: writeCustomers,
  subscriptions: writeSubscriptions,
  events: writeEvents,
};

/** `column "amount": cannot read …` — one problem as a rejects-file reason. */
function describeProblems(problems: readonly RecordProblem[]): string {
  return problems
    .map((problem) =>
      problem.column === null ? problem.message : `column "${problem.column}": ${problem.message}`,
    )
    .join('; ');
}

/**
 * Order files of at least this size read pass 2 in a worker thread, started with pass 1 so both
 * cores parse; smaller files read it on this thread (a worker costs ~50 ms to start).
 */
export const WORKER_MIN_BYTES = 512 * 1024;

/**
 * Runs an import to its end (see the file comment): creates the run, or resumes the unfinished run
 * of the same file, or executes `importId`. Resolves with the run whatever the verdict: a file
 * rejected for invalid rows is `status: 'rejected'` with its problems (not an exception).
 * Throws `RetainError` for bad options, an unknown workspace or a missing file.
 *
 * O(file size) time; memory: a few batches (plus, with `skipInvalid`, the rejected record numbers).
 * Example: `await runImport(db, { workspaceId, path: 'orders.csv', type: 'orders' })`
 * → `{ run: { status: 'succeeded', rowsWritten: 69_659, … }, … }`.
 */
export async function runImport(db: Kysely<Database>, input: RunImportInput): Promise<ImportOutcome> {
  const started = await startRun(db, input);
  if ('finished' in started) return started.finished;
  const { run, clock } = started;
  const onProgress = (progress: ImportProgress): void => input.onProgress?.(progress);
  let reading = pass2Reading(db, input, started);
  let early = reading.worker ? readBatchesInWorker(reading.batches, reading.onBytes) : null;
  try {
    const speculate = early !== null && mayWriteWhileChecking(started);
    const quick = quickValidate(started, onProgress, speculate).then(async (verdict) => {
      await input.beforeVerdict?.();
      return verdict;
    });
    if (early !== null && speculate) {
      // The batches read while the file is checked are written in one transaction that commits
      // only once the check says every record is valid (see `writeBatches`).
      const gate = quick.then((verdict) => verdict !== null);
      const written = await writeRecords(db, input, started, QUICK_VALID_PLAN, early, reading.bytes, gate);
      if (written.kind === 'written') return await finishRun(db, input, started, (await quick)!, written);
      // Rolled back: the file is read again from the checkpoint once `validate` has its verdict.
      await early.close();
      reading = pass2Reading(db, input, started);
      early = readBatchesInWorker(reading.batches, reading.onBytes);
    }
    const verdict = (await quick) ?? (await validate(started, onProgress));
    if (verdict.kind === 'rejected') {
      await early?.close();
      return await rejectRun(db, started, verdict);
    }
    const source = early ?? readBatchesHere(reading.batches, reading.onBytes);
    const written = await writeRecords(db, input, started, verdict, source, reading.bytes, null);
    if (written.kind !== 'written') throw new Error('An import with its verdict cannot be refused');
    return await finishRun(db, input, started, verdict, written);
  } catch (error) {
    await early?.close();
    await updateImportRun(db, started.workspace.id, run.id, {
      status: 'failed',
      error: error instanceof Error ? error.message : String(error),
      now: clock(),
    }).catch(() => undefined);
    throw error;
  }
}

/**
 * Files of at most this size (about 1.7 M generic order rows) are written while they are checked:
 * the transaction that waits for the check's verdict then stays open about as long as one batch's
 * (checking runs ~10× faster than writing), so it holds the store no longer than a batch does.
 */
export const WRITE_WHILE_CHECKING_MAX_BYTES = 64 * 1024 * 1024;

/** Whether `started` is checked by `quickValidate` and small enough to write while checking. */
function mayWriteWhileChecking(started: StartedRun): boolean {
  return quickCheckApplies(started) && started.size <= WRITE_WHILE_CHECKING_MAX_BYTES;
}

/** An import under way: what every step after the first needs. */
interface StartedRun {
  readonly workspace: Workspace;
  readonly type: ImportType;
  readonly format: ImportFormat;
  readonly layout: RecordLayout<unknown>;
  readonly layoutOptions: LayoutOptions & { readonly dialect: DetectedDialect };
  /** How the file's bytes become records: its encoding and (the dialect's) delimiter. */
  readonly read: CsvReadOptions;
  readonly path: string;
  /** The file's size in bytes. */
  readonly size: number;
  readonly fileName: string;
  readonly skipInvalid: boolean;
  readonly run: ImportRun;
  readonly resumed: boolean;
  readonly clock: () => number;
}

/**
 * Step 1: checks the options, the workspace and the file, fingerprints it, and creates the run —
 * or takes the unfinished run of the same file (a resume), or the queued run `importId` (which
 * may already have a verdict: then `finished`).
 */
async function startRun(
  db: Kysely<Database>,
  input: RunImportInput,
): Promise<StartedRun | { readonly finished: ImportOutcome }> {
  const format = input.format ?? 'generic';
  assertImportKind(input.type, format);
  const type = input.type;
  const layout = layoutFor(type, format)! as RecordLayout<unknown>;
  const clock = input.now ?? Date.now;
  const workspace = await getWorkspace(db, input.workspaceId);
  if (workspace === undefined) throw notFound('Workspace');
  try {
    const stats = await stat(input.path);
    if (!stats.isFile()) throw new Error('not a file');
  } catch {
    throw new RetainError('invalid_input', `Cannot read the file ${input.fileName ?? input.path}.`, [
      { path: ['file'], message: 'no such file' },
    ]);
  }
  const sample = await readDialect(input.path, input.read ?? {});
  if (sample.status !== 'read') {
    throw new RetainError('invalid_input', `Cannot read the file ${input.fileName ?? input.path}.`, [
      { path: ['file'], message: sample.status === 'not-found' ? 'no such file' : sample.reason },
    ]);
  }
  const fingerprint = await fileFingerprint(input.path);
  const size = (await stat(input.path)).size;
  const fileName = input.fileName ?? basename(input.path);
  const skipInvalid = input.skipInvalid ?? false;

  let run: ImportRun | undefined;
  let resumed = false;
  if (input.importId !== undefined) {
    run = await findImportRun(db, workspace.id, input.importId);
    if (run === undefined) throw notFound('Import');
    if (run.status === 'succeeded' || run.status === 'rejected') {
      return {
        finished: {
          run,
          problemsAsRead: run.problems,
          skipped: [],
          rejectsPath: null,
          customersCreated: 0,
          resumed: false,
          dialect: null,
          layout: null,
          columns: null,
        },
      };
    }
    resumed = run.committedRecords > 0;
  } else {
    run = await findUnfinishedRun(db, workspace.id, fingerprint, type, format);
    resumed = run !== undefined;
  }
  if (run === undefined) {
    run = await insertImportRun(db, {
      workspaceId: workspace.id,
      type,
      format,
      fileName,
      fingerprint,
      skipInvalid,
      status: 'running',
      createdBy: input.actor?.type === 'user' ? input.actor.id : null,
      now: clock(),
    });
  } else {
    await updateImportRun(db, workspace.id, run.id, {
      status: 'running',
      fingerprint,
      startedAt: run.startedAt ?? clock(),
      error: null,
      now: clock(),
    });
  }
  const layoutOptions = {
    timeZone: workspace.settings.timeZone,
    defaultCurrency: workspace.settings.currency,
    dialect: sample.dialect,
    ...(input.read?.map === undefined ? {} : { map: input.read.map }),
    ...(OTHER_KIND[type] === undefined ? {} : { otherKind: OTHER_KIND[type] }),
  };
  return {
    workspace,
    type,
    format,
    layout,
    layoutOptions,
    read: { encoding: input.encoding ?? 'utf-8', delimiter: sample.dialect.delimiter },
    path: input.path,
    size,
    fileName,
    skipInvalid,
    run,
    resumed,
    clock,
  };
}

/** How pass 2 reads: its batches, on which thread, and where its progress goes. */
function pass2Reading(db: Kysely<Database>, input: RunImportInput, started: StartedRun) {
  const dialect = dialectOf(db);
  const batches: BatchReading = {
    path: started.path,
    type: started.type,
    format: started.format,
    layoutOptions: started.layoutOptions,
    read: started.read,
    checkpoint: started.run.committedRecords,
    batchSize: Math.max(1, Math.floor(input.batchSize ?? DEFAULT_IMPORT_BATCH_SIZE)),
    // Orders travel encoded for their statements; other records as objects (this thread only).
    encoding: started.type === 'orders' ? (dialect === 'postgres' ? 'copy' : 'json') : null,
  };
  const bytes = { read: 0, total: 0 };
  return {
    batches,
    worker: started.type === 'orders' && started.size >= WORKER_MIN_BYTES,
    bytes,
    onBytes: (read: number, total: number): void => {
      bytes.read = read;
      bytes.total = total;
    },
  };
}

/** Step 2b: records a rejected file (nothing was written) and answers with it. */
async function rejectRun(
  db: Kysely<Database>,
  started: StartedRun,
  verdict: Extract<Verdict, { kind: 'rejected' }>,
): Promise<ImportOutcome> {
  const { workspace, run, clock } = started;
  await updateImportRun(db, workspace.id, run.id, {
    status: 'rejected',
    rowsRead: verdict.rowsRead,
    rowsRejected: verdict.rowsRejected,
    problems: verdict.problems,
    finishedAt: clock(),
    now: clock(),
  });
  return {
    run: (await findImportRun(db, workspace.id, run.id))!,
    problemsAsRead: verdict.problemsAsRead,
    skipped: verdict.skipped,
    rejectsPath: null,
    customersCreated: 0,
    resumed: started.resumed,
    dialect: started.layoutOptions.dialect,
    layout: verdict.layout,
    columns: null,
  };
}

/** What pass 2 did. */
interface Written {
  readonly kind: 'written';
  readonly records: number;
  readonly rowsWritten: number;
  readonly customersCreated: number;
  readonly rejectsPath: string | null;
}

/**
 * Pass 2 stopped because the check it wrote ahead of found the file not sure to be valid: its
 * transaction was rolled back (nothing written); the source is left open for the caller to close.
 */
interface Refused {
  readonly kind: 'refused';
}

/** What the writing needs of the verdict. */
interface WritePlan {
  readonly header: readonly string[];
  /** Record number → reason, for the rejects file (`skipInvalid` only). */
  readonly rejected: ReadonlyMap<number, string>;
  readonly rowsRejected: number;
}

/** The plan of a file `quickValidate` finds valid: every record valid, nothing rejected. */
const QUICK_VALID_PLAN: WritePlan = { header: [], rejected: new Map(), rowsRejected: 0 };

/** Thrown inside the transaction the check refused, to roll it back. */
const REFUSED = Symbol('refused');

/**
 * Step 3 (pass 2): reads the valid records after the checkpoint — in a worker thread for large
 * order files, so parsing overlaps writing — and writes them batch by batch, each batch one
 * transaction with the run's checkpoint; invalid records go to the rejects file (`skipInvalid`).
 * With a `gate` (the check still running), the batches are written as they come into one
 * transaction that commits once the gate says the file is valid; if it says not, that transaction
 * rolls back and the answer is `refused`. On PostgreSQL, orders go through one held session (COPY
 * into its staging tables).
 */
async function writeRecords(
  db: Kysely<Database>,
  input: RunImportInput,
  started: StartedRun,
  plan: WritePlan,
  source: BatchSource,
  bytes: { readonly read: number; readonly total: number },
  gate: Promise<boolean> | null,
): Promise<Written | Refused> {
  if (started.type === 'orders' && dialectOf(db) === 'postgres') {
    return withPostgresSession(db, (session) =>
      writeBatches(session.db, input, started, plan, source, bytes, gate, (table, columns, text) =>
        session.copy(table, columns, text),
      ),
    );
  }
  return writeBatches(db, input, started, plan, source, bytes, gate, undefined);
}

type BatchOf = Extract<BatchEvent, { kind: 'batch' }>;

/** The writing loop of pass 2 (see `writeRecords`), on `db` (a held session on PostgreSQL). */
async function writeBatches(
  db: Kysely<Database>,
  input: RunImportInput,
  started: StartedRun,
  plan: WritePlan,
  source: BatchSource,
  bytes: { readonly read: number; readonly total: number },
  gate: Promise<boolean> | null,
  copy: CopyInto | undefined,
): Promise<Written | Refused> {
  const { workspace, run, clock, type } = started;
  const dialect = dialectOf(db);
  const rejectsPath = plan.rejected.size > 0 ? (input.rejectsPath ?? `${input.path}.rejects.csv`) : null;
  const rejectLines =
    rejectsPath === null
      ? new Map<number, number>()
      : await recordLines(input.path, [...plan.rejected.keys()], started.read);
  // The rejected rows are personal data: readable by the owner only (import.files.ts).
  const rejects =
    rejectsPath === null
      ? null
      : createWriteStream(rejectsPath, { encoding: 'utf8', mode: PRIVATE_FILE_MODE });
  if (rejects !== null) rejects.write(`${csvLine(['line', 'reason', ...plan.header])}\n`);
  const context: WriteContext = {
    workspaceId: workspace.id,
    dialect,
    now: clock(),
    customers: new CustomerDirectory(workspace.id, dialect),
  };
  // Orders arrive encoded for writeOrderBatch; the other types as records for their writer.
  const write =
    type === 'orders'
      ? null
      : (WRITERS[type] as (
          db: Executor,
          context: WriteContext,
          records: readonly unknown[],
        ) => Promise<void>);
  // The gate's answer, once it has one (until then, batches join the first transaction).
  const answer: { valid: boolean | null } = { valid: gate === null ? true : null };
  gate?.then(
    (valid) => {
      answer.valid = valid;
    },
    () => {
      answer.valid = false;
    },
  );
  const events = source[Symbol.asyncIterator]();
  let wrote = false;
  const next = async (): Promise<BatchEvent | null> => {
    // After a written batch, a turn of the event loop: while the reader keeps its queue full, the
    // batches would otherwise follow each other inside the handling of its messages, and nothing
    // else this thread serves — the check's verdict, a server's requests — would be handled until
    // the end. (Not per event: a file of many invalid records sends one event per record.)
    if (wrote) await yieldToEventLoop();
    wrote = false;
    const result = await events.next();
    return result.done === true ? null : result.value;
  };
  let written = run.rowsWritten;
  let rowsRead = 0;
  let customersCreated = 0;
  let end: Extract<BatchEvent, { kind: 'end' }> | null = null;
  /** Takes a non-batch event (the end, a skipped or invalid record). */
  const take = (event: Exclude<BatchEvent, BatchOf>): void => {
    if (event.kind === 'end') end = event;
    else if (event.kind === 'skipped') rowsRead = Math.max(rowsRead, event.first);
    else {
      rowsRead = event.last;
      if (rejects === null) return;
      const reason = describeProblems(event.problems);
      event.lines.forEach((fields, index) => {
        const line = rejectLines.get(event.first + index) ?? 0;
        rejects.write(`${csvLine([line, reason, ...fields])}\n`);
      });
    }
  };
  const writeBatch = async (trx: Kysely<Database>, batch: BatchOf, now: number): Promise<void> => {
    wrote = true;
    if (batch.encoded !== null) {
      const result = await writeOrderBatch(trx, workspace.id, batch.encoded, {
        now,
        ...(copy ? { copy } : {}),
      });
      customersCreated += result.customersCreated;
    } else if (write !== null) {
      await write(trx, { ...context, now }, batch.records ?? []);
    }
  };
  try {
    for (let event = await next(); event !== null; event = await next()) {
      if (event.kind !== 'batch') {
        take(event);
        continue;
      }
      if (answer.valid === false) return { kind: 'refused' };
      // Batches commit in file order, each transaction with the checkpoint that makes a crash
      // resumable. While the gate has no answer, the batches that arrive join this transaction.
      let last: BatchOf = event;
      let count = event.count;
      const now = clock();
      await db.transaction().execute(async (trx) => {
        await writeBatch(trx, last, now);
        while (answer.valid === null) {
          const more = await next();
          if (more === null || more.kind === 'end') {
            if (more !== null) take(more);
            await gate?.catch(() => undefined);
            break;
          }
          if (more.kind !== 'batch') take(more);
          else {
            await writeBatch(trx, more, now);
            last = more;
            count += more.count;
          }
        }
        if (answer.valid === false) throw REFUSED;
        await updateImportRun(trx, workspace.id, run.id, {
          rowsRead: last.lastRecord,
          rowsWritten: written + count,
          rowsRejected: plan.rowsRejected,
          committedRecords: last.lastRecord,
          now: clock(),
        });
      });
      rowsRead = last.lastRecord;
      written += count;
      input.onProgress?.({
        phase: 'writing',
        bytesRead: bytes.read,
        totalBytes: bytes.total,
        rowsRead,
        rowsWritten: written,
        rowsRejected: plan.rowsRejected,
      });
      await input.afterBatch?.({ id: run.id, committedRecords: last.lastRecord });
    }
    if (gate !== null && !(await gate.catch(() => false))) return { kind: 'refused' };
  } catch (error) {
    if (error === REFUSED) return { kind: 'refused' };
    throw error;
  } finally {
    // A refused pass leaves the source to the caller (it closes it: the reading starts again).
    if (answer.valid !== false) await source.close();
    if (rejects !== null) {
      rejects.end();
      await finished(rejects);
    }
  }
  const ended = end as Extract<BatchEvent, { kind: 'end' }> | null;
  if (ended === null || ended.status !== 'read')
    throw new Error('The file changed while it was being imported');
  return {
    kind: 'written',
    records: ended.records,
    rowsWritten: written,
    customersCreated: customersCreated + context.customers.created,
    rejectsPath,
  };
}

/** Step 4: marks the run succeeded and records `import.completed`, in one transaction. */
async function finishRun(
  db: Kysely<Database>,
  input: RunImportInput,
  started: StartedRun,
  verdict: Extract<Verdict, { kind: 'valid' }>,
  written: Written,
): Promise<ImportOutcome> {
  const { workspace, run, clock, type, format, fileName } = started;
  const finishedAt = clock();
  await db.transaction().execute(async (trx) => {
    await updateImportRun(trx, workspace.id, run.id, {
      status: 'succeeded',
      rowsRead: written.records,
      rowsWritten: written.rowsWritten,
      rowsRejected: verdict.rowsRejected,
      committedRecords: written.records,
      problems: verdict.problems,
      finishedAt,
      now: finishedAt,
    });
    await recordAudit(trx, {
      workspaceId: workspace.id,
      actor: input.actor ?? { type: 'system' },
      action: 'import.completed',
      entity: 'import_run',
      entityId: run.id,
      details: {
        type,
        format,
        fileName,
        rowsWritten: written.rowsWritten,
        rowsRejected: verdict.rowsRejected,
      },
      at: finishedAt,
    });
    // The stored scores are computed from the orders: a refresh commits with the import.
    await requestScoreRefresh(trx, workspace.id, { reason: 'import', now: finishedAt });
    // Segment memberships read what was imported: their recompute commits with the import.
    await requestRecomputeAfterChange(trx, workspace.id, { reason: 'import', now: finishedAt });
    // Imported orders and refunds earn and reverse points in a job over the new rows (when the
    // workspace has a loyalty programme), not row by row here.
    await requestLoyaltyProcessing(trx, workspace.id, { reason: 'import', now: finishedAt });
    // The dashboard's default answers, recomputed for the new data before anyone asks.
    await requestAnalyticsRefresh(trx, workspace.id, { now: finishedAt });
  });
  return {
    run: (await findImportRun(db, workspace.id, run.id))!,
    problemsAsRead: verdict.problemsAsRead,
    skipped: verdict.skipped,
    rejectsPath: written.rejectsPath,
    customersCreated: written.customersCreated,
    resumed: started.resumed,
    dialect: started.layoutOptions.dialect,
    layout: verdict.layout,
    columns: verdict.kind === 'valid' ? verdict.columns : null,
  };
}

type Verdict =
  | {
      readonly kind: 'rejected';
      /** Without cell values: what the run stores. */
      readonly problems: ImportProblem[];
      /** With them: what this call's caller may show (see `ImportOutcome.problemsAsRead`). */
      readonly problemsAsRead: ImportProblem[];
      readonly rowsRead: number;
      readonly rowsRejected: number;
      readonly skipped: { reason: string; count: number }[];
      /** The layout that read the file (`RecordLayout.description`), when known. */
      readonly layout: string | null;
    }
  | {
      readonly kind: 'valid';
      readonly layout: string | null;
      readonly columns: Readonly<Record<string, string>>;
      /** Data records in the file. */
      readonly records: number;
      readonly header: readonly string[];
      readonly problems: ImportProblem[];
      readonly problemsAsRead: ImportProblem[];
      /** Record number → reason, for the rejects file (`skipInvalid` only). */
      readonly rejected: ReadonlyMap<number, string>;
      readonly rowsRejected: number;
      readonly skipped: { reason: string; count: number }[];
    };

/** Whether `quickValidate` may find the file valid (generic order files; others: `validate`). */
function quickCheckApplies(
  started: StartedRun,
): started is StartedRun & { readonly format: 'auto' | 'generic' } {
  return started.type === 'orders' && (started.format === 'auto' || started.format === 'generic');
}

/**
 * Pass 1's fast path for generic order files (`quickCheckGenericOrders`: the byte scanner with the
 * import's checks, ~10× the record reader): the valid verdict when it is sure every record is
 * valid, else null and `validate` reads the file by record (with its located problems).
 */
async function quickValidate(
  started: StartedRun,
  onProgress: (progress: ImportProgress) => void,
  offThread: boolean,
): Promise<Extract<Verdict, { kind: 'valid' }> | null> {
  if (!quickCheckApplies(started)) return null;
  const { layoutOptions } = started;
  const check = await quickCheckGenericOrders(started.path, {
    offThread,
    timeZone: layoutOptions.timeZone,
    format: started.format,
    encoding: started.read.encoding ?? 'utf-8',
    dialect: layoutOptions.dialect,
    map: layoutOptions.map,
    onProgress: (bytesRead, totalBytes) =>
      onProgress({
        phase: 'validating',
        bytesRead,
        totalBytes,
        rowsRead: 0,
        rowsWritten: 0,
        rowsRejected: 0,
      }),
  });
  if (check.verdict !== 'valid') return null;
  // One currency, the workspace's (blank cells take it), or `validate` says what is wrong.
  if (check.currencies.some((currency) => currency !== layoutOptions.defaultCurrency)) return null;
  return {
    kind: 'valid',
    layout: started.layout.description ?? null,
    columns: check.columns,
    records: check.records,
    header: check.header,
    problems: [],
    problemsAsRead: [],
    rejected: new Map(),
    rowsRejected: 0,
    skipped: [],
  };
}

/**
 * Pass 1: reads every record, writes nothing. Besides each record's problems, the currencies of
 * orders and subscriptions are counted: a file mixing currencies is rejected with one problem
 * listing them, and so is a file in another currency than the workspace's — amounts are never
 * converted nor added across currencies. (Blank currencies take the workspace's.)
 */
async function validate(
  started: StartedRun,
  onProgress: (progress: ImportProgress) => void,
): Promise<Verdict> {
  const { path, layout, layoutOptions, skipInvalid } = started;
  const issues = new IssueCollector(MAX_LISTED_PROBLEMS);
  const issuesAsRead = new IssueCollector(MAX_LISTED_PROBLEMS);
  const rejected = new Map<number, string>();
  const skipped = new Map<string, number>();
  const currencies = new CurrencyTally();
  let rowsRejected = 0;
  let valid = 0;
  let rowsRead = 0;
  const result = await readRecords(
    path,
    layout,
    {
      ...layoutOptions,
      onCurrency: (currency, record) => {
        if (currency !== null) currencies.add(currency, record);
      },
    },
    {
      record: (_record, _first, last) => {
        valid++;
        rowsRead = last;
      },
      invalid: (problems, first, last, lines) => {
        rowsRead = last;
        rowsRejected++;
        for (const problem of storedProblems(problems, lines)) {
          issues.add(first, problem.column, problem.code, problem.message);
        }
        for (const problem of problems)
          issuesAsRead.add(first, problem.column, problem.code, problem.message);
        if (skipInvalid) {
          const reason = describeProblems(problems);
          for (let record = first; record <= last; record++) rejected.set(record, reason);
        }
      },
      skipped: (reason) => skipped.set(reason, (skipped.get(reason) ?? 0) + 1),
    },
    (bytesRead, totalBytes) =>
      onProgress({ phase: 'validating', bytesRead, totalBytes, rowsRead, rowsWritten: 0, rowsRejected }),
    started.read,
  );
  const skippedList = [...skipped].map(([reason, count]) => ({ reason, count }));
  const description = result.status === 'unreadable' ? null : result.description;
  const fileProblem = (line: number, code: string, message: string): Verdict => ({
    kind: 'rejected',
    problems: [{ line, column: null, code, message }],
    problemsAsRead: [{ line, column: null, code, message }],
    rowsRead: 0,
    rowsRejected: 0,
    skipped: [],
    layout: description,
  });
  if (result.status === 'unreadable') {
    const outcome = result.outcome;
    if (outcome.status === 'empty') return fileProblem(1, 'empty-file', 'the file is empty');
    if (outcome.status === 'not-found') return fileProblem(0, 'file-not-found', 'no such file');
    if (outcome.status === 'unreadable') {
      return fileProblem(0, 'file-unreadable', `cannot read the file: ${outcome.reason}`);
    }
    // Not text in its encoding, or not CSV from some line on (an unclosed quote…): the file is
    // refused whatever `skipInvalid` says, with the problems of the records read before it.
    const located = [...new Set([...issues.records(), ...issuesAsRead.records()])];
    const before = located.length > 0 ? await recordLines(path, located, started.read) : new Map();
    const byLine = (a: ImportProblem, b: ImportProblem) => a.line - b.line;
    return {
      kind: 'rejected',
      problems: [...toProblems(issues, before), { ...outcome.problem }].sort(byLine),
      problemsAsRead: [...toProblems(issuesAsRead, before), { ...outcome.problem }].sort(byLine),
      rowsRead,
      rowsRejected,
      skipped: skippedList,
      layout: description,
    };
  }
  if (result.status === 'header-invalid') {
    // The header's problems name columns, not anybody's data: stored as they are.
    const headerProblems = toProblems(result.issues, new Map([[0, 1]]));
    return {
      kind: 'rejected',
      problems: headerProblems,
      problemsAsRead: headerProblems,
      rowsRead: 0,
      rowsRejected: 0,
      skipped: [],
      layout: description,
    };
  }
  if (result.records === 0) return fileProblem(1, 'no-rows', 'the file has a header but no rows');
  const currencyColumn = result.columns.headerName.get('currency') ?? 'currency';
  const unit = started.type.slice(0, -1); // order, subscription
  // Listed first, even when the row problems filled the list: they decide alone.
  const fileIssues = new IssueCollector(1);
  currencies.report(fileIssues, currencyColumn, unit);
  const [only, second] = currencies.list();
  const workspaceCurrency = layoutOptions.defaultCurrency;
  const foreign = only !== undefined && second === undefined && only.code !== workspaceCurrency;
  if (foreign) {
    fileIssues.add(
      only.first,
      currencyColumn,
      'currency-mismatch',
      `the file is in ${only.code} (${only.rows.toLocaleString('en-US')} ${unit}${only.rows === 1 ? '' : 's'}) but the workspace's currency is ${workspaceCurrency}: amounts are never converted; import it into a workspace whose currency is ${only.code}`,
    );
  }
  // The currency problems name currencies and counts, not anybody's data: stored as they are.
  const located = [...fileIssues.records(), ...issues.records()];
  const lines =
    located.length > 0 ? await recordLines(path, located, started.read) : new Map<number, number>();
  const fileProblems = toProblems(fileIssues, lines);
  const problems = [...fileProblems, ...toProblems(issues, lines)].slice(0, MAX_LISTED_PROBLEMS);
  const problemsAsRead = [...fileProblems, ...toProblems(issuesAsRead, lines)].slice(0, MAX_LISTED_PROBLEMS);
  if ((rowsRejected > 0 && !skipInvalid) || second !== undefined || foreign) {
    return {
      kind: 'rejected',
      problems,
      problemsAsRead,
      rowsRead: result.records,
      rowsRejected,
      skipped: skippedList,
      layout: description,
    };
  }
  if (valid === 0 && rowsRejected === 0) {
    return fileProblem(1, 'no-rows', 'no record is left to import: every row was skipped');
  }
  return {
    kind: 'valid',
    layout: description,
    columns: Object.fromEntries(result.columns.headerName),
    records: result.records,
    header: result.header,
    problems,
    problemsAsRead,
    rejected,
    rowsRejected,
    skipped: skippedList,
  };
}

function toProblems(issues: IssueCollector, lines: ReadonlyMap<number, number>): ImportProblem[] {
  return issues
    .resolve('', (record) => lines.get(record) ?? 1)
    .map((issue) => ({ line: issue.line, column: issue.column, code: issue.code, message: issue.message }));
}

/**
 * An import of the workspace, for `GET /imports/{id}`. Throws `not_found` for an unknown id or
 * another workspace's import. One query.
 */
export async function getImport(
  db: Kysely<Database>,
  workspaceId: number,
  idText: string,
): Promise<ImportRun> {
  const id = parseRowId(idText);
  const run = id === undefined ? undefined : await findImportRun(db, workspaceId, id);
  if (run === undefined) throw notFound('Import');
  return run;
}

export type { ImportProblem, ImportRun } from './import.repository.js';
