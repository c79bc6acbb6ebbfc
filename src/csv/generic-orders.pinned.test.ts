/**
 * Pins the hand-written generic-orders scanner (the measured fast path, `order-scanner.ts`) to the
 * clear path: the same file parsed by uDSV (`streamCsv`) and converted field by field with
 * `parseAmountCents` and `InstantParser`. Random files exercise quoting (commas, doubled quotes,
 * line breaks inside fields), CRLF line ends, a BOM and zone-less dates.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAmountCents } from './amount.js';
import { streamCsv } from './csv-stream.js';
import { InstantParser } from './instant-parser.js';
import { readOrdersCsv } from './orders-csv.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-pinned-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const quote = (field: string) => (/[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field);
const customerArbitrary = fc.constantFrom(
  'c1',
  'c2',
  'Acme, Inc.',
  'say "hi"',
  'two\nlines',
  'ünïcødé',
  '42',
  'c3',
);
const rowArbitrary = fc.record({
  customer: customerArbitrary,
  minutes: fc.integer({ min: 0, max: 60 * 24 * 400 }),
  zoned: fc.boolean(),
  cents: fc.integer({ min: -50_000, max: 5_000_000 }),
  country: fc.constantFrom('FR', 'US', '', 'Côte d’Ivoire', 'A, B'),
});

function amountText(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const absolute = Math.abs(cents);
  return `${sign}${Math.floor(absolute / 100)}.${String(absolute % 100).padStart(2, '0')}`;
}

function instantText(minutes: number, zoned: boolean): string {
  const iso = new Date(Date.UTC(2024, 0, 1) + minutes * 60_000).toISOString();
  return zoned ? iso : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** The clear path: uDSV fields, converted one by one. */
async function reference(path: string, timeZone: string) {
  const parser = new InstantParser(timeZone);
  const customerIds: string[] = [];
  const index = new Map<string, number>();
  const customer: number[] = [];
  const orderedAt: number[] = [];
  const amountCents: number[] = [];
  const country: string[] = [];
  let columns: string[] = [];
  await streamCsv(path, {
    header: (names) => {
      columns = names;
      return true;
    },
    row: (fields) => {
      const field = (name: string) => fields[columns.indexOf(name)]!;
      let who = index.get(field('customer_id'));
      if (who === undefined) {
        who = customerIds.length;
        index.set(field('customer_id'), who);
        customerIds.push(field('customer_id'));
      }
      customer.push(who);
      orderedAt.push(parser.parse(field('ordered_at')));
      amountCents.push(parseAmountCents(field('amount')));
      country.push(field('country'));
      return true;
    },
  });
  return { customerIds, customer, orderedAt, amountCents, country };
}

describe('generic orders: the scanner equals uDSV + the field parsers', () => {
  it('on random files with quoting, CRLF, a BOM and zone-less dates', async () => {
    let file = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArbitrary, { minLength: 1, maxLength: 40 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.constantFrom('UTC', 'America/New_York', 'Europe/Paris'),
        async (rows, newline, bom, timeZone) => {
          const lines = ['customer_id,order_id,ordered_at,amount,country'];
          rows.forEach((row, position) => {
            const fields = [quote(row.customer), `o${position}`, instantText(row.minutes, row.zoned)];
            lines.push([...fields, amountText(row.cents), quote(row.country)].join(','));
          });
          const path = join(directory, `orders-${file++}.csv`);
          writeFileSync(path, (bom ? '\uFEFF' : '') + lines.join(newline) + newline);

          const read = await readOrdersCsv(path, { timeZone, attributes: ['country'], threads: 1 });
          expect(read.ok).toBe(true);
          if (!read.ok) return;
          const { table } = read.value;
          const expected = await reference(path, timeZone);
          expect(table.customerIds).toEqual(expected.customerIds);
          expect(Array.from(table.customer)).toEqual(expected.customer);
          expect(Array.from(table.orderedAt)).toEqual(expected.orderedAt);
          expect(Array.from(table.amountCents)).toEqual(expected.amountCents);
          const countries = table.attributes.get('country')!;
          expect(Array.from(countries.codes, (code) => countries.labels[code])).toEqual(expected.country);
        },
      ),
      { numRuns: 150 },
    );
  });
});
