/**
 * The storefront JSON API's rewards on SQLite and PostgreSQL (no browser: test/e2e has the widget):
 * the view lists what the signed-in customer may claim (tier exclusives only to their tier, with
 * the early-access benefit), a claim spends their points only, a retry with the key answers the
 * same, two customers' same key are two claims, bad bodies are 4xx naming the field.
 */
import { expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { accountOf, newCustomer } from '../../test/loyalty/ledger.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { ensureProgramme, writeProgrammeSettings } from './loyalty.repository.js';
import { adjustPoints } from './loyalty.service.js';
import { createReward } from './reward.service.js';
import { signStorefrontToken } from './storefront-token.js';

const NOW = Date.UTC(2026, 4, 1, 12);

describeEachDatabase('the storefront’s rewards', (getDb) => {
  it('lists and claims the signed-in customer’s rewards, and only theirs', async () => {
    const api = await apiWorkspace(getDb(), NOW);
    const { db } = getDb();
    const workspaceId = api.workspaceId;
    const { storefrontSecret } = await ensureProgramme(db, workspaceId, NOW);
    await writeProgrammeSettings(
      db,
      workspaceId,
      { tiers: { levels: [{ name: 'Gold', threshold: 100_000, earlyAccess: true }] } },
      NOW,
    );
    const ann = await newCustomer(db, workspaceId, { externalId: 'ann' });
    const bob = await newCustomer(db, workspaceId, { externalId: 'bob' });
    for (const [customer, points] of [
      [ann, 500],
      [bob, 300],
    ] as const) {
      await adjustPoints(
        db,
        workspaceId,
        customer,
        { points, reason: 'Seed', idempotencyKey: `s${customer}` },
        NOW,
      );
    }
    await db
      .updateTable('loyalty_account')
      .set({ tier: 'Gold' })
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', ann)
      .execute();
    const shipping = await createReward(
      db,
      workspaceId,
      { name: 'Free shipping', kind: 'free_shipping', costPoints: 200 },
      NOW,
    );
    await createReward(
      db,
      workspaceId,
      { name: 'Gold preview', kind: 'early_access', costPoints: 50, tiers: ['Gold'] },
      NOW,
    );
    const tokenOf = (externalId: string) =>
      signStorefrontToken(storefrontSecret, {
        workspaceId,
        externalId,
        expiresAt: Math.floor(NOW / 1000) + 600,
      });
    const view = async (externalId: string) =>
      // biome-ignore lint/suspicious/noExplicitAny: asserted field by field.
      (await (
        await api.app.request('/storefront/v1/loyalty', {
          headers: { Authorization: `Bearer ${tokenOf(externalId)}` },
        })
      ).json()) as any;
    const claim = async (externalId: string, rewardId: string, body: unknown, type = 'application/json') => {
      const response = await api.app.request(`/storefront/v1/loyalty/rewards/${rewardId}/claim`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${tokenOf(externalId)}`, 'Content-Type': type },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      // biome-ignore lint/suspicious/noExplicitAny: asserted field by field.
      return {
        status: response.status,
        body: (await response.json()) as any,
        replayed: response.headers.get('Idempotent-Replayed'),
      };
    };

    const annView = await view('ann');
    expect(annView).toMatchObject({ balance: 500, tier: 'Gold', earlyAccess: true });
    expect(annView.rewards.map((reward: { name: string }) => reward.name)).toEqual([
      'Gold preview',
      'Free shipping',
    ]);
    const bobView = await view('bob');
    expect(bobView.earlyAccess).toBe(false);
    expect(bobView.rewards).toMatchObject([{ name: 'Free shipping', affordable: true, exclusive: false }]);

    const first = await claim('ann', String(shipping.id), { idempotencyKey: 'k1' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ balance: 300, claim: { rewardName: 'Free shipping' } });
    const replay = await claim('ann', String(shipping.id), { idempotencyKey: 'k1' });
    expect(replay).toMatchObject({ status: 201, replayed: 'true' });
    expect(replay.body).toEqual(first.body);
    // Bob's same key is Bob's own claim, of Bob's points.
    const bobs = await claim('bob', String(shipping.id), { idempotencyKey: 'k1' });
    expect(bobs.status).toBe(201);
    expect(bobs.body.claim.couponCode).not.toBe(first.body.claim.couponCode);
    expect(await accountOf(db, workspaceId, ann)).toMatchObject({ balance: 300 });
    expect(await accountOf(db, workspaceId, bob)).toMatchObject({ balance: 100 });
    // Bob cannot claim Ann's Gold reward, nor afford another shipping.
    const exclusive = annView.rewards[0].id as string;
    expect((await claim('bob', exclusive, { idempotencyKey: 'k2' })).body.error.issues[0].code).toBe(
      'tier_required',
    );
    expect(
      (await claim('bob', String(shipping.id), { idempotencyKey: 'k3' })).body.error.issues[0].code,
    ).toBe('insufficient_points');
    // Bad requests.
    expect((await claim('ann', String(shipping.id), {})).body.error.issues[0].path).toEqual([
      'json',
      'idempotencyKey',
    ]);
    expect((await claim('ann', String(shipping.id), '{not json')).status).toBe(400);
    expect((await claim('ann', String(shipping.id), 'k', 'text/plain')).status).toBe(415);
    expect((await claim('ann', '424242', { idempotencyKey: 'k4' })).status).toBe(404);
    expect((await claim('nobody', String(shipping.id), { idempotencyKey: 'k5' })).status).toBe(401);
  });
});
