import { open } from 'node:fs/promises';

/**
 * A CSV file's dialect — which character separates its fields, which one separates the decimals
 * of its amounts, and how its dates are written — told from its first bytes, or as the caller
 * forces it (`--delimiter`, `--decimal`, `--date-format`; the API's `delimiter`, `decimal`,
 * `dateFormat`). Every choice comes with the reason, for the output, so a file is never read in a
 * dialect nobody was told about.
 */

/** The field separators Retain reads: comma, semicolon (European spreadsheets), tab, pipe. */
export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

/** The decimal separator of amounts: `.` (1,234.56) or `,` (1.234,56). */
export const DECIMAL_SEPARATORS = ['.', ','] as const;
export type DecimalSeparator = (typeof DECIMAL_SEPARATORS)[number];

/**
 * How dates are written. `YYYY-MM-DD` is ISO 8601 and the forms accepted since the start
 * (`YYYYMMDD`, `YYYY-MM-DD HH:MM[:SS[.fff]]` and an offset); the others are day-first or
 * month-first, each with an optional time (`H:MM[:SS]`, optional `AM`/`PM`, optional offset).
 * ISO values are read whatever the format.
 */
export const DATE_FORMATS = ['YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD.MM.YYYY'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

/** What the caller asks for; each choice left out is detected. */
export interface DialectRequest {
  readonly delimiter?: Delimiter | undefined;
  readonly decimal?: DecimalSeparator | undefined;
  readonly dateFormat?: DateFormat | undefined;
}

/** The dialect a file is read in. */
export interface CsvDialect {
  readonly delimiter: Delimiter;
  /**
   * `null` when neither the caller nor the first rows settle it: each amount is then read only if
   * its separators say what they are (`12,50`, `1.234,56`, `12.50`, `1,234.56`, `1.234.567`), and
   * `1,234` or `1.234` is refused as ambiguous, naming `--decimal`.
   */
  readonly decimal: DecimalSeparator | null;
  readonly dateFormat: DateFormat;
}

/** Comma-separated, decimal point, ISO dates: what a reader assumes when given no dialect. */
export const DEFAULT_DIALECT: CsvDialect = { delimiter: ',', decimal: '.', dateFormat: 'YYYY-MM-DD' };

/** A dialect and why each part of it was chosen (one short clause each). */
export interface DetectedDialect extends CsvDialect {
  readonly reasons: {
    readonly delimiter: string;
    readonly decimal: string;
    readonly dateFormat: string;
  };
}

/** Bytes of a file's start looked at: enough for the header and hundreds of rows. */
export const DIALECT_SAMPLE_BYTES = 256 * 1024;
/** Rows (after the header) whose field counts must agree for a delimiter to be chosen. */
const DELIMITER_SAMPLE_ROWS = 50;

const QUOTE = '"';

/** How a delimiter is named in messages: `","`, `";"`, `tab`, `"|"`. */
export function delimiterName(delimiter: string): string {
  return delimiter === '\t' ? 'tab' : `"${delimiter}"`;
}

/**
 * Parses a `--delimiter` value: one of `,` `;` `|`, or `tab` (also `\t` or a tab character).
 * Returns null for anything else.
 */
export function parseDelimiter(value: string): Delimiter | null {
  if (value === 'tab' || value === '\\t' || value === '\t' || value === 'TAB') return '\t';
  return (DELIMITERS as readonly string[]).includes(value) ? (value as Delimiter) : null;
}

/**
 * Splits up to `maxRecords` records of `text` into fields (RFC 4180 quotes: a field that starts
 * with `"` runs to the next lone `"`, `""` is a quote; blank lines are not records). A last record
 * without its line end is dropped unless `complete` (the text is the whole file): it may be cut.
 * O(text length).
 */
export function sampleRecords(
  text: string,
  delimiter: string,
  maxRecords: number,
  complete: boolean,
): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let index = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let fieldStart = true;
  let inQuotes = false;
  const endRecord = (): void => {
    fields.push(field);
    field = '';
    if (fields.length > 1 || fields[0]!.trim() !== '') records.push(fields);
    fields = [];
    fieldStart = true;
  };
  for (; index < text.length && records.length < maxRecords; index++) {
    const char = text[index]!;
    if (inQuotes) {
      if (char === QUOTE) {
        if (text[index + 1] === QUOTE) {
          field += QUOTE;
          index++;
        } else inQuotes = false;
      } else field += char;
      continue;
    }
    if (char === QUOTE && fieldStart) {
      inQuotes = true;
      fieldStart = false;
    } else if (char === delimiter) {
      fields.push(field);
      field = '';
      fieldStart = true;
    } else if (char === '\n') {
      if (field.endsWith('\r')) field = field.slice(0, -1);
      endRecord();
    } else {
      field += char;
      fieldStart = false;
    }
  }
  if (complete && !inQuotes && records.length < maxRecords && (field !== '' || fields.length > 0)) {
    endRecord();
  }
  return records;
}

