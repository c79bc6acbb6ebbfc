/**
 * A customer's loyalty data in the privacy export and through erasure, over the real API on both
 * databases: the export holds the account, the ledger, the orders that earned and the coupons;
 * erasure forfeits the points by a ledger entry (the balance stays the sum of the ledger), clears
 * the ledger's free text (also in replayed answers), ends the assigned codes, and the ledger's API
 * and the storefront refuse the erased customer from then on — another customer is untouched.
 */
import { expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { upsertCustomers } from '../customers/index.js';
import { signStorefrontToken } from '../loyalty/index.js';

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
});
