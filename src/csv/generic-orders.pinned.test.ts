/**
 * Pins the hand-written generic-orders scanner (the measured fast path, `order-scanner.ts`) to the
 * generic layout's definition (`genericOrders.read`, what `retain import` reads too): the same
 * file read by record through `readRowGroups`, each order's `countedRows` appended. Random files
 * exercise quoting (commas, doubled quotes, line breaks inside fields), CRLF line ends, a BOM,
 * zone-less dates, refund rows, and order ids repeated on consecutive lines (one order) or blank.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { genericOrders } from './layouts/generic-orders.js';
import { countedRows } from './layouts/order-layout.js';
import { readOrdersCsv } from './orders-csv.js';
import { readRowGroups } from './row-groups.js';

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
  // The order id: a new one, the previous line's (a further line of that order, spaces around it
  // or not), or blank (a line of its own).
  order: fc.constantFrom('new', 'new', 'new', 'same', ' same ', 'blank'),
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

/** The definition's path: records read by `genericOrders.read`, their counted rows in order. */
async function reference(path: string, timeZone: string) {
  const customerIds: string[] = [];
  const index = new Map<string, number>();
  const customer: number[] = [];
  const orderedAt: number[] = [];
  const amountCents: number[] = [];
  const country: string[] = [];
  let countryColumn = -1;
  const read = await readRowGroups(
    path,
    { layout: genericOrders, timeZone, attributes: ['country'] },
    {
      header: (_layout, columns) => {
        countryColumn = columns.attributes[0]!.index;
      },
      group: (lines, problems) => {
        const order = genericOrders.read(lines, 'analyze');
        if (order === null || 'skip' in order || problems.length > 0)
          throw new Error('a generated row is valid');
        for (const row of countedRows(order)) {
          let who = index.get(order.customerId);
          if (who === undefined) {
            who = customerIds.length;
            index.set(order.customerId, who);
            customerIds.push(order.customerId);
          }
          customer.push(who);
          orderedAt.push(row.at);
          amountCents.push(row.amountCents);
          country.push(lines[0]!.fields[countryColumn]!);
        }
      },
    },
  );
  expect(read.status).toBe('read');
  return { customerIds, customer, orderedAt, amountCents, country };
}

describe('generic orders: the scanner equals the layout definition', () => {
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
          let orderId = '';
          rows.forEach((row, position) => {
            if (row.order === 'new' || orderId === '') orderId = `o${position}`;
            const idText = row.order === 'blank' ? '' : row.order === ' same ' ? ` ${orderId} ` : orderId;
            if (row.order === 'blank') orderId = '';
            const fields = [quote(row.customer), idText, instantText(row.minutes, row.zoned)];
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
