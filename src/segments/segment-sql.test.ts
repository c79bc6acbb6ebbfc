/**
 * The compiled rules against an independent computation: every field family, nested groups,
 * windows and random rule trees, run as SQL on both engines and held to `referenceMembers` — the
 * rule language evaluated in JavaScript over the rows the test wrote (test/segments/population.ts).
 */
import { expect, it } from 'vitest';
import {
  CATEGORIES,
  COUNTRIES,
  DAY,
  EVENTS,
  LANGUAGES,
  PLANS,
  type Population,
  PRODUCT_NAMES,
  PRODUCTS,
  referenceMembers,
  seedPopulation,
  seedScores,
} from '../../test/segments/population.js';
import { describeEachDatabase, type TestDatabase } from '../../test/support/databases.js';
import { seededRandom } from '../core/index.js';
import { newId } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { parseSegmentRule } from './segment-rule.js';
import { type CustomerExpressionBuilder, rulePredicate } from './segment-sql.js';

const NOW = Date.UTC(2025, 5, 15, 12);

/** The ids the compiled rule selects, ascending. */
async function sqlMembers(database: TestDatabase, population: Population, rule: unknown): Promise<number[]> {
  const parsed = parseSegmentRule(rule);
  if (!parsed.ok) throw new Error(`rule does not validate: ${JSON.stringify(parsed.issues)}`);
  const context = { dialect: database.dialect, now: population.now, timeZone: population.timeZone };
  const rows = await database.db
    .selectFrom('customer as c')
    .select('c.id')
    .where('c.workspace_id', '=', population.workspaceId)
    .where('c.erased_at', 'is', null)
    .where((eb) => rulePredicate(eb as unknown as CustomerExpressionBuilder, parsed.rule, context))
    .orderBy('c.id')
    .execute();
  return rows.map((row) => row.id);
}

const iso = (instant: number) => new Date(instant).toISOString();

