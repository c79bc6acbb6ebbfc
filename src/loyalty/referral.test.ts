/**
 * Referrals on SQLite and PostgreSQL: a code per member; recording by code through the API or a
 * tracked `Signed Up` with `referral_code`; refusals (self-referral by the same normalised e-mail,
 * a customer already referred or who has ordered, the weekly cap — also under 10 concurrent
 * requests); both sides rewarded once the referred customer's first order is paid and its returns
 * window has passed, once.
 */
import { expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { jsonCaller } from '../../test/loyalty/http.js';
import { accountOf, expectLedgerConsistent, newCustomer } from '../../test/loyalty/ledger.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import type { RowId } from '../db/index.js';
import { processLoyalty } from './loyalty.jobs.js';
import { ensureProgramme, writeProgrammeSettings } from './loyalty.repository.js';
import { earnOrderThroughApi } from './loyalty.service.js';
import { normaliseReferralEmail, referByCode } from './referral.service.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 3, 1, 12);

it('normalises e-mails as referrals compare them', () => {
  expect(normaliseReferralEmail(' Ann.Lee+shop@GoogleMail.com ')).toBe('annlee@gmail.com');
  expect(normaliseReferralEmail('ann.lee@example.com')).toBe('ann.lee@example.com');
  expect(normaliseReferralEmail('ANN+x@Example.com')).toBe('ann@example.com');
  expect(normaliseReferralEmail('no-at-sign')).toBeNull();
  expect(normaliseReferralEmail(null)).toBeNull();
});

describeEachDatabase('loyalty referrals', (getDb) => {
  async function setUp(weeklyCap = 2, now = T0) {
    const api = await apiWorkspace(getDb(), now);
    const { db } = getDb();
    await ensureProgramme(db, api.workspaceId, T0);
    await writeProgrammeSettings(
      db,
      api.workspaceId,
      { returnsWindowDays: 14, referral: { referrerPoints: 100, referredPoints: 50, weeklyCap } },
      T0,
    );
    const call = jsonCaller(api);
    const codeOf = async (customer: unknown) =>
      (await call('GET', `/api/v1/loyalty/customers/${customer}/referrals`, undefined, 'analyst')).body
        .code as string;
    const refer = (code: string, customer: unknown) =>
      call('POST', '/api/v1/loyalty/referrals', { code, customerId: String(customer) }, 'agent');
    return { api, db, workspaceId: api.workspaceId, call, codeOf, refer };
  }

  it('records a referral by code and refuses self-referral, a second referrer, an existing customer and the weekly cap', async () => {
    const { db, workspaceId, codeOf, refer, call } = await setUp(2);
    const ann = await newCustomer(db, workspaceId, { email: 'ann.lee@gmail.com' });
    const code = await codeOf(ann);
    expect(code).toMatch(/^[2-9A-HJKMNP-Z]{8}$/);
    expect(await codeOf(ann)).toBe(code);
    const bob = await newCustomer(db, workspaceId, { email: 'bob@example.com' });
    const created = await refer(code.toLowerCase().replace(/(.{4})/, '$1-'), bob);
    expect(created.status).toBe(201);
    expect(created.body.referral).toMatchObject({
      referrerId: String(ann),
      referredId: String(bob),
      status: 'pending',
    });
    expect((await refer(code, bob)).status).toBe(200);
    const reasons = async (referrerCode: string, customer: unknown) => {
      const answer = await refer(referrerCode, customer);
      return answer.status === 201
        ? 'ok'
        : `${answer.status} ${answer.body.error.issues?.[0]?.code ?? answer.body.error.issues?.[0]?.path?.[1]}`;
    };
    const annAgain = await newCustomer(db, workspaceId, { email: ' AnnLee+second@GoogleMail.com' });
    expect(await reasons(code, annAgain)).toBe('409 self_referral');
    expect(await reasons(code, ann)).toBe('409 self_referral');
    const cy = await newCustomer(db, workspaceId);
    expect(await reasons(await codeOf(cy), bob)).toBe('409 already_referred');
    const ordered = await newCustomer(db, workspaceId);
    await earnOrderThroughApi(
      db,
      workspaceId,
      ordered,
      { orderId: 'X-1', amountCents: 100, orderedAt: T0 },
      T0,
    );
    expect(await reasons(code, ordered)).toBe('409 existing_customer');
    expect(await reasons(code, await newCustomer(db, workspaceId))).toBe('ok');
    expect(await reasons(code, await newCustomer(db, workspaceId))).toBe('409 weekly_cap');
    expect(await reasons('NOSUCHCODE', await newCustomer(db, workspaceId))).toBe('400 code');
    expect(await reasons(code, '99999999')).toBe('400 customerId');
    const listed = await call('GET', `/api/v1/loyalty/customers/${ann}/referrals`, undefined, 'analyst');
    expect(listed.body).toMatchObject({ code, weeklyCap: 2, thisWeek: 2 });
    expect(listed.body.referrals).toHaveLength(2);
  });

  it('the weekly cap holds under 10 concurrent referrals, and frees up after 7 days', async () => {
    const first = await setUp(3);
    const referrer = await newCustomer(first.db, first.workspaceId);
    const code = await first.codeOf(referrer);
    const newcomers: RowId[] = [];
    for (let index = 0; index < 10; index++) newcomers.push(await newCustomer(first.db, first.workspaceId));
    const answers = await Promise.all(newcomers.map((customer) => first.refer(code, customer)));
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(3);
    expect(answers.filter((answer) => answer.status === 409)).toHaveLength(7);
    // Seven days later the cap counts afresh.
    const refused = answers.flatMap((answer, index) => (answer.status === 409 ? [newcomers[index]!] : []));
    const again = await referByCode(
      first.db,
      first.workspaceId,
      { code, referredId: refused[0]! },
      T0 + 7 * DAY - 1,
    );
    expect(again).toMatchObject({ ok: false, reason: 'weekly_cap' });
    const week = await referByCode(
      first.db,
      first.workspaceId,
      { code, referredId: refused[0]! },
      T0 + 7 * DAY,
    );
    expect(week).toMatchObject({ ok: true, created: true });
  });

  it('rewards both sides once the first order’s returns window has passed, once', async () => {
    const { api, db, workspaceId, codeOf } = await setUp(5);
    const ann = await newCustomer(db, workspaceId, { externalId: 'ann' });
    const code = await codeOf(ann);
    // The new customer signs up in the shop with the code: a tracked Signed Up.
    const tracked = await api.app.request('/v1/track', {
      method: 'POST',
      headers: { Authorization: `Bearer ${api.writeKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        userId: 'newbie',
        event: 'Signed Up',
        messageId: 'su-1',
        properties: { referral_code: code },
      }),
    });
    expect(tracked.status).toBe(200);
    await processLoyalty(db, workspaceId, T0);
    const newbie = (
      await db
        .selectFrom('customer')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('external_id', '=', 'newbie')
        .executeTakeFirstOrThrow()
    ).id;
    const referral = await db
      .selectFrom('loyalty_referral')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirstOrThrow();
    expect(referral).toMatchObject({ referrer_id: ann, referred_id: newbie, status: 'pending' });
    // The first order (paid on day 1), inside its 14-day returns window on day 14: nothing yet.
    await earnOrderThroughApi(
      db,
      workspaceId,
      newbie,
      { orderId: 'N-1', amountCents: 3000, orderedAt: T0 + DAY },
      T0 + DAY,
    );
    expect((await processLoyalty(db, workspaceId, T0 + 14 * DAY)).referralsRewarded).toBe(0);
    expect(await accountOf(db, workspaceId, ann)).toMatchObject({ balance: 0 });
    // Day 15: both sides earn (the referrer 100; the referred 50 + the order's 30 settled).
    expect((await processLoyalty(db, workspaceId, T0 + 15 * DAY)).referralsRewarded).toBe(1);
    expect(await accountOf(db, workspaceId, ann)).toMatchObject({ balance: 100, earned: 100 });
    expect(await accountOf(db, workspaceId, newbie)).toMatchObject({ balance: 80 });
    expect((await processLoyalty(db, workspaceId, T0 + 16 * DAY)).referralsRewarded).toBe(0);
    expect(await accountOf(db, workspaceId, ann)).toMatchObject({ balance: 100 });
    await expectLedgerConsistent(db, workspaceId, ann);
    await expectLedgerConsistent(db, workspaceId, newbie);
  });

  it('a first order refunded in full rewards nobody', async () => {
    const { db, workspaceId, codeOf, refer } = await setUp(5);
    const ann = await newCustomer(db, workspaceId);
    const dan = await newCustomer(db, workspaceId);
    expect((await refer(await codeOf(ann), dan)).status).toBe(201);
    const order = await db
      .insertInto('customer_order')
      .values({
        workspace_id: workspaceId,
        customer_id: dan,
        external_id: 'D-1',
        ordered_at: T0,
        currency: 'USD',
        amount_cents: 4000,
        created_at: T0,
        updated_at: T0,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await processLoyalty(db, workspaceId, T0);
    await db
      .insertInto('refund')
      .values({
        workspace_id: workspaceId,
        order_id: order.id,
        customer_id: dan,
        refunded_at: T0 + DAY,
        currency: 'USD',
        amount_cents: 4000,
        created_at: T0 + DAY,
      })
      .execute();
    await processLoyalty(db, workspaceId, T0 + DAY);
    expect((await processLoyalty(db, workspaceId, T0 + 20 * DAY)).referralsRewarded).toBe(0);
    expect(await accountOf(db, workspaceId, ann)).toMatchObject({ balance: 0 });
  });
});
