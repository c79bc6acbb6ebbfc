/**
 * A streaming `multipart/form-data` reader (RFC 7578): the request body goes through part by part
 * and each part's bytes are handed on as they arrive, so an upload of any size costs one chunk of
 * memory (Hono's `parseBody` — and its body limit without a `Content-Length` — hold the whole body,
 * 1.1 GB at the peak for a 254 MB upload: issue 9). The byte limit is counted while reading, and a
 * part's sink may wait (a file write), which pauses the reading: backpressure reaches the socket.
 */
import { RetainError } from '../errors/index.js';

/** What a part's headers say. */
export interface MultipartPart {
  /** The form field's name (`Content-Disposition: form-data; name="…"`). */
  readonly name: string;
  /** The file's name for a file part, `null` for a plain field. */
  readonly fileName: string | null;
  readonly contentType: string | null;
}

/** Where one part's bytes go, in order; `end` after the last. Either may return a promise to wait on. */
export interface MultipartSink {
  write(bytes: Uint8Array): void | Promise<void>;
  end(): void | Promise<void>;
}

export interface MultipartLimits {
  /** The most bytes the whole body may hold; more is `payload_too_large` (413) naming it. */
  readonly maxBytes: number;
  /** What the 413 names as the limit's setting, e.g. `RETAIN_MAX_UPLOAD_BYTES`. */
  readonly limitName?: string;
  /** The most parts (default 32). */
  readonly maxParts?: number;
  /** The most bytes of one part's headers (default 16 KiB). */
  readonly maxHeaderBytes?: number;
}

/**
 * The boundary of a `multipart/form-data` content type, or `null` for another type.
 * Example: `multipartBoundary('multipart/form-data; boundary="a b"')` → `'a b'`.
 */
export function multipartBoundary(contentType: string | undefined | null): string | null {
  if (contentType === undefined || contentType === null) return null;
  const [mediaType, ...parameters] = contentType.split(';');
  if (mediaType?.trim().toLowerCase() !== 'multipart/form-data') return null;
  for (const parameter of parameters) {
    const separator = parameter.indexOf('=');
    if (separator === -1 || parameter.slice(0, separator).trim().toLowerCase() !== 'boundary') continue;
    let value = parameter.slice(separator + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    // RFC 2046: 1 to 70 characters.
    return value.length >= 1 && value.length <= 70 ? value : null;
  }
  return null;
}

/** `413` naming the limit, in bytes and MiB. */
export function tooLargeError(maxBytes: number, limitName?: string): RetainError {
  const mebibytes = maxBytes / (1024 * 1024);
  const readable =
    mebibytes >= 1 ? ` (${Number.isInteger(mebibytes) ? mebibytes : mebibytes.toFixed(1)} MiB)` : '';
  return new RetainError(
    'payload_too_large',
    `The upload is larger than the limit of ${maxBytes} bytes${readable}${limitName ? `, set by ${limitName}` : ''}.`,
  );
}

function malformed(message: string): RetainError {
  return new RetainError('invalid_input', `The multipart/form-data body is malformed: ${message}.`, [
    { path: ['body'], message },
  ]);
}

/** Decodes a quoted-string's escapes (`\"`, `\\`). */
function unquote(value: string): string {
  const trimmed = value.trim();
  if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) {
    return trimmed.slice(1, -1).replace(/\\(.)/gsu, '$1');
  }
  return trimmed;
}

/** Parses one part's header block into its field name, file name and content type. */
function parsePartHeaders(block: string): MultipartPart {
  let disposition: string | null = null;
  let contentType: string | null = null;
  for (const line of block.split('\r\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon === -1) throw malformed('a part header has no ":"');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') disposition = value;
    else if (name === 'content-type') contentType = value;
  }
  if (disposition === null || !/^form-data\s*(;|$)/iu.test(disposition)) {
    throw malformed('a part has no Content-Disposition: form-data header');
  }
  const parameters = new Map<string, string>();
  const pattern = /;\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/gsu;
  for (const match of disposition.matchAll(pattern)) {
    parameters.set(match[1]!.toLowerCase(), unquote(match[2]!));
  }
  const name = parameters.get('name');
  if (name === undefined) throw malformed('a part has no field name');
  let fileName = parameters.get('filename') ?? null;
  const extended = parameters.get('filename*'); // RFC 5987: charset'language'percent-encoded
  if (extended !== undefined) {
    const match = /^utf-8'[^']*'(.*)$/iu.exec(extended);
    if (match !== null) {
      try {
        fileName = decodeURIComponent(match[1]!);
      } catch {
        // An undecodable extended name: keep the plain one.
      }
    }
  }
  return { name, fileName, contentType };
}

const CRLF = Buffer.from('\r\n');
const HEADERS_END = Buffer.from('\r\n\r\n');

/**
 * Reads a `multipart/form-data` body part by part: `onPart` is called with each part's headers and
 * returns the sink its bytes go to. Resolves once the closing boundary was read (what follows it
 * is read and ignored). Rejects with `RetainError`: `payload_too_large` (413) past
 * `limits.maxBytes`, counted as the bytes arrive; `invalid_input` (400) for a malformed body or one
 * that ends before its closing boundary or whose stream fails (the client went away). Memory: one chunk plus a boundary's length, whatever the body's size.
 */
