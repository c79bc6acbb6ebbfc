/**
 * Writing while the file is checked (`runImport` on generic order files past the reader thread's
 * 512 KiB): the batches read before the check's verdict go into one transaction that commits only
 * once the check finds every record valid. These tests hold it to the rules of the import without
 * it: a file with one bad record at its end writes nothing (the transaction written ahead is rolled
 * back) and is rejected on that record's line; a file the check is not sure of (a status column it
 * does not read) is read again from its start and stored whole, its customers created once; a
 * valid file is stored exactly, on both databases. Expected values follow from the generated rows
 * (see `ordersFile`).
 */
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { newId } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { runImport, WORKER_MIN_BYTES } from './import.service.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-write-ahead-'));
let files = 0;

/**
 * `rows` orders: row k is order o<k> of customer c<k mod 1000>, on day 1 + k mod 28 of January
 * 2024, for (k mod 100) + 1 dollars; `status` adds a status column (every order `completed`); `bad`
 * replaces that row's amount with text the import refuses.
 */
function ordersFile(rows: number, options: { status?: boolean; bad?: number } = {}): string {
  const lines = [`order_id,customer_id,ordered_at,amount,currency${options.status ? ',status' : ''}`];
  for (let row = 0; row < rows; row++) {
    const day = String(1 + (row % 28)).padStart(2, '0');
    const amount = row === options.bad ? 'ten dollars' : `${(row % 100) + 1}.00`;
    lines.push(`o${row},c${row % 1_000},2024-01-${day},${amount},USD${options.status ? ',completed' : ''}`);
  }
  const path = join(directory, `orders-${++files}.csv`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  // Smaller files are read on the main thread and checked before anything is written.
  if (statSync(path).size <= WORKER_MIN_BYTES) throw new Error(`${path} is too small to be written ahead`);
  return path;
}

/** Σ over rows of ((k mod 100) + 1) × 100 cents. */
const expectedCents = (rows: number) => {
  let cents = 0;
  for (let row = 0; row < rows; row++) cents += ((row % 100) + 1) * 100;
  return cents;
};

describeEachDatabase('writing while the file is checked', (getDb) => {
  const workspace = async () =>
    (await createWorkspace(getDb().db, { name: 'Shop', slug: `shop-${newId()}` })).workspace.id;
  const stored = async (workspaceId: number) => {
    const { db } = getDb();
    const orders = await db
      .selectFrom('customer_order')
      .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.sum<number>('amount_cents').as('cents')])
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirstOrThrow();
    const customers = await db
      .selectFrom('customer')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirstOrThrow();
    return {
      orders: Number(orders.count),
      cents: Number(orders.cents ?? 0),
      customers: Number(customers.count),
    };
  };

  it('stores a valid file exactly, each commit a checkpoint in file order', async () => {
    const workspaceId = await workspace();
    // Enough rows for the writing to outlast the held verdict (PostgreSQL writes ~5× slower).
    const rows = getDb().dialect === 'postgres' ? 60_000 : 250_000;
    const path = ordersFile(rows);
    const checkpoints: number[] = [];
    const outcome = await runImport(getDb().db, {
      workspaceId,
      path,
      type: 'orders',
      batchSize: 10_000,
      // Held back until writing has begun: the verdict then arrives while batches keep coming.
      beforeVerdict: () => new Promise((resolve) => setTimeout(resolve, 1_000)),
      afterBatch: ({ committedRecords }) => {
        checkpoints.push(committedRecords);
      },
    });
    expect(outcome.run).toMatchObject({
      status: 'succeeded',
      rowsWritten: rows,
      committedRecords: rows,
    });
    expect(outcome.customersCreated).toBe(1_000);
    expect(await stored(workspaceId)).toEqual({
      orders: rows,
      cents: expectedCents(rows),
      customers: 1_000,
    });
    // Checkpoints rise (the first batches are smaller: FIRST_BATCH_RECORDS) to the last record.
    expect(checkpoints.every((value, index) => value > (checkpoints[index - 1] ?? 0))).toBe(true);
    expect(checkpoints.at(-1)).toBe(rows);
    // The verdict is taken as soon as it comes, not after the last batch: the writes after it
    // commit batch by batch (the reader's messages once kept it waiting to the end).
    expect(checkpoints.length).toBeGreaterThan(5);
  });

  it('writes nothing from a file whose last record is invalid, and names its line', async () => {
    const workspaceId = await workspace();
    // The verdict is held back 3 s: meanwhile the reader's batches of 1,000 are written ahead.
    const path = ordersFile(50_000, { bad: 49_999 });
    let batchesAhead = 0;
    const outcome = await runImport(getDb().db, {
      workspaceId,
      path,
      type: 'orders',
      batchSize: 1_000,
      beforeVerdict: () => new Promise((resolve) => setTimeout(resolve, 3_000)),
      onProgress: (progress) => {
        if (progress.phase === 'writing') batchesAhead++;
      },
    });
    expect(outcome.run).toMatchObject({ status: 'rejected', rowsWritten: 0, committedRecords: 0 });
    expect(batchesAhead).toBe(0);
    // The header is line 1: row k is on line k + 2.
    expect(outcome.run.problems).toEqual([
      expect.objectContaining({ line: 50_001, column: 'amount', code: 'invalid-amount' }),
    ]);
    expect(await stored(workspaceId)).toEqual({ orders: 0, cents: 0, customers: 0 });
  });

  it('reads again a file the check is not sure of, and stores it whole', async () => {
    const workspaceId = await workspace();
    const path = ordersFile(30_000, { status: true });
    const outcome = await runImport(getDb().db, { workspaceId, path, type: 'orders', batchSize: 2_000 });
    expect(outcome.run).toMatchObject({ status: 'succeeded', rowsWritten: 30_000, committedRecords: 30_000 });
    expect(outcome.customersCreated).toBe(1_000);
    expect(await stored(workspaceId)).toEqual({
      orders: 30_000,
      cents: expectedCents(30_000),
      customers: 1_000,
    });
  });
});
