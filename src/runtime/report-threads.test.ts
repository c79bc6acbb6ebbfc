/**
 * The two-thread report is `analyzeOrders`' report: the expected values are `analyzeOrders` on the
 * same table (its numbers are pinned by the core's tests), and the worker's parts are checked on
 * their own so that a worker that silently fell back to this thread could not pass unnoticed.
 */
import { describe, expect, it } from 'vitest';
import { analyzeOrders, type OrderRecord, orderReportParts, orderTableFromRecords } from '../core/index.js';
import { analyzeOrdersOnThreads, orderReportPartsInWorker, WORKER_PARTS } from './report-threads.js';

/** A seeded table: 3 000 rows, 400 customers over two years, refunds and a country attribute. */
function sampleTable() {
  let state = 20_261_123;
  const next = () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 4_294_967_296;
  };
  const countries = ['FR', 'DE', 'US', ''];
  const start = Date.UTC(2023, 0, 1);
  const records: OrderRecord[] = [];
  for (let row = 0; row < 3_000; row++) {
    const customer = Math.floor(next() * next() * 400);
    records.push({
      customerId: `customer-${customer}`,
      orderedAt: start + Math.floor(next() * 730 * 86_400_000),
      amountCents: next() < 0.05 ? -Math.floor(next() * 2_000) - 1 : Math.floor(next() * 20_000),
      attributes: { country: countries[customer % 4]! },
    });
  }
  return orderTableFromRecords(records);
}

describe('analyzeOrdersOnThreads', () => {
  const table = sampleTable();

  it('computes the worker parts in a worker thread, equal to this thread', async () => {
    const options = { period: 'month' as const, timeZone: 'Europe/Paris', windowDays: 90 };
    const remote = await orderReportPartsInWorker(table, options, WORKER_PARTS);
    expect(Object.keys(remote).sort()).toEqual([...WORKER_PARTS].sort());
    expect(remote).toEqual(orderReportParts(table, options, WORKER_PARTS));
  });

  it.each([
    { period: 'month' as const },
    { period: 'week' as const, timeZone: 'America/New_York', by: 'country', margin: 0.4 },
    { period: 'quarter' as const, from: Date.UTC(2023, 3, 1), to: Date.UTC(2024, 9, 1), windowDays: 60 },
  ])('gives analyzeOrders’ report (%o)', async (options) => {
    const report = await analyzeOrdersOnThreads(table, options, { minRows: 1 });
    expect(report).toEqual(analyzeOrders(table, options));
  });

  it('rejects in the worker what analyzeOrders rejects, and the report still throws as one thread does', async () => {
    const empty = orderTableFromRecords([]);
    await expect(orderReportPartsInWorker(empty, {}, WORKER_PARTS)).rejects.toThrow(/no orders/);
    await expect(analyzeOrdersOnThreads(empty, {}, { minRows: 0 })).rejects.toThrow(/no orders/);
  });
});
