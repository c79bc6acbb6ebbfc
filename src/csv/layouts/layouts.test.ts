/**
 * The layout definitions' rules, one by one, through `retain analyze`'s readers (the agreement
 * test, `src/analytics/analytics.agreement.test.ts`, shows the import applies the same). Every
 * expected value is read off the small file written in the test, with the arithmetic in comments.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatCsvIssue } from '../csv-issue.js';
import { readOrdersCsv } from '../orders-csv.js';
import { readSubscriptionsCsv } from '../subscriptions-csv.js';
import { refundOfGoodsCents } from './order-layout.js';
import { SHOPIFY_FINANCIAL_STATUSES } from './shopify-orders.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-layouts-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let fileCounter = 0;
function csvFile(lines: string[]): string {
  const path = join(directory, `file-${++fileCounter}.csv`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function subscriptions(lines: string[]) {
  const read = await readSubscriptionsCsv(csvFile(lines));
  if (!read.ok) throw new Error(read.error.map(formatCsvIssue).join('\n'));
  const { table } = read.value;
  return {
    ...read.value,
    paid: Array.from({ length: table.length }, (_, row) => ({
      id: table.subscriptionIds[row],
      startedAt: new Date(table.startedAt[row]!).toISOString(),
      endedAt: Number.isFinite(table.endedAt[row]!) ? new Date(table.endedAt[row]!).toISOString() : 'open',
    })),
  };
}

const STRIPE_HEADER =
  'id,Customer ID,Plan,Quantity,Currency,Interval,Amount,Status,Created (UTC),Start (UTC),Current Period Start (UTC),Current Period End (UTC),Trial Start (UTC),Trial End (UTC),Canceled At (UTC),Cancel At Period End,Ended At (UTC)';

describe('Stripe subscriptions', () => {
  it('reads the start from "Start (UTC)" and says so; never from "Created (UTC)"', async () => {
    // Created a day before the start (a scheduled subscription): the start is 2 January.
    const file = await subscriptions([
      STRIPE_HEADER,
      'sub_1,cus_A,p,1,usd,month,10.00,active,2024-01-01 10:00,2024-01-02 10:00,2024-01-02 10:00,2024-02-02 10:00,,,,false,',
    ]);
    expect(file.format).toBe('stripe');
    expect(file.columns.started_at).toBe('Start (UTC)');
    expect(file.paid).toEqual([{ id: 'sub_1', startedAt: '2024-01-02T10:00:00.000Z', endedAt: 'open' }]);

    const onlyCreated = await readSubscriptionsCsv(
      csvFile([
        STRIPE_HEADER.replace(',Start (UTC),', ',Other,'),
        'sub_1,cus_A,p,1,usd,month,10.00,active,2024-01-01 10:00,x,2024-01-02 10:00,2024-02-02 10:00,,,,false,',
      ]),
    );
    expect(onlyCreated.ok).toBe(false);
    if (!onlyCreated.ok) {
      expect(onlyCreated.error.map((issue) => [issue.line, issue.code])).toEqual([[1, 'missing-column']]);
      expect(onlyCreated.error[0]!.message).toMatch(
        /^missing column "start date \(utc\)" \(or "start \(utc\)"\): the file has "id", "Customer ID", .* … and 11 more; name the file's columns with --map started_at=<column>$/,
      );
    }
  });

  it('ends an unpaid subscription when its unpaid period began, and gives a past-due one 14 days', async () => {
    const file = await subscriptions([
      STRIPE_HEADER,
      // unpaid: paid January to April; the period from 5 May was never paid → ends 5 May, no grace.
      'sub_u,cus_A,p,1,usd,month,10.00,unpaid,2024-01-05 00:00,2024-01-05 00:00,2024-05-05 00:00,2024-06-05 00:00,,,,false,',
      // unpaid from its first period: nothing was ever paid.
      'sub_f,cus_B,p,1,usd,month,10.00,unpaid,2024-03-01 00:00,2024-03-01 00:00,2024-03-01 00:00,2024-04-01 00:00,,,,false,',
      // past_due since its period began on 10 May: active until 10 May + 14 days = 24 May.
      'sub_p,cus_C,p,1,usd,month,10.00,past_due,2024-02-10 00:00,2024-02-10 00:00,2024-05-10 00:00,2024-06-10 00:00,,,,false,',
      // past_due in its first period without Current Period Start: the grace runs from its start.
      'sub_q,cus_D,p,1,usd,month,10.00,past_due,2024-06-01 00:00,2024-06-01 00:00,,2024-07-01 00:00,,,,false,',
    ]);
    expect(file.paid).toEqual([
      { id: 'sub_u', startedAt: '2024-01-05T00:00:00.000Z', endedAt: '2024-05-05T00:00:00.000Z' },
      { id: 'sub_p', startedAt: '2024-02-10T00:00:00.000Z', endedAt: '2024-05-24T00:00:00.000Z' },
      { id: 'sub_q', startedAt: '2024-06-01T00:00:00.000Z', endedAt: '2024-06-15T00:00:00.000Z' },
    ]);
    expect(file.skipped).toEqual([{ reason: 'never paid', count: 1 }]);
  });

  it('refuses an unknown status, naming the ones it knows', async () => {
    const read = await readSubscriptionsCsv(
      csvFile([
        STRIPE_HEADER,
        'sub_1,cus_A,p,1,usd,month,10.00,suspended,2024-01-01 10:00,2024-01-01 10:00,,2024-02-01 10:00,,,,false,',
      ]),
    );
    expect(read.ok).toBe(false);
    if (!read.ok) {
      expect(read.error.map(formatCsvIssue)[0]).toMatch(
        /:2: column "Status": unknown subscription status "suspended": expected one of trialing, active, past_due, unpaid/,
      );
    }
  });
});

describe('Shopify orders', () => {
  it('refunds the goods part of Refunded Amount: tax in proportion, shipping last, half up', () => {
    // One item of 50.00 refunded with its 20 % tax: 60.00 × 100 / 120 = 50.00.
    expect(refundOfGoodsCents(6000, 10_000, 2000)).toBe(5000);
    // The whole order with 10.00 shipping: 130.00 × 100 / 120 = 108.33…, capped at 100.00.
    expect(refundOfGoodsCents(13_000, 10_000, 2000)).toBe(10_000);
    // 10.00 × 100 / 108 = 9.259… → 9.26; 0.05 × 100 / 108 = 0.0463 → 0.05 (4.63 cents, half up).
    expect(refundOfGoodsCents(1000, 10_000, 800)).toBe(926);
    expect(refundOfGoodsCents(5, 10_000, 800)).toBe(5);
    // No tax: the refund as written; nothing refunded or nothing sold: 0.
    expect(refundOfGoodsCents(3525, 12_000, 0)).toBe(3525);
    expect(refundOfGoodsCents(0, 12_000, 0)).toBe(0);
    expect(refundOfGoodsCents(100, 0, 0)).toBe(0);
    // Amounts whose product passes 2^53 stay exact: 9,000,000.00 of 10,000,000.00 without tax.
    expect(refundOfGoodsCents(900_000_000, 1_000_000_000, 0)).toBe(900_000_000);
  });

  it('gives every financial status Shopify exports a documented order status', () => {
    expect(SHOPIFY_FINANCIAL_STATUSES).toEqual({
      pending: 'pending',
      authorized: 'pending',
      partially_paid: 'pending',
      paid: 'completed',
      partially_refunded: 'completed',
      refunded: 'completed',
      voided: 'cancelled',
      expired: 'cancelled',
    });
  });
});

describe('generic orders', () => {
  it('counts a refund row and a refunded amount on their dates, and no refund of an order that does not count', async () => {
    const read = await readOrdersCsv(
      csvFile([
        'order_id,customer_id,ordered_at,amount,status,refunded_amount,refunded_at',
        'o1,a,2024-01-05,30.00,completed,5.00,2024-02-01',
        'o2,b,2024-01-06,20.00,cancelled,20.00,2024-01-07',
        'r1,a,2024-03-01,-2.50,,,',
      ]),
    );
    if (!read.ok) throw new Error(read.error.map(formatCsvIssue).join('\n'));
    const { table } = read.value;
    expect(
      Array.from({ length: table.length }, (_, row) => [
        table.customerIds[table.customer[row]!],
        new Date(table.orderedAt[row]!).toISOString().slice(0, 10),
        table.amountCents[row],
      ]),
    ).toEqual([
      ['a', '2024-01-05', 3000], // o1
      ['a', '2024-02-01', -500], // o1's refund, on its own date
      ['a', '2024-03-01', -250], // r1, a refund row
    ]);
    expect(read.value.skipped).toEqual([{ reason: 'cancelled', count: 1 }]); // o2 and its refund
  });

  it('refuses a refund row that also has a refunded amount, and an unknown status', async () => {
    const read = await readOrdersCsv(
      csvFile([
        'order_id,customer_id,ordered_at,amount,status,refunded_amount',
        'r1,a,2024-03-01,-2.50,,1.00',
        'o2,a,2024-03-02,2.50,shipped,',
      ]),
    );
    expect(read.ok).toBe(false);
    if (!read.ok) {
      expect(read.error.map((issue) => [issue.line, issue.column, issue.code])).toEqual([
        [2, 'refunded_amount', 'invalid-refund'],
        [3, 'status', 'invalid-status'],
      ]);
    }
  });
});
