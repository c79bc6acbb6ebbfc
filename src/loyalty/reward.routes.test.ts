/**
 * The rewards catalogue through the real app, on SQLite and PostgreSQL: creating rewards (each
 * field checked), claiming — points spent and a single-use coupon code issued in one transaction,
 * idempotent by key — and the limits under concurrency: a stock of 10 claimed by 40 customers at
 * once ends at exactly 10 claims; 20 concurrent claims by one customer whose balance covers 3 end
 * at exactly 3, the stock given back for the others; tier-exclusive rewards and validity windows.
 */
import { expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { jsonCaller } from '../../test/loyalty/http.js';
import { accountOf, expectLedgerConsistent, newCustomer } from '../../test/loyalty/ledger.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { CODE_ALPHABET, CODE_LENGTH } from './coupon-code.js';
import { ensureProgramme, writeProgrammeSettings } from './loyalty.repository.js';
import { adjustPoints } from './loyalty.service.js';

const NOW = Date.UTC(2026, 2, 1, 12);
const DAY = 86_400_000;

describeEachDatabase('loyalty rewards', (getDb) => {
  async function setUp() {
    const api = await apiWorkspace(getDb(), NOW);
    const { db } = getDb();
    await ensureProgramme(db, api.workspaceId, NOW);
    await writeProgrammeSettings(
      db,
      api.workspaceId,
      {
        tiers: {
          levels: [
            { name: 'Silver', threshold: 100 },
            { name: 'Gold', threshold: 1000 },
          ],
        },
      },
      NOW,
    );
    const call = jsonCaller(api);
    const member = async (points: number, tier: string | null = null) => {
      const id = await newCustomer(db, api.workspaceId);
      if (points > 0)
        await adjustPoints(
          db,
          api.workspaceId,
          id,
          { points, reason: 'Seed', idempotencyKey: `seed-${id}` },
          NOW,
        );
      if (tier !== null)
        await db
          .updateTable('loyalty_account')
          .set({ tier })
          .where('workspace_id', '=', api.workspaceId)
          .where('customer_id', '=', id)
          .execute();
      return id;
    };
    const reward = async (fields: Record<string, unknown>) => {
      const created = await call('POST', '/api/v1/loyalty/rewards', {
        name: '5 off',
        kind: 'fixed_discount',
        amount: '5.00',
        costPoints: 100,
        ...fields,
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return created.body as { id: string };
    };
    const claim = (customerId: unknown, rewardId: string, key: string) =>
      call(
        'POST',
        `/api/v1/loyalty/customers/${customerId}/rewards/${rewardId}/claim`,
        { idempotencyKey: key },
        'agent',
      );
    return { api, db, call, member, reward, claim };
  }

  it('creates rewards of every kind, refusing what does not fit the kind with the field named', async () => {
    const { call, reward } = await setUp();
    const created = await reward({ stock: 5, tiers: ['Gold'], couponValidDays: 30, minimumOrder: '20' });
    expect(created).toMatchObject({
      kind: 'fixed_discount',
      amount: '5.00',
      costPoints: 100,
      tiers: ['Gold'],
      stock: 5,
      claimed: 0,
      remaining: 5,
      minimumOrder: '20.00',
      couponValidDays: 30,
      active: true,
    });
    for (const kind of ['percent_discount', 'free_shipping', 'free_product', 'early_access', 'custom']) {
      await reward({ kind, amount: undefined, percent: 15, productId: 'SKU-1', name: kind });
    }
    const refused = [
      [{ kind: 'fixed_discount', amount: undefined }, 'amount'],
      [{ kind: 'percent_discount', amount: undefined }, 'percent'],
      [{ kind: 'free_product' }, 'productId'],
      [{ tiers: ['Platinum'] }, 'tiers'],
      [{ startsAt: '2026-03-02T00:00:00Z', endsAt: '2026-03-01T00:00:00Z' }, 'endsAt'],
      [{ costPoints: 0 }, 'costPoints'],
      [{ kind: 'cashback' }, 'kind'],
    ] as const;
    for (const [fields, field] of refused) {
      const answer = await call('POST', '/api/v1/loyalty/rewards', {
        name: 'x',
        kind: 'fixed_discount',
        amount: '5.00',
        costPoints: 100,
        ...fields,
      });
      expect(answer.status, field).toBe(400);
      expect(answer.body.error.issues[0].path[1], field).toBe(field);
    }
    expect(
      (await call('POST', '/api/v1/loyalty/rewards', { name: 'x', kind: 'custom', costPoints: 1 }, 'analyst'))
        .status,
    ).toBe(403);
    expect((await call('GET', '/api/v1/loyalty/rewards', undefined, 'analyst')).body.items).toHaveLength(6);
  });

  it('a claim spends the points and issues a single-use code of the customer, once per key', async () => {
    const { call, member, reward, claim, db, api } = await setUp();
    const ann = await member(250);
    const { id } = await reward({ stock: 3 });
    const first = await claim(ann, id, 'claim-1');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      claim: { rewardId: id, rewardName: '5 off', kind: 'fixed_discount' },
      entry: { kind: 'redeem', points: -100, source: 'reward' },
      balance: 150,
    });
    expect(first.body.claim.couponCode).toMatch(new RegExp(`^[${CODE_ALPHABET}]{${CODE_LENGTH}}$`));
    expect(first.body.claim.couponExpiresAt).toBe(new Date(NOW + 90 * DAY).toISOString());
    // The retry answers the same and changes nothing.
    const again = await claim(ann, id, 'claim-1');
    expect(again.status).toBe(201);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await accountOf(db, api.workspaceId, ann)).toMatchObject({ balance: 150 });
    expect((await call('GET', `/api/v1/loyalty/rewards/${id}`, undefined, 'analyst')).body).toMatchObject({
      claimed: 1,
      remaining: 2,
    });
    // The key for another reward: refused.
    const { id: other } = await reward({ name: 'Other' });
    expect((await claim(ann, other, 'claim-1')).status).toBe(409);
    // The code is the customer's, single use, with the reward's discount.
    const code = first.body.claim.couponCode as string;
    const bob = await member(0);
    expect(
      (
        await call(
          'POST',
          `/api/v1/coupons/${code}/redeem`,
          { customerId: String(bob), orderId: 'o-b' },
          'agent',
        )
      ).status,
    ).toBe(409);
    const redeemed = await call(
      'POST',
      `/api/v1/coupons/${code}/redeem`,
      { customerId: String(ann), orderId: 'o-1', orderAmount: '40.00' },
      'agent',
    );
    expect(redeemed.status, JSON.stringify(redeemed.body)).toBe(200);
    expect(redeemed.body.discountAmount).toBe('5.00');
    expect(
      (
        await call(
          'POST',
          `/api/v1/coupons/${code}/redeem`,
          { customerId: String(ann), orderId: 'o-2' },
          'agent',
        )
      ).status,
    ).toBe(409);
    // The claims list.
    const mine = await call('GET', `/api/v1/loyalty/customers/${ann}/rewards`, undefined, 'analyst');
    expect(mine.body.claims).toMatchObject([{ rewardId: id, couponCode: code }]);
    await expectLedgerConsistent(db, api.workspaceId, ann);
  });

  it('40 customers claiming a stock of 10 at once: exactly 10 claims, 30 × 409 out of stock', async () => {
    const { call, member, reward, claim, db, api } = await setUp();
    const { id } = await reward({ stock: 10, costPoints: 70 });
    const customers = [];
    for (let index = 0; index < 40; index++) customers.push(await member(100));
    const answers = await Promise.all(
      customers.map((customer, index) => claim(customer, id, `race-${index}`)),
    );
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(10);
    const refused = answers.filter((answer) => answer.status === 409);
    expect(refused).toHaveLength(30);
    for (const answer of refused) expect(answer.body.error.issues[0].code).toBe('out_of_stock');
    expect((await call('GET', `/api/v1/loyalty/rewards/${id}`, undefined, 'analyst')).body).toMatchObject({
      claimed: 10,
      remaining: 0,
    });
    const codes = new Set(
      answers.filter((answer) => answer.status === 201).map((answer) => answer.body.claim.couponCode),
    );
    expect(codes.size).toBe(10);
    let spent = 0;
    for (const customer of customers) {
      const { balance } = await expectLedgerConsistent(db, api.workspaceId, customer);
      spent += 100 - balance;
    }
    expect(spent).toBe(700);
  });

  it('one customer claiming 20 times at once with points for 3: exactly 3 claims, the stock given back for the rest', async () => {
    const { call, member, reward, claim, db, api } = await setUp();
    const { id } = await reward({ stock: 100, costPoints: 100 });
    const cy = await member(350);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) => claim(cy, id, `own-${index}`)),
    );
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(3);
    for (const answer of answers.filter((answer) => answer.status === 409))
      expect(answer.body.error.issues[0].code).toBe('insufficient_points');
    expect(await expectLedgerConsistent(db, api.workspaceId, cy)).toMatchObject({ balance: 50 });
    expect((await call('GET', `/api/v1/loyalty/rewards/${id}`, undefined, 'analyst')).body.claimed).toBe(3);
    const claims = await db
      .selectFrom('loyalty_reward_claim')
      .select('id')
      .where('workspace_id', '=', api.workspaceId)
      .execute();
    expect(claims).toHaveLength(3);
  });

  it('tier-exclusive rewards, validity windows, withdrawal and stock changes', async () => {
    const { call, member, reward, claim } = await setUp();
    const gold = await member(5000, 'Gold');
    const silver = await member(5000, 'Silver');
    const exclusive = await reward({
      name: 'Gold lounge',
      kind: 'early_access',
      amount: undefined,
      tiers: ['Gold'],
    });
    const later = await reward({ name: 'Later', startsAt: new Date(NOW + DAY).toISOString() });
    const over = await reward({ name: 'Over', endsAt: new Date(NOW).toISOString() });
    const names = async (customer: unknown) =>
      (
        await call('GET', `/api/v1/loyalty/customers/${customer}/rewards`, undefined, 'analyst')
      ).body.items.map((item: { name: string }) => item.name);
    expect(await names(gold)).toEqual(['Gold lounge']);
    expect(await names(silver)).toEqual([]);
    const codes = async (customer: unknown, rewardId: string, key: string) => {
      const answer = await claim(customer, rewardId, key);
      return answer.status === 201 ? 'ok' : answer.body.error.issues[0].code;
    };
    expect(await codes(silver, exclusive.id, 's-1')).toBe('tier_required');
    expect(await codes(gold, later.id, 'g-1')).toBe('reward_not_started');
    expect(await codes(gold, over.id, 'g-2')).toBe('reward_ended');
    expect(await codes(gold, exclusive.id, 'g-3')).toBe('ok');
    // Stock below what was claimed: 409; withdrawn: not offered, not claimable.
    expect((await call('PATCH', `/api/v1/loyalty/rewards/${exclusive.id}`, { stock: 0 })).status).toBe(409);
    const patched = await call('PATCH', `/api/v1/loyalty/rewards/${exclusive.id}`, {
      stock: 1,
      active: false,
      costPoints: 50,
    });
    expect(patched.body).toMatchObject({ stock: 1, active: false, costPoints: 50, claimed: 1 });
    expect(await names(gold)).toEqual([]);
    expect(await codes(gold, exclusive.id, 'g-4')).toBe('reward_inactive');
    // Unknown reward, another workspace's reward: 404.
    expect((await claim(gold, '999999', 'g-5')).status).toBe(404);
    const other = await apiWorkspace(getDb(), NOW);
    expect(
      (await jsonCaller(other)('GET', `/api/v1/loyalty/rewards/${exclusive.id}`, undefined, 'analyst'))
        .status,
    ).toBe(404);
  });
});
