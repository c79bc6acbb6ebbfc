/**
 * One analytics request must never stall the server (issue 9 §1), with the probe's own requests:
 * `series?period=day&from=0001-01-01&to=9999-12-31` (114 s of blocked event loop, 4.3 GB, a 500),
 * orders stored at 0000-01-01 and 9999-12-31 (then a plain `series?period=day` ran for minutes and
 * `cohorts` answered 400 "Invalid typed array length: 14400240001"), and ranges over the period and
 * cell limits. Each is answered at once: 400 naming the parameter and the limit, or the analysis of
 * the supported dates only. On SQLite and PostgreSQL.
 */
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { analyticsTestApp } from '../../test/support/analytics-app.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { type Database, newId } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';

/** A workspace with two customers' orders in 2024 (c1: Jan 5 and Mar 5, c2: Feb 10). */
async function workspaceWithOrders(db: Kysely<Database>): Promise<number> {
  const { workspace } = await createWorkspace(db, { name: 'Limits', slug: `limits-${newId()}` });
  const now = Date.UTC(2025, 0, 1);
  const customerIds = new Map<string, number>();
  for (const customer of ['c1', 'c2']) {
    const row = await db
      .insertInto('customer')
      .values({
        workspace_id: workspace.id,
        external_id: customer,
        email: null,
        name: null,
        phone: null,
        language: null,
        country: null,
        time_zone: null,
        consent_updated_at: null,
        signed_up_at: null,
        created_at: now,
        updated_at: now,
        erased_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    customerIds.set(customer, row.id);
  }
  const orders: [string, string, number][] = [
    ['o1', 'c1', Date.UTC(2024, 0, 5)],
    ['o2', 'c2', Date.UTC(2024, 1, 10)],
    ['o3', 'c1', Date.UTC(2024, 2, 5)],
  ];
  await db
    .insertInto('customer_order')
    .values(
      orders.map(([id, customer, at]) => ({
        workspace_id: workspace.id,
        external_id: id,
        customer_id: customerIds.get(customer)!,
        ordered_at: at,
        currency: 'EUR',
        amount_cents: 1_000,
        source: 'test',
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
  return workspace.id;
}

describeEachDatabase('analytics limits', (getDb) => {
  const request = async (workspaceId: number, path: string) => {
    const response = await analyticsTestApp(getDb(), workspaceId).request(`/api/v1/analytics/${path}`);
    return {
      status: response.status,
      body: (await response.json()) as {
        error?: { message: string; issues?: { path: string[]; message: string }[] };
      },
    };
  };

  it('refuses the probe’s from=0001-01-01&to=9999-12-31 with 400 naming both parameters, at once', async () => {
    const workspaceId = await workspaceWithOrders(getDb().db);
    for (const endpoint of ['series?period=day&', 'cohorts?', 'retention?', 'overview?']) {
      const answer = await request(workspaceId, `${endpoint}from=0001-01-01&to=9999-12-31`);
      expect(answer.status, endpoint).toBe(400);
      expect(answer.body.error?.issues).toEqual([
        expect.objectContaining({
          path: ['query', 'from'],
          message: 'Expected a calendar date YYYY-MM-DD from 1970-01-01 to 2100-12-31.',
        }),
        expect.objectContaining({ path: ['query', 'to'] }),
      ]);
    }
    const yearZero = await request(workspaceId, 'rfm?to=0000-01-01');
    expect(yearZero.status).toBe(400);
  });

  it('refuses more periods or cohort cells than the limits with 400 saying the limit, before computing', async () => {
    const workspaceId = await workspaceWithOrders(getDb().db);
    // 1970-01-01 … 2100-12-31 by day: 47,847 periods.
    const series = await request(workspaceId, 'series?period=day&from=1970-01-01&to=2100-12-31');
    expect(series.status).toBe(400);
    expect(series.body.error?.message).toBe(
      '1970-01-01 to 2100-12-31 holds more than 10,000 day periods, the most one analysis computes: choose a shorter range or a longer period.',
    );
    expect(series.body.error?.issues).toEqual([expect.objectContaining({ path: ['query', 'period'] })]);
    // 2010-01-01 … 2019-12-31 by day is 3,652 periods: a series, but 13.3 M cohort cells.
    const daily = 'period=day&from=2010-01-01&to=2019-12-31';
    expect((await request(workspaceId, `series?${daily}`)).status).toBe(200);
    const cohorts = await request(workspaceId, `cohorts?${daily}`);
    expect(cohorts.status).toBe(400);
    expect(cohorts.body.error?.message).toBe(
      'A cohort matrix of 3,652 day periods has 13,337,104 cells, more than the 2,000,000 one analysis computes: choose a shorter range or a longer period.',
    );
    // Monthly over the whole supported range (1,572 periods) is a series any dashboard may ask for.
    const decades = await request(workspaceId, 'series?period=month&from=1970-01-01&to=2100-12-31');
    expect(decades.status).toBe(200);
  });

  it('leaves out orders stored at 0000-01-01 and 9999-12-31 before dates were checked, answering at once', async () => {
    const { db } = getDb();
    const workspaceId = await workspaceWithOrders(db);
    const now = Date.UTC(2025, 0, 1);
    const c2 = await db
      .selectFrom('customer')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('external_id', '=', 'c2')
      .executeTakeFirstOrThrow();
    const stored = [
      ['x0', Date.parse('0000-01-01T00:00:00Z')],
      ['x9', Date.parse('9999-12-31T00:00:00Z')],
    ] as const;
    await db
      .insertInto('customer_order')
      .values(
        stored.map(([id, at]) => ({
          workspace_id: workspaceId,
          external_id: id,
          customer_id: c2.id,
          ordered_at: at,
          currency: 'EUR',
          amount_cents: 1_000,
          source: 'test',
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
    const series = await request(workspaceId, 'series?period=day');
    expect(series.status).toBe(200);
    expect(series.body).toMatchObject({
      dataStart: '2024-01-05T00:00:00.000Z',
      dataEnd: '2024-03-05T00:00:00.000Z',
    });
    const cohorts = await request(workspaceId, 'cohorts?period=month');
    expect(cohorts.status).toBe(200);
  });
});
