import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../../test/support/fixtures.js';
import { type CsvIssue, formatCsvIssue } from './csv-issue.js';
import { readCsvHeader } from './csv-stream.js';
import { scanGenericOrders } from './generic-orders.js';
import { InstantParser } from './instant-parser.js';
import type { GenericOrderLayout } from './order-scanner.js';
import { type ReadOrdersOptions, readOrdersCsv } from './orders-csv.js';

/**
 * The two-thread read must give exactly the one-thread result: same customers in the same order,
 * same rows, same issues on the same lines. `parallelMinBytes: 0` makes small files take the
 * two-thread path; `threads` in the result says which path was taken, so no test passes by
 * silently comparing the one-thread read with itself.
 */

const directory = mkdtempSync(join(tmpdir(), 'retain-two-threads-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

type Outcome =
  | { ok: true; threads: 1 | 2; value: unknown }
  | { ok: false; issues: string[]; codes: string[] };

async function readBoth(path: string, options: ReadOrdersOptions = {}): Promise<[Outcome, Outcome]> {
  const outcome = async (threads: 1 | 2): Promise<Outcome> => {
    const result = await readOrdersCsv(path, { ...options, threads, parallelMinBytes: 0 });
    if (!result.ok) {
      return {
        ok: false,
        issues: result.error.map(formatCsvIssue),
        codes: result.error.map((issue: CsvIssue) => issue.code),
      };
    }
    const { table, threads: used, ...rest } = result.value;
    const attributes = Object.fromEntries(
      [...table.attributes].map(([name, column]) => [
        name,
        Array.from(column.codes, (code) => column.labels[code]),
      ]),
    );
    return {
      ok: true,
      threads: used,
      value: {
        ...rest,
        customerIds: table.customerIds,
        customer: Array.from(table.customer),
        orderedAt: Array.from(table.orderedAt),
        amountCents: Array.from(table.amountCents),
        attributes,
      },
    };
  };
  return [await outcome(1), await outcome(2)];
}

/** Writes a generated file: `rows` lines from `line(row)` (row 0 is the first data row, file line 2). */
function generated(name: string, rows: number, line: (row: number) => string): string {
  const path = join(directory, name);
  const lines = ['customer_id,order_id,ordered_at,amount,currency,country'];
  for (let row = 0; row < rows; row++) lines.push(line(row));
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** A valid row: customers cycle over 997 ids, so most ids appear in both halves. */
const goodRow = (row: number, currency = 'USD'): string => {
  const day = String(1 + (row % 28)).padStart(2, '0');
  return `cust-${(row * 7) % 997},o${row},2024-02-${day} 10:${String(row % 60).padStart(2, '0')},${row % 500}.${String(row % 100).padStart(2, '0')},${currency},${['US', 'FR', 'DE'][row % 3]}`;
};

/** The generated files' layout (see `generated`), for calling `scanGenericOrders` directly. */
const GENERATED_LAYOUT: GenericOrderLayout = {
  fieldCount: 6,
  delimiter: 44,
  decimal: '.',
  customerColumn: 0,
  orderIdColumn: 1,
  orderedAtColumn: 2,
  amountColumn: 3,
  currencyColumn: 4,
  attributeColumns: [],
  names: { customer: 'customer_id', orderedAt: 'ordered_at', amount: 'amount', currency: 'currency' },
};

/** Which path `scanGenericOrders` takes on a file (a failed read does not say it otherwise). */
async function threadsUsed(path: string): Promise<number> {
  const head = await readCsvHeader(path);
  if (head.status !== 'header') throw new Error(head.status);
  const result = await scanGenericOrders(path, head, GENERATED_LAYOUT, new InstantParser('UTC'), {
    timeZone: 'UTC',
    maxIssues: 100,
    parallelMinBytes: 0,
  });
  if (result.status !== 'read')
    throw new Error(result.status === 'unreadable' ? result.reason : result.message);
  return result.threads;
}

describe('readOrdersCsv on two threads', () => {
  it('reads a fixture in two halves exactly as on one thread (New York wall times)', async () => {
    const [one, two] = await readBoth(fixturePath('csv/new-york-dst.csv'), { timeZone: 'America/New_York' });
    expect(two).toMatchObject({ ok: true, threads: 2 });
    expect(one).toMatchObject({ ok: true, threads: 1 });
    expect((two as { value: unknown }).value).toEqual((one as { value: unknown }).value);
  });

  it('reports a second currency found in the second half on its line (fixture)', async () => {
    // mixed-currencies.csv: EUR, eur, then USD on line 4 — the split falls between lines 3 and 4.
    const [one, two] = await readBoth(fixturePath('csv/mixed-currencies.csv'));
    expect(one).toMatchObject({ ok: false, codes: ['mixed-currencies'] });
    expect(two).toEqual(one);
  });

  it('reads a generated file in two halves exactly as on one thread, attributes included', async () => {
    const path = generated('valid.csv', 20_000, (row) => goodRow(row));
    const [one, two] = await readBoth(path, { attributes: ['country'] });
    expect(two).toMatchObject({ ok: true, threads: 2 });
    expect((two as { value: unknown }).value).toEqual((one as { value: unknown }).value);
    // 997 distinct customers (7 is invertible mod 997), numbered by first appearance.
    expect((one as { value: { customerIds: string[] } }).value.customerIds.slice(0, 3)).toEqual([
      'cust-0',
      'cust-7',
      'cust-14',
    ]);
  });

  it('reports issues of both halves on their file lines', async () => {
    // Row r is on line r + 2. Bad: an amount on line 102, a short row on line 15 002, a date on
    // line 19 002 (the second half starts near line 10 000).
    const path = generated('issues.csv', 20_000, (row) => {
      if (row === 100) return goodRow(row).replace(/,[\d.]+,USD/u, ',12.345,USD');
      if (row === 15_000) return 'cust-1,o,2024-02-01';
      if (row === 19_000) return goodRow(row).replace('2024-02-', '2024-13-');
      return goodRow(row);
    });
    const [one, two] = await readBoth(path);
    expect(one).toMatchObject({ ok: false });
    expect((one as { issues: string[] }).issues.map((issue) => issue.split(':')[1])).toEqual([
      '102',
      '15002',
      '19002',
    ]);
    expect((one as { issues: string[] }).issues[1]).toBe(
      `${path}:15002: line 15002 has 3 fields, the header has 6`,
    );
    expect(two).toEqual(one);
    expect(await threadsUsed(path)).toBe(2);
  });

  it('reports a currency change between the halves on the first line of the new currency', async () => {
    const path = generated('currencies.csv', 20_000, (row) => goodRow(row, row < 15_000 ? 'USD' : 'EUR'));
    const [one, two] = await readBoth(path);
    expect(one).toEqual({
      ok: false,
      issues: [
        `${path}:15002: column "currency": the file mixes 2 currencies: USD (15,000 orders), EUR (5,000 orders); amounts in different currencies are never added up: split the file by currency`,
      ],
      codes: ['mixed-currencies'],
    });
    expect(two).toEqual(one);
    expect(await threadsUsed(path)).toBe(2);
  });

  it('falls back to one thread when a quoted field spans the split, with the same result', async () => {
    // A quoted customer id of 150 000 lines around the middle: no `"` within 64 KB of the split
    // point, so the split is tried, and the first half ends inside the quotes.
    const long = Array.from({ length: 150_000 }, () => 'x').join('\n');
    const path = generated('spanning.csv', 3, (row) =>
      row === 1 ? `"${long}",o,2024-02-01,1.00,USD,US` : goodRow(row),
    );
    const [one, two] = await readBoth(path);
    expect(one).toMatchObject({ ok: true, threads: 1 });
    expect(two).toMatchObject({ ok: true, threads: 1 });
    expect((two as { value: unknown }).value).toEqual((one as { value: unknown }).value);
    expect((one as { value: { customerIds: string[] } }).value.customerIds[1]).toBe(long);
  });

  it('falls back to one thread when the second half would start inside an order, with the same result', async () => {
    // One order of 20 000 lines (one id): its values are on its first line, so the table has one
    // row (docs/imports.md: consecutive rows with one order_id are one order). The second half
    // starts on a further line of it: read again on one thread.
    const path = generated('one-order.csv', 20_000, (row) => goodRow(row).replace(`,o${row},`, ',o1,'));
    const [one, two] = await readBoth(path);
    expect(one).toMatchObject({ ok: true, threads: 1, value: { rows: 1, amountCents: [0] } });
    expect(two).toEqual(one);
    // Orders of two lines each: the halves split between two orders (the middle line feed follows
    // an even row), so two threads read them, one row an order.
    const pairs = generated('pairs.csv', 20_000, (row) =>
      goodRow(row).replace(`,o${row},`, `,o${row >> 1},`),
    );
    const [onePairs, twoPairs] = await readBoth(pairs);
    expect(onePairs).toMatchObject({ ok: true, value: { rows: 10_000 } });
    expect(twoPairs).toMatchObject({ ok: true, threads: 2 });
    expect((twoPairs as { value: unknown }).value).toEqual((onePairs as { value: unknown }).value);
  });

  it('stays on one thread when a quote is near the split point', async () => {
    const path = generated('quoted.csv', 2_000, (row) =>
      row === 1_000 ? `"Doe, Jane",${goodRow(row).slice(goodRow(row).indexOf(',') + 1)}` : goodRow(row),
    );
    const [one, two] = await readBoth(path);
    expect(two).toMatchObject({ ok: true, threads: 1 });
    expect(two).toEqual(one);
  });
});
