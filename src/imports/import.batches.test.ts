import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BatchEvent, type BatchReading, readBatches } from './import.batches.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-import-batches-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** A generic orders file of `customers.length` orders, order `o<n>` by customer `customers[n-1]`. */
function ordersFile(name: string, customers: readonly string[]): string {
  const path = join(directory, name);
  const rows = customers.map((customer, index) => `o${index + 1},${customer},2024-01-01,10.00,USD`);
  writeFileSync(path, `order_id,customer_id,ordered_at,amount,currency\n${rows.join('\n')}\n`);
  return path;
}

function reading(path: string, extra: Partial<BatchReading>): BatchReading {
  return {
    path,
    type: 'orders',
    format: 'generic',
    layoutOptions: { timeZone: 'UTC', defaultCurrency: 'USD' },
    read: {},
    checkpoint: 0,
    batchSize: 100,
    encoding: 'json',
    ...extra,
  };
}

async function batchesOf(read: BatchReading): Promise<Extract<BatchEvent, { kind: 'batch' }>[]> {
  const batches: Extract<BatchEvent, { kind: 'batch' }>[] = [];
  await readBatches(read, (event) => {
    if (event.kind === 'batch') batches.push(event);
  });
  return batches;
}

describe('readBatches', () => {
  it('closes a batch once its fields hold the character bound, before its row count', async () => {
    // Each row's fields hold 22 characters (o1, c1, 2024-01-01, 10.00, USD): a bound of 50
    // closes a batch at its third row, 66 characters.
    const path = ordersFile('wide.csv', ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
    const bounded = await batchesOf(reading(path, { limits: { batchCharacters: 50 } }));
    expect(bounded.map((batch) => [batch.count, batch.lastRecord])).toEqual([
      [3, 3],
      [3, 6],
      [1, 7],
    ]);
    const unbounded = await batchesOf(reading(path, {}));
    expect(unbounded.map((batch) => batch.count)).toEqual([7]);
  });

  it('sends each customer once per run below the bound of remembered customers, again past it', async () => {
    const path = ordersFile('customers.csv', ['c1', 'c2', 'c3', 'c1', 'c2', 'c3']);
    const sent = (batches: Extract<BatchEvent, { kind: 'batch' }>[]) =>
      batches.map((batch) => (JSON.parse(batch.encoded!.customers) as [string, null][]).map((row) => row[0]));
    expect(sent(await batchesOf(reading(path, { batchSize: 2 })))).toEqual([['c1', 'c2'], ['c3'], []]);
    // Remembering at most 2: the set is emptied before each batch once it holds 2.
    expect(sent(await batchesOf(reading(path, { batchSize: 2, limits: { knownCustomers: 2 } })))).toEqual([
      ['c1', 'c2'],
      ['c3', 'c1'],
      ['c2', 'c3'],
    ]);
  });
});