export async function readMultipart(
  body: ReadableStream<Uint8Array> | null,
  boundary: string,
  limits: MultipartLimits,
  onPart: (part: MultipartPart) => MultipartSink | Promise<MultipartSink>,
): Promise<void> {
  if (body === null) throw malformed('the body is empty');
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const maxParts = limits.maxParts ?? 32;
  const maxHeaderBytes = limits.maxHeaderBytes ?? 16 * 1024;
  // The body starts with `--boundary`, not `\r\n--boundary`: a CRLF in front makes every delimiter alike.
  let pending: Buffer = Buffer.from(CRLF);
  let state: 'preamble' | 'delimiter' | 'headers' | 'body' | 'done' = 'preamble';
  let sink: MultipartSink | null = null;
  let parts = 0;
  let received = 0;
  const closed = (): boolean => state === 'done';
  const betweenDelimiters = (): boolean => state === 'body' || state === 'preamble';

  /** Consumes what `pending` allows; returns when it needs more bytes. */
  const advance = async (): Promise<void> => {
    for (;;) {
      if (state === 'done') {
        pending = Buffer.alloc(0); // the epilogue is ignored
        return;
      }
      if (state === 'preamble' || state === 'body') {
        const at = pending.indexOf(delimiter);
        if (at === -1) {
          // Keep what could be the start of a delimiter; hand on (or drop) the rest.
          const safe = pending.length - (delimiter.length - 1);
          if (safe > 0) {
            if (state === 'body') await sink!.write(pending.subarray(0, safe));
            pending = pending.subarray(safe);
          }
          return;
        }
        if (state === 'body') {
          if (at > 0) await sink!.write(pending.subarray(0, at));
          await sink!.end();
          sink = null;
        }
        pending = pending.subarray(at + delimiter.length);
        state = 'delimiter';
        continue;
      }
      if (state === 'delimiter') {
        if (pending.length < 2) return;
        if (pending[0] === 0x2d && pending[1] === 0x2d) {
          state = 'done';
          continue;
        }
        const end = pending.indexOf(CRLF);
        if (end === -1) {
          if (pending.length > 256) throw malformed('a boundary line does not end');
          return;
        }
        // Transport padding (spaces, tabs) may follow a boundary.
        if (!/^[ \t]*$/u.test(pending.subarray(0, end).toString('latin1'))) {
          throw malformed('a boundary is followed by other text');
        }
        pending = pending.subarray(end + CRLF.length);
        state = 'headers';
        continue;
      }
      // headers
      let blockEnd: number;
      let skip: number;
      if (pending.length >= 2 && pending[0] === 0x0d && pending[1] === 0x0a) {
        blockEnd = 0; // no headers at all
        skip = 2;
      } else {
        blockEnd = pending.indexOf(HEADERS_END);
        skip = HEADERS_END.length;
      }
      if (blockEnd === -1) {
        if (pending.length > maxHeaderBytes)
          throw malformed(`a part's headers exceed ${maxHeaderBytes} bytes`);
        return;
      }
      if (blockEnd > maxHeaderBytes) throw malformed(`a part's headers exceed ${maxHeaderBytes} bytes`);
      parts++;
      if (parts > maxParts) throw malformed(`more than ${maxParts} parts`);
      const part = parsePartHeaders(pending.subarray(0, blockEnd).toString('utf8'));
      pending = pending.subarray(blockEnd + skip);
      sink = await onPart(part);
      state = 'body';
    }
  };

  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read().catch((error: unknown) => {
        // The client went away mid-body (the socket's "aborted", ECONNRESET): nobody will read the
        // answer, but it must not pass for a server fault (or a store outage) in the log.
        throw new RetainError('invalid_input', 'The upload was interrupted before its end.', [
          { path: ['body'], message: (error as Error).message || 'the body could not be read' },
        ]);
      });
      if (done) break;
      received += value.byteLength;
      if (received > limits.maxBytes) throw tooLargeError(limits.maxBytes, limits.limitName);
      const chunk = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      if (betweenDelimiters() && pending.length < delimiter.length && chunk.length >= delimiter.length) {
        // The usual case inside a file: a short tail kept from the last chunk. Unless a delimiter
        // starts in it (then it ends within the chunk's first bytes), the tail is data: hand it on
        // and read the chunk in place rather than copying it behind the tail.
        const window = Buffer.concat([pending, chunk.subarray(0, delimiter.length - 1)]);
        if (window.indexOf(delimiter) === -1) {
          const current = sink as MultipartSink | null; // set by advance(): null in the preamble
          if (current !== null && pending.length > 0) await current.write(pending);
          pending = Buffer.alloc(0);
        }
      }
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      await advance();
    }
    if (!closed()) throw malformed('the body ends before its closing boundary');
  } catch (error) {
    await reader.cancel(error).catch(() => undefined);
    throw error;
  } finally {
    reader.releaseLock();
  }
}