/**
 * The delimiter of a file from its start: for each candidate (`,` `;` tab `|`), the header's field
 * count and whether the first rows have as many; the candidate splitting the header into the most
 * fields among those the rows agree with wins (ties: the order above). A header no candidate splits
 * is one column (comma). O(sample length × candidates).
 *
 * Example: `detectDelimiter('id;amount\n1;12,50\n', true)` → `{ delimiter: ';', reason: '";"
 * splits the header into 2 columns and each of the 1 rows read into as many' }`.
 */
export function detectDelimiter(text: string, complete: boolean): { delimiter: Delimiter; reason: string } {
  let best: { delimiter: Delimiter; fields: number; rows: number } | null = null;
  let fallback: { delimiter: Delimiter; fields: number } | null = null;
  for (const delimiter of DELIMITERS) {
    const records = sampleRecords(text, delimiter, DELIMITER_SAMPLE_ROWS + 1, complete);
    const header = records[0];
    if (header === undefined || header.length < 2) continue;
    const rows = records.slice(1);
    if (rows.every((row) => row.length === header.length)) {
      if (best === null || header.length > best.fields) {
        best = { delimiter, fields: header.length, rows: rows.length };
      }
    } else if (fallback === null || header.length > fallback.fields) {
      fallback = { delimiter, fields: header.length };
    }
  }
  if (best !== null) {
    const rows = best.rows === 0 ? 'no row follows it' : `each of the first ${best.rows} rows has as many`;
    return {
      delimiter: best.delimiter,
      reason: `${delimiterName(best.delimiter)} splits the header into ${best.fields} columns and ${rows}`,
    };
  }
  if (fallback !== null) {
    return {
      delimiter: fallback.delimiter,
      reason: `${delimiterName(fallback.delimiter)} splits the header into ${fallback.fields} columns (not every row has as many)`,
    };
  }
  return { delimiter: ',', reason: 'the header is one column' };
}

/**
 * A number written with separators (and perhaps a sign and a currency symbol, as amounts are): the
 * last separator followed by 1 or 2 digits is a decimal separator (`12,50`, `1.234,56`,
 * `-$12.30`); three digits after a lone separator say nothing.
 */
const DECIMALS_SHOWN =
  /^[-+]?[$£¥€₹₩₽₺₪₫฿₱₦₴]?\s*[-+]?\d{1,3}(?:([.,\s\u00a0\u202f])\d{3})*([.,])\d{1,2}\s*[$£¥€₹₩₽₺₪₫฿₱₦₴]?$/u;
const PLAIN_DECIMALS = /^[-+]?[$£¥€₹₩₽₺₪₫฿₱₦₴]?\s*[-+]?\d+([.,])\d{1,2}\s*[$£¥€₹₩₽₺₪₫฿₱₦₴]?$/u;

/** The decimal separator `value` shows, if it shows one (see `DECIMALS_SHOWN`). */
function decimalShown(value: string): DecimalSeparator | null {
  const text = value.trim();
  if (text.length > 40 || !/\d/u.test(text)) return null;
  const grouped = DECIMALS_SHOWN.exec(text);
  if (grouped !== null) {
    if (grouped[1] !== undefined && grouped[1] === grouped[2]) return null; // "1.234.56": not a number
    return grouped[2] as DecimalSeparator;
  }
  const plain = PLAIN_DECIMALS.exec(text);
  return plain === null ? null : (plain[1] as DecimalSeparator);
}

