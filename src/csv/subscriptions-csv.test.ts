import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../../test/support/fixtures.js';
import { formatCsvIssue } from './csv-issue.js';
import { readSubscriptionsCsv, type SubscriptionsFile } from './subscriptions-csv.js';

const csv = (name: string): string => fixturePath(`csv/${name}`);

async function readOk(
  path: string,
  options: Parameters<typeof readSubscriptionsCsv>[1] = {},
): Promise<SubscriptionsFile> {
  const result = await readSubscriptionsCsv(path, options);
  if (!result.ok) throw new Error(result.error.map(formatCsvIssue).join('\n'));
  return result.value;
}

function rowsOf(file: SubscriptionsFile) {
  const { table } = file;
  return Array.from({ length: table.length }, (_, row) => ({
    id: table.subscriptionIds[row],
    customer: table.customerIds[table.customer[row]!],
    startedAt: new Date(table.startedAt[row]!).toISOString(),
    endedAt: Number.isFinite(table.endedAt[row]!) ? new Date(table.endedAt[row]!).toISOString() : 'ongoing',
    annualCents: table.annualCents[row],
  }));
}

describe('readSubscriptionsCsv: Stripe subscriptions export', () => {
  it('keeps paid subscriptions with their paid periods and skips trials, free plans and unconverted trials', async () => {
    // Hand-worked from test/fixtures/csv/stripe-subscriptions.csv (times are UTC).
    const file = await readOk(csv('stripe-subscriptions.csv'), { timeZone: 'Europe/Paris' });
    expect(file.format).toBe('stripe');
    expect(file.currency).toBe('USD');
    expect(rowsOf(file)).toEqual([
      // 29.00 a month → 2900 × 12
      {
        id: 'sub_1',
        customer: 'cus_A',
        startedAt: '2024-01-10T09:00:00.000Z',
        endedAt: 'ongoing',
        annualCents: 34_800,
      },
      // canceled: ends at the end of its paid period; 15.00 × 2 seats a month → 3000 × 12
      {
        id: 'sub_2',
        customer: 'cus_B',
        startedAt: '2024-01-05T12:00:00.000Z',
        endedAt: '2024-03-05T12:00:00.000Z',
        annualCents: 36_000,
      },
      // paid from the trial's end; 290.00 a year
      {
        id: 'sub_4',
        customer: 'cus_D',
        startedAt: '2024-02-15T10:00:00.000Z',
        endedAt: 'ongoing',
        annualCents: 29_000,
      },
      // past_due: 14 days after its current period started (2024-03-20 + 14 d); 9.00 a month
      {
        id: 'sub_7',
        customer: 'cus_A',
        startedAt: '2024-02-20T00:00:00.000Z',
        endedAt: '2024-04-03T00:00:00.000Z',
        annualCents: 10_800,
      },
      // active, cancels at period end → ends then; 12.00 a week → 1200 × 52
      {
        id: 'sub_8',
        customer: 'cus_G',
        startedAt: '2024-03-04T00:00:00.000Z',
        endedAt: '2024-04-01T00:00:00.000Z',
        annualCents: 62_400,
      },
    ]);
    expect(file.table.customerIds).toEqual(['cus_A', 'cus_B', 'cus_D', 'cus_G']);
    expect(file.skipped).toEqual([
      { reason: 'trialing', count: 1 },
      // sub_5: canceled on 20 February, before its trial ended on 1 March: never paid.
      { reason: 'never paid', count: 1 },
      { reason: 'free (amount 0)', count: 1 },
    ]);
    expect(file.firstStartedAt).toBe(Date.UTC(2024, 0, 5, 12));
    expect(file.lastStartedAt).toBe(Date.UTC(2024, 2, 4));
  });
});

describe('readSubscriptionsCsv: generic layout', () => {
  it('reads intervals, counts and statuses', async () => {
    const file = await readOk(csv('generic-subscriptions.csv'), { attributes: ['plan'] });
    expect(file.format).toBe('generic');
    expect(rowsOf(file)).toEqual([
      {
        id: 's1',
        customer: 'c1',
        startedAt: '2024-01-01T00:00:00.000Z',
        endedAt: 'ongoing',
        annualCents: 34_800,
      }, // 2900 × 12
      {
        id: 's2',
        customer: 'c2',
        startedAt: '2024-01-15T00:00:00.000Z',
        endedAt: '2024-06-15T00:00:00.000Z',
        annualCents: 29_000,
      },
      {
        id: 's3',
        customer: 'c3',
        startedAt: '2024-02-01T00:00:00.000Z',
        endedAt: 'ongoing',
        annualCents: 26_000,
      }, // 1000 × 52 / 2
    ]);
    expect(file.skipped).toEqual([
      { reason: 'free (amount 0)', count: 1 },
      { reason: 'trialing', count: 1 },
    ]);
    const plan = file.table.attributes.get('plan')!;
    expect(Array.from(plan.codes, (code) => plan.labels[code])).toEqual(['basic', 'pro', 'basic']);
  });

  it('reads dates without offset in the given zone', async () => {
    const file = await readOk(csv('generic-subscriptions.csv'), { timeZone: 'America/New_York' });
    expect(file.table.startedAt[0]).toBe(Date.UTC(2024, 0, 1, 5)); // local midnight, EST = UTC−5
  });

  it('names the missing columns of an orders file', async () => {
    const result = await readSubscriptionsCsv(csv('generic-orders.csv'));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.map((issue) => issue.column)).toEqual([
        'subscription_id',
        'started_at',
        'interval',
      ]);
      expect(result.error.every((issue) => issue.line === 1)).toBe(true);
    }
  });

  it('asks whether an orders file was meant for transactional mode instead of suggesting a --map', async () => {
    const result = await readSubscriptionsCsv(csv('generic-orders.csv'));
    expect(!result.ok && result.error.at(-1)!.message).toBe(
      'missing column "interval"; this looks like an orders file: did you mean --mode transactional (the default)?',
    );
  });

  it('refuses a file mixing currencies, listing each with its paid subscriptions', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'retain-subscriptions-')), 'mixed.csv');
    writeFileSync(
      path,
      [
        'customer_id,subscription_id,started_at,amount,interval,currency',
        'c1,s1,2024-01-01,10,month,EUR',
        'c2,s2,2024-01-02,10,month,GBP',
        'c3,s3,2024-01-03,10,month,EUR',
      ].join('\n'),
    );
    const result = await readSubscriptionsCsv(path);
    expect(!result.ok && result.error.map((issue) => [issue.line, issue.code, issue.message])).toEqual([
      [
        3,
        'mixed-currencies',
        'the file mixes 2 currencies: EUR (2 subscriptions), GBP (1 subscription); amounts in different currencies are never added up: split the file by currency',
      ],
    ]);
  });
});
