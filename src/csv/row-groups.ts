import { type FieldSpec, normalizeHeader, type ResolvedColumns, resolveColumns } from './columns.js';
import { IssueCollector } from './csv-issue.js';
import { formatCount, isIdentifierField, MAX_ID_CHARS } from './csv-limits.js';
import { type CsvReadOptions, type CsvStreamOutcome, streamCsv } from './csv-stream.js';
import { type CsvDialect, DEFAULT_DIALECT } from './dialect.js';
import { InstantParser } from './instant-parser.js';
import { looksLike } from './layouts/detect-layout.js';
import { type RecordProblem, type RowBinding, RowReader } from './row-reader.js';

/** Another kind of file than the one being read, and what to say when a header looks like it. */
export interface OtherKind {
  readonly kind: 'orders' | 'subscriptions';
  readonly hint: string;
}

/** How the lines of a file become records: its fields, and which consecutive lines are one record. */
export interface RowGroupLayout {
  readonly fields: readonly FieldSpec[];
  /** The zone of dates without an offset when the format fixes it (Stripe writes UTC). */
  readonly timeZone?: string;
  /** Consecutive lines with the same key are one record (e.g. a Shopify order's line items). */
  readonly groupKey?: (row: RowReader) => string;
}

export interface ReadRowGroupsOptions<L extends RowGroupLayout> {
  /** The layout, or how to choose it from the header as written (format detection). */
  readonly layout: L | ((names: readonly string[]) => L);
  /** IANA zone of dates without an offset, unless the layout fixes one. */
  readonly timeZone: string;
  /** Delimiter, decimal separator and date format (`readDialect`); default comma, `.`, ISO. */
  readonly dialect?: CsvDialect | undefined;
  /** Logical field → header name (replaces the layout's defaults for that field). */
  readonly map?: Readonly<Record<string, string>> | undefined;
  /** Extra columns to locate (`ResolvedColumns.attributes`). */
  readonly attributes?: readonly string[] | undefined;
  /**
   * The other kind of file the reader's caller could have meant, and what to say when the header
   * looks like one (`looksLike`) and misses a column, e.g. `{ kind: 'subscriptions', hint: 'this
   * looks like a subscriptions file: did you mean --mode subscription?' }`.
   */
  readonly otherKind?: OtherKind | undefined;
  readonly onProgress?: ((bytesRead: number, totalBytes: number) => void) | undefined;
  /** Encoding and bounds of the file (default UTF-8, `CSV_LIMITS`); the delimiter is `dialect`'s. */
  readonly read?: CsvReadOptions | undefined;
}

/** How `readRowGroups` streams the file: `read`'s encoding and bounds, `dialect`'s delimiter. */
export function rowGroupReadOptions(options: {
  readonly dialect?: CsvDialect | undefined;
  readonly read?: CsvReadOptions | undefined;
}): CsvReadOptions {
  return { ...options.read, delimiter: options.dialect?.delimiter ?? options.read?.delimiter ?? ',' };
}

export interface RowGroupHandlers<L extends RowGroupLayout> {
  /** The layout chosen and its columns, before the first record. */
  header?(layout: L, columns: ResolvedColumns): void;
  /**
   * One record: its lines (data records `firstRecord..lastRecord`, 1-based), read through
   * `RowReader`s whose problems land in `problems` (emptied before each record; copy to keep).
   */
  group(
    lines: readonly RowReader[],
    problems: RecordProblem[],
    firstRecord: number,
    lastRecord: number,
  ): void;
  // `problems` already holds the record's syntax problems (see `readRowGroups`) when a line could
  // not be split or has an over-long id: then its fields mean nothing, and a reader should not read them.
  /** Return false to stop reading early. */
  shouldContinue?(): boolean;
}

export type ReadRowGroupsResult<L extends RowGroupLayout> =
  | {
      readonly status: 'read';
      readonly records: number;
      readonly header: readonly string[];
      readonly layout: L;
      readonly columns: ResolvedColumns;
    }
  | {
      readonly status: 'header-invalid';
      readonly issues: IssueCollector;
      readonly header: readonly string[];
      readonly layout: L | null;
    }
  | { readonly status: 'unreadable'; readonly outcome: Exclude<CsvStreamOutcome, { status: 'read' }> };