/** A day-first or month-first date, optionally followed by a time. */
const SEPARATED_DATE = /^(\d{1,2})([/.])(\d{1,2})\2(\d{4})(?:[ T]\d{1,2}:\d{2}.*)?$/u;

interface Evidence {
  count: number;
  /** The first value and its line (1-based physical line of the sample's records, approximate). */
  example: string;
  record: number;
}

function note(evidence: Map<string, Evidence>, key: string, value: string, record: number): void {
  const seen = evidence.get(key);
  if (seen === undefined) evidence.set(key, { count: 1, example: value.trim(), record });
  else seen.count++;
}

/**
 * The dialect of a file whose first bytes are `text` (`complete`: the whole file), honouring what
 * `request` forces. Pure; O(sample length).
 *
 * - Delimiter: `detectDelimiter`.
 * - Decimal separator: the values of the first rows that show one (`12,50`, `1.234,56` show `,`;
 *   `12.50`, `1,234.56` show `.`). Only one kind shown: that one. Neither or both: a comma-separated
 *   file keeps `.` (the convention of such exports: a comma inside a number must be quoted), any
 *   other is left undetermined (`decimal: null`).
 * - Date format: slashed dates with a first number above 12 (`25/03/2024`) are day-first, with a
 *   second above 12 (`03/25/2024`) month-first; only one kind seen: that format. Dotted dates
 *   (`25.03.2024`) are day-first (no locale writes month-first dates with dots). Otherwise
 *   `YYYY-MM-DD`, and a slashed date is then refused naming `--date-format`.
 */
export function detectDialect(
  text: string,
  complete: boolean,
  request: DialectRequest = {},
): DetectedDialect {
  const found = request.delimiter === undefined ? detectDelimiter(text, complete) : null;
  const delimiter = request.delimiter ?? found!.delimiter;
  const delimiterReason = found === null ? 'as asked' : found.reason;

  const decimals = new Map<string, Evidence>();
  const dates = new Map<string, Evidence>();
  const records = sampleRecords(text, delimiter, Number.POSITIVE_INFINITY, complete);
  records.forEach((fields, index) => {
    if (index === 0) return; // the header
    for (const value of fields) {
      const decimal = decimalShown(value);
      if (decimal !== null) note(decimals, decimal, value, index);
      const date = SEPARATED_DATE.exec(value.trim());
      if (date !== null) {
        const first = Number(date[1]);
        const second = Number(date[3]);
        const kind =
          date[2] === '.'
            ? second > 12
              ? 'dotted-month-first'
              : 'dotted'
            : first > 12 && second <= 12
              ? 'day-first'
              : second > 12 && first <= 12
                ? 'month-first'
                : first <= 12 && second <= 12
                  ? 'slashed'
                  : 'impossible';
        note(dates, kind, value, index);
      }
    }
  });

  const decimal = request.decimal === undefined ? decideDecimal(decimals, delimiter) : null;
  const dateFormat = request.dateFormat === undefined ? decideDateFormat(dates) : null;
  return {
    delimiter,
    decimal: request.decimal ?? decimal!.decimal,
    dateFormat: request.dateFormat ?? dateFormat!.dateFormat,
    reasons: {
      delimiter: delimiterReason,
      decimal: decimal === null ? 'as asked' : decimal.reason,
      dateFormat: dateFormat === null ? 'as asked' : dateFormat.reason,
    },
  };
}

function rowWord(count: number): string {
  return count === 1 ? '1 value' : `${count} values`;
}

