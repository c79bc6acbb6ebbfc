import { fail, ok, type Result } from '../core/light.js';
import type { ResolvedColumns } from './columns.js';
import { type CsvIssue, fileReadIssue, type IssueCollector } from './csv-issue.js';
import { recordLines } from './csv-stream.js';
import {
  type ReadRowGroupsOptions,
  type RowGroupLayout,
  readRowGroups,
  rowGroupReadOptions,
} from './row-groups.js';
import type { RowReader } from './row-reader.js';

/** A record a layout leaves out on purpose, by reason. */
interface Skipped {
  readonly skip: string;
}

export interface LayoutRecordHandlers<L extends RowGroupLayout, R> {
  /** The layout chosen (format detection) and its columns, before the first record. */
  header?(layout: L, columns: ResolvedColumns): void;
  /** Reads one record through `layout` (problems go through the rows; then null). */
  read(layout: L, lines: readonly RowReader[]): R | Skipped | null;
  /** A valid record (`firstRecord`: its first data record, for issues). */
  record(value: R, lines: readonly RowReader[], firstRecord: number): void;
  skipped(reason: string): void;
  /** After the last record (the file read whole): issues about the file as a whole (currencies). */
  finish?(): void;
  /** After a read with no problem: the reason nothing is left to analyse, or null when rows are. */
  nothingLeft(): string | null;
}

export interface LayoutRecordsRead<L> {
  readonly layout: L;
  readonly columns: ResolvedColumns;
  readonly records: number;
}

/**
 * `retain analyze`'s reading of a file by record, through the same engine and layouts as
 * `retain import` (`readRowGroups`): every problem of a record becomes an issue on its first line
 * and column, and the read stops once `issues` is full. Any issue, an unreadable file, a header
 * without rows or with no row left (`nothingLeft`) make the result `{ ok: false }` with the issues
 * on their physical lines — never a partial read. O(file size).
 */
export async function readLayoutRecords<L extends RowGroupLayout, R>(
  path: string,
  options: ReadRowGroupsOptions<L>,
  issues: IssueCollector,
  handlers: LayoutRecordHandlers<L, R>,
): Promise<Result<LayoutRecordsRead<L>, CsvIssue[]>> {
  let chosen: L | null = null;
  const result = await readRowGroups(path, options, {
    header: (layout, columns) => {
      chosen = layout;
      handlers.header?.(layout, columns);
    },
    group: (lines, problems, firstRecord) => {
      // A line that could not be split is not read: its fields would only add noise.
      const value = problems.length > 0 ? null : handlers.read(chosen!, lines);
      if (problems.length > 0 || value === null) {
        if (problems.length === 0) issues.add(firstRecord, null, 'invalid-row', 'the row cannot be read');
        for (const problem of problems)
          issues.add(firstRecord, problem.column, problem.code, problem.message);
        return;
      }
      if (typeof value === 'object' && 'skip' in (value as object)) {
        handlers.skipped((value as Skipped).skip);
        return;
      }
      handlers.record(value as R, lines, firstRecord);
    },
    shouldContinue: () => !issues.full,
  });
  if (result.status === 'unreadable') return fail([fileReadIssue(path, result.outcome)]);
  if (result.status === 'header-invalid') {
    const header = await recordLines(path, [0], rowGroupReadOptions(options));
    return fail(result.issues.resolve(path, () => header.get(0) ?? 1));
  }
  handlers.finish?.();
  if (issues.count === 0) {
    if (result.records === 0) issues.add(0, null, 'no-rows', 'the file has a header but no rows');
    else {
      const reason = handlers.nothingLeft();
      if (reason !== null) issues.add(0, null, 'no-rows', reason);
    }
  }
  if (issues.count > 0) {
    const lines = await recordLines(path, issues.records(), rowGroupReadOptions(options));
    return fail(issues.resolve(path, (record) => lines.get(record) ?? 1));
  }
  return ok({ layout: result.layout, columns: result.columns, records: result.records });
}
