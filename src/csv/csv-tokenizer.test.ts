/**
 * The strict tokenizer: RFC 4180 records round-trip whatever the chunking (property), and each
 * fault the lenient parser let through (issue 9 §2 and §4) is refused on its line.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvTokenizer, type CsvTokenizerOptions } from './csv-tokenizer.js';

interface Read {
  readonly records: { fields: string[]; line: number; code: string | null }[];
  readonly failure: { line: number; field: number; code: string } | null;
}

/** Tokenizes `chunks` in turn; the records and the fatal problem, if any. */
function tokenize(chunks: readonly string[], options: CsvTokenizerOptions = {}): Read {
  const records: Read['records'] = [];
  const tokenizer = new CsvTokenizer((fields, line, issue) => {
    records.push({ fields, line, code: issue?.code ?? null });
    return true;
  }, options);
  for (const chunk of chunks) tokenizer.write(chunk);
  tokenizer.end();
  const failure = tokenizer.failure;
  return {
    records,
    failure: failure === null ? null : { line: failure.line, field: failure.field, code: failure.code },
  };
}

/** `text` cut at the given positions. */
function cut(text: string, positions: readonly number[]): string[] {
  const sorted = [...new Set(positions.map((position) => position % (text.length + 1)))].sort(
    (a, b) => a - b,
  );
  const chunks: string[] = [];
  let start = 0;
  for (const position of sorted) {
    chunks.push(text.slice(start, position));
    start = position;
  }
  chunks.push(text.slice(start));
  return chunks;
}

/** A field written as RFC 4180 says (quoted when it must be, or when `quote` asks). */
function encode(field: string, delimiter: string, quote: boolean): string {
  return quote || field.includes('"') || field.includes(delimiter) || /[\r\n]/u.test(field)
    ? `"${field.replaceAll('"', '""')}"`
    : field;
}

describe('CsvTokenizer', () => {
  it('reads back any records written per RFC 4180, however the text is cut (property)', () => {
    const field = fc.string({
      unit: fc.constantFrom('a', 'é', '"', ',', ';', '\n', '\r', ' ', '€', '1'),
      maxLength: 8,
    });
    fc.assert(
      fc.property(
        fc.constantFrom(',', ';', '\t'),
        fc.array(fc.array(fc.tuple(field, fc.boolean()), { minLength: 1, maxLength: 5 }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 6 }),
        (delimiter, rows, crlf, cuts) => {
          // A record of one empty field would be a blank line: quote it, as writers do.
          const text = rows
            .map((row) =>
              row
                .map(([value, quote]) => encode(value, delimiter, quote || row.length === 1))
                .join(delimiter),
            )
            .join(crlf ? '\r\n' : '\n');
          const read = tokenize(cut(text, cuts), { delimiter });
          expect(read.failure).toBeNull();
          expect(read.records.map((record) => record.fields)).toEqual(
            rows.map((row) => row.map(([value]) => value)),
          );
          expect(read.records.every((record) => record.code === null)).toBe(true);
          // Each record starts on the line after the line breaks before it (inside quotes included).
          let line = 1;
          rows.forEach((row, index) => {
            expect(read.records[index]!.line).toBe(line);
            line += 1 + row.reduce((sum, [value]) => sum + (value.match(/\n/gu)?.length ?? 0), 0);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('skips blank lines (LF and CRLF) and keeps a quote inside an unquoted field as text', () => {
    const read = tokenize(['a,b\r\n\r\n\n', '12" screen,x\r\n', 'c,']);
    expect(read.records).toEqual([
      { fields: ['a', 'b'], line: 1, code: null },
      { fields: ['12" screen', 'x'], line: 4, code: null },
      { fields: ['c', ''], line: 5, code: null },
    ]);
  });

  it('refuses an unclosed quote on the line it opens, whatever follows (the issue 9 file)', () => {
    // Before: uDSV read this as 1 row, the three after the quote gone.
    const text =
      'order_id,customer_id,ordered_at,amount\nq-1,qc-1,2024-01-01,1.00\n"q-2,qc-2,2024-01-02,2.00\nq-3,qc-3,2024-01-03,3.00\nq-4,qc-4,2024-01-04,4.00\n';
    for (const chunks of [[text], cut(text, [50, 70, 90])]) {
      const read = tokenize(chunks);
      expect(read.records.map((record) => record.fields[0])).toEqual(['order_id', 'q-1']);
      expect(read.failure).toEqual({ line: 3, field: 1, code: 'unclosed-quote' });
    }
    // Opened on the second line of a record: that line is named.
    expect(tokenize(['a,"x\ny",z,"w\n1,2\n']).failure).toMatchObject({ line: 2, field: 4 });
  });

  it('refuses text after a closing quote, in that record only', () => {
    const read = tokenize(['id,n\n"q-5"junk,1\n"q-6" ,2\nq-7,3\n']);
    expect(read.failure).toBeNull();
    expect(read.records.map((record) => [record.line, record.code])).toEqual([
      [1, null],
      [2, 'malformed-quotes'],
      [3, 'malformed-quotes'],
      [4, null],
    ]);
  });

  it('refuses a NUL in a field, on the line of the NUL', () => {
    const read = tokenize(['a,b\n"x\ny\0",1\nc,d\n']);
    expect(read.records.map((record) => [record.line, record.code])).toEqual([
      [1, null],
      [2, 'nul-character'],
      [4, null],
    ]);
  });

  it('bounds fields, field counts and records without buffering past the record limit', () => {
    const limits = { maxFieldChars: 4, maxFields: 3, maxRecordChars: 20 };
    const read = tokenize(['a,b\nabcde,1\n1,2,3,4\n"abcd",x\n'], { limits });
    expect(read.records.map((record) => [record.line, record.code, record.fields.length])).toEqual([
      [1, null, 2],
      [2, 'field-too-long', 2],
      [3, 'too-many-fields', 3], // the fourth field is counted, not kept
      [4, null, 2],
    ]);
    // One endless line: refused once the unfinished record passes the limit, chunk by chunk.
    const endless = new CsvTokenizer(() => true, { limits });
    let chunks = 0;
    while (endless.write('x,'.repeat(4))) chunks++;
    expect(chunks).toBeLessThanOrEqual(3);
    expect(endless.failure).toMatchObject({ line: 1, code: 'record-too-large' });
    // A quote that stays open past the limit is named as such.
    expect(tokenize(['a\n"', 'b\n'.repeat(30)], { limits }).failure).toMatchObject({
      line: 2,
      code: 'unclosed-quote',
    });
  });

  it('takes one delimiter character, and nothing that would make records ambiguous', () => {
    expect(
      tokenize(['a\tb\n"x\ty"\tz\n'], { delimiter: '\t' }).records.map((record) => record.fields),
    ).toEqual([
      ['a', 'b'],
      ['x\ty', 'z'],
    ]);
    for (const delimiter of ['', ';;', '"', '\n', '\r', '\0']) {
      expect(() => new CsvTokenizer(() => true, { delimiter })).toThrow(/delimiter/u);
    }
  });

  it('stops when the sink says so', () => {
    let seen = 0;
    const tokenizer = new CsvTokenizer(() => ++seen < 2);
    expect(tokenizer.write('a\nb\nc\n')).toBe(false);
    expect(seen).toBe(2);
    expect(tokenizer.end()).toBe(false);
  });
});
