/**
 * The generic orders scanner reads the file's bytes (ids interned as UTF-8, strings decoded at the
 * end): non-ASCII text must come out exactly as the decoded text gives it. The reference decodes
 * the whole file with Buffer, splits it (no quotes in these files) and interns the ids with a Map.
 * Bytes that are not UTF-8 are refused with their line (issue 9 §2): read leniently, a Latin-1
 * "José" and "Josè" both became "Jos\uFFFD", one customer; `encoding: 'latin1'` reads them.
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
// c<EF BF BD>1 is a valid U+FFFD, an id like any other.
const customers: Buffer[] = [
  Buffer.from('c1'),
  Buffer.from('ünïcødé'),
  Buffer.from('😀-中文'),
  Buffer.from('e\u0301'),
  Buffer.concat([Buffer.from('c'), bytes(0xef, 0xbf, 0xbd), Buffer.from('1')]),
];
const countries: Buffer[] = [Buffer.from('FR'), Buffer.from('Côte d’Ivoire'), Buffer.from('Ελλάδα')];
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
    it(`non-ASCII ids, labels and amounts, on ${threads} thread(s)`, async () => {
      const path = writeFile(`utf8-${threads}.csv`, 400);
      const expected = reference(readFileSync(path));
      const read = await readOrdersCsv(path, { attributes: ['country'], threads, parallelMinBytes: 0 });
      if (!read.ok) throw new Error(read.error.map(formatCsvIssue).join('\n'));
      expect(read.value.threads).toBe(threads);
      const { table } = read.value;
      expect(table.customerIds).toEqual(expected.customerIds);
      expect(Array.from(table.customer)).toEqual(expected.customer);
      expect(Array.from(table.orderedAt)).toEqual(expected.orderedAt);
      expect(Array.from(table.amountCents)).toEqual(expected.amountCents);
      const country = table.attributes.get('country')!;
      expect(country.labels).toEqual(expected.labels);
      expect(Array.from(country.codes, (code) => country.labels[code])).toEqual(expected.country);
    });
  }

  it('quotes the value in the messages of unreadable fields', async () => {
    const path = join(directory, 'bad-values.csv');
    writeFileSync(path, 'customer_id,ordered_at,amount\nc1,2024-02-01,1€x\nc2,2024-02-0é,3.00\n');
    const read = await readOrdersCsv(path, { threads: 1 });
    expect(read.ok).toBe(false);
    if (read.ok) return;
    const messages = read.error.map(formatCsvIssue).join('\n');
    expect(messages).toContain('cannot read "1€x" as an amount');
    expect(messages).toContain('cannot read "2024-02-0é" as a date');
    expect(read.error.map((issue) => issue.line)).toEqual([2, 3]);
  });

  for (const threads of [1, 2] as const) {
    it(`refuses bytes that are not UTF-8 with their line, wherever they are, on ${threads} thread(s)`, async () => {
      // 400 rows; the Latin-1 "José" (é = 0xE9) on line 302, in the second half of the data.
      const lines: Buffer[] = [Buffer.from('customer_id,ordered_at,amount,note\n')];
      for (let row = 0; row < 400; row++) {
        const note = row === 300 ? bytes(0x4a, 0x6f, 0x73, 0xe9) : Buffer.from('ok');
        lines.push(Buffer.concat([Buffer.from(`c${row % 7},2024-02-01,1.00,`), note, Buffer.from('\n')]));
      }
      const path = join(directory, `latin1-${threads}.csv`);
      writeFileSync(path, Buffer.concat(lines));
      const read = await readOrdersCsv(path, { threads, parallelMinBytes: 0 });
      expect(read.ok || read.error).toEqual([
        expect.objectContaining({
          line: 302,
          code: 'invalid-utf8',
          message: expect.stringContaining('0xE9'),
        }),
      ]);
      // As Latin-1 it reads (by record: the byte scanner is for UTF-8), every row counted.
      const latin1 = await readOrdersCsv(path, { threads, encoding: 'latin1', parallelMinBytes: 0 });
      expect(latin1.ok && latin1.value.rows).toBe(400);
    });
  }
});
