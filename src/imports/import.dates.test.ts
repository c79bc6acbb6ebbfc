/**
 * Dates outside 1970-01-01 … 2100-12-31 (UTC) never reach the store (issue 9): the probe imported
 * orders dated 0000-01-01 and 9999-12-31, after which a plain `series?period=day` ran for minutes.
 * Every import type refuses them like any unreadable date — the file rejected whole, each problem
 * by line and column — on both databases.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { newId } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { runImport } from './index.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-import-dates-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let files = 0;
function csvFile(lines: readonly string[]): string {
  const path = join(directory, `file-${++files}.csv`);
  writeFileSync(path, lines.join('\n'));
  return path;
}

const OUT_OF_RANGE = 'date-out-of-range';

describeEachDatabase('imports: the supported dates', (getDb) => {
  const workspace = async () =>
    (await createWorkspace(getDb().db, { name: 'Shop', slug: `dates-${newId()}` })).workspace.id;
  const count = async (
    table: 'customer_order' | 'customer' | 'subscription' | 'event',
    workspaceId: number,
  ) =>
    (await getDb().db.selectFrom(table).select('id').where('workspace_id', '=', workspaceId).execute())
      .length;

  it('refuses orders dated 0000-01-01, 0001-01-01 and 9999-12-31, naming line and column', async () => {
    const workspaceId = await workspace();
    const path = csvFile([
      'order_id,customer_id,ordered_at,amount',
      'o1,c1,2024-01-05,10.00',
      'o2,c1,0000-01-01,12.50',
      'o3,c2,9999-12-31,7.25',
      'o4,c3,0001-01-01T00:00:00Z,1.00',
      'o5,c3,2100-12-31T23:59:59Z,1.00', // the last supported second: accepted
    ]);
    const outcome = await runImport(getDb().db, { workspaceId, path, type: 'orders' });
    expect(outcome.run.status).toBe('rejected');
    expect(outcome.run.problems).toEqual([
      {
        line: 3,
        column: 'ordered_at',
        code: OUT_OF_RANGE,
        // Stored without the cell's value (imports/import.problems.ts); the caller sees it as read.
        message: '"…" is outside the dates Retain accepts, 1970-01-01 to 2100-12-31 (UTC)',
      },
      expect.objectContaining({ line: 4, column: 'ordered_at', code: OUT_OF_RANGE }),
      expect.objectContaining({ line: 5, column: 'ordered_at', code: OUT_OF_RANGE }),
    ]);
    expect(outcome.problemsAsRead[0]?.message).toBe(
      '"0000-01-01" is outside the dates Retain accepts, 1970-01-01 to 2100-12-31 (UTC)',
    );
    expect(await count('customer_order', workspaceId)).toBe(0);
  });

  it('refuses a customer signed up in 9999, a subscription from year 0 and an event in 1900', async () => {
    const customers = await workspace();
    const signedUp = await runImport(getDb().db, {
      workspaceId: customers,
      path: csvFile([
        'customer_id,email,signed_up_at',
        'c1,a@example.com,2024-01-01',
        'c2,b@example.com,9999-12-31',
      ]),
      type: 'customers',
    });
    expect(signedUp.run.status).toBe('rejected');
    expect(signedUp.run.problems).toEqual([
      expect.objectContaining({ line: 3, column: 'signed_up_at', code: OUT_OF_RANGE }),
    ]);
    expect(await count('customer', customers)).toBe(0);

    const subscriptions = await workspace();
    const started = await runImport(getDb().db, {
      workspaceId: subscriptions,
      path: csvFile([
        'subscription_id,customer_id,started_at,ended_at,interval,amount',
        's1,c1,2024-01-01,,month,10.00',
        's2,c2,0000-01-01,,month,10.00',
        's3,c3,2024-01-01,9999-12-31,month,10.00',
      ]),
      type: 'subscriptions',
    });
    expect(started.run.status).toBe('rejected');
    expect(started.run.problems.map(({ line, column, code }) => ({ line, column, code }))).toEqual([
      { line: 3, column: 'started_at', code: OUT_OF_RANGE },
      { line: 4, column: 'ended_at', code: OUT_OF_RANGE },
    ]);
    expect(await count('subscription', subscriptions)).toBe(0);

    const events = await workspace();
    const occurred = await runImport(getDb().db, {
      workspaceId: events,
      path: csvFile([
        'user_id,event,timestamp',
        'u1,Signed Up,2024-01-01T10:00:00Z',
        'u2,Signed Up,1900-01-01T10:00:00Z',
      ]),
      type: 'events',
    });
    expect(occurred.run.status).toBe('rejected');
    expect(occurred.run.problems).toEqual([expect.objectContaining({ line: 3, code: OUT_OF_RANGE })]);
    expect(await count('event', events)).toBe(0);
  });
});
