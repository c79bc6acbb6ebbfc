import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { CSV_LIMITS, type CsvLimits, formatCount } from './csv-limits.js';
import { type CsvSyntaxIssue, CsvTokenizer } from './csv-tokenizer.js';
import { ChunkDecoder, type CsvEncoding, EncodingProblem, lineOfByte } from './text-decoding.js';

/**
 * Streams a CSV file one chunk at a time, so a file of any size is never held whole: its bytes are
 * decoded strictly (`ChunkDecoder`: invalid UTF-8, or bytes that are not text in the encoding
 * asked for, stop the read with the line named), tokenized strictly (`CsvTokenizer`: an unclosed
 * quote, text after a closing quote, NUL, the `CSV_LIMITS`), the header (the first non-blank
 * record) is handed to `header` and the records after it to `row`, in order, each with the problem
 * that makes it unreadable, if any — a wrong number of fields included.
 */

const CHUNK_BYTES = 1 << 20;
const QUOTE = 34;
const COMMA = 44;
const LINE_FEED = 10;
const CARRIAGE_RETURN = 13;

/** How a file is read: its encoding, delimiter and bounds. */
export interface CsvReadOptions {
  /** `utf-8` (default; invalid bytes are refused), `latin1` (ISO-8859-1) or `windows-1252`. */
  readonly encoding?: CsvEncoding | undefined;
  /** The one character between fields (default `,`); see `CsvTokenizerOptions.delimiter`. */
  readonly delimiter?: string | undefined;
  /** Bounds (default `CSV_LIMITS`); tests lower them. */
  readonly limits?: Partial<CsvLimits> | undefined;
}

/** What makes a data record unreadable, found while splitting it (before any layout reads it). */
export interface CsvRecordIssue {
  /** The header name of the field concerned, as written (`field 7` past the header's end), or null. */
  readonly column: string | null;
  /** `malformed-quotes`, `nul-character`, `field-too-long`, `too-many-fields`, `field-count`. */
  readonly code: string;
  readonly message: string;
}

export interface CsvStreamHandlers {
  /**
   * The header's fields as written (BOM stripped, quotes removed) and its line. Return false to
   * stop reading.
   */
  header(names: string[], line: number): boolean;
  /**
   * One data record (`record` counts from 1; the header is record 0), the physical line it starts
   * on, and what makes it unreadable (null when nothing). The array is the handler's to keep.
   * Return false to stop reading.
   */
  row(fields: string[], record: number, line: number, issue: CsvRecordIssue | null): boolean;
}

/** A problem that stops the reading of the whole file, with its line. */
export interface CsvFileProblem {
  /** 1-based physical line. */
  readonly line: number;
  readonly column: string | null;
  /** `invalid-utf8`, `invalid-encoding`, `utf-16`, `wrong-encoding`, `unclosed-quote`, `record-too-large`, `too-many-columns`, `invalid-header`. */
  readonly code: string;
  readonly message: string;
}

export type CsvStreamOutcome =
  | { readonly status: 'read'; readonly records: number; readonly stopped: boolean }
  | { readonly status: 'empty' }
  | { readonly status: 'not-found' }
  | { readonly status: 'unreadable'; readonly reason: string }
  /** Records before `problem.line` were handed to `row`; the file must be refused. */
  | { readonly status: 'invalid'; readonly problem: CsvFileProblem };

/**
 * Reads `path`, calling `handlers.header` once and `handlers.row` per record; `onProgress` after
 * each chunk with the bytes read so far and the file's size (a returned promise pauses the reading
 * until it settles: backpressure). Blank lines are skipped, and blank-only lines before the header.
 * O(file size) time; memory: one chunk and one record beyond what the handlers keep.
 */
