import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { initParser, type Parser, type Schema } from 'udsv';
import type { Delimiter } from './dialect.js';

/**
 * Streams a comma-separated (or `delimiter`-separated) file through uDSV (the fastest of the parsers measured in
 * bench/csv.bench.ts) one chunk at a time, so a file of any size is never held whole: the header
 * line is split here (quote-aware, BOM stripped, CRLF or LF), the records after it are handed to
 * `row` as string arrays, in order.
 */

const CHUNK_BYTES = 1 << 20;
const QUOTE = 34;
const LINE_FEED = 10;
const CARRIAGE_RETURN = 13;

export interface CsvStreamHandlers {
  /** The header's fields as written (BOM stripped, quotes removed). Return false to stop reading. */
  header(names: string[]): boolean;
  /**
   * One data record (`record` counts from 1; the header is record 0). The array belongs to the
   * parser: read it, do not keep it. Return false to stop reading.
   */
  row(fields: string[], record: number): boolean;
}

export type CsvStreamOutcome =
  | { readonly status: 'read'; readonly records: number; readonly stopped: boolean }
  | { readonly status: 'empty' }
  | { readonly status: 'not-found' }
  | { readonly status: 'unreadable'; readonly reason: string };

/**
 * Reads `path`, calling `handlers.header` once and `handlers.row` per record; `onProgress` after
 * each chunk with the bytes read so far and the file's size; fields are separated by `delimiter`
 * (default comma). Blank lines are skipped (as uDSV does). O(file size) time, O(chunk + header)
 * memory beyond what the handlers keep.
 */
export async function streamCsv(
  path: string,
  handlers: CsvStreamHandlers,
  onProgress?: (bytesRead: number, totalBytes: number) => void | Promise<void>,
  delimiter: Delimiter = ',',
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

  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: CHUNK_BYTES });
  let pendingHeader = '';
  let parser: Parser | null = null;
  let records = 0;
  let stopped = false;
  const onRecord = (fields: string[]): boolean => {
    records++;
    if (handlers.row(fields, records) === false) {
      stopped = true;
      return false;
    }
    return true;
  };

  try {
    for await (const chunk of stream) {
      let text = chunk as string;
      if (parser === null) {
        pendingHeader += text;
        if (pendingHeader.charCodeAt(0) === 0xfeff) pendingHeader = pendingHeader.slice(1);
        const headerEnd = endOfFirstRecord(pendingHeader, delimiter);
        if (headerEnd === -1) continue; // the header line is not complete yet
        const split = splitHeader(pendingHeader, headerEnd, delimiter);
        if (split === null) continue; // only blank lines so far
        if (!handlers.header(split.names)) return { status: 'read', records: 0, stopped: true };
        parser = initParser(schemaFor(split.names.length, split.rowDelimiter, delimiter));
        text = pendingHeader.slice(split.next);
        pendingHeader = '';
      }
      parser.chunk(text, parser.stringArrs, onRecord);
      // A promise returned by onProgress pauses the reading until it settles (backpressure).
      const paused = onProgress?.(stream.bytesRead, totalBytes);
      if (paused !== undefined) await paused;
      if (stopped) break;
    }
  } catch (error) {
    return { status: 'unreadable', reason: (error as Error).message };
  } finally {
    stream.destroy();
  }

  if (parser === null) {
    // End of file inside the header: the whole remaining text is the header, if anything.
    const split = splitHeader(pendingHeader, pendingHeader.length, delimiter);
    if (split === null) return { status: 'empty' };
    await onProgress?.(totalBytes, totalBytes);
    return handlers.header(split.names)
      ? { status: 'read', records: 0, stopped: false }
      : { status: 'read', records: 0, stopped: true };
  }
  if (!stopped) {
    parser.end();
    await onProgress?.(totalBytes, totalBytes);
  }
  return { status: 'read', records, stopped };
}

function schemaFor(columnCount: number, rowDelimiter: string, delimiter: Delimiter): Schema {
  const schema = {
    skip: 0,
    col: delimiter,
    row: rowDelimiter,
    encl: '"',
    esc: '"',
    trim: false,
    cols: Array.from({ length: columnCount }, (_, index) => ({
      name: String(index),
      type: 's' as const,
      repl: { empty: '', null: undefined, NaN: undefined },
    })),
  };
  return schema;
}

