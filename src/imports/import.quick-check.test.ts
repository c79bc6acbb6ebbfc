/**
 * The import's fast validation (`quickCheckGenericOrders`) may only say `valid` when the record
 * reader — the import's definition of a valid file — accepts every record: checked on random
 * generic order files mixing valid values with each fault the import refuses (property), and on
 * the faults one by one. A file it is unsure of is validated by record, so `unsure` is always safe.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { quickCheckGenericOrders } from '../csv/index.js';
import { readRecords } from './import.record-reader.js';
import { autoOrderLayout } from './order-records.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-quick-check-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let counter = 0;

function file(content: string | Buffer): string {
  const path = join(directory, `orders-${++counter}.csv`);
  writeFileSync(path, content);
  return path;
}

/** The record reader's verdict: records read and whether every one was valid. */
async function byRecord(path: string): Promise<{ status: string; records: number; invalid: number }> {
  let invalid = 0;
  const result = await readRecords(
    path,
    autoOrderLayout,
    { timeZone: 'Europe/Paris', defaultCurrency: 'EUR' },
    { record: () => undefined, invalid: () => void invalid++ },
  );
  return { status: result.status, records: result.status === 'read' ? result.records : 0, invalid };
}

const quick = (path: string) =>
  quickCheckGenericOrders(path, { timeZone: 'Europe/Paris', format: 'auto', encoding: 'utf-8' });

