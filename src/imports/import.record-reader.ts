/**
 * The record-level reading engine shared by the `*-records.ts` layouts: streams a CSV file through
 * `streamCsv`, binds the header to a layout's fields (`resolveColumns`), groups consecutive lines
 * that form one record (a Shopify order is one line per line item), and hands each record — or its
 * problems, by column — to the caller. Values are read with the same exact parsers as the analytics
 * readers (`parseAmountCents`, `InstantParser`).
 */
import {
  amountProblem,
  type CsvStreamOutcome,
  dateProblem,
  type FieldSpec,
  InstantParser,
  IssueCollector,
  normalizeHeader,
  parseAmountCents,
  type ResolvedColumns,
  resolveColumns,
  streamCsv,
} from '../csv/index.js';

/** One problem with a record, before its physical line is known. */
export interface RecordProblem {
  readonly column: string | null;
  readonly code: string;
  readonly message: string;
}

/** Options every layout gets. */
export interface LayoutOptions {
  /** IANA zone for date-times written without an offset (default UTC). */
  readonly timeZone: string;
  /** Currency of files without a currency column (the workspace's, default USD). */
  readonly defaultCurrency: string;
}

/**
 * How one file layout becomes records. `read` gets the lines of one record (one, unless `groupKey`
 * groups consecutive lines) and returns the record, `null` after reporting problems through `row`,
 * or `'skip'` for a row left out on purpose (counted, not a problem).
 */
export interface RecordLayout<R> {
  readonly fields: readonly FieldSpec[];
  /** Consecutive lines with the same key are one record (e.g. a Shopify order's line items). */
  readonly groupKey?: (row: RowReader) => string;
  read(lines: readonly RowReader[], options: LayoutOptions): R | null | 'skip';
  /** Why a skipped row was skipped (for the summary). */
  readonly skipReason?: string;
  /** The zone of dates without an offset when the format fixes it (Stripe writes UTC). */
  readonly timeZone?: string;
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'subscribed', 'opted_in', 'accepted']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', '', 'unsubscribed', 'not_subscribed', 'opted_out']);

/**
 * Reads the fields of one CSV line by logical field name, reporting each unreadable value as a
 * problem located by the column's header name. A reader is bound to one record's line.
 */
export class RowReader {
  readonly fields: readonly string[];
  readonly record: number;
  private readonly binding: Binding;

  constructor(fields: readonly string[], record: number, binding: Binding) {
    this.fields = fields;
    this.record = record;
    this.binding = binding;
  }

  /** The header name of `field` as written (for messages). */
  column(field: string): string {
    return this.binding.columns.headerName.get(field) ?? field;
  }

  /** Whether the file has a column for `field`. */
  has(field: string): boolean {
    return (this.binding.columns.index.get(field) ?? -1) !== -1;
  }

  /** The field's text, trimmed; '' when blank or absent. */
  text(field: string): string {
    const index = this.binding.columns.index.get(field) ?? -1;
    return index === -1 ? '' : (this.fields[index] ?? '').trim();
  }

  /** The field's text, or null when blank or absent. */
  optional(field: string): string | null {
    const value = this.text(field);
    return value === '' ? null : value;
  }

  problem(field: string | null, code: string, message: string): void {
    this.binding.problems.push({ column: field === null ? null : this.column(field), code, message });
  }

  /** The field's text; a problem when blank. */
  required(field: string, what: string): string {
    const value = this.text(field);
    if (value === '') this.problem(field, 'missing-value', `the ${what} is blank`);
    return value;
  }

  /** Exact cents, or null when blank and not required; NaN after reporting a problem. */
  amount(field: string, required: boolean): number | null {
    const text = this.text(field);
    if (text === '') {
      if (required) {
        this.problem(field, 'missing-value', 'the amount is blank');
        return Number.NaN;
      }
      return null;
    }
    const cents = parseAmountCents(text);
    if (Number.isNaN(cents)) {
      const problem = amountProblem(text);
      this.problem(
        field,
        problem?.code ?? 'invalid-amount',
        `cannot read "${text}" as an amount${problem?.reason ? `: ${problem.reason}` : ''}`,
      );
    }
    return cents;
  }

  /** An instant, or null when blank and not required; NaN after reporting a problem. */
  instant(field: string, required: boolean): number | null {
    const text = this.text(field);
    if (text === '') {
      if (required) {
        this.problem(field, 'missing-value', 'the date is blank');
        return Number.NaN;
      }
      return null;
    }
    const instant = this.binding.instants.parse(text);
    if (Number.isNaN(instant)) {
      this.problem(field, 'invalid-date', `cannot read "${text}" as a date: ${dateProblem(text).reason}`);
    }
    return instant;
  }

  /** yes/no, true/false, 1/0 (blank = false). A problem for any other word. */
  flag(field: string): boolean {
    const text = this.text(field).toLowerCase();
    if (TRUE_WORDS.has(text)) return true;
    if (!FALSE_WORDS.has(text)) this.problem(field, 'invalid-flag', `expected yes or no, got "${text}"`);
    return false;
  }

