/**
 * Strict decoding of a file's chunks: UTF-8 however it is cut, invalid bytes refused at their
 * offset (never a replacement character), latin1 and windows-1252 converted, byte-order marks.
 * Reference: the WHATWG decoders of the platform (`TextDecoder`, fatal) and Unicode's table of
 * well-formed UTF-8 (The Unicode Standard, §3.9, Table 3-7).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ChunkDecoder,
  type CsvEncoding,
  EncodingProblem,
  firstInvalidUtf8,
  lineOfByte,
  parseCsvEncoding,
} from './text-decoding.js';

/** Decodes `bytes` cut at `cuts`; the text, or the problem's byte offset and code. */
function decode(bytes: Uint8Array, cuts: readonly number[], encoding: CsvEncoding = 'utf-8') {
  const decoder = new ChunkDecoder(encoding);
  const positions = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  let text = '';
  let start = 0;
  try {
    for (const position of [...positions, bytes.length]) {
      text += decoder.decode(Buffer.from(bytes.subarray(start, position)));
      start = position;
    }
    text += decoder.end();
    return { text };
  } catch (error) {
    if (!(error instanceof EncodingProblem)) throw error;
    return { byte: error.byte, code: error.code, message: error.message };
  }
}

describe('ChunkDecoder', () => {
  it('decodes UTF-8 exactly as a whole-file decoder does, however the chunks cut its characters (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (text, cuts) => {
          const bytes = Buffer.from(text, 'utf8');
          expect(decode(bytes, cuts)).toEqual({ text: new TextDecoder().decode(bytes) });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses any invalid UTF-8 at the offset of its first bad byte, however cut (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        let valid = true;
        try {
          new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
        } catch {
          valid = false;
        }
        const read = decode(bytes, cuts);
        // A UTF-16 byte-order mark (FF FE or FE FF, never UTF-8) is refused as such, at byte 0.
        const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
        if (valid) expect(read).toMatchObject({ text: expect.any(String) });
        else if (utf16) expect(read).toMatchObject({ byte: 0, code: 'utf-16' });
        else expect(read).toMatchObject({ byte: firstInvalidUtf8(bytes), code: 'invalid-utf8' });
      }),
      { numRuns: 500 },
    );
  });

  it('finds the first ill-formed sequence as Unicode Table 3-7 defines them', () => {
    const at = (...bytes: number[]) => firstInvalidUtf8(Uint8Array.from(bytes));
    expect(at(0x61, 0xc3, 0xa9)).toBe(3); // "aé": valid
    expect(at(0x61, 0xe9, 0x62)).toBe(1); // Latin-1 é
    expect(at(0xc0, 0xaf)).toBe(0); // overlong "/"
    expect(at(0xed, 0xa0, 0x80)).toBe(0); // a surrogate, U+D800
    expect(at(0xf4, 0x90, 0x80, 0x80)).toBe(0); // above U+10FFFF
    expect(at(0x61, 0xe2, 0x82)).toBe(1); // "€" cut short
  });

  it('drops a UTF-8 byte-order mark and refuses a UTF-16 one', () => {
    expect(decode(Buffer.from('\uFEFFid,é\n'), [1])).toEqual({ text: 'id,é\n' });
    expect(decode(Buffer.from([0xff, 0xfe, 0x69, 0x00]), [])).toMatchObject({ byte: 0, code: 'utf-16' });
  });

  it('converts latin1 and windows-1252, and refuses the control characters each leaves', () => {
    const latin1 = Buffer.from([0x4a, 0x6f, 0x73, 0xe9, 0x2c, 0xa3]); // "José,£"
    expect(decode(latin1, [2], 'latin1')).toEqual({ text: 'José,£' });
    expect(decode(latin1, [], 'windows-1252')).toEqual({ text: 'José,£' });
    const euro = Buffer.from([0x31, 0x30, 0x80]); // "10€" in windows-1252
    expect(decode(euro, [], 'windows-1252')).toEqual({ text: '10€' });
    expect(decode(euro, [], 'latin1')).toMatchObject({
      byte: 2,
      code: 'invalid-encoding',
      message: expect.stringContaining('windows-1252'),
    });
    expect(decode(Buffer.from([0x61, 0x81]), [], 'windows-1252')).toMatchObject({
      byte: 1,
      code: 'invalid-encoding',
    });
    expect(decode(Buffer.from('\uFEFFid\n'), [], 'latin1')).toMatchObject({
      byte: 0,
      code: 'wrong-encoding',
    });
  });

  it('names encodings as people write them', () => {
    expect(['UTF8', 'utf-8', 'ISO-8859-1', 'Latin1', 'cp1252', 'windows-1252'].map(parseCsvEncoding)).toEqual(
      ['utf-8', 'utf-8', 'latin1', 'latin1', 'windows-1252', 'windows-1252'],
    );
    expect(parseCsvEncoding('utf-16')).toBeNull();
  });
});

describe('lineOfByte', () => {
  it('counts the line feeds before a byte', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'retain-decoding-')), 'lines.csv');
    writeFileSync(path, 'a\nbc\n\nd');
    expect(await Promise.all([0, 1, 2, 4, 5, 6, 7].map((offset) => lineOfByte(path, offset)))).toEqual([
      1, 1, 2, 2, 3, 4, 4,
    ]);
  });
});