/** A field as a CSV writer would put it (quoted when it must be, or when `quote` says). */
function csvField(value: string, quote: boolean): string {
  return quote || /[",\r\n]/u.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

describe('quickCheckGenericOrders', () => {
  it('says valid only for files the record reader accepts whole, with as many records (property)', async () => {
    const value = (valid: string[], faulty: string[]) =>
      fc.oneof(
        { weight: 20, arbitrary: fc.constantFrom(...valid) },
        { weight: 1, arbitrary: fc.constantFrom(...faulty) },
      );
    const row = fc.record({
      orderId: value(['o1', 'o2', 'o-3', 'é-4', 'o1'], ['', ' ', 'x'.repeat(1_001), 'a\u0000b']),
      customerId: value(['c1', 'c2', 'Zoë', ' c3 '], ['', 'c'.repeat(1_001)]),
      orderedAt: value(
        ['2024-01-05', '2024-03-31 02:30', '20240105', '2024-01-05T10:00:00Z'],
        ['2024-13-01', '1969-12-31', ''],
      ),
      amount: value(['10.00', '-5', '1,234.50', '€ 9.99', '0'], ['abc', '', '1.234']),
      currency: value(['EUR', 'eur', ''], ['EURO', 'USD']),
      quote: fc.boolean(),
      shape: fc.constantFrom(
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        'short',
        'long',
        'junk',
        'blank-before',
      ),
    });
    let sure = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.boolean(),
        async (rows, crlf, bom) => {
          const newline = crlf ? '\r\n' : '\n';
          const lines = rows.map((fields) => {
            const values = [
              fields.orderId,
              fields.customerId,
              fields.orderedAt,
              fields.amount,
              fields.currency,
            ];
            let line = values.map((field) => csvField(field, fields.quote)).join(',');
            if (fields.shape === 'short') line = values.slice(0, 4).join(',');
            if (fields.shape === 'long') line = `${line},extra`;
            if (fields.shape === 'junk') line = `"${fields.orderId}"x,${values.slice(1).join(',')}`;
            if (fields.shape === 'blank-before') line = `${newline}${line}`;
            return line;
          });
          const text = `${bom ? '\uFEFF' : ''}order_id,customer_id,ordered_at,amount,currency${newline}${lines.join(newline)}${newline}`;
          const path = file(text);
          const check = await quick(path);
          if (check.verdict === 'valid') {
            sure++;
            expect(await byRecord(path)).toEqual({ status: 'read', records: check.records, invalid: 0 });
          }
        },
      ),
      { numRuns: 250 },
    );
    // Not vacuous: many random files were judged valid by the fast path (and so checked).
    expect(sure).toBeGreaterThan(30);
  });

  it('gives the same verdict off the thread (the import writes meanwhile) as on it', async () => {
    const header = 'order_id,customer_id,ordered_at,amount,currency';
    const files = [
      // Valid, with a BOM and CRLF: 3 records, one currency.
      `\uFEFF${header}\r\no1,c1,2024-01-05,10.00,EUR\r\no2,c2,2024-03-31 02:30,-5,\r\no3,c1,20240105,"1,234.50",eur\r\n`,
      // Unsure (the record reader decides): a bad amount on the last line, a second currency, a
      // short row, a blank order id.
      `${header}\no1,c1,2024-01-05,10.00,EUR\no2,c2,2024-01-06,abc,EUR\n`,
      `${header}\no1,c1,2024-01-05,10.00,EUR\no2,c2,2024-01-06,3.00,USD\n`,
      `${header}\no1,c1,2024-01-05,10.00\n`,
      `${header}\n,c1,2024-01-05,10.00,EUR\n`,
    ].map((text) => file(text));
    const verdicts = [];
    for (const path of files) {
      const here = await quick(path);
      const off = await quickCheckGenericOrders(path, {
        timeZone: 'Europe/Paris',
        format: 'auto',
        encoding: 'utf-8',
        offThread: true,
      });
      expect(off).toEqual(here);
      verdicts.push(here.verdict);
    }
    // Both answers occur: the comparison is not between two "unsure"s only.
    expect(verdicts[0]).toBe('valid');
    expect(verdicts.slice(1)).toEqual(['unsure', 'unsure', 'unsure', 'unsure']);
  });

  it('reads the dialect and map it is given, as the record reader does', async () => {
    const path = file('Nr;Kunde;Datum;Betrag\no1;c1;05.01.2024;1.234,50\no2;c2;06.01.2024;12,5\n');
    const dialect = { delimiter: ';', decimal: ',', dateFormat: 'DD.MM.YYYY' } as const;
    const map = { order_id: 'Nr', customer_id: 'Kunde', ordered_at: 'Datum', amount: 'Betrag' };
    const check = await quickCheckGenericOrders(path, {
      timeZone: 'UTC',
      format: 'auto',
      encoding: 'utf-8',
      dialect,
      map,
    });
    expect(check).toMatchObject({ verdict: 'valid', records: 2, currencies: [] });
    // Read with the default dialect the same file is one column: not sure.
    expect(await quick(path)).toEqual({ verdict: 'unsure' });
  });

  it('takes the fast path for a plain valid file, and gives way on each fault the import refuses', async () => {
    const header = 'order_id,customer_id,ordered_at,amount,currency\n';
    const valid = `${header}o1,c1,2024-01-05,10.00,EUR\no1,c1,2024-01-05,10.00,EUR\no2,Zoë,2024-01-06,-5,EUR\n`;
    expect(await quick(file(valid))).toEqual({
      verdict: 'valid',
      records: 3,
      header: ['order_id', 'customer_id', 'ordered_at', 'amount', 'currency'],
      columns: {
        order_id: 'order_id',
        customer_id: 'customer_id',
        ordered_at: 'ordered_at',
        amount: 'amount',
        currency: 'currency',
      },
      currencies: ['EUR'],
    });
    const faults = [
      `${header}o1,c1,2024-01-05,10.00,EUR\n,c2,2024-01-05,1,EUR\n`, // a blank order id (the import's key)
      `${header}${'o'.repeat(1_001)},c1,2024-01-05,1,EUR\n`, // an id past MAX_ID_CHARS
      `${header}o1,${'c'.repeat(1_001)},2024-01-05,1,EUR\no1,c1,2024-01-05,1,EUR\n`,
      `${header}o1,c1,2024-01-05,1,EUR\no1,${'c'.repeat(1_001)},2024-01-05,1,EUR\n`, // on a further line of the order
      `${header}o1,c\u00001,2024-01-05,1,EUR\n`, // a NUL
      `${header}"o1"x,c1,2024-01-05,1,EUR\n`, // text after a quote
      `${header}"o1,c1,2024-01-05,1,EUR\n`, // an unclosed quote
      `${header}o1,c1,2024-01-05,1\n`, // a field short
      `${header}o1,c1,2024-01-05,1,EURO\n`, // a bad value
      `${header}o1,c1,2024-01-05,1,EUR\no2,c1,2024-01-05,1,USD\n`, // two currencies: valid, but not the scanner's
      `${header}o1,c1,2024-01-05,1,${'E'.repeat(70_000)}\n`, // a field that may pass 64 Ki characters
      'order_id,customer_id,ordered_at,amount,status\no1,c1,2024-01-05,1,completed\n', // a column it does not read
      'Name,Email,Financial Status,Subtotal,Created at\n#1,a@b.c,paid,1,2024-01-05\n', // not the generic layout
    ];
    for (const content of faults) expect(await quick(file(content))).toEqual({ verdict: 'unsure' });
    const latin1 = file(Buffer.from(`${header}o1,Jos\xe9,2024-01-05,1,EUR\n`, 'latin1'));
    expect(await quick(latin1)).toEqual({ verdict: 'unsure' });
    expect(
      await quickCheckGenericOrders(file(valid), { timeZone: 'UTC', format: 'auto', encoding: 'latin1' }),
    ).toEqual({ verdict: 'unsure' });
  });
});
