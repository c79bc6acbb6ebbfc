/**
 * The CDNOW sample (2,357 customers, 1997-01-01 … 1998-06-30) summarised over the calibration
 * period ending 1997-09-30 (inclusive) must give the published summary of Fader, Hardie & Lee
 * (2005), as distributed with lifetimes (`cdnow_customers_summary*.csv`, see test/fixtures/README.md).
 */
import { describe, expect, it } from 'vitest';
import { summarizeColumns } from '../src/core/clv/summarize.js';
import { OrderTableBuilder } from '../src/core/data/order-table.js';
import { dollarsToCents, loadCdnowSampleTransactions, loadSummaryCsv } from './support/fixtures.js';

function cdnowOrders() {
  const builder = new OrderTableBuilder(8_000);
  for (const transaction of loadCdnowSampleTransactions()) {
    // The file has dates only: each purchase at UTC midnight of its date, summarised in UTC.
    builder.add(
      transaction.customerId,
      Date.parse(`${transaction.date}T00:00:00Z`),
      dollarsToCents(transaction.dollars),
    );
  }
  return builder.build();
}

describe('CDNOW calibration summary (Fader, Hardie & Lee 2005)', () => {
  // Any instant inside 1997-09-30 stands for the whole day.
  const summary = summarizeColumns(cdnowOrders(), {
    calibrationEnd: Date.parse('1997-09-30T12:00:00Z'),
    timeUnit: 'week',
  });
  const rowOf = new Map(summary.ids.map((id, index) => [Number(id), index]));

  it('has every published customer', () => {
    expect(summary.length).toBe(2_357);
    expect(loadSummaryCsv('cdnow_customers_summary.csv').length).toBe(2_357);
  });

  it('reproduces frequency, recency and T (weeks, 2 dp) of cdnow_customers_summary.csv', () => {
    const mismatches: string[] = [];
    for (const published of loadSummaryCsv('cdnow_customers_summary.csv')) {
      const index = rowOf.get(published.ID!);
      if (index === undefined) {
        mismatches.push(`customer ${published.ID} missing`);
        continue;
      }
      const ours = [summary.frequency[index]!, summary.recency[index]!, summary.T[index]!];
      const theirs = [published.frequency!, published.recency!, published.T!];
      // k / 7 is never exactly halfway between two hundredths, so rounding is unambiguous.
      if (ours.some((value, column) => Math.round(value * 100) / 100 !== theirs[column])) {
        mismatches.push(`customer ${published.ID}: ${ours.join(',')} vs ${theirs.join(',')}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('reproduces zbar of cdnow_customers_summary_with_transactions.csv to the cent', () => {
    const mismatches: string[] = [];
    for (const published of loadSummaryCsv('cdnow_customers_summary_with_transactions.csv')) {
      const index = rowOf.get(published.ID!)!;
      const meanCents = summary.monetary[index]!;
      // Published dollars with 2 decimals, halves rounded up: 2234.5 cents → 22.35.
      if (Math.round(meanCents) !== Math.round(published.zbar! * 100)) {
        mismatches.push(`customer ${published.ID}: ${meanCents} cents vs ${published.zbar}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('totals 2,457 repeat purchases by 946 repeat customers', () => {
    // Σx and the count of x > 0 over the published file (the paper: 1,411 of 2,357 never repurchased).
    let repeatPurchases = 0;
    let repeatCustomers = 0;
    for (const x of summary.frequency) {
      repeatPurchases += x;
      if (x > 0) repeatCustomers++;
    }
    expect(repeatPurchases).toBe(2_457);
    expect(repeatCustomers).toBe(946);
  });
});