/** Hand-written rules, by family; each is checked against the reference. */
const FAMILY_RULES: Record<string, unknown[]> = {
  profile: [
    { field: 'country', op: '=', value: 'fr' },
    { field: 'country', op: '!=', value: 'FR' },
    { field: 'country', op: 'in', value: ['FR', 'de'] },
    { field: 'country', op: 'not_in', value: ['FR', 'DE'] },
    { field: 'country', op: 'is_set' },
    { field: 'country', op: 'is_not_set' },
    { field: 'language', op: 'starts_with', value: 'fr' },
    { field: 'language', op: 'ends_with', value: '-US' },
    { field: 'language', op: 'contains', value: 'r-' },
    { field: 'email', op: 'is_set' },
    { field: 'email', op: 'ends_with', value: '@shop.fr' },
    { field: 'email', op: 'contains', value: 'son1' },
    { field: 'time_zone', op: '=', value: 'Europe/Paris' },
    { field: 'consent_email_marketing', op: '=', value: true },
    { field: 'consent_email_marketing', op: '!=', value: true },
    { field: 'consent_sms_marketing', op: '=', value: false },
    { field: 'signed_up_at', op: 'within_last', value: { days: 180 } },
    { field: 'signed_up_at', op: 'more_than_ago', value: { weeks: 52 } },
    { field: 'signed_up_at', op: 'before', value: '2024-06-01' },
    { field: 'signed_up_at', op: 'after', value: iso(NOW - 300 * DAY) },
    { field: 'signed_up_at', op: 'between', value: ['2024-01-01', '2025-01-01'] },
    { field: 'signed_up_at', op: 'is_not_set' },
    { field: 'created_at', op: 'within_last', value: { hours: 24 * 90 } },
  ],
  attributes: [
    { field: 'attributes.plan', op: '=', value: 'pro' },
    { field: 'attributes.plan', op: '!=', value: 'pro' },
    { field: 'attributes.plan', op: 'in', value: ['pro', 'Pro'] },
    { field: 'attributes.plan', op: 'starts_with', value: 'P' },
    { field: 'attributes.plan', op: 'is_set' },
    { field: 'attributes.plan_note', op: 'is_set' },
    { field: 'attributes.plan_note', op: 'is_not_set' },
    { field: 'attributes.score', op: '>', value: 50 },
    { field: 'attributes.score', op: '<=', value: 42.5 },
    { field: 'attributes.score', op: 'between', value: [10, 60.5] },
    { field: 'attributes.score', op: 'in', value: [12, 42, 77] },
    { field: 'attributes.score', op: '=', value: 42 },
    { field: 'attributes.score_text', op: '=', value: '42' },
    { field: 'attributes.score_text', op: '=', value: 42 },
    { field: 'attributes.vip', op: '=', value: true },
    { field: 'attributes.vip', op: '!=', value: true },
    { field: 'attributes.vip', op: '=', value: false },
    { field: 'attributes.Default Address City', op: '=', value: 'Paris' },
    { field: 'attributes.missing', op: 'is_not_set' },
  ],
  purchases: [
    { field: 'orders_count', op: '=', value: 0 },
    { field: 'orders_count', op: '>=', value: 2 },
    { field: 'orders_count', op: 'between', value: [1, 3] },
    { field: 'orders_count', op: '>=', value: 1, window: { last: { days: 90 } } },
    { field: 'orders_count', op: '!=', value: 1, window: { from: '2025-01-01', to: '2025-04-01' } },
    { field: 'total_spent_cents', op: '>', value: 20_000 },
    { field: 'total_spent_cents', op: '<', value: 5_000, window: { last: { days: 180 } } },
    { field: 'average_order_value_cents', op: '>', value: 9_000 },
    { field: 'average_order_value_cents', op: 'is_not_set' },
    { field: 'average_order_value_cents', op: '<=', value: 7_000.5, window: { from: '2024-10-01' } },
    { field: 'first_order_at', op: 'before', value: '2024-09-01' },
    { field: 'last_order_at', op: 'more_than_ago', value: { days: 90 } },
    { field: 'last_order_at', op: 'within_last', value: { days: 30 } },
    { field: 'last_order_at', op: 'is_not_set' },
    { field: 'bought_product', op: '=', value: 'P1' },
    { field: 'bought_product', op: '!=', value: 'P1' },
    { field: 'bought_product', op: 'in', value: ['P2', 'P3'], window: { last: { days: 120 } } },
    { field: 'bought_product', op: 'not_in', value: ['P2', 'P3'] },
    { field: 'bought_product_name', op: 'contains', value: 'Shoe' },
    { field: 'bought_product_name', op: 'contains', value: '%' },
    { field: 'bought_product_name', op: 'ends_with', value: '_coupon\\' },
    { field: 'bought_category', op: '=', value: 'shoes' },
    { field: 'bought_category', op: 'starts_with', value: 'S' },
  ],
  engagement: [
    { field: 'event', op: 'done', value: 'Opened Email' },
    { field: 'event', op: 'not_done', value: 'Opened Email', window: { last: { days: 30 } } },
    { field: 'event', op: 'done', value: 'Clicked Email', window: { to: iso(NOW - 60 * DAY) } },
    { field: 'event_count', event: 'Viewed Product', op: '>=', value: 2 },
    { field: 'event_count', event: 'Viewed Product', op: '=', value: 0, window: { last: { days: 45 } } },
    { field: 'last_event_at', op: 'within_last', value: { days: 14 } },
    { field: 'last_event_at', op: 'is_not_set' },
  ],
  predictions: [
    { field: 'at_risk_score', op: '>=', value: 70 },
    { field: 'at_risk_score', op: 'between', value: [20, 40.5] },
    { field: 'at_risk_score', op: 'is_not_set' },
    { field: 'p_alive', op: '<', value: 0.3 },
    { field: 'p_alive', op: '!=', value: 0.5 },
    { field: 'predicted_clv_cents', op: '>', value: 20_000 },
    { field: 'predicted_clv_cents', op: 'is_set' },
    { field: 'rfm_segment', op: '=', value: 'At risk' },
    { field: 'rfm_segment', op: 'in', value: ['Champions', "Can't lose them"] },
    { field: 'rfm_segment', op: 'not_in', value: ['Hibernating'] },
    {
      all: [
        { field: 'at_risk_score', op: '>=', value: 50 },
        { field: 'predicted_clv_cents', op: '>', value: 10_000 },
        { field: 'consent_email_marketing', op: '=', value: true },
      ],
    },
  ],
  subscription: [
    { field: 'subscription_status', op: '=', value: 'active' },
    { field: 'subscription_status', op: '=', value: 'cancelled' },
    { field: 'subscription_status', op: '=', value: 'none' },
    { field: 'subscription_status', op: 'in', value: ['cancelled', 'none'] },
    { field: 'subscription_status', op: '!=', value: 'active' },
  ],
  groups: [
    { all: [] },
    { any: [] },
    { not: { field: 'country', op: '=', value: 'FR' } },
    {
      all: [
        { field: 'consent_email_marketing', op: '=', value: true },
        { any: [{ field: 'orders_count', op: '>=', value: 3 }, { not: { field: 'email', op: 'is_set' } }] },
        {
          not: {
            any: [
              { field: 'country', op: 'in', value: ['US'] },
              { field: 'attributes.vip', op: '=', value: true },
            ],
          },
        },
      ],
    },
  ],
};