/**
 * Streams `path` (through `streamCsv`), binds the header to the layout's fields (`resolveColumns`:
 * a missing column is a header issue naming the columns found), groups consecutive lines with the
 * same `groupKey`, and calls `handlers.group` once per record, in file order. A line that cannot
 * be split (`CsvRecordIssue`: text after a closing quote, a NUL, a wrong number of fields, a field
 * past the limits) or whose identifier or e-mail field is longer than `MAX_ID_CHARS` arrives with
 * that problem already in `problems`. This is the one
 * reading engine of every layout read by record — the import's, and `retain analyze`'s Shopify,
 * Stripe and non-scanner generic files — so a layout's rules run identically on both paths.
 *
 * O(file size) time; memory: one record's lines.
 * Example: `await readRowGroups('orders.csv', { layout: shopifyOrders, timeZone: 'UTC' }, { group })`.
 */
export async function readRowGroups<L extends RowGroupLayout>(
  path: string,
  options: ReadRowGroupsOptions<L>,
  handlers: RowGroupHandlers<L>,
): Promise<ReadRowGroupsResult<L>> {
  const headerIssues = new IssueCollector(100);
  let layout: L | null = null;
  let binding: RowBinding | null = null;
  let header: string[] = [];
  let group: RowReader[] = [];
  let groupKey = '';
  const dialect = options.dialect ?? DEFAULT_DIALECT;

  // Identifier and e-mail columns, bounded by MAX_ID_CHARS: [column index, header name].
  let idColumns: (readonly [number, string])[] = [];
  // Each line's own problems (syntax, over-long ids), by position in `group`.
  let groupProblems: (RecordProblem[] | null)[] = [];
  const finishGroup = (): void => {
    if (group.length === 0 || binding === null) return;
    const lines = group;
    const problems = groupProblems;
    group = [];
    groupProblems = [];
    binding.problems.length = 0;
    for (const lineProblems of problems) if (lineProblems !== null) binding.problems.push(...lineProblems);
    handlers.group(lines, binding.problems, lines[0]!.record, lines[lines.length - 1]!.record);
  };

  const outcome = await streamCsv(
    path,
    {
      header: (names) => {
        header = [...names];
        const chosen = typeof options.layout === 'function' ? options.layout(names) : options.layout;
        layout = chosen;
        const otherKind = options.otherKind;
        const columns = resolveColumns(names, chosen.fields, options.map, options.attributes, headerIssues, {
          otherKind: otherKind !== undefined && looksLike(otherKind.kind, names) ? otherKind.hint : null,
        });
        if (columns === null) return false;
        const claimed = new Set(columns.index.values());
        const extraColumns: [number, string][] = [];
        names.forEach((name, index) => {
          if (!claimed.has(index) && normalizeHeader(name) !== '') extraColumns.push([index, name.trim()]);
        });
        const instants = new InstantParser(chosen.timeZone ?? options.timeZone, dialect.dateFormat);
        binding = { columns, instants, decimal: dialect.decimal, problems: [], extraColumns };
        idColumns = [];
        for (const [field, index] of columns.index) {
          if (index !== -1 && isIdentifierField(field))
            idColumns.push([index, columns.headerName.get(field)!]);
        }
        handlers.header?.(chosen, columns);
        return true;
      },
      row: (fields, record, _line, issue) => {
        const line = new RowReader(fields, record, binding!);
        let lineProblems: RecordProblem[] | null = null;
        if (issue !== null)
          lineProblems = [{ column: issue.column, code: issue.code, message: issue.message }];
        else {
          for (const [index, name] of idColumns) {
            const length = fields[index]!.length;
            if (length > MAX_ID_CHARS) {
              lineProblems ??= [];
              lineProblems.push({
                column: name,
                code: 'value-too-long',
                message: `the value has ${formatCount(length)} characters, more than the ${formatCount(MAX_ID_CHARS)} an identifier or e-mail may have`,
              });
            }
          }
        }
        const key = layout!.groupKey;
        if (key === undefined) {
          group.push(line);
          groupProblems.push(lineProblems);
          finishGroup();
        } else {
          const lineKey = key(line);
          if (group.length > 0 && lineKey !== groupKey) finishGroup();
          groupKey = lineKey;
          group.push(line);
          groupProblems.push(lineProblems);
        }
        return handlers.shouldContinue?.() ?? true;
      },
    },
    options.onProgress,
    rowGroupReadOptions(options),
  );
  finishGroup();
  if (outcome.status !== 'read') return { status: 'unreadable', outcome };
  const bound = binding as RowBinding | null;
  if (bound === null || layout === null) {
    return { status: 'header-invalid', issues: headerIssues, header, layout };
  }
  return { status: 'read', records: outcome.records, header, layout, columns: bound.columns };
}
