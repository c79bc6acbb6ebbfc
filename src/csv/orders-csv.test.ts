import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../../test/support/fixtures.js';
import { instantFromLocal } from '../core/index.js';
import { formatCsvIssue } from './csv-issue.js';
import { type OrdersFile, readOrdersCsv } from './orders-csv.js';

const csv = (name: string): string => fixturePath(`csv/${name}`);

async function readOk(path: string, options: Parameters<typeof readOrdersCsv>[1] = {}): Promise<OrdersFile> {
  const result = await readOrdersCsv(path, options);
  if (!result.ok) throw new Error(result.error.map(formatCsvIssue).join('\n'));
  return result.value;
}

async function readIssues(path: string, options: Parameters<typeof readOrdersCsv>[1] = {}) {
  const result = await readOrdersCsv(path, options);
  if (result.ok) throw new Error('expected issues');
  return result.error;
}

const scratch = mkdtempSync(join(tmpdir(), 'retain-orders-csv-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let written = 0;
/** Writes `text` to a new file and returns its path. */
function write(text: string): string {
  const path = join(scratch, `file-${++written}.csv`);
  writeFileSync(path, text);
  return path;
}

function rowsOf(file: OrdersFile) {
  const { table } = file;
  return Array.from({ length: table.length }, (_, row) => ({
    customer: table.customerIds[table.customer[row]!],
    orderedAt: new Date(table.orderedAt[row]!).toISOString(),
    amountCents: table.amountCents[row],
  }));
}

describe('readOrdersCsv: generic layout', () => {
  // Every value below is read off test/fixtures/csv/generic-orders.csv by hand.
  const expected = [
    { customer: 'c1', orderedAt: '2024-01-05T00:00:00.000Z', amountCents: 1230 }, // "12.30", bare date in UTC
    { customer: 'Doe, Jane', orderedAt: '2024-01-06T10:15:00.000Z', amountCents: 123456 }, // quoted comma; "1,234.56"
    { customer: 'c1', orderedAt: '2024-01-07T06:00:00.000Z', amountCents: 700 }, // 08:00 at +02:00 = 06:00Z; "$7"
    { customer: 'c1', orderedAt: '2024-01-08T00:00:00.000Z', amountCents: -1230 }, // YYYYMMDD; a refund row
    { customer: 'c2', orderedAt: '2024-01-10T04:59:59.500Z', amountCents: 29 }, // 23:59:59.5 at −05:00; "0.29" exactly
  ];

  it('reads every value exactly', async () => {
    const file = await readOk(csv('generic-orders.csv'), { attributes: ['country'] });
    expect(file.format).toBe('generic');
    expect(file.currency).toBe('USD'); // "usd" on the last row is the same currency
    expect(file.rows).toBe(5);
    expect(file.skipped).toEqual([]);
    expect(rowsOf(file)).toEqual(expected);
    expect(file.table.customerIds).toEqual(['c1', 'Doe, Jane', 'c2']);
    expect(file.firstOrderAt).toBe(Date.UTC(2024, 0, 5));
    expect(file.lastOrderAt).toBe(Date.UTC(2024, 0, 10, 4, 59, 59, 500));
    const country = file.table.attributes.get('country')!;
    expect(Array.from(country.codes, (code) => country.labels[code])).toEqual(['US', 'FR', 'US', 'US', 'DE']);
  });

  it('reads the same file with a BOM and CRLF line ends identically', async () => {
    const file = await readOk(csv('generic-orders-bom-crlf.csv'));
    expect(rowsOf(file)).toEqual(expected);
  });

  it('reads wall times in the given zone across both DST changes (America/New_York 2024)', async () => {
    const file = await readOk(csv('new-york-dst.csv'), { timeZone: 'America/New_York' });
    expect(rowsOf(file).map((row) => row.orderedAt)).toEqual([
      '2024-03-09T17:00:00.000Z', // EST, UTC−5
      '2024-03-10T05:00:00.000Z', // local midnight of the change day, still EST
      '2024-03-10T06:30:00.000Z', // 01:30 EST, before the 02:00 jump
      '2024-03-10T07:30:00.000Z', // 02:30 does not exist: Luxon moves it forward to 03:30 EDT
      '2024-03-10T07:30:00.000Z', // 03:30 EDT, UTC−4
      '2024-03-11T16:00:00.000Z', // EDT
      '2024-11-03T04:30:00.000Z', // 00:30 EDT, before the fall-back
      '2024-11-03T17:00:00.000Z', // 12:00 EST after it
      '2024-11-03T12:00:00.000Z', // an explicit Z ignores the zone
    ]);
    // The gap time agrees with the core's Luxon conversion.
    expect(file.table.orderedAt[3]).toBe(
      instantFromLocal({ year: 2024, month: 3, day: 10, hour: 2, minute: 30 }, 'America/New_York'),
    );
  });

  it('follows --map and keeps attributes by the requested name', async () => {
    const file = await readOk(csv('mapped-orders.csv'), {
      map: { customer_id: 'Email', ordered_at: 'Created at', amount: 'Total' },
      attributes: ['country'],
    });
    expect(rowsOf(file)).toEqual([
      { customer: 'ann@example.com', orderedAt: '2024-05-01T10:00:00.000Z', amountCents: 1000 },
      { customer: 'ben@example.com', orderedAt: '2024-05-02T11:00:00.000Z', amountCents: 2050 },
      { customer: 'ann@example.com', orderedAt: '2024-05-03T12:00:00.000Z', amountCents: 525 },
    ]);
    expect(file.table.attributes.get('country')!.labels).toEqual(['', 'FR', 'DE']);
    expect(file.currency).toBeNull();
  });

  it('reports progress up to the file size', async () => {
    const seen: [number, number][] = [];
    await readOk(csv('generic-orders.csv'), { onProgress: (read, total) => seen.push([read, total]) });
    expect(seen.at(-1)).toEqual([256, 256]); // the fixture is 256 bytes
  });
});

describe('readOrdersCsv: Shopify orders export', () => {
  it('merges line items, counts refunds on their own row and leaves out pending, voided and no-email orders', async () => {
    const file = await readOk(csv('shopify-orders.csv'), { attributes: ['Billing Country'] });
    expect(file.format).toBe('shopify');
    expect(file.currency).toBe('USD');
    expect(file.columns.subtotal).toBe('Subtotal'); // the amount's column, as written
    // Orders of the fixture (newest first, as Shopify exports), by docs/imports.md "Shopify":
    // #1007 pending → left out; #1006 paid, Subtotal 42.00 over 3 lines; #1005 no e-mail → left out;
    // #1004 voided (and cancelled) → left out; #1003 partially_refunded, Subtotal 120.00, Taxes 0,
    // Refunded Amount 35.25 → +120.00 and −35.25 × 120 / (120 + 0) = −35.25 at its Created at (the
    // export has no refund date); #1002 refunded, 20.00 → +20.00 and −20.00; #1001 paid 84.50.
    expect(rowsOf(file)).toEqual([
      { customer: 'alice@example.com', orderedAt: '2024-04-01T00:30:00.000Z', amountCents: 4200 },
      { customer: 'carol@example.com', orderedAt: '2024-03-07T08:05:00.000Z', amountCents: 12000 },
      { customer: 'carol@example.com', orderedAt: '2024-03-07T08:05:00.000Z', amountCents: -3525 },
      { customer: 'bob@example.com', orderedAt: '2024-03-06T23:00:00.000Z', amountCents: 2000 },
      { customer: 'bob@example.com', orderedAt: '2024-03-06T23:00:00.000Z', amountCents: -2000 },
      { customer: 'alice@example.com', orderedAt: '2024-03-05T19:22:10.000Z', amountCents: 8450 },
    ]);
    expect(file.table.customerIds).toEqual(['alice@example.com', 'carol@example.com', 'bob@example.com']);
    expect(file.skipped).toEqual([
      { reason: 'pending', count: 1 },
      { reason: 'no customer e-mail', count: 1 },
      { reason: 'voided', count: 1 },
    ]);
    const country = file.table.attributes.get('Billing Country')!;
    expect(Array.from(country.codes, (code) => country.labels[code])).toEqual([
      'US',
      'FR',
      'FR',
      'US',
      'US',
      'US',
    ]);
    expect(file.firstOrderAt).toBe(Date.UTC(2024, 2, 5, 19, 22, 10));
    expect(file.lastOrderAt).toBe(Date.UTC(2024, 3, 1, 0, 30));
  });

  it('reads a Shopify file as generic when told to, and then misses the generic columns', async () => {
    const issues = await readIssues(csv('shopify-orders.csv'), { format: 'generic' });
    expect(issues.map((issue) => issue.column)).toEqual(['customer_id', 'ordered_at', 'amount']);
  });
});

describe('readOrdersCsv: bad input', () => {
  it('locates each bad value by physical line and column', async () => {
    const issues = await readIssues(csv('bad-values.csv'));
    expect(issues.map(formatCsvIssue)).toEqual([
      `${csv('bad-values.csv')}:3: column "ordered_at": cannot read "2024-02-30" as a date: 2024-02 has no day 30`,
      `${csv('bad-values.csv')}:4: column "amount": cannot read "12,3x" as an amount`,
      // Line 5–6 is one record (a quoted line break); line 7 is blank.
      `${csv('bad-values.csv')}:8: column "amount": cannot read "12.345" as an amount: more than 2 decimals`,
      `${csv('bad-values.csv')}:9: column "amount": cannot read "12,30" as an amount: a "," is read only as a thousands separator (1,234.56), not as a decimal comma: pass --decimal , (API: decimal) if the file writes 12,50`,
      `${csv('bad-values.csv')}:10: column "customer_id": the customer id is blank`,
    ]);
    expect(issues.map((issue) => issue.code)).toEqual([
      'invalid-date',
      'invalid-amount',
      'amount-precision',
      'ambiguous-amount',
      'missing-value',
    ]);
  });

  it('refuses the probe’s dates 0000-01-01 and 9999-12-31 (outside 1970 … 2100) by line and column', async () => {
    // As `retain analyze` reads them: the byte scanner for a generic file, the record reader with statuses.
    const directory = mkdtempSync(join(tmpdir(), 'retain-dates-'));
    try {
      const plain = join(directory, 'plain.csv');
      writeFileSync(
        plain,
        'customer_id,ordered_at,amount\nc1,2024-01-05,1\nc2,0000-01-01,1\nc3,9999-12-31,1\n',
      );
      expect((await readIssues(plain)).map(formatCsvIssue)).toEqual([
        `${plain}:3: column "ordered_at": "0000-01-01" is outside the dates Retain accepts, 1970-01-01 to 2100-12-31 (UTC)`,
        `${plain}:4: column "ordered_at": "9999-12-31" is outside the dates Retain accepts, 1970-01-01 to 2100-12-31 (UTC)`,
      ]);
      const withStatus = join(directory, 'status.csv');
      writeFileSync(
        withStatus,
        'customer_id,ordered_at,amount,status\nc1,2024-01-05,1,completed\nc2,9999-12-31,1,completed\n',
      );
      const issues = await readIssues(withStatus);
      expect(issues.map((issue) => [issue.line, issue.column, issue.code])).toEqual([
        [3, 'ordered_at', 'date-out-of-range'],
      ]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('reports a row with too few or too many fields on its own line, and reads the rows after it', async () => {
    // field-counts.csv: the header has 5 fields; line 12 has 3 (the amount and currency are missing),
    // line 14 has 6 (a quoted "Doe, Jane" is one field, then a trailing "extra").
    const issues = await readIssues(csv('field-counts.csv'));
    expect(issues.map(formatCsvIssue)).toEqual([
      `${csv('field-counts.csv')}:12: line 12 has 3 fields, the header has 5`,
      `${csv('field-counts.csv')}:14: line 14 has 6 fields, the header has 5`,
    ]);
    expect(issues.map((issue) => issue.code)).toEqual(['field-count', 'field-count']);
  });

  it('reports an unclosed quote and text after a closing quote on the line where the record starts', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'retain-quotes-'));
    try {
      const malformed = join(directory, 'malformed.csv');
      // Line 3: `"c2"x` has text after its closing quote; line 4 opens a quote that never closes.
      writeFileSync(
        malformed,
        'customer_id,ordered_at,amount\nc1,2024-01-01,1.00\n"c2"x,2024-01-02,2.00\n"c3,2024-01-03,3.00\nc4,2024-01-04,4.00\n',
      );
      const issues = await readIssues(malformed);
      expect(issues.map((issue) => [issue.line, issue.code])).toEqual([
        [3, 'malformed-quotes'],
        [4, 'unclosed-quote'],
      ]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('stops at maxIssues', async () => {
    const issues = await readIssues(csv('bad-values.csv'), { maxIssues: 2 });
    expect(issues.map((issue) => issue.line)).toEqual([3, 4]);
  });

  it('names each missing column, lists the columns found once and says which --map fixes it', async () => {
    const issues = await readIssues(csv('missing-columns.csv'), { attributes: ['country'] });
    expect(issues).toEqual([
      {
        file: csv('missing-columns.csv'),
        line: 1,
        column: 'customer_id',
        code: 'missing-column',
        message: 'missing column "customer_id": the file has "customer", "ordered_at", "total"',
      },
      {
        file: csv('missing-columns.csv'),
        line: 1,
        column: 'amount',
        code: 'missing-column',
        // "customer" and "total" are the usual names closest to the two fields (header-help.ts).
        message:
          'missing column "amount"; name the file\'s columns with --map customer_id=customer,amount=total',
      },
      {
        file: csv('missing-columns.csv'),
        line: 1,
        column: 'country',
        code: 'missing-column',
        message: 'missing attribute column "country"',
      },
    ]);
  });

  it('names a mapped column that is not there, and an unknown mapped field', async () => {
    const issues = await readIssues(csv('missing-columns.csv'), {
      map: { customer_id: 'Email', amount: 'total', colour: 'x' },
    });
    expect(issues.map((issue) => [issue.code, issue.column, issue.message])).toEqual([
      [
        'unknown-field',
        null,
        'cannot map "colour": the fields are customer_id, order_id, ordered_at, amount, currency, status, email, refunded_amount, refunded_at, product_id, product_name, category, quantity, unit_price',
      ],
      [
        'missing-column',
        'Email',
        'missing column "Email" (mapped from customer_id): the file has "customer", "ordered_at", "total"; name the file\'s columns with --map customer_id=customer',
      ],
    ]);
  });

  it('refuses an empty file, a header without rows, and a missing file', async () => {
    expect(await readIssues(csv('empty.csv'))).toEqual([
      { file: csv('empty.csv'), line: 1, column: null, code: 'empty-file', message: 'the file is empty' },
    ]);
    expect(await readIssues(csv('header-only.csv'))).toEqual([
      {
        file: csv('header-only.csv'),
        line: 1,
        column: null,
        code: 'no-rows',
        message: 'the file has a header but no rows',
      },
    ]);
    const missing = await readIssues(csv('does-not-exist.csv'));
    expect(missing.map((issue) => issue.code)).toEqual(['file-not-found']);
    expect(formatCsvIssue(missing[0]!)).toBe(`${csv('does-not-exist.csv')}: no such file`);
  });

  it('refuses a file mixing currencies once, listing each with its orders, on the first line of the second', async () => {
    const issues = await readIssues(csv('mixed-currencies.csv'));
    expect(issues).toEqual([
      {
        file: csv('mixed-currencies.csv'),
        line: 4, // EUR, eur (the same), then USD on line 4, GBP on line 5
        column: 'currency',
        code: 'mixed-currencies',
        message:
          'the file mixes 3 currencies: EUR (2 orders), USD (1 order), GBP (1 order); amounts in different currencies are never added up: split the file by currency',
      },
    ]);
    // The same rule by record (a status column takes the file off the byte scanner).
    const byRecord = await readIssues(
      write(
        'customer_id,ordered_at,amount,currency,status\nc1,2024-01-01,10,EUR,\nc2,2024-01-02,11,eur,\nc3,2024-01-03,12,USD,\n',
      ),
    );
    expect(byRecord.map((issue) => [issue.line, issue.code, issue.message.split(';')[0]])).toEqual([
      [4, 'mixed-currencies', 'the file mixes 2 currencies: EUR (2 orders), USD (1 order)'],
    ]);
  });

  it('refuses an unknown time zone', async () => {
    const issues = await readIssues(csv('generic-orders.csv'), { timeZone: 'Mars/Olympus' });
    expect(issues.map((issue) => issue.code)).toEqual(['invalid-time-zone']);
  });
});

describe('readOrdersCsv: round trip (property)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'retain-orders-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const quote = (text: string): string => (/[",\n\r]/u.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const formatCents = (cents: number): string => {
    const sign = cents < 0 ? '-' : '';
    const magnitude = Math.abs(cents);
    return `${sign}${Math.floor(magnitude / 100)}.${String(magnitude % 100).padStart(2, '0')}`;
  };
  let fileNumber = 0;

  it('random order rows written to a CSV read back identically', async () => {
    const row = fc.record({
      customerId: fc
        .string({ minLength: 1, maxLength: 20 })
        .filter((text) => text.trim() !== '' && !text.includes('\r')),
      orderedAt: fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) }),
      amountCents: fc.integer({ min: -10_000_000, max: 10_000_000 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 40 }), async (rows) => {
        const path = join(directory, `orders-${fileNumber++}.csv`);
        const lines = rows.map(
          (order) =>
            `${quote(order.customerId)},${new Date(order.orderedAt).toISOString()},${formatCents(order.amountCents)}`,
        );
        writeFileSync(path, `customer_id,ordered_at,amount\n${lines.join('\n')}\n`);
        const file = await readOk(path);
        expect(file.rows).toBe(rows.length);
        rows.forEach((order, index) => {
          expect(file.table.customerIds[file.table.customer[index]!]).toBe(order.customerId);
          expect(file.table.orderedAt[index]).toBe(order.orderedAt);
          expect(file.table.amountCents[index]).toBe(order.amountCents === 0 ? 0 : order.amountCents);
        });
      }),
      { numRuns: 60 },
    );
  });
});
