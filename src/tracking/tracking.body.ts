/**
 * Reading a tracking request's body the ways Segment's clients send it: JSON labelled
 * `application/json` (server libraries) or `text/plain` (analytics.js, which avoids a CORS
 * preflight that way), optionally gzip-compressed (`Content-Encoding: gzip`, the Python client's
 * `gzip=True`). The limit applies twice: to the bytes received and to the bytes once
 * decompressed, so a small "zip bomb" ends in a 413 after `limit` bytes of output, never in an
 * unbounded allocation.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { Context } from 'hono';
import { RetainError } from '../errors/index.js';

const gunzipAsync = promisify(gunzip);

/** Content types read as JSON (parameters such as `charset` aside); none at all is JSON too. */
const JSON_TYPES = new Set(['application/json', 'text/plain', '']);

/**
 * The raw bytes of the body, at most `limit` of them (413 beyond; read as it streams, so a body
 * without Content-Length is bounded too).
 */
async function readBytes(request: Request, limit: number): Promise<Buffer> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) throw tooLarge(limit);
  if (request.body === null) return Buffer.alloc(0);
  const parts: Uint8Array[] = [];
  let received = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    parts.push(value);
  }
  return Buffer.concat(parts);
}

function tooLarge(limit: number): RetainError {
  return new RetainError('payload_too_large', `The request body is over ${limit / 1024} KB (decompressed).`);
}

/**
 * The parsed JSON body of a tracking request, whose encoded and decoded sizes are both at most
 * `limit` bytes. Throws `unsupported_media_type` (415) for another content type or encoding,
 * `payload_too_large` (413) over the limit, `invalid_input` (400) for bad gzip or bad JSON.
 * O(limit) memory at most.
 */
export async function readTrackingBody(c: Context, limit: number): Promise<unknown> {
  const contentType = (c.req.header('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (!JSON_TYPES.has(contentType)) {
    throw new RetainError(
      'unsupported_media_type',
      'Send JSON, as Content-Type application/json or text/plain.',
      [{ path: ['header', 'content-type'], message: `${contentType} is not accepted.` }],
    );
  }
  const encoding = (c.req.header('content-encoding') ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw new RetainError('unsupported_media_type', 'Send the body uncompressed or gzip-compressed.', [
      { path: ['header', 'content-encoding'], message: `${encoding} is not accepted.` },
    ]);
  }
  let bytes = await readBytes(c.req.raw, limit);
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    try {
      // maxOutputLength stops inflating past the limit instead of allocating what the bomb holds.
      bytes = await gunzipAsync(bytes, { maxOutputLength: limit });
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limit);
      throw new RetainError('invalid_input', 'The body is not valid gzip.', [
        { path: ['body'], message: 'Content-Encoding says gzip, but the body does not inflate.' },
      ]);
    }
  }
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new RetainError('invalid_input', 'The body is not valid JSON.', [
      { path: ['body'], message: 'Malformed JSON (or not UTF-8).' },
    ]);
  }
}
