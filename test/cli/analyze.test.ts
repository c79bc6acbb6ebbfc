/**
 * `retain analyze` as a user runs it: the real command over real files, output captured.
 * Expected numbers are hand-worked in comments, or cross-checked on the bundled CDNOW sample with an
 * independent awk computation (the command is quoted beside each assertion).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { runRetain } from '../support/cli.js';

const sample = fileURLToPath(new URL('../../samples/cdnow-orders.csv', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

// What the runs of the current test printed, in order (tests reset them to look at one run).
let stdout = '';
let stderr = '';
beforeEach(() => {
  stdout = '';
  stderr = '';
});

async function run(...args: string[]): Promise<number> {
  const result = await runRetain('analyze', ...args);
  stdout += result.stdout;
  stderr += result.stderr;
  return result.code;
}

describe('retain analyze on the bundled CDNOW sample', () => {
  it('reports the last complete quarter and its decomposition (--json)', async () => {
    expect(await run(sample, '--period', 'quarter', '--window-days', '90', '--json')).toBe(0);
    const report = JSON.parse(stdout);
    // Cross-checked with awk: customers with an order in [1997-10-03, 1998-01-01) (90 days before
    // Q1 1998) = 4,176; in [1998-01-01, 1998-04-01) = 3,817; in both = 1,938.
    expect(report.retention).toMatchObject({
      label: '1998-Q1',
      S: 4176,
      E: 3817,
      N: 0,
      retained: 1938,
      churned: 2238,
    });
    expect(report.retention.reactivated).toBe(3817 - 1938);
    expect(report.retention.crr).toBeCloseTo((3817 / 4176) * 100, 10);
    expect(report.retention.retentionRate).toBeCloseTo((1938 / 4176) * 100, 10);
    // Every CDNOW customer was acquired in Q1 1997 (the data set's design): one cohort of 23,570.
    const cohort = report.cohorts.rows.find((row: { cohort: string }) => row.cohort === '1997-Q1');
    expect(cohort.size).toBe(23_570);
    // awk: distinct customers with an order in 1997-04-01 … 1997-06-30 = 5,376.
    expect(cohort.counts[1]).toBe(5376);
    // Q2 1998 ends after the last order (1998-06-30): unknown, not 0.
    expect(cohort.counts[5]).toBeNull();
    // The published totals of CDNOW_master: 69,659 purchases worth $2,500,315.63.
    expect(report.orders).toMatchObject({ customers: 23_570, orders: 69_659, revenue: 2_500_315.63 });
    expect(report.rfm.segments.map((segment: { name: string }) => segment.name)).toHaveLength(10);
    expect(
      report.rfm.segments.reduce((sum: number, segment: { customers: number }) => sum + segment.customers, 0),
    ).toBe(23_570);
    expect(stderr).toBe('');
  });

  it('prints readable tables by default', async () => {
    expect(await run(sample, '--period', 'quarter', '--window-days', '90')).toBe(0);
    expect(stdout).toContain('Retention, 1998-Q1');
    expect(stdout).toContain('91.4 %'); // CRR = 3,817 / 4,176
    expect(stdout).toContain('46.4 %'); // retention = 1,938 / 4,176
    expect(stdout).toContain('Champions');
  });
});

describe('retain analyze options', () => {
  it('takes --from/--to as an inclusive range of local days and ignores later rows', async () => {
    // February 2024 only. Active at 02-01 (window 365 d): a, b. Active at 03-01: a, b, c (c's first
    // order 02-10 is new). Customer b's 03-01 order is outside the range and ignored.
    expect(
      await run(fixture('cli/orders-by-country.csv'), '--from', '2024-02-01', '--to', '2024-02-29', '--json'),
    ).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.retention).toMatchObject({ S: 2, E: 3, N: 1, retained: 2, newActiveAtEnd: 1, crr: 100 });
    expect(report.dataEnd).toBe('2024-03-01T00:00:00.000Z');
  });

  it('breaks cohorts down by a column taken at acquisition (--by)', async () => {
    expect(
      await run(fixture('cli/orders-by-country.csv'), '--by', 'country', '--to', '2024-03-31', '--json'),
    ).toBe(0);
    const { breakdown } = JSON.parse(stdout).cohorts;
    // At acquisition: a FR (Jan), b US (Jan; later DE does not move them), c US (Feb).
    const us = breakdown.find((part: { value: string }) => part.value === 'US');
    const fr = breakdown.find((part: { value: string }) => part.value === 'FR');
    expect(us.rows.map((row: { size: number }) => row.size)).toEqual([1, 1, 0]);
    // US January cohort {b}: active Jan, not Feb, Mar (b's 03-01 order) → counts [1, 0, 1].
    expect(us.rows[0].counts).toEqual([1, 0, 1]);
    // FR January cohort {a}: Jan, Feb → [1, 1, 0].
    expect(fr.rows[0].counts).toEqual([1, 1, 0]);
    expect(breakdown.some((part: { value: string }) => part.value === 'DE')).toBe(false);
  });

  it('reports MRR movements, NRR and GRR in subscription mode', async () => {
    expect(
      await run(fixture('cli/subscriptions.csv'), '--mode', 'subscription', '--to', '2024-03-31', '--json'),
    ).toBe(0);
    const report = JSON.parse(stdout);
    // MRR (cents) at Jan 1 | Feb 1 | Mar 1 | Apr 1, a customer counting only once acquired before
    // the boundary: a 0|1000|1000|1000, b 0|2000|2000|0 (ends 03-10), c 0|0|1000|1000 (120/yr
    // from exactly 02-01), d 0|0|0|500. January: new 3,000. February: new 1,000. March: churn
    // 2,000 (b), new 500 (d): NRR = GRR = (4,000 − 2,000) / 4,000 = 50 %.
    expect(report.mrr.movements).toEqual([
      {
        month: '2024-01',
        mrrStart: 0,
        mrrEnd: 30,
        new: 30,
        expansion: 0,
        contraction: 0,
        churn: 0,
        reactivation: 0,
        nrr: null,
        grr: null,
      },
      {
        month: '2024-02',
        mrrStart: 30,
        mrrEnd: 40,
        new: 10,
        expansion: 0,
        contraction: 0,
        churn: 0,
        reactivation: 0,
        nrr: 100,
        grr: 100,
      },
      {
        month: '2024-03',
        mrrStart: 40,
        mrrEnd: 25,
        new: 5,
        expansion: 0,
        contraction: 0,
        churn: 20,
        reactivation: 0,
        nrr: 50,
        grr: 50,
      },
    ]);
    expect(report.mrr.current).toBe(25);
    // March retention: S = {a, b, c}, E = {a, c, d}, N = {d} → CRR (3 − 1) / 3, retained 2.
    expect(report.retention).toMatchObject({ label: '2024-03', S: 3, E: 3, N: 1, retained: 2, churned: 1 });
    expect(report.retention.crr).toBeCloseTo(200 / 3, 10);
  });
});

describe('retain analyze reports what it read and left out', () => {
  it('lists the Shopify orders left out, by reason', async () => {
    expect(await run(fixture('csv/shopify-orders.csv'), '--json')).toBe(0);
    const { input } = JSON.parse(stdout);
    // The fixture (test/fixtures/csv/README.md) has one pending order, one voided order and one POS
    // sale without an e-mail, left out; four orders remain, two of them with a refund row each
    // (docs/imports.md "Shopify": a refund is its own negative row).
    expect(input).toMatchObject({ file: 'shopify-orders.csv', format: 'shopify', rows: 6 });
    expect(input.skipped).toEqual(
      expect.arrayContaining([
        { reason: 'pending', count: 1 },
        { reason: 'voided', count: 1 },
        { reason: 'no customer e-mail', count: 1 },
      ]),
    );
    stdout = '';
    expect(await run(fixture('csv/shopify-orders.csv'))).toBe(0);
    expect(stdout).toContain('Left out on purpose:');
  });
});

describe('retain analyze says which columns it read', () => {
  it('names the start column of a Stripe export, in the text and in --json', async () => {
    const file = fixture('exports/stripe-subscriptions.csv');
    expect(await run(file, '--mode', 'subscription')).toBe(0);
    expect(stdout).toContain('Subscription starts read from "Start Date (UTC)".');
    stdout = '';
    expect(await run(file, '--mode', 'subscription', '--json')).toBe(0);
    const { input } = JSON.parse(stdout);
    // test/fixtures/README.md, "exports/": 15 subscriptions, 8 of them paid.
    expect(input).toMatchObject({ format: 'stripe', rows: 8 });
    expect(input.columns).toMatchObject({
      started_at: 'Start Date (UTC)',
      amount: 'Amount',
      status: 'Status',
    });
  });
});

describe('retain analyze in other dialects', () => {
  const german = fixture('dialects/shop-orders-de.csv');
  /** The German columns named for the generic fields: twice, once in two --map options. */
  const map = [
    '--map',
    'customer_id=Kunden-E-Mail,ordered_at=Bestelldatum',
    '--map',
    'amount="Nettobetrag",currency=Währung',
  ];

  it('reads a ;-separated export with decimal commas and day-first dates, saying so, as the renamed file', async () => {
    expect(await run(german, '--tz', 'Europe/Berlin', ...map, '--json')).toBe(0);
    const mapped = JSON.parse(stdout);
    expect(mapped.input.dialect).toMatchObject({ delimiter: ';', decimal: ',', dateFormat: 'DD.MM.YYYY' });
    expect(mapped.input.columns).toMatchObject({ customer_id: 'Kunden-E-Mail', amount: 'Nettobetrag' });
    // test/fixtures/dialects: 9 orders of 6 customers, 1,602.45 in all, and one refund row.
    expect(mapped.orders).toMatchObject({ customers: 6, orders: 9, refunds: 1, revenue: 1_512.55 });

    const text = readFileSync(german, 'utf8');
    const renamed = join(mkdtempSync(join(tmpdir(), 'retain-analyze-')), 'renamed.csv');
    writeFileSync(
      renamed,
      text
        .replace('Bestelldatum;Kunden-E-Mail', 'ordered_at;customer_id')
        .replace('Nettobetrag;Währung', 'amount;currency'),
    );
    stdout = '';
    expect(await run(renamed, '--tz', 'Europe/Berlin', '--json')).toBe(0);
    const plain = JSON.parse(stdout);
    const { input: _mappedInput, ...mappedReport } = mapped;
    const { input: _plainInput, ...plainReport } = plain;
    expect(plainReport).toEqual(mappedReport);

    stdout = '';
    expect(await run(german, '--tz', 'Europe/Berlin', ...map)).toBe(0);
    expect(stdout).toContain('Read as ";"-separated');
    expect(stdout).toContain('decimal comma (10 values of the first rows such as "1.234,56")');
  });

  it('takes --delimiter, --decimal and --date-format, and names them when a file needs them', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'retain-analyze-'));
    const path = join(directory, 'slashed.csv');
    // 05/03 and 06/03: day-first or month-first, nothing says.
    writeFileSync(path, 'customer_id;ordered_at;amount\nc1;05/03/2024;1.234\nc2;06/03/2024;7\n');
    expect(await run(path)).toBe(2);
    expect(stderr).toContain('pass --date-format DD/MM/YYYY or --date-format MM/DD/YYYY');
    expect(stderr).toContain(
      'cannot read "1.234" as an amount: "." may group thousands or separate decimals',
    );
    stderr = '';
    expect(
      await run(path, '--date-format', 'MM/DD/YYYY', '--decimal', ',', '--delimiter', ';', '--json'),
    ).toBe(0);
    const { input, orders, dataStart } = JSON.parse(stdout);
    expect(input.dialect.reasons).toEqual({
      delimiter: 'as asked',
      decimal: 'as asked',
      dateFormat: 'as asked',
    });
    expect(dataStart).toBe('2024-05-03T00:00:00.000Z'); // month-first: 3 May
    expect(orders.revenue).toBe(1_241); // "1.234" with a decimal comma is 1,234.00; + 7
    expect(await run(path, '--delimiter', ':')).toBe(2);
    expect(stderr).toContain('--delimiter: expected one of , ; | or tab');
  });

  it('reads a tab-separated file', async () => {
    expect(await run(fixture('dialects/orders.tsv'), '--json')).toBe(0);
    const { input, orders } = JSON.parse(stdout);
    expect(input.dialect.delimiter).toBe('\t');
    // 19.99 + 1,250.00 + 7.50 + 42.00 + 120.00 − 19.99 (a refund row) = 1,419.50.
    expect(orders).toMatchObject({ customers: 4, orders: 5, revenue: 1_419.5 });
  });
});

