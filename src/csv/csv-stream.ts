import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { CSV_LIMITS, type CsvLimits, formatCount } from './csv-limits.js';
import { type CsvSyntaxIssue, CsvTokenizer } from './csv-tokenizer.js';
import type { Delimiter } from './dialect.js';
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
const LINE_FEED = 10;

/** How a file is read: its encoding, delimiter and bounds. */
export interface CsvReadOptions {
  /** `utf-8` (default; invalid bytes are refused), `latin1` (ISO-8859-1) or `windows-1252`. */
  readonly encoding?: CsvEncoding | undefined;
  /** The one character between fields (default `,`; `--delimiter`, or detected by `readDialect`). */
  readonly delimiter?: Delimiter | undefined;
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
  | {
      readonly status: 'read';
      readonly records: number;
      readonly stopped: boolean;
      /** The file's size. */
      readonly totalBytes: number;
    }
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
  return { status: 'read', records, stopped, totalBytes };
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
  | Exclude<CsvStreamOutcome, { status: 'read' }>;

/**
 * Reads only the header of `path` — through `streamCsv`, so with the same decoding, blank-line
 * rules, strictness and bounds as every other read — and where its data starts (the byte offset
 * after the header's line break, and its line), so that the data can be read by byte ranges.
 * O(header size + one chunk).
 */
export async function readCsvHeader(path: string, options: CsvReadOptions = {}): Promise<CsvHeader> {
  let names: string[] = [];
  let headerLine = 0;
  const outcome = await streamCsv(
    path,
    {
      header: (fields, line) => {
        names = fields;
        headerLine = line;
        return false;
      },
      row: () => false,
    },
    undefined,
    options,
  );
  if (outcome.status !== 'read') return outcome;
  // The header's last line: line breaks inside its quoted names are lines of it too.
  let lastLine = headerLine;
  for (const name of names)
    for (let at = name.indexOf('\n'); at !== -1; at = name.indexOf('\n', at + 1)) lastLine++;
  const dataByte = await byteAfterLine(path, lastLine);
  return {
    status: 'header',
    names,
    dataByte: dataByte ?? outcome.totalBytes,
    dataLine: lastLine + 1,
    headerLine,
    totalBytes: outcome.totalBytes,
  };
}

/** The byte offset just after the line feed that ends line `line` of `path`, or null when there is none. O(that offset). */
async function byteAfterLine(path: string, line: number): Promise<number | null> {
  let seen = 0;
  let offset = 0;
  const stream = createReadStream(path, { highWaterMark: 1 << 16 });
  try {
    for await (const chunk of stream) {
      const bytes = chunk as Buffer;
      for (let at = bytes.indexOf(LINE_FEED); at !== -1; at = bytes.indexOf(LINE_FEED, at + 1)) {
        if (++seen === line) return offset + at + 1;
      }
      offset += bytes.length;
    }
  } finally {
    stream.destroy();
  }
  return null;
}
