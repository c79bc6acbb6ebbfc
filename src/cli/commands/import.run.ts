/** The work of `retain import` (described in `import.ts`), loaded only when the command runs. */
import { statSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { describeDialect } from '../../csv/index.js';
import {
  IMPORT_FORMATS,
  IMPORT_TYPES,
  type ImportFormat,
  type ImportOutcome,
  type ImportProgress,
  type ImportType,
  runImport,
} from '../../imports/index.js';
import { CliError } from '../cli-error.js';
import { parseDialectFlags } from '../dialect-options.js';
import { parseEncodingOption } from '../encoding-option.js';
import { parseChoice, parseColumnMap } from '../options.js';
import { counted } from '../render/counted.js';
import { resolveWorkspace, withStore } from '../store.js';
import type { ImportFlags } from './import.js';

/** Files larger than this get a progress bar on stderr (unless --json). */
const PROGRESS_THRESHOLD_BYTES = 20 * 1024 * 1024;

/** Runs the command and returns what it prints; throws `CliError` (exit 2) for a rejected file. */
export async function runImportCommand(file: string, flags: ImportFlags): Promise<string> {
  const type = parseChoice(flags.type ?? '', '--type', IMPORT_TYPES) as ImportType;
  const format = parseChoice(flags.format, '--format', IMPORT_FORMATS) as ImportFormat;
  const encoding = parseEncodingOption(flags.encoding ?? 'utf-8');
  const read = {
    ...parseDialectFlags(flags),
    ...(flags.map === undefined ? {} : { map: parseColumnMap(flags.map) }),
  };
  let size = 0;
  try {
    size = statSync(file).size;
  } catch {
    throw new CliError(`${file}: no such file`);
  }
  const bar =
    !flags.json && size > PROGRESS_THRESHOLD_BYTES && process.stderr.isTTY
      ? new SingleBar({ format: '{phase} [{bar}] {percentage}% | {rows} rows', hideCursor: true })
      : null;
  let phase: ImportProgress['phase'] | null = null;
  const onProgress = (progress: ImportProgress): void => {
    if (bar === null) return;
    if (phase !== progress.phase) {
      if (phase !== null) bar.stop();
      phase = progress.phase;
      bar.start(progress.totalBytes || 1, 0, { phase: progress.phase, rows: 0 });
    }
    bar.update(progress.bytesRead, {
      rows: progress.phase === 'writing' ? progress.rowsWritten : progress.rowsRead,
    });
  };

  const outcome = await withStore(async (db) => {
    const workspace = await resolveWorkspace(db, flags.workspace);
    try {
      return await runImport(db, {
        workspaceId: workspace.id,
        path: file,
        type,
        format,
        encoding,
        skipInvalid: flags.skipInvalid ?? false,
        read,
        onProgress,
      });
    } finally {
      bar?.stop();
    }
  });
  return report(file, outcome, flags.json ?? false, format);
}

/** The codes of `CsvFileProblem` (csv/csv-stream.ts): the file cannot be split into rows. */
const UNREADABLE_FILE_CODES = new Set([
  'invalid-utf8',
  'invalid-encoding',
  'utf-16',
  'wrong-encoding',
  'unclosed-quote',
  'record-too-large',
  'too-many-columns',
  'invalid-header',
]);

function report(file: string, outcome: ImportOutcome, json: boolean, format: ImportFormat): string {
  const { run } = outcome;
  if (run.status === 'rejected') {
    // The user's own file on their own terminal: the problems with the values read (the stored
    // run keeps them without: imports/import.problems.ts).
    const listed = outcome.problemsAsRead
      .map(
        (problem) =>
          `${file}${problem.line > 0 ? `:${problem.line}` : ''}:${problem.column === null ? '' : ` column "${problem.column}":`} ${problem.message}`,
      )
      .join('\n');
    const more =
      run.rowsRejected > outcome.problemsAsRead.length
        ? `\n(${run.rowsRejected} invalid rows in all; the first problems are listed)`
        : '';
    // No invalid row and a problem of the file as a whole (not text in its encoding, an unclosed
    // quote…): --skip-invalid would not help. A header or currency problem says its own fix.
    const unreadable = outcome.problemsAsRead.some((problem) => UNREADABLE_FILE_CODES.has(problem.code));
    const why =
      run.rowsRejected > 0
        ? ` ${run.rowsRejected} invalid row(s). Fix them, or pass --skip-invalid.`
        : unreadable
          ? ' the file cannot be read as it is.'
          : '';
    throw new CliError(`${file} was not imported (nothing was written):${why}\n${listed}${more}`);
  }
  if (json) {
    return `${JSON.stringify({
      id: String(run.id),
      status: run.status,
      type: run.type,
      format: run.format,
      rowsRead: run.rowsRead,
      rowsWritten: run.rowsWritten,
      rowsRejected: run.rowsRejected,
      customersCreated: outcome.customersCreated,
      skipped: outcome.skipped,
      rejectsFile: outcome.rejectsPath,
      resumed: outcome.resumed,
      layout: outcome.layout,
      columns: outcome.columns,
      dialect: outcome.dialect,
      problems: outcome.problemsAsRead,
    })}\n`;
  }
  const lines = [
    `Imported ${counted(run.rowsWritten, run.type.slice(0, -1))} from ${file} (${counted(run.rowsRead, 'row')} read${outcome.resumed ? ', resumed after an interrupted run' : ''}).`,
  ];
  if (format === 'auto' && outcome.layout !== null) lines.push(`Read as ${outcome.layout}.`);
  // Stripe's export names the start `Start Date (UTC)` or `Start (UTC)`: say which was read.
  const startColumn = outcome.columns?.started_at;
  if (outcome.layout === 'a Stripe subscriptions export' && startColumn !== undefined) {
    lines.push(`Subscription starts read from "${startColumn}".`);
  }
  const dialect = outcome.dialect === null ? null : describeDialect(outcome.dialect);
  if (dialect !== null) lines.push(dialect);
  if (outcome.customersCreated > 0) {
    lines.push(
      `${counted(outcome.customersCreated, 'customer was', 'customers were')} created for the records that referenced them.`,
    );
  }
  for (const { reason, count } of outcome.skipped)
    lines.push(`${count.toLocaleString('en-US')} skipped: ${reason}.`);
  if (outcome.rejectsPath !== null) {
    lines.push(
      `${counted(run.rowsRejected, 'invalid row was', 'invalid rows were')} left out; they are listed with their reasons in ${outcome.rejectsPath}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}
