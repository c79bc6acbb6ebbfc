/**
 * Receiving an import's upload (`POST /imports`): the multipart body is read as it arrives and the
 * file part written straight to disk, into the workspace's private folder of the data directory
 * (import.files.ts), so memory stays at one chunk whatever the file's size, and the size limit is
 * applied while the bytes arrive. Whatever goes wrong — too large, malformed, the client gone —
 * the partial file is deleted before the error goes on.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { RetainError } from '../errors/index.js';
import { multipartBoundary, readMultipart } from '../http/index.js';
import { incomingPathIn, PRIVATE_FILE_MODE, prepareImportFilesDirectory } from './import.files.js';

/** The longest value of a plain form field (type, format, skipInvalid…). */
export const MAX_FIELD_BYTES = 4 * 1024;

/** An upload received whole: its form fields and where its file now is. */
export interface ReceivedUpload {
  readonly fields: Readonly<Record<string, string>>;
  readonly file: {
    /** A `*.part` file in the workspace's import folder, mode 0600: rename or delete it. */
    readonly path: string;
    readonly name: string;
    readonly bytes: number;
  };
}

export interface ReceiveUploadOptions {
  readonly dataDirectory: string;
  readonly workspaceId: number;
  /** Largest body accepted, bytes (the file and the form around it). */
  readonly maxBytes: number;
  /** The setting the 413 names. */
  readonly limitName?: string;
  /** The form field that holds the file (default `file`). */
  readonly fileField?: string;
  readonly now: number;
}

/** Waits until a write stream has flushed `bytes` to its buffer's limit (backpressure). */
async function writeTo(stream: WriteStream, bytes: Uint8Array): Promise<void> {
  if (!stream.write(bytes)) await once(stream, 'drain');
}

/**
 * Reads `body` (`multipart/form-data` as `contentType` says) into a `.part` file and the form
 * fields. Throws `RetainError`: `unsupported_media_type` for another content type, `invalid_input`
 * for a malformed body, a missing or second file, a field too long; `payload_too_large` past
 * `maxBytes`; `invalid_input` too when the client disconnects mid-body. Leaves no file behind on any error.
 * Memory: one chunk of the body. Example:
 * `await receiveUpload(c.req.raw.body, c.req.header('Content-Type'), { dataDirectory, workspaceId, maxBytes, now })`
 * → `{ fields: { type: 'orders' }, file: { path: '…/imports/3/incoming-….part', name: 'orders.csv', bytes: 1234 } }`.
 */
export async function receiveUpload(
  body: ReadableStream<Uint8Array> | null,
  contentType: string | undefined,
  options: ReceiveUploadOptions,
): Promise<ReceivedUpload> {
  const boundary = multipartBoundary(contentType);
  if (boundary === null) {
    throw new RetainError(
      'unsupported_media_type',
      'Send the file as multipart/form-data (a "file" part, and "type").',
    );
  }
  const fileField = options.fileField ?? 'file';
  const directory = await prepareImportFilesDirectory(
    options.dataDirectory,
    options.workspaceId,
    options.now,
  );
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  let file: { path: string; name: string; bytes: number; stream: WriteStream } | null = null;
  try {
    await readMultipart(
      body,
      boundary,
      { maxBytes: options.maxBytes, ...(options.limitName ? { limitName: options.limitName } : {}) },
      async (part) => {
        if (part.name === fileField) {
          if (file !== null) throw invalidField(fileField, 'send one file');
          const path = incomingPathIn(directory);
          const stream = createWriteStream(path, { flags: 'wx', mode: PRIVATE_FILE_MODE });
          const received = { path, name: part.fileName ?? '', bytes: 0, stream };
          file = received;
          await once(stream, 'open');
          return {
            write: async (bytes) => {
              received.bytes += bytes.byteLength;
              await writeTo(stream, bytes);
            },
            end: async () => {
              stream.end();
              await once(stream, 'finish');
            },
          };
        }
        const chunks: Buffer[] = [];
        let length = 0;
        return {
          write: (bytes) => {
            length += bytes.byteLength;
            if (length > MAX_FIELD_BYTES) throw invalidField(part.name, `at most ${MAX_FIELD_BYTES} bytes`);
            chunks.push(Buffer.from(bytes));
          },
          end: () => {
            fields[part.name] = Buffer.concat(chunks).toString('utf8');
          },
        };
      },
    );
    if (file === null) throw invalidField(fileField, 'a CSV file is required');
    const { path, name, bytes } = file;
    return { fields: { ...fields }, file: { path, name, bytes } };
  } catch (error) {
    // The file must not outlive a failed upload: close it, then delete it.
    const partial = file as { path: string; stream: WriteStream } | null;
    if (partial !== null) {
      if (!partial.stream.closed) {
        const closing = once(partial.stream, 'close').catch(() => undefined);
        partial.stream.destroy();
        await closing;
      }
      await rm(partial.path, { force: true });
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      throw new RetainError('unavailable', 'The server has no disk space left to store the upload.');
    }
    throw error;
  }
}

function invalidField(name: string, message: string): RetainError {
  return new RetainError('invalid_input', 'The request is not valid.', [{ path: ['form', name], message }]);
}
