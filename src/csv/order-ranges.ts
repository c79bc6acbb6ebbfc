import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { PendingIssue } from './csv-issue.js';
import { CSV_LIMITS } from './csv-limits.js';
import type { DateFormat } from './dialect.js';
import type { GenericOrderLayout, OrderScanner, ScannedOrders } from './order-scanner.js';
import { firstInvalidUtf8, utf8Problem } from './text-decoding.js';

/** Bytes read per chunk. */
const CHUNK_BYTES = 1 << 20;
/** A record longer than this (in characters) is taken for an unclosed quote rather than buffered further. */
const MAX_RECORD_CHARS = CSV_LIMITS.maxRecordChars;

/** How a byte range was read. */
export type RangeOutcome =
  | {
      readonly status: 'read';
      /** Whether the range ended exactly at a record's end (not inside a quoted field). */
      readonly endsAtRecord: boolean;
    }
  | { readonly status: 'unreadable'; readonly reason: string }
  /** Bytes that are not UTF-8 at `byte` (offset in the file): the read must be refused. */
  | { readonly status: 'invalid-utf8'; readonly byte: number; readonly message: string };

/**
 * Streams bytes `[fromByte, toByte)` of `path` through `scanner` (as bytes: no decoding), carrying
 * each chunk's unfinished record over to the next. `fromByte` must be the start of a line.
 * With `last`, the range's end is the end of the file (a last record without a line feed counts);
 * without, the range is expected to end exactly after a line feed, and `endsAtRecord` says whether
 * it did outside quotes. `onBytes` gets the bytes read so far after each chunk. The bytes scanned
 * must be UTF-8 (`isUtf8`, per chunk of whole records): the first that is not ends the read as
 * `invalid-utf8` (the scanner decodes ids leniently, and a Latin-1 "José" and "Josè" would
 * otherwise both become "Jos\uFFFD", one customer).
 * O(range size) time, O(chunk) memory beyond the scanner's columns.
 */
export async function scanRange(
  path: string,
  fromByte: number,
  toByte: number,
  scanner: OrderScanner,
  last: boolean,
  onBytes?: (bytesRead: number) => void,
): Promise<RangeOutcome> {
  if (toByte <= fromByte) return { status: 'read', endsAtRecord: true };
  const stream = createReadStream(path, {
    highWaterMark: CHUNK_BYTES,
    start: fromByte,
    end: toByte - 1,
  });
  let rest: Buffer = EMPTY;
  let estimated = false;
  let offset = fromByte; // of `bytes[0]` in the file
  const notUtf8 = (bytes: Uint8Array): RangeOutcome => {
    const problem = utf8Problem(offset, bytes);
    return { status: 'invalid-utf8', byte: problem.byte, message: problem.message };
  };
  try {
    for await (const chunk of stream) {
      const bytes = rest.length === 0 ? (chunk as Buffer) : Buffer.concat([rest, chunk as Buffer]);
      const consumed = scanner.scan(bytes, false);
      // Whole records end at a line feed, so they hold whole characters.
      if (!isUtf8(bytes.subarray(0, consumed))) return notUtf8(bytes.subarray(0, consumed));
      // The import refuses a NUL (no store keeps it): its record reader names the line.
      if (scanner.importChecks && bytes.subarray(0, consumed).includes(0)) scanner.giveUp();
      offset += consumed;
      // A copy, not a view: the rest is small, and a view would keep the whole chunk alive.
      rest = consumed === bytes.length ? EMPTY : Buffer.from(bytes.subarray(consumed));
      if (!estimated && scanner.rows > 0) {
        // Size the columns once from the first chunk's bytes per row.
        estimated = true;
        scanner.reserve(((toByte - fromByte) / consumed) * scanner.rows * 1.05);
      }
      onBytes?.(stream.bytesRead);
      if (scanner.stopped) break;
      // Bytes bound characters from above: decode (rarely) only to tell when the characters do.
      if (rest.length > MAX_RECORD_CHARS && rest.toString('utf8').length > MAX_RECORD_CHARS) {
        if (firstInvalidUtf8(rest) < rest.length - 3) return notUtf8(rest);
        scanner.scan(rest, true); // reports the record (usually an unclosed quote) and ends
        return { status: 'read', endsAtRecord: false };
      }
    }
  } catch (error) {
    return { status: 'unreadable', reason: (error as Error).message };
  } finally {
    stream.destroy();
  }
  if (scanner.stopped) return { status: 'read', endsAtRecord: true };
  const endsAtRecord = rest.length === 0;
  if (last && rest.length > 0) {
    if (!isUtf8(rest)) return notUtf8(rest);
    if (scanner.importChecks && rest.includes(0)) scanner.giveUp();
    else scanner.scan(rest, true);
  }
  return { status: 'read', endsAtRecord };
}

const EMPTY = Buffer.alloc(0);

/** Below this many data bytes a file is read on one thread (a worker costs more than it saves). */
export const PARALLEL_MIN_BYTES = 32 << 20;
/** Bytes either side of a split point that must hold no `"` for the split to be tried. */
const SPLIT_WINDOW_BYTES = 64 << 10;

/**
 * A byte offset near the middle of `[fromByte, toByte)` just after a line feed, where a second
 * thread can start reading; −1 when there is a `"` within 64 KB of it (a quoted field might span
 * the split: the reader stays on one thread) or no line feed near the middle. The first thread
 * verifies that its range really ends at a record's end (`RangeOutcome.endsAtRecord`). O(window).
 */
export async function findSplit(path: string, fromByte: number, toByte: number): Promise<number> {
  const middle = fromByte + Math.floor((toByte - fromByte) / 2);
  const windowStart = Math.max(fromByte, middle - SPLIT_WINDOW_BYTES);
  const windowEnd = Math.min(toByte, middle + SPLIT_WINDOW_BYTES);
  const handle = await open(path, 'r');
  try {
    const window = Buffer.alloc(windowEnd - windowStart);
    const { bytesRead } = await handle.read(window, 0, window.length, windowStart);
    const bytes = window.subarray(0, bytesRead);
    if (bytes.includes(0x22)) return -1;
    const lineFeed = bytes.indexOf(0x0a, middle - windowStart);
    return lineFeed === -1 || windowStart + lineFeed + 1 >= toByte ? -1 : windowStart + lineFeed + 1;
  } finally {
    await handle.close();
  }
}

/** What the main thread asks a worker (`orders-worker.ts`) to scan. */
export interface OrdersRangeRequest {
  readonly path: string;
  readonly fromByte: number;
  readonly toByte: number;
  readonly layout: GenericOrderLayout;
  readonly timeZone: string;
  readonly dateFormat: DateFormat;
  readonly maxIssues: number;
}

/** A worker's messages: progress (bytes of its range read), then its result. */
export type OrdersRangeResponse =
  | { readonly type: 'progress'; readonly bytes: number }
  | {
      readonly type: 'done';
      readonly outcome: RangeOutcome;
      readonly scanned: ScannedOrders;
      /** Issues with `record` = line counted from the range's first line (1). */
      readonly issues: readonly PendingIssue[];
      /** The scanner's `unsure` (import checks). */
      readonly unsure: boolean;
    };
