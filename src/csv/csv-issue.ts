/**
 * A problem found while reading a CSV file, located precisely enough to fix it by hand: `line` is
 * the 1-based physical line in the file (the header is line 1; a quoted field spanning lines
 * counts every line), `column` the header name (or the logical field) concerned, if any.
 */
import type { CsvStreamOutcome } from './csv-stream.js';

export interface CsvIssue {
  readonly file: string;
  /** 1-based physical line; 0 when the issue is about the file as a whole or the options. */
  readonly line: number;
  readonly column: string | null;
  /** Stable machine-readable code, e.g. `missing-column`, `invalid-amount`, `file-not-found`. */
  readonly code: string;
  readonly message: string;
}

/**
 * One line for people: `orders.csv:12: column "amount": cannot read "12,3x" as an amount`. An issue
 * about the file as a whole or the options (line 0) has no line: `orders.csv: no such file`.
 * O(message length).
 */
export function formatCsvIssue(issue: CsvIssue): string {
  const column = issue.column === null ? '' : ` column "${issue.column}":`;
  const line = issue.line > 0 ? `:${issue.line}` : '';
  return `${issue.file}${line}:${column} ${issue.message}`;
}

/** An issue found on a data row, before its physical line is known (see `IssueCollector`). */
export interface PendingIssue {
  /** 0 for the header (or the file as a whole), k for the k-th data record. */
  readonly record: number;
  readonly column: string | null;
  readonly code: string;
  readonly message: string;
}

/**
 * Collects issues by record number up to a limit. Record numbers are turned into physical lines
 * once, after reading (`resolve`), so the hot path never counts newlines.
 */
export class IssueCollector {
  private readonly pending: PendingIssue[] = [];
  readonly limit: number;

  constructor(limit = 100) {
    this.limit = Math.max(1, Math.floor(limit));
  }

  get count(): number {
    return this.pending.length;
  }

  get full(): boolean {
    return this.pending.length >= this.limit;
  }

  /** Records an issue unless the limit is reached. */
  add(record: number, column: string | null, code: string, message: string): void {
    if (this.pending.length < this.limit) this.pending.push({ record, column, code, message });
  }

  /** The issues collected so far, in the order they were added (plain objects: they can be posted). */
  list(): readonly PendingIssue[] {
    return this.pending;
  }

  /** The record numbers that need a physical line. */
  records(): number[] {
    return this.pending.map((issue) => issue.record);
  }

  /** The issues with their lines, sorted by line (stable). `lineOf(0)` must be 1. */
  resolve(file: string, lineOf: (record: number) => number): CsvIssue[] {
    return this.pending
      .map((issue) => ({
        file,
        line: lineOf(issue.record),
        column: issue.column,
        code: issue.code,
        message: issue.message,
      }))
      .sort((a, b) => a.line - b.line);
  }
}

/** The single issue for a file that could not be read at all. */
export function fileReadIssue(
  file: string,
  outcome: Exclude<CsvStreamOutcome, { status: 'read' }>,
): CsvIssue {
  switch (outcome.status) {
    case 'not-found':
      return { file, line: 0, column: null, code: 'file-not-found', message: 'no such file' };
    case 'empty':
      return { file, line: 1, column: null, code: 'empty-file', message: 'the file is empty' };
    case 'unreadable':
      return {
        file,
        line: 0,
        column: null,
        code: 'file-unreadable',
        message: `cannot read the file: ${outcome.reason}`,
      };
    case 'invalid':
      return { file, ...outcome.problem };
  }
}
