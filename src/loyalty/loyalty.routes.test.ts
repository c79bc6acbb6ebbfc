/**
 * The loyalty API's contract (issue 13): redeem → 201, or 409 when the balance does not cover it;
 * adjust; the customer's `{ balance, pending, tier, … }`; idempotent retries answered as the first
 * request was; 200 concurrent redemptions against a balance covering 10 → exactly 10 succeed, the
 * rest 409, balance exactly 0 — on SQLite and PostgreSQL, through the real app.
 */
import { describe, expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { expectLedgerConsistent, newCustomer } from '../../test/loyalty/ledger.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import type { Role } from '../auth/index.js';
import { newId } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';

const NOW = Date.UTC(2026, 0, 15, 12);

describeEachDatabase('the loyalty API', (getDb) => {
  async function setUp() {
    const api = await apiWorkspace(getDb(), NOW);
    const customerId = await newCustomer(getDb().db, api.workspaceId);
    const post = async (
      path: string,
      body: unknown,
      role: Role = 'marketer',
      // biome-ignore lint/suspicious/noExplicitAny: test bodies are asserted shape by shape.
    ): Promise<{ status: number; body: any; replayed: string | null }> => {
      const response = await api.app.request(path, {
        method: 'POST',
        headers: { Authorization: `Bearer ${api.keys[role]}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      return {
        status: response.status,
        body: await response.json(),
        replayed: response.headers.get('Idempotent-Replayed'),
      };
    };
    const base = `/api/v1/loyalty/customers/${customerId}`;
    return { api, customerId, post, base };
  }

  it('adjusts, redeems, answers 409 for a balance that does not cover it, and shows the position', async () => {
    const { api, customerId, post, base } = await setUp();
    const added = await post(`${base}/adjust`, { points: 300, reason: 'Welcome', idempotencyKey: 'a1' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      balance: 300,
      pending: 0,
      entry: { kind: 'adjust', points: 300, reason: 'Welcome' },
    });

    const redeemed = await post(`${base}/redeem`, { points: 120, idempotencyKey: 'r1' });
    expect(redeemed.status).toBe(201);
    expect(redeemed.body).toMatchObject({
      balance: 180,
      entry: { kind: 'redeem', points: -120, source: 'api' },
    });

    const refused = await post(`${base}/redeem`, { points: 181, idempotencyKey: 'r2' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('conflict');
    expect(refused.body.error.message).toContain('does not cover 181 points');
    expect(refused.body.error.issues[0].path).toEqual(['json', 'points']);

    const takenTooMuch = await post(`${base}/adjust`, {
      points: -500,
      reason: 'Fraud',
      idempotencyKey: 'a2',
    });
    expect(takenTooMuch.status).toBe(409);

    const position = await api.request(base);
    expect(position.status).toBe(200);
    expect(position.body).toMatchObject({
      customerId: String(customerId),
      balance: 180,
      pending: 0,
      tier: null,
      balanceValue: '1.80',
      currency: 'USD',
    });
    const history = await api.request(`${base}/entries?limit=1`);
    expect(history.body.items).toHaveLength(1);
    expect(history.body.items[0]).toMatchObject({ kind: 'redeem', points: -120 });
    const rest = await api.request(`${base}/entries?cursor=${history.body.nextCursor}`);
    expect(rest.body.items.map((item: { kind: string }) => item.kind)).toEqual(['adjust']);
    expect(rest.body.nextCursor).toBeNull();
    await expectLedgerConsistent(getDb().db, api.workspaceId, customerId);
  });

  it('answers a retried request exactly as the first, changing nothing; a key reused for another request is refused', async () => {
    const { api, customerId, post, base } = await setUp();
    await post(`${base}/adjust`, { points: 100, reason: 'Start', idempotencyKey: 'seed' });
    const first = await post(`${base}/redeem`, { points: 60, idempotencyKey: 'same' });
    const again = await post(`${base}/redeem`, { points: 60, idempotencyKey: 'same' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.replayed).toBe('true');
    expect(first.replayed).toBeNull();

    // A refusal is answered the same way on retry, even once the balance would cover it.
    const refused = await post(`${base}/redeem`, { points: 50, idempotencyKey: 'too-much' });
    expect(refused.status).toBe(409);
    await post(`${base}/adjust`, { points: 100, reason: 'Top up', idempotencyKey: 'top-up' });
    const refusedAgain = await post(`${base}/redeem`, { points: 50, idempotencyKey: 'too-much' });
    expect(refusedAgain.status).toBe(409);
    expect(refusedAgain.body).toEqual(refused.body);

    const reused = await post(`${base}/redeem`, { points: 61, idempotencyKey: 'same' });
    expect(reused.status).toBe(409);
    expect(reused.body.error.issues[0].path).toEqual(['json', 'idempotencyKey']);
    const { balance } = await expectLedgerConsistent(getDb().db, api.workspaceId, customerId);
    expect(balance).toBe(140);
  });

  it('validates bodies naming the field, refuses analysts, and hides other workspaces’ customers', async () => {
    const { api, customerId, post, base } = await setUp();
    const bad = await post(`${base}/redeem`, { points: 0, idempotencyKey: '' });
    expect(bad.status).toBe(400);
    expect(
      [...new Set(bad.body.error.issues.map((issue: { path: unknown[] }) => issue.path.join('.')))].sort(),
    ).toEqual(['json.idempotencyKey', 'json.points']);
    expect((await post(`${base}/redeem`, { points: 1, idempotencyKey: 'k' }, 'analyst')).status).toBe(403);
    const other = await createWorkspace(getDb().db, { name: 'Other', slug: `other-${newId()}` });
    const stranger = await newCustomer(getDb().db, other.workspace.id);
    expect((await api.request(`/api/v1/loyalty/customers/${stranger}`)).status).toBe(404);
    expect(
      (
        await post(`/api/v1/loyalty/customers/${stranger}/adjust`, {
          points: 5,
          reason: 'x',
          idempotencyKey: 'x',
        })
      ).status,
    ).toBe(404);
    expect((await api.request(`${base}x`)).status).toBe(404);
    await expectLedgerConsistent(getDb().db, api.workspaceId, customerId);
  });

  it('200 concurrent redemptions against a balance that covers 10: exactly 10 succeed, 190 get 409, balance 0', async () => {
    const { api, customerId, post, base } = await setUp();
    await post(`${base}/adjust`, { points: 10 * 37, reason: 'Seed', idempotencyKey: 'seed' });
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        post(`${base}/redeem`, { points: 37, idempotencyKey: `c-${index}` }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(10);
    expect(statuses.filter((status) => status === 409)).toHaveLength(190);
    const { balance } = await expectLedgerConsistent(getDb().db, api.workspaceId, customerId);
    expect(balance).toBe(0);
    const redeemed = await getDb()
      .db.selectFrom('loyalty_entry')
      .select('id')
      .where('workspace_id', '=', api.workspaceId)
      .where('kind', '=', 'redeem')
      .execute();
    expect(redeemed).toHaveLength(10);
  });

  it('the same key sent 20 times at once redeems once and answers all 20 alike', async () => {
    const { api, customerId, post, base } = await setUp();
    await post(`${base}/adjust`, { points: 1000, reason: 'Seed', idempotencyKey: 'seed' });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => post(`${base}/redeem`, { points: 10, idempotencyKey: 'one-key' })),
    );
    expect(new Set(answers.map((answer) => answer.status))).toEqual(new Set([201]));
    expect(new Set(answers.map((answer) => JSON.stringify(answer.body))).size).toBe(1);
    const { balance } = await expectLedgerConsistent(getDb().db, api.workspaceId, customerId);
    expect(balance).toBe(990);
  });

  it('100 concurrent earns of 50 orders (each sent twice) earn each order once', async () => {
    const { api, customerId, post, base } = await setUp();
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        post(`${base}/earn`, { orderId: `G-${index % 50}`, amount: `${1 + (index % 50)}.00` }),
      ),
    );
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(50);
    expect(answers.filter((answer) => answer.status === 200 && answer.body.entry === null)).toHaveLength(50);
    // 1 + 2 + … + 50 points (1 point per unit), all pending.
    const { pending } = await expectLedgerConsistent(getDb().db, api.workspaceId, customerId);
    expect(pending).toBe((50 * 51) / 2);
  });

  it('earns an order once, pending through the returns window', async () => {
    const { api, customerId, post, base } = await setUp();
    const earned = await post(`${base}/earn`, { orderId: 'A-1', amount: '123.45' });
    expect(earned.status).toBe(201);
    // Default rules: 1 point per unit, 30-day returns window → ⌊123.45⌋ = 123 points pending.
    expect(earned.body).toMatchObject({
      balance: 0,
      pending: 123,
      entry: { kind: 'earn', points: 123, pending: true },
    });
    const again = await post(`${base}/earn`, { orderId: 'A-1', amount: '123.45' });
    expect(again.status).toBe(200);
    expect(again.body.entry).toBeNull();
    const bad = await post(`${base}/earn`, { orderId: 'A-2', amount: '1.234' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toEqual(['json', 'amount']);
    await expectLedgerConsistent(getDb().db, api.workspaceId, customerId);
  });
});

describe('the loyalty API without a store', () => {
  it('is mounted', () => {
    expect(typeof apiWorkspace).toBe('function');
  });
});
