import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amountProblem, parseAmountCents, parseAmountCentsBytes, parseAmountCentsIn } from './amount.js';

describe('parseAmountCents', () => {
  it.each([
    ['12.30', 1230],
    ['12.3', 1230],
    ['12', 1200],
    ['0.29', 29], // 0.29 * 100 is 28.999999999999996 in floats: the string arithmetic is exact
    ['1.005', Number.NaN],
    ['.5', 50],
    ['-12.30', -1230],
    ['+4.00', 400],
    ['$7', 700],
    ['-$1,234.5', -123450],
    ['$-3.10', -310],
    ['€ 9.99', 999],
    ['9.99 €', 999],
    ['1,234,567.89', 123456789],
    ['  42.00  ', 4200],
    ['-0.00', 0],
    ['12.', 1200], // a point without decimals
  ])('reads %j as %d cents', (text, cents) => {
    expect(parseAmountCents(text)).toBe(cents);
  });

  it.each([
    '',
    ' ',
    '-',
    '$',
    '.',
    '12,3x',
    '12,30',
    '1,23,456',
    '1234,567',
    ',123',
    '1.2.3',
    '12..3',
    'abc',
    '--1',
    '1e3',
  ])('refuses %j', (text) => {
    expect(parseAmountCents(text)).toBeNaN();
  });

  it('refuses an amount whose cents are past 2^53', () => {
    expect(parseAmountCents('90071992547409.91')).toBe(9_007_199_254_740_991); // Number.MAX_SAFE_INTEGER
    expect(parseAmountCents('90071992547410.00')).toBeNaN();
    expect(amountProblem('90071992547410.00')?.code).toBe('amount-too-large');
  });

  it('explains why', () => {
    expect(amountProblem('12.30')).toBeNull();
    expect(amountProblem('12.345')?.code).toBe('amount-precision');
    expect(amountProblem('$12.345')?.code).toBe('amount-precision');
    expect(amountProblem('12,30')?.code).toBe('ambiguous-amount');
    expect(amountProblem('12,3x')?.code).toBe('invalid-amount');
  });

  it('reads back any integer number of cents formatted with 2 decimals, a sign and grouping (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        fc.boolean(),
        fc.constantFrom('', '$', '€'),
        (cents, grouped, symbol) => {
          const magnitude = Math.abs(cents);
          let whole = String(Math.floor(magnitude / 100));
          if (grouped) whole = whole.replace(/\B(?=(\d{3})+(?!\d))/gu, ',');
          const text = `${cents < 0 ? '-' : ''}${symbol}${whole}.${String(magnitude % 100).padStart(2, '0')}`;
          expect(parseAmountCents(text)).toBe(cents === 0 ? 0 : cents);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads a range of a longer text exactly as the same text alone, whatever surrounds it (property)', () => {
    // Digits and separators around the range must never be read: the CSV reader passes whole chunks.
    const around = fc.string({ unit: fc.constantFrom('0', '9', '.', ',', '-', ' ', '$', 'x'), maxLength: 4 });
    const value = fc.oneof(
      fc.string({
        unit: fc.constantFrom('0', '1', '5', '9', '.', ',', '-', '+', ' ', '$', '€'),
        maxLength: 12,
      }),
      fc.integer({ min: -1_000_000, max: 1_000_000 }).map((cents) => (cents / 100).toFixed(2)),
    );
    fc.assert(
      fc.property(around, value, around, (before, text, after) => {
        const whole = before + text + after;
        expect(parseAmountCentsIn(whole, before.length, before.length + text.length)).toBe(
          parseAmountCents(text),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('reads UTF-8 bytes exactly as parseAmountCents reads the decoded text, in any surroundings (property)', () => {
    // The byte-level scanner's path: the same value must come out of the file's bytes as out of
    // its decoded text (the reference: Buffer's UTF-8 decoding, as the string path's decoder).
    const unit = fc.constantFrom(
      ...['0', '1', '5', '9', '.', ',', '-', '+', ' ', '\t', '$', '€', '£', '\u00a0', 'x', 'é'],
    );
    const around = fc.string({ unit: fc.constantFrom('0', '9', '.', ',', '-', ' ', '$', '€'), maxLength: 4 });
    const text = fc.oneof(
      fc.string({ unit, maxLength: 14 }),
      fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }).map((cents) => (cents / 100).toFixed(2)),
      fc.constantFrom(
        '-$1,234.5',
        '$-3.10',
        '€ 9.99',
        '9.99 €',
        '\u00a012.30\u00a0',
        '90071992547410.00',
        '-',
        '$',
      ),
    );
    fc.assert(
      fc.property(around, text, around, (before, value, after) => {
        const bytes = Buffer.from(before + value + after, 'utf8');
        const start = Buffer.byteLength(before);
        const end = start + Buffer.byteLength(value);
        expect(parseAmountCentsBytes(bytes, start, end)).toBe(parseAmountCents(value));
      }),
      { numRuns: 5000 },
    );
  });

  it('reads any bytes, invalid UTF-8 included, as parseAmountCents reads their decoding (property)', () => {
    const byte = fc.constantFrom(
      0x30,
      0x35,
      0x2e,
      0x2c,
      0x2d,
      0x20,
      0x24,
      0xc2,
      0xa0,
      0xe2,
      0x82,
      0xac,
      0xff,
    );
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 12 }), (values) => {
        const bytes = Uint8Array.from(values);
        const decoded = Buffer.from(bytes).toString('utf8');
        expect(parseAmountCentsBytes(bytes, 0, bytes.length)).toBe(parseAmountCents(decoded));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('parseAmountCents with a decimal comma or an undetermined separator', () => {
  it.each([
    ['12,50', ',', 1250],
    ['1.234,56', ',', 123456],
    ['1 234,5', ',', 123450],
    ['1\u00a0234,56 €', ',', 123456], // French: a no-break space groups thousands
    ['1\u202f234,56', ',', 123456], // … or a narrow no-break space
    ['-€12,30', ',', -1230],
    ['1.234', ',', 123400], // in a decimal-comma file "." only groups thousands
    ['7', ',', 700],
    ['12,50', null, 1250],
    ['12.50', null, 1250],
    ['1.234,56', null, 123456],
    ['1,234.56', null, 123456],
    ['1.234.567', null, 123456700],
    ['1,234,567', null, 123456700],
    ['42', null, 4200],
  ] as const)('reads %j with decimal %j as %d cents', (text, decimal, cents) => {
    expect(parseAmountCents(text, decimal)).toBe(cents);
    expect(parseAmountCentsBytes(Buffer.from(`;${text};`), 1, 1 + Buffer.byteLength(text), decimal)).toBe(
      cents,
    );
  });

  it.each([
    ['1,234', ',', 'amount-precision'], // three decimals: never 1234 in a decimal-comma file
    ['12.50', ',', 'ambiguous-amount'],
    ['1.23.456,7', ',', 'invalid-amount'],
    ['1,234', null, 'ambiguous-amount'], // 1234 or 1.234: the file must say
    ['1.234', null, 'ambiguous-amount'],
    ['-$1.234', null, 'ambiguous-amount'],
    ['12,50', '.', 'ambiguous-amount'],
  ] as const)('refuses %j with decimal %j (%s), naming the flag that decides', (text, decimal, code) => {
    expect(parseAmountCents(text, decimal)).toBeNaN();
    const problem = amountProblem(text, decimal);
    expect(problem?.code).toBe(code);
    if (code === 'ambiguous-amount') expect(problem?.reason).toContain('--decimal');
  });

  it('reads every grouped decimal-comma amount back exactly (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        fc.constantFrom('', '.', ' '),
        (cents, group) => {
          const magnitude = Math.abs(cents);
          const whole = String(Math.floor(magnitude / 100)).replace(/\B(?=(\d{3})+(?!\d))/gu, group);
          const text = `${cents < 0 ? '-' : ''}${whole},${String(magnitude % 100).padStart(2, '0')}`;
          expect(parseAmountCents(text, ',')).toBe(cents === 0 ? 0 : cents);
          // Undetermined: the two decimals after "," say it is the decimal separator.
          if (group !== ' ') expect(parseAmountCents(text, null)).toBe(cents === 0 ? 0 : cents);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
