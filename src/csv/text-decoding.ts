/**
 * Turning a CSV file's bytes into text, strictly: bytes that are not text in the file's encoding are
 * refused with the line named, never stored as replacement characters (a Latin-1 export read as
 * UTF-8 once became mojibake in the store). UTF-8 is the default; `latin1` and `windows-1252` are
 * converted while streaming.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';

/** The text encodings a CSV file may be read in. */
export const CSV_ENCODINGS = ['utf-8', 'latin1', 'windows-1252'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

/** Accepted spellings of each encoding (lower case). */
const ENCODING_NAMES: Readonly<Record<string, CsvEncoding>> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  latin1: 'latin1',
  'latin-1': 'latin1',
  'iso-8859-1': 'latin1',
  'iso8859-1': 'latin1',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
};

/** The encoding a user named (`UTF8`, `ISO-8859-1`, `cp1252`…), or null when it is not one of `CSV_ENCODINGS`. */
export function parseCsvEncoding(name: string): CsvEncoding | null {
  return ENCODING_NAMES[name.trim().toLowerCase()] ?? null;
}

/** Bytes that are not text in the file's encoding, at `byte` (0-based offset in the file). */
export class EncodingProblem extends Error {
  readonly byte: number;
  readonly code: string;
  constructor(byte: number, code: string, message: string) {
    super(message);
    this.byte = byte;
    this.code = code;
  }
}

/** What to say about a UTF-8 file that is not: the encodings that would read it. */
const LATIN1_HINT =
  'if the file was saved as Latin-1, read it with the encoding latin1, or windows-1252 for an export from Windows (retain import --encoding latin1)';

/**
 * Decodes a file's chunks in `encoding`, one after the other (`decode`, then `end`). A leading
 * UTF-8 byte-order mark is dropped. Throws `EncodingProblem` at the first byte that is not text:
 * - utf-8: an invalid sequence (checked by `isUtf8`; a character cut by a chunk's end waits for the
 *   next chunk);
 * - latin1 (ISO-8859-1) and windows-1252: a C1 control character (0x80–0x9F in latin1; the five
 *   bytes windows-1252 leaves undefined), which no export means: in latin1 they are windows-1252's
 *   € and curly quotes, so the message says which encoding to use;
 * - any: a UTF-16 byte-order mark (NULs everywhere otherwise), and a UTF-8 byte-order mark when
 *   another encoding was asked for.
 * Pure ASCII chunks (most exports) cost one `isAscii` check and a one-byte string.
 * O(chunk) per chunk.
 */
export class ChunkDecoder {
  readonly encoding: CsvEncoding;
  /** Bytes given so far (the offset in the file of the next chunk). */
  private offset = 0;
  /** Bytes not decoded yet: the start of a UTF-8 character cut by the last chunk's end, or the file's first bytes until there are enough to check its byte-order mark. */
  private carry: Buffer = EMPTY;
  /** Whether the byte-order marks have been checked (on the file's first 3 bytes). */
  private started = false;

  constructor(encoding: CsvEncoding = 'utf-8') {
    this.encoding = encoding;
  }

  /** The text of `chunk` (the next bytes of the file). */
  decode(chunk: Buffer): string {
    return this.decodeBytes(chunk, false);
  }

  /** After the last chunk: the text still held back; throws if the file ends inside a UTF-8 character. */
  end(): string {
    return this.decodeBytes(EMPTY, true);
  }

  private decodeBytes(chunk: Buffer, final: boolean): string {
    const start = this.offset - this.carry.length;
    this.offset += chunk.length;
    const bytes = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    this.carry = EMPTY;
    let skip = 0;
    if (!this.started) {
      if (bytes.length < 3 && !final) {
        this.carry = bytes;
        return '';
      }
      this.started = true;
      skip = this.checkByteOrderMark(bytes);
    }
    if (this.encoding !== 'utf-8') return this.decodeSingleByte(bytes, start);
    if (isAscii(bytes)) return bytes.toString('latin1', skip);
    const end = final ? bytes.length : completeUtf8End(bytes);
    const complete = bytes.subarray(0, end);
    if (!isUtf8(complete)) throw invalidUtf8(start, complete);
    // A copy: the cut character is at most 3 bytes, and a view would keep the whole chunk alive.
    if (end < bytes.length) this.carry = Buffer.from(bytes.subarray(end));
    return complete.toString('utf8', skip);
  }

  /** latin1 is the bytes' code points; windows-1252 differs in 0x80–0x9F only (`WINDOWS_1252`). */
  private decodeSingleByte(bytes: Buffer, start: number): string {
    const text = bytes.toString('latin1');
    const control = C1_CONTROL.exec(text);
    if (control === null) return text;
    if (this.encoding === 'latin1') throw this.controlCharacter(start + control.index, bytes[control.index]!);
    return text.replace(C1_CONTROLS, (character, index: number) => {
      const mapped = WINDOWS_1252.charAt(character.charCodeAt(0) - 0x80);
      if (mapped === '\0') throw this.controlCharacter(start + index, character.charCodeAt(0));
      return mapped;
    });
  }

