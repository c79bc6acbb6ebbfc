/**
 * The generic orders scanner reads the file's bytes (ids interned as UTF-8, strings decoded at the
 * end): non-ASCII and invalid UTF-8 must come out exactly as the decoded text gives them. The
 * reference decodes the whole file with Buffer (WHATWG replacement, as the string decoder does),
 * splits it (no quotes in these files) and interns the ids with a Map: two invalid byte ids that
 * decode to the same string are one customer, as they were when the reader scanned decoded text.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAmountCents } from './amount.js';
import { formatCsvIssue } from './csv-issue.js';
import { InstantParser } from './instant-parser.js';
import { readOrdersCsv } from './orders-csv.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-utf8-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const bytes = (...values: number[]) => Buffer.from(values);
// c\xff1 and c\xfe1 are invalid UTF-8, c<EF BF BD>1 a valid U+FFFD: all three decode to "c\uFFFD1".
const customers: Buffer[] = [
  Buffer.from('c1'),
  Buffer.from('ünïcødé'),
  Buffer.from('😀-中文'),
  Buffer.from('e\u0301'),
  Buffer.concat([Buffer.from('c'), bytes(0xff), Buffer.from('1')]),
  Buffer.concat([Buffer.from('c'), bytes(0xfe), Buffer.from('1')]),
  Buffer.concat([Buffer.from('c'), bytes(0xef, 0xbf, 0xbd), Buffer.from('1')]),
  Buffer.concat([Buffer.from('d'), bytes(0xe2, 0x82)]), // a truncated 3-byte sequence
];
const countries: Buffer[] = [
  Buffer.from('FR'),
  Buffer.from('Côte d’Ivoire'),
  bytes(0x58, 0xff),
  bytes(0x58, 0xc3),
];
const amounts = ['12.30', '€ 9.99', '9.99 €', '\u00a042.00', '-$1234.5', '£7'];

/** A file of `rows` rows cycling through the byte ids, labels and amounts above. */
function writeFile(name: string, rows: number): string {
  const lines: Buffer[] = [Buffer.from('customer_id,ordered_at,amount,country\n')];
  for (let row = 0; row < rows; row++) {
    const day = String(1 + (row % 28)).padStart(2, '0');
    lines.push(
      Buffer.concat([
        customers[(row * 5) % customers.length]!,
        Buffer.from(`,2024-02-${day}T10:00:00Z,${amounts[row % amounts.length]},`),
        countries[row % countries.length]!,
        Buffer.from('\n'),
      ]),
    );
  }
  const path = join(directory, name);
  writeFileSync(path, Buffer.concat(lines));
  return path;
}

/** The decoded-text reference (see the module comment). */
function reference(contents: Buffer) {
  const parser = new InstantParser('UTC');
  const ids = new Map<string, number>();
  const labels = new Map<string, number>([['', 0]]);
  const rows = contents.toString('utf8').split('\n').slice(1, -1);
  const intern = (map: Map<string, number>, key: string) => {
    if (!map.has(key)) map.set(key, map.size);
    return map.get(key)!;
  };
  const fields = rows.map((line) => line.split(','));
  for (const field of fields) intern(labels, field[3]!);
  return {
    customer: fields.map((field) => intern(ids, field[0]!)),
    orderedAt: fields.map((field) => parser.parse(field[1]!)),
    amountCents: fields.map((field) => parseAmountCents(field[2]!)),
    country: fields.map((field) => field[3]!),
    customerIds: [...ids.keys()],
    labels: [...labels.keys()],
  };
}

describe('generic orders: bytes read exactly as the decoded text', () => {
  for (const threads of [1, 2] as const) {
    it(`non-ASCII and invalid UTF-8 ids, labels and amounts, on ${threads} thread(s)`, async () => {
      const path = writeFile(`utf8-${threads}.csv`, 400);
      const expected = reference(readFileSync(path));
      const read = await readOrdersCsv(path, { attributes: ['country'], threads, parallelMinBytes: 0 });
      if (!read.ok) throw new Error(read.error.map(formatCsvIssue).join('\n'));
      expect(read.value.threads).toBe(threads);
      const { table } = read.value;
      // "c\uFFFD1" from three different byte ids is one customer, first seen as c\xff1.
      expect(table.customerIds).toEqual(expected.customerIds);
      expect(table.customerIds.filter((id) => id === 'c\uFFFD1')).toHaveLength(1);
      expect(Array.from(table.customer)).toEqual(expected.customer);
      expect(Array.from(table.orderedAt)).toEqual(expected.orderedAt);
      expect(Array.from(table.amountCents)).toEqual(expected.amountCents);
      const country = table.attributes.get('country')!;
      expect(country.labels).toEqual(expected.labels);
      expect(Array.from(country.codes, (code) => country.labels[code])).toEqual(expected.country);
    });
  }

  it('quotes the decoded value in the messages of unreadable fields', async () => {
    const path = join(directory, 'bad-utf8.csv');
    const contents = Buffer.concat([
      Buffer.from('customer_id,ordered_at,amount\nc1,2024-02-01,1'),
      bytes(0xff),
      Buffer.from('\nc2,2024-02-0é,3.00\n'),
    ]);
    writeFileSync(path, contents);
    const read = await readOrdersCsv(path, { threads: 1 });
    expect(read.ok).toBe(false);
    if (read.ok) return;
    const messages = read.error.map(formatCsvIssue).join('\n');
    expect(messages).toContain('cannot read "1\uFFFD" as an amount');
    expect(messages).toContain('cannot read "2024-02-0é" as a date');
    expect(read.error.map((issue) => issue.line)).toEqual([2, 3]);
  });
});
