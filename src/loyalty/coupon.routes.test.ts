/**
 * Coupons through the real app, on SQLite and PostgreSQL (issue 13, "Done means"): a single-use
 * code redeemed 50 times at once succeeds once; a promotion capped at 100 uses over 150 codes
 * redeemed at once ends at exactly 100; a customer's limit holds under concurrency; a retry for
 * the same order answers as the first and uses nothing; every refusal is a 409 with its reason.
 */
import { expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { newCustomer } from '../../test/loyalty/ledger.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { CODE_ALPHABET, CODE_LENGTH } from './coupon-code.js';

const NOW = Date.UTC(2026, 2, 1, 12);

describeEachDatabase('coupons', (getDb) => {
  async function setUp() {
    const api = await apiWorkspace(getDb(), NOW);
    const post = async (path: string, body: unknown) => {
      const response = await api.app.request(path, {
        method: 'POST',
        headers: { Authorization: `Bearer ${api.keys.marketer}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      // biome-ignore lint/suspicious/noExplicitAny: test bodies are asserted shape by shape.
      return { status: response.status, body: (await response.json()) as any };
    };
    const promotion = async (fields: Record<string, unknown>) =>
      (
        await post('/api/v1/loyalty/promotions', {
          name: `P${Math.random()}`,
          discount: { kind: 'percent', percent: 10 },
          ...fields,
        })
      ).body as { id: string };
    const issue = async (promotionId: string, fields: Record<string, unknown>) =>
      (await post(`/api/v1/loyalty/promotions/${promotionId}/coupons`, fields)).body.coupons as {
        code: string;
        display: string;
      }[];
    const customers = async (count: number) => {
      const ids: string[] = [];
      for (let index = 0; index < count; index++)
        ids.push(String(await newCustomer(getDb().db, api.workspaceId)));
      return ids;
    };
    return { api, post, promotion, issue, customers };
  }

  it('issues unguessable, readable, unique codes', async () => {
    const { promotion, issue } = await setUp();
    const coupons = await issue((await promotion({})).id, { count: 1000 });
    expect(coupons).toHaveLength(1000);
    expect(new Set(coupons.map((coupon) => coupon.code)).size).toBe(1000);
    const allowed = new RegExp(`^[${CODE_ALPHABET}]{${CODE_LENGTH}}$`);
    for (const coupon of coupons) {
      expect(coupon.code).toMatch(allowed);
      expect(coupon.code).not.toMatch(/[01OIL]/);
      expect(coupon.display.replaceAll('-', '')).toBe(coupon.code);
    }
    // Every character of the alphabet turns up (12,000 draws of 31 letters).
    expect(new Set(coupons.flatMap((coupon) => [...coupon.code])).size).toBe(CODE_ALPHABET.length);
  });

  it('a single-use code redeemed 50 times at once succeeds once', async () => {
    const { api, post, promotion, issue, customers } = await setUp();
    const [coupon] = await issue((await promotion({})).id, { count: 1 });
    const buyers = await customers(50);
    const answers = await Promise.all(
      buyers.map((customerId, index) =>
        post(`/api/v1/coupons/${coupon!.code}/redeem`, { customerId, orderId: `o-${index}` }),
      ),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 409)).toHaveLength(49);
    expect(answers.find((answer) => answer.status === 409)!.body.error.message).toBe(
      'This code has been used up.',
    );
    const state = await api.request(`/api/v1/coupons/${coupon!.display.toLowerCase()}`);
    expect(state.body.coupon.uses).toBe(1);
    const redemptions = await getDb()
      .db.selectFrom('loyalty_coupon_redemption')
      .select('id')
      .where('workspace_id', '=', api.workspaceId)
      .execute();
    expect(redemptions).toHaveLength(1);
  });

  it('a promotion capped at 100 uses, 150 codes redeemed at once: exactly 100 succeed', async () => {
    const { api, post, promotion, issue, customers } = await setUp();
    const capped = await promotion({ totalLimit: 100 });
    const coupons = await issue(capped.id, { count: 150 });
    const buyers = await customers(150);
    const answers = await Promise.all(
      coupons.map((coupon, index) =>
        post(`/api/v1/coupons/${coupon.code}/redeem`, { customerId: buyers[index], orderId: `o-${index}` }),
      ),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(100);
    const refusals = answers.filter((answer) => answer.status === 409);
    expect(refusals).toHaveLength(50);
    expect(new Set(refusals.map((answer) => answer.body.error.message))).toEqual(
      new Set(['The promotion has reached its total number of uses.']),
    );
    expect((await api.request(`/api/v1/loyalty/promotions/${capped.id}`)).body.uses).toBe(100);
    // No code was consumed by a redemption the promotion refused.
    const used = await getDb()
      .db.selectFrom('loyalty_coupon')
      .select((eb) => eb.fn.sum<number>('uses').as('uses'))
      .where('workspace_id', '=', api.workspaceId)
      .executeTakeFirstOrThrow();
    expect(Number(used.uses)).toBe(100);
  });

  it('a customer limited to 1 use, redeeming 10 codes at once, gets 1', async () => {
    const { post, promotion, issue, customers } = await setUp();
    const coupons = await issue((await promotion({ perCustomerLimit: 1 })).id, { count: 10 });
    const [buyer] = await customers(1);
    const answers = await Promise.all(
      coupons.map((coupon, index) =>
        post(`/api/v1/coupons/${coupon.code}/redeem`, { customerId: buyer, orderId: `o-${index}` }),
      ),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(answers.find((answer) => answer.status === 409)!.body.error.message).toContain(
      'as many times as it allows',
    );
  });

  it('answers a retry for the same order as the first and refuses expired, foreign, below-minimum redemptions', async () => {
    const { api, post, promotion, issue, customers } = await setUp();
    const [ann, bob] = await customers(2);
    const multi = await issue((await promotion({ discount: { kind: 'fixed', amountCents: 500 } })).id, {
      count: 1,
      maxUses: 5,
    });
    const first = await post(`/api/v1/coupons/${multi[0]!.code}/redeem`, {
      customerId: ann,
      orderId: 'A1',
      orderAmount: '30.00',
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      discount: { kind: 'fixed', amountCents: 500 },
      discountAmount: '5.00',
    });
    const again = await post(`/api/v1/coupons/${multi[0]!.code}/redeem`, {
      customerId: ann,
      orderId: 'A1',
      orderAmount: '30.00',
    });
    expect(again).toEqual(first);
    expect((await api.request(`/api/v1/coupons/${multi[0]!.code}`)).body.coupon.uses).toBe(1);
    const stolen = await post(`/api/v1/coupons/${multi[0]!.code}/redeem`, { customerId: bob, orderId: 'A1' });
    expect(stolen.status).toBe(409);

    const expired = await issue((await promotion({})).id, {
      count: 1,
      expiresAt: new Date(NOW - 1000).toISOString(),
    });
    const expiredAnswer = await post(`/api/v1/coupons/${expired[0]!.code}/redeem`, {
      customerId: ann,
      orderId: 'A2',
    });
    expect(expiredAnswer.status).toBe(409);
    expect(expiredAnswer.body.error.message).toBe('This code has expired.');

    const personal = await issue((await promotion({})).id, { count: 1, customerId: ann });
    expect(
      (await post(`/api/v1/coupons/${personal[0]!.code}/redeem`, { customerId: bob, orderId: 'B1' })).status,
    ).toBe(409);

    const minimum = await issue((await promotion({ minimumOrder: '50.00' })).id, { count: 1 });
    const small = await post(`/api/v1/coupons/${minimum[0]!.code}/redeem`, {
      customerId: ann,
      orderId: 'A3',
      orderAmount: '49.99',
    });
    expect(small.status).toBe(409);
    expect(small.body.error.message).toContain('minimum of 50.00');
    const unknownAmount = await post(`/api/v1/coupons/${minimum[0]!.code}/redeem`, {
      customerId: ann,
      orderId: 'A4',
    });
    expect(unknownAmount.status).toBe(409);
    expect(
      (
        await post(`/api/v1/coupons/${minimum[0]!.code}/redeem`, {
          customerId: ann,
          orderId: 'A5',
          orderAmount: 50,
        })
      ).status,
    ).toBe(200);

    expect((await post('/api/v1/coupons/NOPE-NOPE/redeem', { customerId: ann, orderId: 'x' })).status).toBe(
      404,
    );
    const chosen = await post(`/api/v1/loyalty/promotions/${(await promotion({})).id}/coupons`, {
      code: 'welcome-10',
    });
    expect(chosen.body.coupons[0].code).toBe('WELCOME10');
    expect(
      (await post(`/api/v1/loyalty/promotions/${(await promotion({})).id}/coupons`, { code: 'WELCOME10' }))
        .status,
    ).toBe(409);
  });
});
