/**
 * The import's record readers run on `csv/`'s record engine (`readRowGroups`): it streams the file,
 * binds the header to a layout's fields, groups consecutive lines that form one record (a Shopify
 * order is one line per line item) and reads values through `RowReader` with the same exact parsers
 * as `retain analyze`. The order and subscription layouts themselves are defined once in
 * `csv/layouts/` (`order-records.ts`, `subscription-records.ts` adapt them to the store's records).
 */
import {
  type CsvDialect,
  type CsvReadOptions,
  type CsvStreamOutcome,
  type FieldSpec,
  type IssueCollector,
  type OtherKind,
  type RecordProblem,
  type ResolvedColumns,
  type RowReader,
  readRowGroups,
} from '../csv/index.js';

export type { RecordProblem, RowReader } from '../csv/index.js';

/** Options every layout gets. */
export interface LayoutOptions {
  /** IANA zone for date-times written without an offset (default UTC). */
  readonly timeZone: string;
  /** Currency of files without a currency column (the workspace's, default USD). */
  readonly defaultCurrency: string;
  /** The file's delimiter, decimal separator and date format (default comma, `.`, ISO). */
  readonly dialect?: CsvDialect | undefined;
  /** What a header error says when the file looks like another kind (`--type`). */
  readonly otherKind?: OtherKind | undefined;
  /** Logical field → the file's column for it (`--map`), replacing the layout's names. */
  readonly map?: Readonly<Record<string, string>> | undefined;
  /**
   * Called with each valid record's currency as the file writes it (null when blank) and its
   * first data record: the validation pass counts them. Not given to the reader thread.
   */
  readonly onCurrency?: ((currency: string | null, record: number) => void) | undefined;
}

/**
 * How one file layout becomes records. `read` gets the lines of one record (one, unless `groupKey`
 * groups consecutive lines) and returns the record, `null` after reporting problems through the
 * rows, or a record left out on purpose (`{ skip: reason }`, or `'skip'` with `skipReason`):
 * counted, not a problem. `detect`, when present, chooses the layout from the header
 * (`--format auto`).
 */
export interface RecordLayout<R> {
  readonly fields: readonly FieldSpec[];
  /** Consecutive lines with the same key are one record (e.g. a Shopify order's line items). */
  readonly groupKey?: (row: RowReader) => string;
  read(lines: readonly RowReader[], options: LayoutOptions): R | null | 'skip' | { readonly skip: string };
  /** Why a `'skip'` row was skipped (for the summary). */
  readonly skipReason?: string;
  /** The zone of dates without an offset when the format fixes it (Stripe writes UTC). */
  readonly timeZone?: string;
  /** The layout of a file with this header (`--format auto`); this layout's own fields are unused then. */
  readonly detect?: (names: readonly string[]) => RecordLayout<R>;
  /** The layout's name for people (e.g. `Shopify orders export`), said once a file is read. */
  readonly description?: string;
}

/** What `readRecords` reports for each record. */
export interface RecordHandlers<R> {
  /** A valid record from CSV records `firstRecord..lastRecord` (1-based data records). */
  record(record: R, firstRecord: number, lastRecord: number, lines: readonly (readonly string[])[]): void;
  /** An invalid record and its problems. */
  invalid(
    problems: readonly RecordProblem[],
    firstRecord: number,
    lastRecord: number,
    lines: readonly (readonly string[])[],
  ): void;
  /** A row left out on purpose. */
  skipped?(reason: string, firstRecord: number): void;
  /** Return false to stop reading early. */
  shouldContinue?(): boolean;
}

export type ReadRecordsResult =
  | {
      readonly status: 'read';
      readonly records: number;
      readonly header: readonly string[];
      /** The layout that read it (the one `detect` chose), and where its fields were found. */
      readonly description: string | null;
      readonly columns: ResolvedColumns;
    }
  | {
      readonly status: 'header-invalid';
      readonly issues: IssueCollector;
      readonly header: readonly string[];
      readonly description: string | null;
    }
  | { readonly status: 'unreadable'; readonly outcome: Exclude<CsvStreamOutcome, { status: 'read' }> };

/**
 * Streams `path` and calls `handlers` once per record of `layout`, in file order. A file that cannot
 * be read as text or as CSV (invalid UTF-8, an unclosed quote, a record past the limits) ends the
 * reading with `{ status: 'unreadable', outcome: { status: 'invalid', problem } }`.
 * O(file size) time; memory: one record's lines.
 */
export async function readRecords<R>(
  path: string,
  layout: RecordLayout<R>,
  options: LayoutOptions,
  handlers: RecordHandlers<R>,
  /** After each chunk read; a returned promise pauses the reading until it settles. */
  onProgress?: (bytesRead: number, totalBytes: number) => void | Promise<void>,
  /** The file's encoding, delimiter and bounds (default UTF-8, `,`, `CSV_LIMITS`). */
  read: CsvReadOptions = {},
): Promise<ReadRecordsResult> {
  let chosen = layout;
  const result = await readRowGroups(
    path,
    {
      layout: layout.detect ?? layout,
      timeZone: options.timeZone,
      dialect: options.dialect,
      map: options.map,
      otherKind: options.otherKind,
      onProgress,
      read,
    },
    {
      header: (picked) => {
        chosen = picked;
      },
      group: (lines, problems, first, last) => {
        // A line that could not be split is not read: its fields would only add noise.
        const result = problems.length > 0 ? null : chosen.read(lines, options);
        const rawLines = lines.map((line) => line.fields);
        if (problems.length > 0 || result === null) {
          const listed =
            problems.length > 0
              ? [...problems]
              : [{ column: null, code: 'invalid-row', message: 'the row cannot be read' }];
          handlers.invalid(listed, first, last, rawLines);
        } else if (result === 'skip') {
          handlers.skipped?.(chosen.skipReason ?? 'skipped', first);
        } else if (typeof result === 'object' && result !== null && 'skip' in result) {
          handlers.skipped?.((result as { readonly skip: string }).skip, first);
        } else {
          handlers.record(result as R, first, last, rawLines);
        }
      },
      ...(handlers.shouldContinue ? { shouldContinue: handlers.shouldContinue } : {}),
    },
  );
  if (result.status === 'unreadable') return result;
  if (result.status === 'header-invalid') {
    const description = result.layout?.description ?? null;
    return { status: 'header-invalid', issues: result.issues, header: result.header, description };
  }
  return {
    status: 'read',
    records: result.records,
    header: result.header,
    description: result.layout.description ?? null,
    columns: result.columns,
  };
}

/** Encodes fields as one CSV line (RFC 4180 quoting), for the rejects file. O(length). */
export function csvLine(fields: readonly (string | number)[]): string {
  return fields
    .map((field) => {
      const text = String(field);
      return /[",\r\n]/u.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
    })
    .join(',');
}
