/**
 * A generic customer table (one row per customer, any columns) read from CSV for the churn
 * classifier and for published per-customer summaries: each column comes back as an array of
 * numbers or strings, blanks as `null`, with located issues instead of exceptions.
 */
import { fail, ok, type Result } from '../core/light.js';
import { type CsvIssue, fileReadIssue, IssueCollector } from './csv-issue.js';
import { recordLines, streamCsv } from './csv-stream.js';

/** How a column's values were read: every non-blank value a number, or text. */
export type TableColumnKind = 'numeric' | 'text';

export interface ReadTableOptions {
  /** Read these columns as given (`text` keeps "007" as "007"); others are inferred. */
  readonly kinds?: Readonly<Record<string, TableColumnKind>>;
  /** At most this many issues are collected (default 100); reading stops there. */
  readonly maxIssues?: number;
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/** What `readTableCsv` returns. */
export interface TableFile {
  /** Header names as written, in file order. */
  readonly names: readonly string[];
  /** One array per column, one value per data row: a number, a string, or `null` for a blank. */
  readonly columns: Readonly<Record<string, (number | string | null)[]>>;
  readonly kinds: Readonly<Record<string, TableColumnKind>>;
  /** Blank values per column. */
  readonly blanks: Readonly<Record<string, number>>;
  /** Data rows read. */
  readonly rows: number;
}

/** A decimal number as people write it in exports: `12`, `-3.5`, `.5`, `1e3` (no thousands separators). */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Blank = empty or only spaces/tabs. Words such as "NA" are values: they may be a real category. */
function isBlankText(text: string): boolean {
  return text.trim() === '';
}

/**
 * Streams `path` (header line, then one record per customer) into columns. A column is `numeric`
 * when every non-blank value is a plain decimal number (then its values are numbers), else `text`
 * (values trimmed strings); `options.kinds` overrides the inference (a forced numeric column with
 * a value that is not a number is an `invalid-number` issue). Blank fields are `null` and counted.
 *
 * Issues (each with its 1-based physical line): `file-not-found`, `empty-file`, `file-unreadable`,
 * the file-wide problems of `streamCsv` (`invalid-utf8`, `unclosed-quote`…), `empty-header` /
 * `duplicate-header` (line 1), `field-count` (a row with more or fewer fields than the header) and
 * the other record problems of `streamCsv` (`malformed-quotes`…), `invalid-number`,
 * `unknown-column` (a `kinds` key not in the header).
 *
 * Complexity: O(file size); memory one string per cell until the kinds are decided, then numbers
 * for numeric columns.
 *
 * @example
 * // customers.csv: "id,orders,plan\na,3,pro\nb,,basic"
 * const read = await readTableCsv('customers.csv');
 * // read.value.columns → { id: ['a', 'b'], orders: [3, null], plan: ['pro', 'basic'] }
 */
export async function readTableCsv(
  path: string,
  options: ReadTableOptions = {},
): Promise<Result<TableFile, CsvIssue[]>> {
  const issues = new IssueCollector(options.maxIssues ?? 100);
  let names: string[] = [];
  let raw: (string | null)[][] = [];
  let rows = 0;
  const outcome = await streamCsv(
    path,
    {
      header(fields) {
        names = fields.map((name) => name.trim());
        const seen = new Set<string>();
        for (const name of names) {
          if (name === '') issues.add(0, null, 'empty-header', 'a column has no name');
          else if (seen.has(name)) issues.add(0, name, 'duplicate-header', 'the column appears twice');
          seen.add(name);
        }
        for (const name of Object.keys(options.kinds ?? {})) {
          if (!seen.has(name)) issues.add(0, name, 'unknown-column', 'no such column in the header');
        }
        raw = names.map(() => []);
        return issues.count === 0;
      },
      row(fields, record, _line, issue) {
        if (issue !== null) {
          issues.add(record, issue.column, issue.code, issue.message);
          return !issues.full;
        }
        for (let column = 0; column < names.length; column++) {
          const text = fields[column] ?? '';
          // Copy the text: the parser's strings may share one large chunk buffer.
          raw[column]!.push(isBlankText(text) ? null : (' ' + text.trim()).slice(1));
        }
        rows++;
        return true;
      },
    },
    options.onProgress,
  );
  if (outcome.status !== 'read') return fail([fileReadIssue(path, outcome)]);

  const columns: Record<string, (number | string | null)[]> = {};
  const kinds: Record<string, TableColumnKind> = {};
  const blanks: Record<string, number> = {};
  if (issues.count === 0) {
    names.forEach((name, column) => {
      const values = raw[column]!;
      let blankCount = 0;
      let allNumbers = true;
      for (const value of values) {
        if (value === null) blankCount++;
        else if (allNumbers && !NUMBER.test(value)) allNumbers = false;
      }
      const kind = options.kinds?.[name] ?? (allNumbers ? 'numeric' : 'text');
      if (kind === 'numeric') {
        const numbers: (number | null)[] = new Array(values.length);
        values.forEach((value, row) => {
          if (value !== null && !NUMBER.test(value)) {
            issues.add(row + 1, name, 'invalid-number', `cannot read "${value}" as a number`);
          }
          numbers[row] = value === null ? null : Number(value);
        });
        columns[name] = numbers;
      } else {
        columns[name] = values;
      }
      kinds[name] = kind;
      blanks[name] = blankCount;
    });
  }
  if (issues.count > 0) {
    const lines = await recordLines(path, issues.records());
    return fail(issues.resolve(path, (record) => lines.get(record) ?? 0));
  }
  return ok({ names, columns, kinds, blanks, rows });
}