  /** A whole number ≥ `minimum`, `fallback` when blank. */
  integer(field: string, fallback: number, minimum: number): number {
    const text = this.text(field);
    if (text === '') return fallback;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < minimum) {
      this.problem(field, 'invalid-number', `expected a whole number ≥ ${minimum}, got "${text}"`);
      return fallback;
    }
    return value;
  }

  /** An e-mail address, lower-cased; null when blank; a problem when it has no `@`. */
  email(field: string): string | null {
    const text = this.text(field).toLowerCase();
    if (text === '') return null;
    if (!/^[^\s@]+@[^\s@]+$/u.test(text)) {
      this.problem(field, 'invalid-email', `"${text}" is not an e-mail address`);
      return null;
    }
    return text;
  }

  /** An ISO 4217 code (3 letters, upper-cased), or `fallback` when blank. */
  currency(field: string, fallback: string): string {
    const text = this.text(field).toUpperCase();
    if (text === '') return fallback;
    if (!/^[A-Z]{3}$/u.test(text))
      this.problem(field, 'invalid-currency', `"${text}" is not a currency code`);
    return text;
  }

  /** Columns not bound to a field, by header name (blank values left out): free attributes. */
  extraColumns(): Record<string, string> {
    const extras: Record<string, string> = {};
    for (const [index, name] of this.binding.extraColumns) {
      const value = (this.fields[index] ?? '').trim();
      if (value !== '') extras[name] = value;
    }
    return extras;
  }

  /** Whether any problem was reported on the current record. */
  get failed(): boolean {
    return this.binding.problems.length > 0;
  }
}

/** The per-file state a `RowReader` reads through. */
interface Binding {
  readonly columns: ResolvedColumns;
  readonly instants: InstantParser;
  readonly problems: RecordProblem[];
  /** Column index → header name, for columns no field claimed. */
  readonly extraColumns: readonly (readonly [number, string])[];
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
  | { readonly status: 'read'; readonly records: number; readonly header: readonly string[] }
  | { readonly status: 'header-invalid'; readonly issues: IssueCollector; readonly header: readonly string[] }
  | { readonly status: 'unreadable'; readonly outcome: Exclude<CsvStreamOutcome, { status: 'read' }> };

/**
 * Streams `path` and calls `handlers` once per record of `layout`, in file order.
 * O(file size) time; memory: one record's lines (copied, as the parser reuses its arrays).
 */
export async function readRecords<R>(
  path: string,
  layout: RecordLayout<R>,
  options: LayoutOptions,
  handlers: RecordHandlers<R>,
  /** After each chunk read; a returned promise pauses the reading until it settles. */
  onProgress?: (bytesRead: number, totalBytes: number) => void | Promise<void>,
): Promise<ReadRecordsResult> {
  const headerIssues = new IssueCollector(100);
  const instants = new InstantParser(layout.timeZone ?? options.timeZone);
  let binding: Binding | null = null;
  let header: string[] = [];
  let group: RowReader[] = [];
  let groupKey = '';

  const finishGroup = (): void => {
    if (group.length === 0 || binding === null) return;
    const lines = group;
    group = [];
    binding.problems.length = 0;
    const first = lines[0]!.record;
    const last = lines[lines.length - 1]!.record;
    const result = layout.read(lines, options);
    const rawLines = lines.map((line) => line.fields);
    if (binding.problems.length > 0 || result === null) {
      const problems =
        binding.problems.length > 0
          ? [...binding.problems]
          : [{ column: null, code: 'invalid-row', message: 'the row cannot be read' }];
      handlers.invalid(problems, first, last, rawLines);
    } else if (result === 'skip') {
      handlers.skipped?.(layout.skipReason ?? 'skipped', first);
    } else {
      handlers.record(result, first, last, rawLines);
    }
  };

  const outcome = await streamCsv(
    path,
    {
      header: (names) => {
        header = [...names];
        const columns = resolveColumns(names, layout.fields, undefined, undefined, headerIssues);
        if (columns === null) return false;
        const claimed = new Set(columns.index.values());
        const extraColumns: [number, string][] = [];
        names.forEach((name, index) => {
          if (!claimed.has(index) && normalizeHeader(name) !== '') extraColumns.push([index, name.trim()]);
        });
        binding = { columns, instants, problems: [], extraColumns };
        return true;
      },
      row: (fields, record) => {
        const line = new RowReader(fields.slice(), record, binding!);
        if (layout.groupKey === undefined) {
          group.push(line);
          finishGroup();
        } else {
          const key = layout.groupKey(line);
          if (group.length > 0 && key !== groupKey) finishGroup();
          groupKey = key;
          group.push(line);
        }
        return handlers.shouldContinue?.() ?? true;
      },
    },
    onProgress,
  );
  finishGroup();
  if (outcome.status !== 'read') return { status: 'unreadable', outcome };
  if (binding === null) return { status: 'header-invalid', issues: headerIssues, header };
  return { status: 'read', records: outcome.records, header };
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