  /** Checks the file's first bytes; the length of a UTF-8 byte-order mark to drop (0 or 3). */
  private checkByteOrderMark(bytes: Buffer): number {
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
      throw new EncodingProblem(
        0,
        'utf-16',
        'the file is UTF-16 (it starts with a UTF-16 byte-order mark): save it as UTF-8 (CSV UTF-8 in Excel) and import it again',
      );
    }
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    if (bom && this.encoding !== 'utf-8') {
      throw new EncodingProblem(
        0,
        'wrong-encoding',
        `the file starts with a UTF-8 byte-order mark, so it is UTF-8, not ${this.encoding}: read it as utf-8 (the default)`,
      );
    }
    return bom ? 3 : 0;
  }

  private controlCharacter(byte: number, value: number): EncodingProblem {
    const hex = `0x${value.toString(16).toUpperCase()}`;
    const advice =
      this.encoding === 'latin1'
        ? 'it is a control character in latin1 (ISO-8859-1), where windows-1252 has € and curly quotes: read the file with the encoding windows-1252'
        : 'windows-1252 defines no character for it: the file is in another encoding (UTF-8 is the default)';
    return new EncodingProblem(
      byte,
      'invalid-encoding',
      `byte ${hex} is not text in ${this.encoding}: ${advice}`,
    );
  }
}

/**
 * windows-1252's characters for bytes 0x80–0x9F, NUL for the five it leaves undefined, from the
 * WHATWG Encoding Standard's index-windows-1252 (written out: Node's own `TextDecoder` decodes
 * this label as latin1 in some versions, 0x80 as U+0080 instead of €).
 */
const WINDOWS_1252 = '€\0‚ƒ„…†‡ˆ‰Š‹Œ\0Ž\0\0‘’“”•–—˜™š›œ\0žŸ';

const EMPTY = Buffer.alloc(0);
/** C1 control characters: what latin1 makes of 0x80–0x9F, and windows-1252 of its five undefined bytes. */
const C1_CONTROL = /[\u0080-\u009f]/u;
const C1_CONTROLS = /[\u0080-\u009f]/gu;

/**
 * The length of `bytes` without a UTF-8 character cut at its end: backs up over at most 3
 * continuation bytes to the lead byte, and leaves that character out when it needs more bytes than
 * remain. An invalid sequence is left in (`isUtf8` then refuses it). O(1).
 */
export function completeUtf8End(bytes: Uint8Array): number {
  const length = bytes.length;
  let lead = length - 1;
  while (lead >= 0 && lead >= length - 4 && (bytes[lead]! & 0xc0) === 0x80) lead--;
  if (lead < 0) return length;
  const byte = bytes[lead]!;
  const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
  return lead + needed > length ? lead : length;
}

/** The problem of `bytes` (not valid UTF-8), whose first byte is at `start` in the file. */
export function utf8Problem(start: number, bytes: Uint8Array): EncodingProblem {
  return invalidUtf8(start, bytes);
}

function invalidUtf8(start: number, bytes: Uint8Array): EncodingProblem {
  const at = firstInvalidUtf8(bytes);
  const shown = Array.from(bytes.subarray(at, Math.min(bytes.length, at + 4)))
    .filter((byte, index) => index === 0 || (byte & 0xc0) === 0x80)
    .map((byte) => `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`)
    .join(' ');
  return new EncodingProblem(
    start + at,
    'invalid-utf8',
    `the text is not UTF-8 (bytes ${shown}): ${LATIN1_HINT}`,
  );
}

/**
 * Offset of the first byte of `bytes` that starts no valid UTF-8 character (`bytes.length` when
 * all are valid, or a character is only cut at the end). Follows the Unicode table of well-formed
 * sequences (no overlongs, no surrogates, nothing above U+10FFFF). O(length); only run on an error.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let position = 0;
  const length = bytes.length;
  while (position < length) {
    const byte = bytes[position]!;
    if (byte < 0x80) {
      position++;
      continue;
    }
    let needed: number;
    let low = 0x80;
    let high = 0xbf;
    if (byte >= 0xc2 && byte <= 0xdf) needed = 1;
    else if (byte >= 0xe0 && byte <= 0xef) {
      needed = 2;
      if (byte === 0xe0) low = 0xa0;
      if (byte === 0xed) high = 0x9f;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      needed = 3;
      if (byte === 0xf0) low = 0x90;
      if (byte === 0xf4) high = 0x8f;
    } else return position;
    for (let index = 1; index <= needed; index++) {
      if (position + index >= length) return position;
      const next = bytes[position + index]!;
      if (index === 1 ? next < low || next > high : (next & 0xc0) !== 0x80) return position;
    }
    position += needed + 1;
  }
  return length;
}

/**
 * The 1-based line of byte `offset` of `path` (line feeds before it, plus one), read again from the
 * start: only run to name the line of an encoding problem. O(offset).
 */
export async function lineOfByte(path: string, offset: number): Promise<number> {
  if (offset <= 0) return 1;
  let line = 1;
  const stream = createReadStream(path, { start: 0, end: offset - 1, highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      const bytes = chunk as Buffer;
      let position = bytes.indexOf(10);
      while (position !== -1) {
        line++;
        position = bytes.indexOf(10, position + 1);
      }
    }
  } finally {
    stream.destroy();
  }
  return line;
}