export async function streamCsv(
  path: string,
  handlers: CsvStreamHandlers,
  onProgress?: (bytesRead: number, totalBytes: number) => void | Promise<void>,
  options: CsvReadOptions = {},
): Promise<CsvStreamOutcome> {
  let stats: Stats;
  try {
    stats = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'not-found' };
    return { status: 'unreadable', reason: (error as Error).message };
  }
  if (!stats.isFile()) return { status: 'unreadable', reason: 'it is not a file' };
  const totalBytes = stats.size;
  const limits = { ...CSV_LIMITS, ...options.limits };

  let names: string[] | null = null;
  let records = 0;
  let stopped = false;
  let headerProblem: CsvFileProblem | null = null;
  const columnOf = (field: number): string | null =>
    field === 0 || names === null ? null : (names[field - 1]?.trim() ?? `field ${field}`);
  const tokenizer = new CsvTokenizer(
    (fields, line, issue) => {
      if (names === null) {
        if (issue === null && fields.length === 1 && fields[0]!.trim() === '') return true; // blank
        if (issue !== null) {
          headerProblem = {
            line,
            column: null,
            code: issue.code === 'too-many-fields' ? 'too-many-columns' : 'invalid-header',
            message:
              issue.code === 'too-many-fields'
                ? `the header has more than ${formatCount(limits.maxFields)} columns, the limit`
                : `the header cannot be read: ${issue.message}`,
          };
          return false;
        }
        names = fields;
        if (handlers.header(fields, line)) return true;
        stopped = true;
        return false;
      }
      records++;
      const recordIssue =
        issue !== null
          ? { column: columnOf(issue.field), code: issue.code, message: issue.message }
          : fields.length !== names.length
            ? {
                column: null,
                code: 'field-count',
                message: `line ${line} has ${fields.length} field${fields.length === 1 ? '' : 's'}, the header has ${names.length}`,
              }
            : null;
      if (handlers.row(fields, records, line, recordIssue)) return true;
      stopped = true;
      return false;
    },
    { ...(options.delimiter === undefined ? {} : { delimiter: options.delimiter }), limits },
  );
  const decoder = new ChunkDecoder(options.encoding ?? 'utf-8');
  const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  try {
    for await (const chunk of stream) {
      if (!tokenizer.write(decoder.decode(chunk as Buffer))) break;
      const paused = onProgress?.(stream.bytesRead, totalBytes);
      if (paused !== undefined) await paused;
    }
    if (!tokenizer.done && tokenizer.write(decoder.end())) {
      tokenizer.end();
      if (tokenizer.failure === null && !stopped) await onProgress?.(totalBytes, totalBytes);
    }
  } catch (error) {
    if (error instanceof EncodingProblem) {
      const line = await lineOfByte(path, error.byte);
      return { status: 'invalid', problem: { line, column: null, code: error.code, message: error.message } };
    }
    return { status: 'unreadable', reason: (error as Error).message };
  } finally {
    stream.destroy();
  }
  const failure = tokenizer.failure as CsvSyntaxIssue | null;
  if (failure !== null) {
    return {
      status: 'invalid',
      problem: {
        line: failure.line,
        column: columnOf(failure.field),
        code: failure.code,
        message: failure.message,
      },
    };
  }
  if (headerProblem !== null) return { status: 'invalid', problem: headerProblem };
  if (names === null) return { status: 'empty' };
  return { status: 'read', records, stopped };
}

/**
 * Physical line (1-based) on which each of `records` starts: the header is record 0. A second pass
 * over the file through `streamCsv` itself (same decoding, same tokenizer, so the same records),
 * run only when there are issues to locate; it stops after the last record asked for.
 * O(file size up to that record).
 */
export async function recordLines(
  path: string,
  records: readonly number[],
  options: CsvReadOptions = {},
): Promise<Map<number, number>> {
  const wanted = new Set(records);
  const lines = new Map<number, number>();
  const last = Math.max(0, ...records);
  await streamCsv(
    path,
    {
      header: (_names, line) => {
        lines.set(0, line);
        return last > 0;
      },
      row: (_fields, record, line) => {
        if (wanted.has(record)) lines.set(record, line);
        return record < last;
      },
    },
    undefined,
    options,
  );
  if (!lines.has(0)) lines.set(0, 1);
  return lines;
}

/**
 * Index just past the first record's line break (quote-aware) skipping leading blank lines, or −1
 * when the text holds no complete record yet.
 */
