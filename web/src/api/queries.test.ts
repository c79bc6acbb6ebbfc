/**
 * After an import lands, the answers read from the workspace's data before it are asked again
 * (`invalidateCustomerData`) — the header's overview, whose `hasSubscriptions` shows the
 * Subscriptions link, among them — while the session, the workspace's settings and the import
 * page's own queries are left as they are.
 */
import { describe, expect, it } from 'vitest';
import { createQueryClient, invalidateCustomerData } from './queries';

describe('invalidateCustomerData', () => {
  it('marks every query reading customer data invalid, and only those', async () => {
    const client = createQueryClient();
    const keys = [
      ['session'],
      ['workspace'],
      ['import-preview', 'orders.csv|10|1', 'orders', 'generic', null],
      ['import-run', 'run-1'],
      ['overview', { period: 'month' }],
      ['cohorts', { period: 'month' }],
      ['customers', 'all', {}, null],
      ['customer', 'c-1'],
      ['mrr'],
    ];
    for (const key of keys) client.setQueryData(key, { some: 'answer' });
    await invalidateCustomerData(client);
    const invalidated = Object.fromEntries(
      keys.map((key) => [String(key[0]), client.getQueryState(key)?.isInvalidated]),
    );
    expect(invalidated).toEqual({
      session: false,
      workspace: false,
      'import-preview': false,
      'import-run': false,
      overview: true,
      cohorts: true,
      customers: true,
      customer: true,
      mrr: true,
    });
  });
});