describe('retain analyze on bad input', () => {
  it('names the file, line and column, exits 2 and prints no result', async () => {
    expect(await run(fixture('csv/bad-values.csv'))).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/bad-values\.csv:\d+: column "ordered_at": .*2024-02-30/);
  });

  it('reports a missing column by name with the columns found', async () => {
    expect(await run(fixture('csv/missing-columns.csv'))).toBe(2);
    expect(stderr).toMatch(/missing-columns\.csv:1: .*customer_id/);
    expect(stdout).toBe('');
  });

  it('asks whether a subscriptions file was meant for --mode subscription', async () => {
    expect(await run(fixture('cli/subscriptions.csv'))).toBe(2);
    expect(stderr).toContain('this looks like a subscriptions file: did you mean --mode subscription?');
  });

  it("keeps a 79-column header's errors short, with the --map that fixes them", async () => {
    // The Shopify export forced to the generic layout: none of its 79 names is a generic one.
    expect(await run(fixture('exports/shopify-orders.csv'), '--format', 'generic')).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(3); // customer_id, ordered_at, amount
    expect(stderr.length).toBeLessThan(700);
    expect(stderr).toContain('… and 73 more');
    expect(stderr).not.toContain('Payment References'); // the 79th column
    expect(lines[2]).toContain('--map customer_id=Email,ordered_at="Created at",amount=Subtotal');
  });

  it('rejects an empty file, a missing file and bad options with exit code 2', async () => {
    expect(await run(fixture('csv/empty.csv'))).toBe(2);
    expect(stderr).toMatch(/empty\.csv.*empty/);
    expect(await run(fixture('csv/no-such-file.csv'))).toBe(2);
    expect(await run(sample, '--period', 'fortnight')).toBe(2);
    expect(await run(sample, '--tz', 'Mars/Olympus')).toBe(2);
    expect(await run(sample, '--from', '2024-02-30')).toBe(2);
    expect(stderr).toMatch(/--from: "2024-02-30" is not a calendar date/);
    // The probe's years: refused at once, not a grid of 3.65 M days built for minutes.
    expect(await run(sample, '--from', '0001-01-01', '--to', '9999-12-31', '--period', 'day')).toBe(2);
    expect(stderr).toMatch(
      /--from: "0001-01-01" is outside the dates Retain accepts, 1970-01-01 to 2100-12-31/,
    );
    expect(stdout).toBe('');
  });
});