function endOfFirstRecord(text: string): number {
  let inQuotes = false;
  let fieldStart = true;
  let nonBlank = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inQuotes) {
      if (code === QUOTE) {
        if (text.charCodeAt(index + 1) === QUOTE) index++;
        else inQuotes = false;
      }
      continue;
    }
    if (code === LINE_FEED) {
      if (nonBlank) return index + 1;
      fieldStart = true;
      continue;
    }
    if (code !== CARRIAGE_RETURN) nonBlank = true;
    if (code === QUOTE && fieldStart) inQuotes = true;
    fieldStart = code === COMMA;
  }
  return -1;
}

/** The header fields in `text[0, end)` (blank lines before it skipped); null when there are none. */
function splitHeader(
  text: string,
  end: number,
): { names: string[]; rowDelimiter: string; next: number } | null {
  let start = 0;
  while (start < end) {
    const code = text.charCodeAt(start);
    if (code !== LINE_FEED && code !== CARRIAGE_RETURN && code !== 32 && code !== 9) break;
    start++;
  }
  if (start >= end) return null;
  let lineEnd = end;
  let rowDelimiter = '\n';
  if (text.charCodeAt(lineEnd - 1) === LINE_FEED) {
    lineEnd--;
    if (text.charCodeAt(lineEnd - 1) === CARRIAGE_RETURN) {
      lineEnd--;
      rowDelimiter = '\r\n';
    }
  }
  const names: string[] = [];
  let field = '';
  let index = start;
  while (index <= lineEnd) {
    if (text.charCodeAt(index) === QUOTE) {
      index++;
      while (index < lineEnd) {
        const code = text.charCodeAt(index);
        if (code === QUOTE) {
          if (text.charCodeAt(index + 1) === QUOTE) {
            field += '"';
            index += 2;
            continue;
          }
          index++;
          break;
        }
        field += text[index];
        index++;
      }
    }
    const comma = text.indexOf(',', index);
    const stop = comma === -1 || comma > lineEnd ? lineEnd : comma;
    field += text.slice(index, stop);
    names.push(field);
    field = '';
    index = stop + 1;
  }
  return { names, rowDelimiter, next: end };
}

/** The header of a file and where its data starts, or why there is none. */
export type CsvHeader =
  | {
      readonly status: 'header';
      readonly names: string[];
      /** Byte offset of the first character after the header line (the data). */
      readonly dataByte: number;
      /** Physical line of that character, and of the header itself (1-based). */
      readonly dataLine: number;
      readonly headerLine: number;
      readonly totalBytes: number;
    }
  | { readonly status: 'empty' }
  | { readonly status: 'not-found' }
  | { readonly status: 'unreadable'; readonly reason: string };

/**
 * Reads only the header of `path` (BOM stripped, blank lines before it skipped, quotes honoured):
 * its fields and the byte offset and line where the data starts, so that the data can be read by
 * byte ranges. O(header size).
 */
export async function readCsvHeader(path: string): Promise<CsvHeader> {
  let stats: Stats;
  try {
    stats = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'not-found' };
    return { status: 'unreadable', reason: (error as Error).message };
  }
  if (!stats.isFile()) return { status: 'unreadable', reason: 'it is not a file' };
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 });
  let text = '';
  let headerEnd = -1;
  try {
    for await (const chunk of stream) {
      text += chunk as string;
      headerEnd = endOfFirstRecord(text);
      if (headerEnd !== -1) break;
    }
  } catch (error) {
    return { status: 'unreadable', reason: (error as Error).message };
  } finally {
    stream.destroy();
  }
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const end = headerEnd === -1 ? text.length : headerEnd;
  const split = splitHeader(text.slice(bom), end - bom);
  if (split === null) return { status: 'empty' };
  const header = text.slice(0, end);
  let first = bom;
  while (first < end && /[\n\r \t]/u.test(header[first]!)) first++;
  const linesBefore = (upTo: number): number => header.slice(0, upTo).split('\n').length - 1;
  return {
    status: 'header',
    names: split.names,
    dataByte: headerEnd === -1 ? stats.size : Buffer.byteLength(header, 'utf8'),
    dataLine: 1 + linesBefore(end),
    headerLine: 1 + linesBefore(first),
    totalBytes: stats.size,
  };
}
