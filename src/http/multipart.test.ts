/**
 * The streaming multipart/form-data reader against bodies the platform itself encodes (undici's
 * FormData, as browsers and `fetch` send them), cut into chunks at every size so a boundary falls
 * across every chunk edge; the limit counted as bytes arrive; truncated and malformed bodies.
 */
import { describe, expect, it } from 'vitest';
import { type MultipartPart, multipartBoundary, readMultipart } from './multipart.js';

/** A form encoded by the platform: its bytes and content type. */
async function encoded(form: FormData): Promise<{ bytes: Uint8Array; contentType: string }> {
  const response = new Response(form);
  return {
    bytes: new Uint8Array(await response.arrayBuffer()),
    contentType: response.headers.get('Content-Type')!,
  };
}

/** `bytes` as a stream of chunks of `size` bytes. */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

/** Every part read: its headers and its bytes as text. */
async function readAll(
  body: ReadableStream<Uint8Array>,
  contentType: string,
  maxBytes = 1 << 20,
): Promise<(MultipartPart & { text: string })[]> {
  const parts: (MultipartPart & { text: string })[] = [];
  await readMultipart(body, multipartBoundary(contentType)!, { maxBytes }, (part) => {
    const chunks: Buffer[] = [];
    return {
      write: (bytes) => {
        chunks.push(Buffer.from(bytes));
      },
      end: () => {
        parts.push({ ...part, text: Buffer.concat(chunks).toString('utf8') });
      },
    };
  });
  return parts;
}

describe('readMultipart', () => {
  // A file whose content holds the start of a delimiter, CRLFs and dashes, to tempt the search.
  const fileText = 'order_id,amount\r\n--\r\n-- o1,10\r\n\r\n--x\r\nlast line without newline';

  it('reads the parts of a platform-encoded form whatever the chunk size', async () => {
    const form = new FormData();
    form.set('type', 'orders');
    form.set('file', new File([fileText], 'orders é.csv', { type: 'text/csv' }));
    form.set('skipInvalid', 'true');
    const { bytes, contentType } = await encoded(form);
    for (let size = 1; size <= bytes.length; size++) {
      const parts = await readAll(chunked(bytes, size), contentType);
      expect(parts).toEqual([
        { name: 'type', fileName: null, contentType: null, text: 'orders' },
        { name: 'file', fileName: 'orders é.csv', contentType: 'text/csv', text: fileText },
        { name: 'skipInvalid', fileName: null, contentType: null, text: 'true' },
      ]);
    }
  });

  it('counts the bytes as they arrive: one past the limit is a 413 naming it', async () => {
    const form = new FormData();
    form.set('file', new File(['x'.repeat(5000)], 'big.csv'));
    const { bytes, contentType } = await encoded(form);
    await expect(readAll(chunked(bytes, 1000), contentType, bytes.length)).resolves.toHaveLength(1);
    await expect(readAll(chunked(bytes, 1000), contentType, bytes.length - 1)).rejects.toMatchObject({
      code: 'payload_too_large',
      message: `The upload is larger than the limit of ${bytes.length - 1} bytes.`,
    });
  });

  it('refuses a body cut short, a part without form-data headers, and a missing body', async () => {
    const form = new FormData();
    form.set('file', new File([fileText], 'a.csv'));
    const { bytes, contentType } = await encoded(form);
    await expect(readAll(chunked(bytes.slice(0, bytes.length - 10), 64), contentType)).rejects.toMatchObject({
      code: 'invalid_input',
      message: 'The multipart/form-data body is malformed: the body ends before its closing boundary.',
    });
    const boundary = 'b0undary';
    const noDisposition = new TextEncoder().encode(
      `--${boundary}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${boundary}--\r\n`,
    );
    await expect(
      readAll(chunked(noDisposition, 8), `multipart/form-data; boundary=${boundary}`),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(
      readMultipart(null, boundary, { maxBytes: 10 }, () => ({ write() {}, end() {} })),
    ).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it('reads a quoted boundary, an RFC 5987 file name, a preamble and an epilogue', async () => {
    const boundary = 'a b:c';
    const body = new TextEncoder().encode(
      [
        'preamble to ignore',
        `--${boundary}`,
        `Content-Disposition: form-data; name="file"; filename="plain.csv"; filename*=UTF-8''%C3%A9t%C3%A9.csv`,
        '',
        'x,y',
        `--${boundary}--`,
        'epilogue to ignore',
      ].join('\r\n'),
    );
    const parts = await readAll(chunked(body, 4), `multipart/form-data; boundary="${boundary}"`);
    expect(parts).toEqual([{ name: 'file', fileName: 'été.csv', contentType: null, text: 'x,y' }]);
  });

  it('reads only multipart/form-data content types', () => {
    expect(multipartBoundary('multipart/form-data; boundary=abc')).toBe('abc');
    expect(multipartBoundary('Multipart/Form-Data; charset=utf-8; Boundary="x y"')).toBe('x y');
    expect(multipartBoundary('application/json')).toBeNull();
    expect(multipartBoundary('multipart/form-data')).toBeNull();
    expect(multipartBoundary(undefined)).toBeNull();
  });
});