function decideDecimal(
  evidence: ReadonlyMap<string, Evidence>,
  delimiter: Delimiter,
): { decimal: DecimalSeparator | null; reason: string } {
  const comma = evidence.get(',');
  const point = evidence.get('.');
  if (comma !== undefined && point === undefined) {
    return {
      decimal: ',',
      reason: `${rowWord(comma.count)} of the first rows such as "${comma.example}"`,
    };
  }
  if (point !== undefined && comma === undefined) {
    return {
      decimal: '.',
      reason: `${rowWord(point.count)} of the first rows such as "${point.example}"`,
    };
  }
  const why =
    comma !== undefined && point !== undefined
      ? `the first rows show both ("${comma.example}", "${point.example}")`
      : 'no amount of the first rows shows its decimals';
  if (delimiter === ',') return { decimal: '.', reason: `as in comma-separated files: ${why}` };
  return { decimal: null, reason: `undetermined: ${why}` };
}

function decideDateFormat(evidence: ReadonlyMap<string, Evidence>): {
  dateFormat: DateFormat;
  reason: string;
} {
  const dayFirst = evidence.get('day-first');
  const monthFirst = evidence.get('month-first');
  const slashed = evidence.get('slashed');
  const dotted = evidence.get('dotted');
  if (dayFirst !== undefined && monthFirst === undefined) {
    return {
      dateFormat: 'DD/MM/YYYY',
      reason: `"${dayFirst.example}" has no month ${Number(dayFirst.example.split('/')[0])}`,
    };
  }
  if (monthFirst !== undefined && dayFirst === undefined) {
    return {
      dateFormat: 'MM/DD/YYYY',
      reason: `"${monthFirst.example}" has no month ${Number(monthFirst.example.split('/')[1])}`,
    };
  }
  if (dayFirst !== undefined || slashed !== undefined) {
    const example = (slashed ?? dayFirst)!.example;
    return {
      dateFormat: 'YYYY-MM-DD',
      reason:
        dayFirst !== undefined
          ? `the first rows hold both day-first and month-first dates ("${dayFirst.example}", "${monthFirst!.example}")`
          : `slashed dates such as "${example}" do not say whether the day or the month comes first`,
    };
  }
  if (dotted !== undefined && evidence.get('dotted-month-first') === undefined) {
    return { dateFormat: 'DD.MM.YYYY', reason: `dotted dates such as "${dotted.example}" are day-first` };
  }
  return { dateFormat: 'YYYY-MM-DD', reason: 'ISO 8601: no other date form in the first rows' };
}

/** Why the dialect of a file could not be read. */
export type DialectOutcome =
  | { readonly status: 'read'; readonly dialect: DetectedDialect }
  | { readonly status: 'not-found' }
  | { readonly status: 'unreadable'; readonly reason: string };

/**
 * `detectDialect` on the first `DIALECT_SAMPLE_BYTES` of `path` (decoded as UTF-8; a character
 * cut at the end of the sample is dropped with the last, incomplete record). O(sample).
 */
export async function readDialect(path: string, request: DialectRequest = {}): Promise<DialectOutcome> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      return { status: 'unreadable', reason: 'it is not a file' };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'not-found' };
    return { status: 'unreadable', reason: (error as Error).message };
  }
  try {
    const buffer = Buffer.alloc(DIALECT_SAMPLE_BYTES);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    const complete = length < buffer.length;
    const text = buffer.subarray(0, length).toString('utf8');
    return { status: 'read', dialect: detectDialect(text, complete, request) };
  } catch (error) {
    return { status: 'unreadable', reason: (error as Error).message };
  } finally {
    await handle.close();
  }
}

/**
 * One sentence saying how a file was read, when anything differs from a plain comma-separated file
 * with decimal points and ISO dates (else null), e.g. `Read as ";"-separated (…); decimal comma
 * (…); dates DD.MM.YYYY (…).` For the commands' output.
 */
export function describeDialect(dialect: DetectedDialect): string | null {
  const { delimiter, decimal, dateFormat, reasons } = dialect;
  if (delimiter === ',' && decimal === '.' && dateFormat === 'YYYY-MM-DD') return null;
  const decimalWords =
    decimal === ',' ? 'decimal comma' : decimal === '.' ? 'decimal point' : 'decimal separator';
  return (
    `Read as ${delimiterName(delimiter)}-separated (${reasons.delimiter}); ` +
    `${decimalWords} (${reasons.decimal}); dates ${dateFormat} (${reasons.dateFormat}).`
  );
}
