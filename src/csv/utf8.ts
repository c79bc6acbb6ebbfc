/**
 * UTF-8 helpers of the byte-level CSV scanner (`order-scanner.ts`), which reads fields where they
 * lie in the file's bytes and makes a string only when one is needed (a new id, a message).
 */

/**
 * Decodes with the WHATWG rules, as the string path's `StringDecoder` does: an invalid sequence
 * becomes U+FFFD, and a leading BOM is kept (only the file's first BOM is not data, and the header
 * reader removes it), hence `ignoreBOM`.
 */
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** The UTF-8 bytes `bytes[start, end)` as a string. O(end − start). */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  return decoder.decode(bytes.subarray(start, end));
}

/** Whether `bytes[start, end)` holds a byte ≥ 0x80 (a non-ASCII character, or invalid UTF-8). */
export function hasNonAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let position = start; position < end; position++) if (bytes[position]! >= 0x80) return true;
  return false;
}
