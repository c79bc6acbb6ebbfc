/**
 * A customer's loyalty data in the privacy export and through erasure, over the real API on both
 * databases: the export holds the account, the ledger, the orders that earned and the coupons;
 * erasure forfeits the points by a ledger entry (the balance stays the sum of the ledger), clears
 * the ledger's free text (also in replayed answers), ends the assigned codes, and the ledger's API
 * and the storefront refuse the erased customer from then on — another customer is untouched.
 * Reward claims, referrals (the customer's own side only) and the tier history are exported, and
 * deleted by erasure without giving a claimed unit of stock back or taking the other customers'
 * referral points; an earn racing an erasure (PostgreSQL, two connections) and an order arriving
 * after it add no points.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { jsonCaller } from '../../test/loyalty/http.js';
import { describeEachDatabase, describeOnDatabase } from '../../test/support/databases.js';
import { upsertCustomers } from '../customers/index.js';
import { eraseLoyaltyDataOfCustomer, processLoyalty, signStorefrontToken } from '../loyalty/index.js';

const NOW = Date.UTC(2024, 6, 1);
const REASON = 'Goodwill for Ada Lovelace, who called about order 17';
const BOB_REASON = 'Goodwill for Bob, a regular';

describeEachDatabase('privacy: loyalty data', (getDb) => {
  async function seeded() {
    const { db } = getDb();
    const api = await apiWorkspace(getDb(), NOW);
    const ws = api.workspaceId;
    const { ids } = await upsertCustomers(
      db,
      ws,
      [
        { externalId: 'cust-ada', email: 'ada@example.com', name: 'Ada Lovelace' },
        { externalId: 'cust-bob', email: 'bob@example.com', name: 'Bob' },
      ],
      { now: NOW },
    );
    const ada = String(ids.get('cust-ada')!);
    const bob = String(ids.get('cust-bob')!);
    // biome-ignore lint/suspicious/noExplicitAny: bodies are asserted below.
    const send = async (
      path: string,
      body: unknown,
      role: 'marketer' | 'owner' = 'marketer',
    ): Promise<{ status: number; body: any }> => {
      const response = await api.app.request(`/api/v1${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${api.keys[role]}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    };
    for (const [customer, reason] of [
      [ada, REASON],
      [bob, BOB_REASON],
    ] as const) {
      expect(
        (
          await send(`/loyalty/customers/${customer}/adjust`, {
            points: 500,
            reason,
            idempotencyKey: `a-${customer}`,
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await send(`/loyalty/customers/${customer}/redeem`, {
            points: 120,
            reason: `Redeemed: ${reason}`,
            idempotencyKey: `r-${customer}`,
          })
        ).status,
      ).toBe(201);
      // Pending through the returns window.
      expect(
        (await send(`/loyalty/customers/${customer}/earn`, { orderId: `o-${customer}`, amount: '42.00' }))
          .status,
      ).toBe(201);
    }
    const promotion = await send('/loyalty/promotions', {
      name: 'Summer',
      discount: { kind: 'percent', percent: 10 },
    });
    expect(promotion.status).toBe(201);
    const issued = await send(`/loyalty/promotions/${promotion.body.id}/coupons`, {
      count: 2,
      customerId: ada,
    });
    expect(issued.status).toBe(201);
    const codes: string[] = issued.body.coupons.map((coupon: { code: string }) => coupon.code);
    const used = await send(`/coupons/${codes[0]}/redeem`, { customerId: ada, orderId: 'o-coupon' });
    expect(used.status).toBe(200);
    return { api, ws, ada, bob, codes, send };
  }

  it('exports the customer’s points account, ledger, earning orders and coupons', async () => {
    const { api, ada, codes } = await seeded();
    const exported = await api.request(`/api/v1/customers/${ada}/export`, { role: 'agent' });
    expect(exported.status).toBe(200);
    const loyalty = exported.body.loyalty;
    expect(loyalty.account).toMatchObject({ balance: 380, pending: 42, earned: 42 });
    expect(
      loyalty.entries.map((entry: { kind: string; points: number }) => [entry.kind, entry.points]),
    ).toEqual([
      ['earn', 42],
      ['redeem', -120],
      ['adjust', 500],
    ]);
    expect(loyalty.entries[2].reason).toBe(REASON);
    expect(loyalty.orders).toEqual([
      expect.objectContaining({ orderRef: `ext:o-${ada}`, amountCents: 4200, points: 42 }),
    ]);
    expect(loyalty.coupons.assigned.map((coupon: { code: string }) => coupon.code).sort()).toEqual(
      [...codes].sort(),
    );
    expect(loyalty.coupons.redeemed).toEqual([
      expect.objectContaining({ code: codes[0], orderRef: 'o-coupon' }),
    ]);
  });

  it('erasure forfeits the points by a ledger entry, clears the free text, ends the codes and refuses the customer', async () => {
    const { db } = getDb();
    const { api, ws, ada, bob, codes, send } = await seeded();
    const secret = await api.request('/api/v1/loyalty/programme/storefront-secret', { role: 'owner' });
    const token = signStorefrontToken(secret.body.secret, {
      workspaceId: ws,
      externalId: 'cust-ada',
      expiresAt: NOW / 1000 + 3_600,
    });
    const storefront = () =>
      api.app.request('/storefront/v1/loyalty', { headers: { Authorization: `Bearer ${token}` } });
    expect((await storefront()).status).toBe(200);
    const erased = await api.app.request(`/api/v1/customers/${ada}/erase`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${api.keys.owner}` },
    });
    expect(erased.status).toBe(200);

    const account = await db
      .selectFrom('loyalty_account')
      .selectAll()
      .where('workspace_id', '=', ws)
      .where('customer_id', '=', Number(ada))
      .executeTakeFirstOrThrow();
    expect([Number(account.balance), Number(account.pending)]).toEqual([0, 0]);
    const entries = await db
      .selectFrom('loyalty_entry')
      .selectAll()
      .where('workspace_id', '=', ws)
      .where('customer_id', '=', Number(ada))
      .orderBy('id')
      .execute();
    // The numbers stay; the forfeit is an entry, so the ledger still sums to the balance.
    expect(entries.map((entry) => [entry.kind, Number(entry.points), entry.pending])).toEqual([
      ['adjust', 500, 0],
      ['redeem', -120, 0],
      ['earn', 42, 0],
      ['adjust', -422, 0],
    ]);
    expect(entries.reduce((sum, entry) => sum + Number(entry.points), 0)).toBe(0);
    expect(entries.at(-1)?.source).toBe('erasure');
    expect(entries.every((entry) => entry.reason === null && entry.source_ref === null)).toBe(true);
    const requests = await db
      .selectFrom('loyalty_request')
      .select('response')
      .where('workspace_id', '=', ws)
      .execute();
    const stored = requests.map((row) => String(row.response)).join('\n');
    expect(stored).not.toContain('Ada Lovelace');
    // Bob's own reasons are his, and stay.
    expect(stored).toContain(BOB_REASON);

    // A retried request replays the scrubbed answer; new writes and reads are refused.
    const replay = await send(`/loyalty/customers/${ada}/adjust`, {
      points: 500,
      reason: REASON,
      idempotencyKey: `a-${ada}`,
    });
    expect(replay.status).toBe(404);
    expect((await send(`/loyalty/customers/${ada}/earn`, { orderId: 'o-new', amount: '10.00' })).status).toBe(
      404,
    );
    expect((await api.request(`/api/v1/loyalty/customers/${ada}`, { role: 'marketer' })).status).toBe(404);
    // The codes assigned to Ada end; their uses stay counted.
    const coupon = await send(`/coupons/${codes[1]}/redeem`, { customerId: bob, orderId: 'o-late' });
    expect(coupon.status).toBe(409);
    const promotionUses = await db
      .selectFrom('loyalty_promotion')
      .select('uses')
      .where('workspace_id', '=', ws)
      .executeTakeFirstOrThrow();
    expect(Number(promotionUses.uses)).toBe(1);
    // The storefront refuses the token the shop signed for Ada.
    expect((await storefront()).status).toBe(401);

    // Bob is untouched.
    const bobPoints = await api.request(`/api/v1/loyalty/customers/${bob}`, { role: 'marketer' });
    expect(bobPoints.body).toMatchObject({ balance: 380, pending: 42 });
    const bobExport = await api.request(`/api/v1/customers/${bob}/export`, { role: 'agent' });
    expect(bobExport.body.loyalty.entries[2].reason).toBe(BOB_REASON);

    // Erasing again changes nothing more.
    const again = await api.app.request(`/api/v1/customers/${ada}/erase`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${api.keys.owner}` },
    });
    expect(again.status).toBe(200);
    const after = await db
      .selectFrom('loyalty_entry')
      .select('id')
      .where('workspace_id', '=', ws)
      .where('customer_id', '=', Number(ada))
      .execute();
    expect(after).toHaveLength(4);
  });

  it('exports reward claims, the own side of referrals and the tier history; erasure deletes them, keeping stock taken and the others’ points', async () => {
    const { db } = getDb();
    const api = await apiWorkspace(getDb(), NOW);
    const ws = api.workspaceId;
    const call = jsonCaller(api);
    const settings = await call(
      'PUT',
      '/api/v1/loyalty/programme',
      {
        returnsWindowDays: 0,
        referral: { referrerPoints: 100, referredPoints: 50, weeklyCap: 5 },
        tiers: { levels: [{ name: 'Silver', threshold: 10 }] },
      },
      'owner',
    );
    expect(settings.status, JSON.stringify(settings.body)).toBe(200);
    const { ids } = await upsertCustomers(
      db,
      ws,
      [
        { externalId: 'cust-bob', email: 'bob@example.com', name: 'Bob Referrer' },
        { externalId: 'cust-fay', email: 'fay@example.com', name: 'Fay Erased' },
        { externalId: 'cust-gus', email: 'gus@example.com', name: 'Gus Referred' },
        { externalId: 'cust-hal', email: 'hal@example.com', name: 'Hal Newcomer' },
      ],
      { now: NOW },
    );
    const [bob, fay, gus, hal] = ['cust-bob', 'cust-fay', 'cust-gus', 'cust-hal'].map((id) =>
      String(ids.get(id)!),
    ) as [string, string, string, string];
    const codeOf = async (customer: string) =>
      (await call('GET', `/api/v1/loyalty/customers/${customer}/referrals`, undefined, 'analyst')).body
        .code as string;
    const refer = (code: string, customer: string) =>
      call('POST', '/api/v1/loyalty/referrals', { code, customerId: customer }, 'agent');
    // Bob referred Fay; Fay referred Gus. Both first orders are paid (no returns window).
    expect((await refer(await codeOf(bob), fay)).status).toBe(201);
    const fayCode = await codeOf(fay);
    expect((await refer(fayCode, gus)).status).toBe(201);
    for (const [customer, orderId, amount] of [
      [fay, 'f-1', '200.00'],
      [gus, 'g-1', '30.00'],
    ] as const) {
      expect(
        (await call('POST', `/api/v1/loyalty/customers/${customer}/earn`, { orderId, amount })).status,
      ).toBe(201);
    }
    expect((await processLoyalty(db, ws, NOW)).referralsRewarded).toBe(2);
    const reward = await call('POST', '/api/v1/loyalty/rewards', {
      name: 'Tote bag',
      kind: 'custom',
      costPoints: 100,
      stock: 1,
    });
    expect(reward.status, JSON.stringify(reward.body)).toBe(201);
    const claimOf = (customer: string, key: string) =>
      call(
        'POST',
        `/api/v1/loyalty/customers/${customer}/rewards/${reward.body.id}/claim`,
        { idempotencyKey: key },
        'agent',
      );
    const claimed = await claimOf(fay, 'fay-tote');
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(201);

    const exported = await api.request(`/api/v1/customers/${fay}/export`, { role: 'agent' });
    expect(exported.status).toBe(200);
    const loyalty = exported.body.loyalty;
    const at = new Date(NOW).toISOString();
    expect(loyalty.rewardClaims).toEqual([
      {
        rewardId: reward.body.id,
        reward: 'Tote bag',
        kind: 'custom',
        costPoints: 100,
        couponCode: claimed.body.claim.couponCode,
        claimedAt: at,
      },
    ]);
    // Her own side only: statuses, dates and her points — neither Bob nor Gus is named.
    expect(loyalty.referrals).toEqual({
      code: fayCode,
      referred: [{ status: 'rewarded', createdAt: at, rewardedAt: at, points: 100 }],
      referredBy: { status: 'rewarded', createdAt: at, rewardedAt: at, points: 50 },
    });
    const referralText = JSON.stringify(loyalty.referrals);
    for (const other of ['Bob', 'Gus', 'bob@', 'gus@', 'cust-bob', 'cust-gus'])
      expect(referralText).not.toContain(other);
    expect(loyalty.tierHistory).toEqual([{ from: null, to: 'Silver', reason: expect.any(String), at }]);

    const erased = await api.app.request(`/api/v1/customers/${fay}/erase`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${api.keys.owner}` },
    });
    expect(erased.status).toBe(200);
    const count = async (table: 'loyalty_reward_claim' | 'loyalty_referral' | 'loyalty_tier_change') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('rows'))
            .where('workspace_id', '=', ws)
            .executeTakeFirstOrThrow()
        ).rows,
      );
    // Claims go, but the unit she took stays taken: Bob (who can afford it) finds it out of stock.
    expect(await count('loyalty_reward_claim')).toBe(0);
    const stock = await call('GET', `/api/v1/loyalty/rewards/${reward.body.id}`, undefined, 'analyst');
    expect(stock.body).toMatchObject({ claimed: 1, remaining: 0 });
    const late = await claimOf(bob, 'bob-tote');
    expect(late.status).toBe(409);
    expect(late.body.error.issues[0].code).toBe('out_of_stock');
    // Both referrals named her and are gone; Bob's and Gus's referral points stay theirs.
    expect(await count('loyalty_referral')).toBe(0);
    const balanceOf = async (customer: string) =>
      (await call('GET', `/api/v1/loyalty/customers/${customer}`, undefined, 'analyst')).body.balance;
    expect(await balanceOf(bob)).toBe(100);
    expect(await balanceOf(gus)).toBe(80);
    // Her code names nobody any more, and no new one is made for her.
    const byOldCode = await refer(fayCode, hal);
    expect(byOldCode.status).toBe(400);
    expect(byOldCode.body.error.issues[0].path).toEqual(['json', 'code']);
    expect(
      (await call('GET', `/api/v1/loyalty/customers/${fay}/referrals`, undefined, 'analyst')).status,
    ).toBe(404);
    // Hers go; Bob's and Gus's (both Silver by their points) stay.
    expect(await count('loyalty_tier_change')).toBe(2);
    // She holds no tier, is no member of one, and the next review (her points earned would
    // qualify her) leaves her so.
    await processLoyalty(db, ws, NOW + 86_400_000);
    const account = await db
      .selectFrom('loyalty_account')
      .select(['tier', 'tier_since', 'tier_below_since'])
      .where('workspace_id', '=', ws)
      .where('customer_id', '=', Number(fay))
      .executeTakeFirstOrThrow();
    expect(account).toEqual({ tier: null, tier_since: null, tier_below_since: null });
    expect(await count('loyalty_tier_change')).toBe(2);
    const tiers = await call('GET', '/api/v1/loyalty/tiers', undefined, 'analyst');
    expect(tiers.body.levels).toEqual([expect.objectContaining({ name: 'Silver', members: 2 })]);
    const after = await api.request(`/api/v1/customers/${fay}/export`, { role: 'agent' });
    expect(after.body.loyalty).toMatchObject({
      rewardClaims: [],
      referrals: { code: null, referred: [], referredBy: null },
      tierHistory: [],
    });
  });

  it('an order arriving after the erasure earns the erased customer nothing', async () => {
    const { db } = getDb();
    const { api, ws, ada } = await seeded();
    const erased = await api.app.request(`/api/v1/customers/${ada}/erase`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${api.keys.owner}` },
    });
    expect(erased.status).toBe(200);
    await db
      .insertInto('customer_order')
      .values({
        workspace_id: ws,
        external_id: 'late-1',
        customer_id: Number(ada),
        ordered_at: NOW,
        currency: 'EUR',
        amount_cents: 5_000,
        status: 'completed',
        source: 'api',
        created_at: NOW,
        updated_at: NOW,
      })
      .execute();
    await processLoyalty(db, ws, NOW);
    const earned = await db
      .selectFrom('loyalty_order')
      .select('order_ref')
      .where('workspace_id', '=', ws)
      .where('customer_id', '=', Number(ada))
      .execute();
    expect(earned.map((row) => row.order_ref)).toEqual([`ext:o-${ada}`]);
    const account = await db
      .selectFrom('loyalty_account')
      .select(['balance', 'pending'])
      .where('workspace_id', '=', ws)
      .where('customer_id', '=', Number(ada))
      .executeTakeFirstOrThrow();
    expect([Number(account.balance), Number(account.pending)]).toEqual([0, 0]);
  });
});

describeOnDatabase('postgres', 'privacy: an earn racing an erasure', (getDb) => {
  it('an earn that passed the route’s check waits for the erasure in progress, then adds nothing', async () => {
    const { db } = getDb();
    const api = await apiWorkspace(getDb(), NOW);
    const ws = api.workspaceId;
    const call = jsonCaller(api);
    const { ids } = await upsertCustomers(db, ws, [{ externalId: 'cust-ada', email: 'ada@example.com' }], {
      now: NOW,
    });
    const ada = ids.get('cust-ada')!;
    expect(
      (await call('POST', `/api/v1/loyalty/customers/${ada}/earn`, { orderId: 'o-1', amount: '42.00' }))
        .status,
    ).toBe(201);
    // The erasure, on a connection of its own, held open after its loyalty part: the customer row
    // locked first (as eraseCustomer does), the points forfeited, the row marked erased.
    const other = getDb().open().db;
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let erasing: () => void = () => {};
    const erasureHeld = new Promise<void>((resolve) => {
      erasing = resolve;
    });
    const erasure = other.connection().execute(async (connection) => {
      await sql`begin`.execute(connection);
      await connection
        .selectFrom('customer')
        .select('id')
        .where('workspace_id', '=', ws)
        .where('id', '=', ada)
        .forUpdate()
        .execute();
      await eraseLoyaltyDataOfCustomer(connection, { workspaceId: ws, customerId: ada, now: NOW });
      await connection
        .updateTable('customer')
        .set({ erased_at: NOW })
        .where('workspace_id', '=', ws)
        .where('id', '=', ada)
        .execute();
      erasing();
      await released;
      await sql`commit`.execute(connection);
    });
    await erasureHeld;
    // The route reads the customer as live (the erasure has not committed), then its transaction
    // meets the erasure's locks.
    const earn = call('POST', `/api/v1/loyalty/customers/${ada}/earn`, {
      orderId: 'o-race',
      amount: '10.00',
    });
    let settled = false;
    void earn.finally(() => {
      settled = true;
    });
    for (let waited = 0; !settled && waited < 10_000; waited += 20) {
      const waiting = await sql<{ waiting: string }>`
        select count(*) as waiting from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
      if (Number(waiting.rows[0]?.waiting) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    release();
    await erasure;
    const answer = await earn;
    expect(answer.status, JSON.stringify(answer.body)).toBe(404);
    const account = await db
      .selectFrom('loyalty_account')
      .select(['balance', 'pending'])
      .where('workspace_id', '=', ws)
      .where('customer_id', '=', ada)
      .executeTakeFirstOrThrow();
    expect([Number(account.balance), Number(account.pending)]).toEqual([0, 0]);
    const raced = await db
      .selectFrom('loyalty_order')
      .select('order_ref')
      .where('workspace_id', '=', ws)
      .where('order_ref', '=', 'ext:o-race')
      .execute();
    expect(raced).toEqual([]);
  });
});
