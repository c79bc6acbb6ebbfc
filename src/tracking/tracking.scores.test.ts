/**
 * Tracking asks for the stored scores to be computed again when a call changes what they are
 * computed from — a Segment order event ("Order Completed", …) or an alias merge — a minute later,
 * so the calls of that minute share one run; other calls ask for nothing. Both databases.
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { listJobs } from '../jobs/index.js';
import { buildApp } from '../server/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';

const NOW = Date.UTC(2024, 4, 1, 12);

describeEachDatabase('tracking and the score refresh', (getDb) => {
  const send = async (calls: unknown[]) => {
    const { db, dialect } = getDb();
    const slug = `ws-${randomBytes(6).toString('hex')}`;
    const { workspace, writeKey } = await createWorkspace(db, { name: slug, slug });
    const response = await buildApp({ db, dialect, now: () => NOW }).request('/v1/batch', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({ batch: calls }),
    });
    expect(response.status).toBe(200);
    return listJobs(db, workspace.id, { type: 'scores.refresh' });
  };

  it('asks for one refresh a minute after order events and merges, and none for other calls', async () => {
    const orders = await send([
      { type: 'track', userId: 'u1', event: 'Order Completed', properties: { revenue: 12 } },
      { type: 'track', userId: 'u2', event: 'Order Refunded', properties: { revenue: 12 } },
    ]);
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({
      status: 'queued',
      runAt: NOW + 60_000,
      payload: { reason: 'tracking' },
    });
    expect(await send([{ type: 'alias', userId: 'u1', previousId: 'anon-1' }])).toHaveLength(1);
    expect(
      await send([
        { type: 'track', userId: 'u1', event: 'Product Viewed' },
        { type: 'identify', userId: 'u1', traits: { email: 'u1@example.com' } },
        { type: 'page', userId: 'u1', name: 'Home' },
      ]),
    ).toEqual([]);
  });
});
