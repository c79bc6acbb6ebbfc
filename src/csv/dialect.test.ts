import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectDelimiter, detectDialect, parseDelimiter, readDialect, sampleRecords } from './dialect.js';

describe('detectDelimiter', () => {
  it.each([
    ['comma', 'customer_id,ordered_at,amount\nc1,2024-01-05,12.30\nc2,2024-01-06,"1,234.00"\n', ','],
    ['semicolon', 'Kunde;Datum;Betrag\nc1;05.01.2024;12,30\nc2;06.01.2024;1.234,00\n', ';'],
    ['tab', 'customer_id\tordered_at\tamount\nc1\t2024-01-05\t12.30\n', '\t'],
    ['pipe', 'customer_id|ordered_at|amount\nc1|2024-01-05|12.30\n', '|'],
  ])('finds the %s', (_name, text, delimiter) => {
    expect(detectDelimiter(text, true).delimiter).toBe(delimiter);
  });

  it('prefers the delimiter the rows agree with over one that splits the header into more', () => {
    // The header has a comma in a name, and the values decimal commas: only ";" gives every row as
    // many fields as the header.
    const text = 'id;"Name, full";amount\n1;Ann;12,50\n2;Bob;3,75\n';
    const found = detectDelimiter(text, true);
    expect(found.delimiter).toBe(';');
    expect(found.reason).toBe(
      '";" splits the header into 3 columns and each of the first 2 rows has as many',
    );
  });

  it('ignores delimiters inside quotes, and a last row cut by the end of the sample', () => {
    const text = 'a,b,c\n"x;y;z",2,3\n4,5,6\n7,8'; // the sample ends inside a row
    expect(detectDelimiter(text, false)).toEqual({
      delimiter: ',',
      reason: '"," splits the header into 3 columns and each of the first 2 rows has as many',
    });
  });

  it('reads a one-column header as comma-separated', () => {
    expect(detectDelimiter('customer_id\nc1\n', true)).toEqual({
      delimiter: ',',
      reason: 'the header is one column',
    });
  });
});

describe('sampleRecords', () => {
  it('splits quoted fields with doubled quotes, line breaks and CRLF, skipping blank lines', () => {
    expect(sampleRecords('\ufeffa;b\r\n"x ""y""";"1\n2"\r\n\r\n3;4', ';', 10, true)).toEqual([
      ['a', 'b'],
      ['x "y"', '1\n2'],
      ['3', '4'],
    ]);
  });
});

describe('detectDialect', () => {
  it('finds decimal commas and day-first dotted dates in a ";" file', () => {
    const text =
      'Bestellung;Kunde;Datum;Summe\n1001;a@x.de;05.01.2024 14:03;1.234,56\n1002;b@x.de;06.01.2024;12,50\n';
    expect(detectDialect(text, true)).toEqual({
      delimiter: ';',
      decimal: ',',
      dateFormat: 'DD.MM.YYYY',
      reasons: {
        delimiter: '";" splits the header into 4 columns and each of the first 2 rows has as many',
        decimal: '2 values of the first rows such as "1.234,56"',
        dateFormat: 'dotted dates such as "05.01.2024 14:03" are day-first',
      },
    });
  });

  it('tells day-first from month-first slashed dates only when a value says so', () => {
    const dayFirst = detectDialect('id,date\n1,05/03/2024\n2,25/03/2024\n', true);
    expect(dayFirst.dateFormat).toBe('DD/MM/YYYY');
    expect(dayFirst.reasons.dateFormat).toBe('"25/03/2024" has no month 25');
    expect(detectDialect('id,date\n1,03/05/2024\n2,3/25/2024 9:15 PM\n', true).dateFormat).toBe('MM/DD/YYYY');
    const undecided = detectDialect('id,date\n1,05/03/2024\n2,01/02/2024\n', true);
    expect(undecided.dateFormat).toBe('YYYY-MM-DD');
    expect(undecided.reasons.dateFormat).toContain('do not say whether the day or the month comes first');
    const both = detectDialect('id,date\n1,25/03/2024\n2,03/25/2024\n', true);
    expect(both.dateFormat).toBe('YYYY-MM-DD');
    expect(both.reasons.dateFormat).toContain('both day-first and month-first');
  });

  it('leaves the decimal separator of a ";" file undetermined when no value shows it, and keeps "." for a comma file', () => {
    const semicolon = detectDialect('id;amount\n1;12\n2;1.234\n', true);
    expect(semicolon.decimal).toBeNull();
    expect(semicolon.reasons.decimal).toBe('undetermined: no amount of the first rows shows its decimals');
    expect(detectDialect('id;amount\n1;12,50\n2;3.75\n', true).decimal).toBeNull(); // both shown
    expect(detectDialect('id,amount\n1,12\n2,"1,234"\n', true).decimal).toBe('.');
    expect(detectDialect('id,amount\n1,"12,50"\n', true).decimal).toBe(','); // quoted decimal commas
  });

  it('keeps what the caller forces, saying so', () => {
    const forced = detectDialect('a;b\n1;2,50\n', true, {
      delimiter: ',',
      decimal: '.',
      dateFormat: 'MM/DD/YYYY',
    });
    expect(forced).toMatchObject({ delimiter: ',', decimal: '.', dateFormat: 'MM/DD/YYYY' });
    expect(forced.reasons).toEqual({ delimiter: 'as asked', decimal: 'as asked', dateFormat: 'as asked' });
  });

  it('does not take dates, ids or three-digit groups for decimals', () => {
    const text = 'id;date;sku;amount\n1;05.01.24;12.503;1.234\n2;2024-01-05;A-1.5;7\n';
    expect(detectDialect(text, true).decimal).toBeNull();
  });
});

describe('readDialect', () => {
  it('reads the start of a file, and says when there is none', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'retain-dialect-'));
    const path = join(directory, 'orders.tsv');
    writeFileSync(path, 'customer_id\tamount\nc1\t12,50\n');
    const outcome = await readDialect(path);
    expect(outcome.status === 'read' && outcome.dialect).toMatchObject({ delimiter: '\t', decimal: ',' });
    expect((await readDialect(join(directory, 'missing.csv'))).status).toBe('not-found');
  });
});

describe('parseDelimiter', () => {
  it.each([
    [',', ','],
    [';', ';'],
    ['tab', '\t'],
    ['\\t', '\t'],
    ['|', '|'],
    [':', null],
    ['ab', null],
  ])('reads %j as %j', (value, delimiter) => {
    expect(parseDelimiter(value)).toBe(delimiter);
  });
});