/**
 * Index just past the first record's line break (quote-aware) skipping leading blank lines, or −1
 * when the text holds no complete record yet.
 */
function endOfFirstRecord(text: string, delimiter: Delimiter): number {
  const delimiterCode = delimiter.charCodeAt(0);
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
    fieldStart = code === delimiterCode;
  }
  return -1;
}

/** The header fields in `text[0, end)` (blank lines before it skipped); null when there are none. */
function splitHeader(
  text: string,
  end: number,
  delimiter: Delimiter,
): { names: string[]; rowDelimiter: string; next: number } | null {
  let start = 0;
  while (start < end) {
    const code = text.charCodeAt(start);
    if (code !== LINE_FEED && code !== CARRIAGE_RETURN && code !== 32 && (code !== 9 || delimiter === '\t')) {
      break;
    }
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
    const comma = text.indexOf(delimiter, index);
    const stop = comma === -1 || comma > lineEnd ? lineEnd : comma;
    field += text.slice(index, stop);
    names.push(field);
    field = '';
    index = stop + 1;
  }
  return { names, rowDelimiter, next: end };
}

/**
 * Physical line (1-based) on which each of `records` starts: the header is record 0. A second,
 * char-by-char pass over the file, run only when there are issues to locate; it splits records as
 * the streaming pass does (quotes may span lines; blank lines are not records). O(file size up to
 * the last record asked for).
 */
export async function recordLines(
  path: string,
  records: readonly number[],
  delimiter: Delimiter = ',',
): Promise<Map<number, number>> {
  const delimiterCode = delimiter.charCodeAt(0);
  const wanted = new Set(records);
  const lines = new Map<number, number>();
  const last = Math.max(0, ...records);
  let line = 1;
  let record = -1; // becomes 0 at the header's first character
  let inQuotes = false;
  let quoteAtChunkEnd = false; // a quote closing a chunk inside a quoted field: `""` or the end?
  let fieldStart = true;
  let atLineStart = true;
  let inRecord = false;
  let first = true;
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: CHUNK_BYTES });
  try {
    scan: for await (const chunk of stream) {
      const text = chunk as string;
      let index = 0;
      if (first) {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) index = 1;
      }
      if (quoteAtChunkEnd) {
        quoteAtChunkEnd = false;
        if (text.charCodeAt(index) === QUOTE) index++;
        else inQuotes = false;
      }
      for (; index < text.length; index++) {
        const code = text.charCodeAt(index);
        if (inQuotes) {
          if (code === QUOTE) {
            if (index + 1 === text.length) quoteAtChunkEnd = true;
            else if (text.charCodeAt(index + 1) === QUOTE) index++;
            else inQuotes = false;
          } else if (code === LINE_FEED) line++;
          continue;
        }
        if (code === LINE_FEED) {
          line++;
          inRecord = false;
          atLineStart = true;
          fieldStart = true;
          continue;
        }
        if (!inRecord) {
          if (code === CARRIAGE_RETURN && atLineStart) continue; // a blank CRLF line
          if (record === -1 && (code === 32 || code === 9)) continue; // blanks before the header
          inRecord = true;
          record++;
          if (record > last) break scan;
          if (wanted.has(record)) lines.set(record, line);
        }
        atLineStart = false;
        if (code === QUOTE && fieldStart) inQuotes = true;
        fieldStart = code === delimiterCode;
      }
    }
  } finally {
    stream.destroy();
  }
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
  | { readonly status: 'empty' }
  | { readonly status: 'not-found' }
  | { readonly status: 'unreadable'; readonly reason: string };

/**
 * Reads only the header of `path` (BOM stripped, blank lines before it skipped, quotes honoured):
 * its fields and the byte offset and line where the data starts, so that the data can be read by
 * byte ranges. O(header size).
 */
export async function readCsvHeader(path: string, delimiter: Delimiter = ','): Promise<CsvHeader> {
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
      headerEnd = endOfFirstRecord(text, delimiter);
      if (headerEnd !== -1) break;
    }
  } catch (error) {
    return { status: 'unreadable', reason: (error as Error).message };
  } finally {
    stream.destroy();
  }
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const end = headerEnd === -1 ? text.length : headerEnd;
  const split = splitHeader(text.slice(bom), end - bom, delimiter);
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