describeEachDatabase('segment rules compiled to SQL', (getDb) => {
  let population: Population;
  const seeded = async () => {
    if (population !== undefined) return population;
    const { db } = getDb();
    const { workspace } = await createWorkspace(db, { name: 'Rules', slug: `rules-${newId()}` });
    population = await seedPopulation(db, workspace.id, { seed: 7, size: 90, now: NOW });
    await seedScores(db, population, 8);
    return population;
  };

  for (const [family, rules] of Object.entries(FAMILY_RULES)) {
    it(`matches the reference for every ${family} rule`, async () => {
      const data = await seeded();
      const mismatches: string[] = [];
      for (const condition of rules) {
        const rule = 'field' in (condition as object) ? { all: [condition] } : condition;
        const expected = referenceMembers(rule, data);
        const actual = await sqlMembers(getDb(), data, rule);
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          mismatches.push(
            `${JSON.stringify(rule)}: SQL ${actual.length} ${JSON.stringify(actual)} ≠ reference ${expected.length} ${JSON.stringify(expected)}`,
          );
        }
      }
      expect(mismatches).toEqual([]);
    });
  }

  it('the reference is not trivial: every family rule splits the population somewhere', async () => {
    const data = await seeded();
    const living = data.customers.filter((person) => !person.erased).length;
    const conditions = Object.values(FAMILY_RULES)
      .flat()
      .filter((rule) => 'field' in (rule as object));
    const trivial = conditions.filter((condition) => {
      const size = referenceMembers({ all: [condition] }, data).length;
      return size === 0 || size === living;
    });
    // A handful may legitimately be all-or-nothing on 90 customers; most must split.
    expect(trivial.length).toBeLessThan(conditions.length / 10);
  });

  it('matches the reference for 150 random rule trees (nested all / any / not, windows)', async () => {
    const data = await seeded();
    const random = seededRandom(2025);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
    const leaves: (() => unknown)[] = [
      () => ({
        field: 'country',
        op: pick(['=', '!=', 'is_set']),
        ...(random() < 0.9 ? {} : {}),
        value: pick(COUNTRIES.filter(Boolean)),
      }),
      () => ({
        field: 'language',
        op: pick(['starts_with', 'in']),
        value: random() < 0.5 ? 'fr' : pick(LANGUAGES.filter(Boolean)),
      }),
      () => ({
        field: 'orders_count',
        op: pick(['>=', '<', '=']),
        value: Math.floor(random() * 4),
        ...(random() < 0.5 ? { window: { last: { days: 30 + Math.floor(random() * 300) } } } : {}),
      }),
      () => ({ field: 'total_spent_cents', op: pick(['>', '<=']), value: Math.floor(random() * 40_000) }),
      () => ({ field: 'bought_product', op: pick(['=', '!=']), value: pick(PRODUCTS.filter(Boolean)) }),
      () => ({
        field: 'bought_category',
        op: pick(['=', 'contains']),
        value: pick(CATEGORIES.filter(Boolean)),
      }),
      () => ({
        field: 'bought_product_name',
        op: 'starts_with',
        value: (pick(PRODUCT_NAMES.filter(Boolean)) as string).slice(0, 3),
      }),
      () => ({
        field: 'event',
        op: pick(['done', 'not_done']),
        value: pick(EVENTS),
        ...(random() < 0.5 ? { window: { last: { days: 10 + Math.floor(random() * 100) } } } : {}),
      }),
      () => ({
        field: 'last_order_at',
        op: pick(['within_last', 'more_than_ago']),
        value: { days: 10 + Math.floor(random() * 300) },
      }),
      () => ({ field: 'attributes.plan', op: pick(['=', '!=']), value: pick(PLANS) }),
      () => ({ field: 'attributes.score', op: pick(['>', '<']), value: Math.floor(random() * 100) }),
      () => ({
        field: 'subscription_status',
        op: pick(['=', '!=']),
        value: pick(['active', 'cancelled', 'none']),
      }),
      () => ({ field: 'consent_email_marketing', op: '=', value: random() < 0.5 }),
    ];
    const tree = (depth: number): unknown => {
      if (depth >= 3 || random() < 0.35) {
        const leaf = pick(leaves)() as { op: string; value?: unknown };
        if (leaf.op === 'is_set') delete leaf.value;
        if (leaf.op === 'in') leaf.value = [leaf.value];
        return leaf;
      }
      const kind = pick(['all', 'any', 'not'] as const);
      if (kind === 'not') return { not: tree(depth + 1) };
      return { [kind]: Array.from({ length: 1 + Math.floor(random() * 3) }, () => tree(depth + 1)) };
    };
    const mismatches: string[] = [];
    for (let index = 0; index < 150; index++) {
      const rule = tree(0);
      const expected = referenceMembers(rule, data);
      const actual = await sqlMembers(getDb(), data, rule);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push(JSON.stringify(rule));
    }
    expect(mismatches).toEqual([]);
  });

  it('reads a calendar date as midnight in the workspace time zone', async () => {
    const { db } = getDb();
    const { workspace } = await createWorkspace(db, {
      name: 'Paris',
      slug: `paris-${newId()}`,
      settings: { timeZone: 'Europe/Paris' },
    });
    // 2024-03-01 in Paris (UTC+1 in winter) begins at 2024-02-29T23:00:00Z.
    const midnight = Date.UTC(2024, 1, 29, 23);
    const ids: number[] = [];
    for (const signedUpAt of [midnight - 1, midnight, midnight + 1]) {
      const row = await db
        .insertInto('customer')
        .values({ workspace_id: workspace.id, signed_up_at: signedUpAt, created_at: NOW, updated_at: NOW })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.push(row.id);
    }
    const paris = { workspaceId: workspace.id, now: NOW, timeZone: 'Europe/Paris' } as Population;
    expect(
      await sqlMembers(getDb(), paris, {
        all: [{ field: 'signed_up_at', op: 'before', value: '2024-03-01' }],
      }),
    ).toEqual([ids[0]]);
    expect(
      await sqlMembers(getDb(), paris, {
        all: [{ field: 'signed_up_at', op: 'after', value: '2024-03-01' }],
      }),
    ).toEqual([ids[1], ids[2]]);
  });
});
