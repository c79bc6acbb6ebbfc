/**
 * Live membership on both engines: creating a segment computes its members (held to the
 * JavaScript reference) with one `entered` event each; data changes and rule changes write exactly
 * the difference as `entered` / `exited` events; a recompute with no change writes nothing; the
 * range-by-range recompute equals a one-step one; segments of segments are recomputed in order and
 * cycles are refused naming the path; workspaces never see each other's customers or segments.
 */
import { type Kysely, type SqlBool, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DAY, type Population, referenceMembers, seedPopulation } from '../../test/segments/population.js';
import { describeEachDatabase, describeOnDatabase } from '../../test/support/databases.js';
import { type Database, newId } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { diffMembershipRange, listSegmentEvents } from './segment.repository.js';
import {
  createSegment,
  deleteSegment,
  getSegment,
  listSegmentMembers,
  previewSegment,
  updateSegment,
} from './segment.service.js';
import { dependencyOrder, recomputeSegment, recomputeWorkspaceSegments } from './segment-recompute.js';

const NOW = Date.UTC(2025, 5, 15, 12);
const SYSTEM = { type: 'system' } as const;

async function newWorkspace(db: Kysely<Database>): Promise<number> {
  const { workspace } = await createWorkspace(db, { name: 'Segments', slug: `segments-${newId()}` });
  return workspace.id;
}

/** Every member id of a segment, ascending (through the API's pages of 7). */
async function memberIds(db: Kysely<Database>, workspaceId: number, segmentId: number): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await listSegmentMembers(db, workspaceId, segmentId, {
      limit: 7,
      ...(cursor === undefined ? {} : { cursor }),
    });
    ids.push(...page.items.map((item) => item.customerId));
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  return ids;
}

/** What a segment's rows hold: membership with entry instants, events, the segment row. */
async function snapshot(db: Kysely<Database>, workspaceId: number, segmentId: number) {
  return {
    membership: await db
      .selectFrom('segment_membership')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('segment_id', '=', segmentId)
      .orderBy('customer_id')
      .execute(),
    events: await listSegmentEvents(db, workspaceId, { segmentId }),
    segment: await db
      .selectFrom('segment')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', segmentId)
      .executeTakeFirst(),
  };
}

const RULE = {
  all: [
    { field: 'orders_count', op: '>=', value: 1 },
    {
      any: [
        { field: 'country', op: 'in', value: ['FR', 'DE'] },
        { field: 'consent_email_marketing', op: '=', value: true },
      ],
    },
    { field: 'last_order_at', op: 'within_last', value: { days: 300 } },
  ],
};

describeEachDatabase('segment membership', (getDb) => {
  it('computes the members on creation, one entered event each, and counts them', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db);
    const population = await seedPopulation(db, workspaceId, { seed: 11, size: 60, now: NOW });
    const expected = referenceMembers(RULE, population);
    expect(expected.length).toBeGreaterThan(5);
    expect(expected.length).toBeLessThan(55);

    const { segment, recompute } = await createSegment(db, {
      workspaceId,
      name: 'Active buyers',
      rule: RULE,
      createdBy: null,
      actor: SYSTEM,
      now: NOW,
    });
    expect(recompute).toMatchObject({
      entered: expected.length,
      exited: 0,
      members: expected.length,
      status: 'done',
    });
    expect(segment).toMatchObject({
      memberCount: expected.length,
      version: 1,
      computedVersion: 1,
      computedAt: NOW,
    });
    expect(await memberIds(db, workspaceId, segment.id)).toEqual(expected);
    // One step's events come in the order the engine's anti-join produced them: sorted here.
    const events = (await listSegmentEvents(db, workspaceId, { segmentId: segment.id })).sort(
      (left, right) => left.customerId - right.customerId,
    );
    expect(events.map((event) => [event.kind, event.customerId, event.at])).toEqual(
      expected.map((id) => ['entered', id, NOW]),
    );
    const preview = await previewSegment(db, { workspaceId, rule: RULE, sampleSize: 3, now: NOW });
    expect(preview.total).toBe(expected.length);
    expect(preview.sample.map((customer) => customer.customerId)).toEqual(expected.slice(0, 3));
  });

  it('writes exactly the difference after data changes, and nothing when nothing changed', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db);
    const population = await seedPopulation(db, workspaceId, { seed: 12, size: 60, now: NOW });
    const { segment } = await createSegment(db, {
      workspaceId,
      name: 'Active buyers',
      rule: RULE,
      createdBy: null,
      actor: SYSTEM,
      now: NOW,
    });
    const before = referenceMembers(RULE, population);

    // A recompute at the same instant with the same data: no event, no row touched.
    const unchanged = await snapshot(db, workspaceId, segment.id);
    expect(await recomputeSegment(db, { workspaceId, now: NOW }, segment.id)).toMatchObject({
      entered: 0,
      exited: 0,
    });
    expect(await snapshot(db, workspaceId, segment.id)).toEqual(unchanged);

    // Data changes: one member's orders are cancelled, a customer gets one, a member is erased.
    const [leaving, erased] = before;
    const joining = population.customers.find(
      (person) => !person.erased && !before.includes(person.id) && person.consentEmail,
    )!;
    await db
      .updateTable('customer_order')
      .set({ status: 'cancelled' })
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', leaving!)
      .execute();
    await db
      .updateTable('customer')
      .set({ erased_at: NOW })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', erased!)
      .execute();
    await db
      .insertInto('customer_order')
      .values({
        workspace_id: workspaceId,
        customer_id: joining.id,
        ordered_at: NOW - DAY,
        currency: 'EUR',
        amount_cents: 500,
        created_at: NOW,
        updated_at: NOW,
      })
      .execute();
    for (const order of population.orders) if (order.customerId === leaving) order.status = 'cancelled';
    population.customers.find((person) => person.id === erased)!.erased = true;
    population.orders.push({
      id: 0,
      customerId: joining.id,
      orderedAt: NOW - DAY,
      amount: 500,
      status: 'completed',
      lines: [],
    });
    const after = referenceMembers(RULE, population);
    expect(after).toContain(joining.id);

    const later = NOW + 60_000;
    const outcome = await recomputeSegment(db, { workspaceId, now: later }, segment.id);
    expect(outcome).toMatchObject({ entered: 1, exited: 2, members: after.length });
    expect(await memberIds(db, workspaceId, segment.id)).toEqual(after);
    const events = await listSegmentEvents(db, workspaceId, {
      segmentId: segment.id,
      afterId: unchanged.events.at(-1)!.id,
    });
    expect(events.map((event) => [event.kind, event.customerId, event.at]).sort()).toEqual(
      [
        ['entered', joining.id, later],
        ['exited', leaving, later],
        ['exited', erased, later],
      ].sort(),
    );
    // Members who stayed keep the instant they entered.
    const membership = await snapshot(db, workspaceId, segment.id);
    for (const row of membership.membership) {
      expect(row.entered_at).toBe(row.customer_id === joining.id ? later : NOW);
    }
    expect(membership.segment?.member_count).toBe(after.length);
  });

  it('keeps the member count true when a member’s customer row goes (a merge), writing nothing else', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db);
    const population = await seedPopulation(db, workspaceId, { seed: 18, size: 20, now: NOW });
    const { segment } = await createSegment(db, {
      workspaceId,
      name: 'All',
      rule: { all: [] },
      createdBy: null,
      actor: SYSTEM,
      now: NOW,
    });
    const members = referenceMembers({ all: [] }, population);
    expect(segment.memberCount).toBe(members.length);
    // An alias merge deletes the merged-away customer row; its membership goes with it (cascade).
    await db
      .deleteFrom('customer')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', members[0]!)
      .execute();
    const before = await snapshot(db, workspaceId, segment.id);
    expect(before.membership).toHaveLength(members.length - 1);
    expect(await recomputeSegment(db, { workspaceId, now: NOW + 1 }, segment.id)).toMatchObject({
      entered: 0,
      exited: 0,
      members: members.length - 1,
    });
    const after = await snapshot(db, workspaceId, segment.id);
    expect(after.events).toEqual(before.events);
    expect(after.segment).toEqual({ ...before.segment, member_count: members.length - 1 });
  });

  it('recomputes range by range exactly as in one step, and any range size', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db);
    const population = await seedPopulation(db, workspaceId, { seed: 13, size: 50, now: NOW });
    const { segment } = await createSegment(db, {
      workspaceId,
      name: 'One',
      rule: RULE,
      createdBy: null,
      actor: SYSTEM,
      now: NOW,
    });
    const expected = referenceMembers(RULE, population);
    for (const rangeSize of [1, 3, 7, 1000]) {
      await db.deleteFrom('segment_membership').where('workspace_id', '=', workspaceId).execute();
      await db
        .updateTable('segment')
        .set({ member_count: 0 })
        .where('workspace_id', '=', workspaceId)
        .execute();
      const outcome = await recomputeSegment(db, { workspaceId, now: NOW, rangeSize }, segment.id);
      expect(outcome, `range size ${rangeSize}`).toMatchObject({
        entered: expected.length,
        members: expected.length,
      });
      expect(await memberIds(db, workspaceId, segment.id)).toEqual(expected);
    }
  });

  it('a rule change writes the difference, bumps the version, and stops an older recompute', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db);
    const population = await seedPopulation(db, workspaceId, { seed: 14, size: 50, now: NOW });
    const { segment } = await createSegment(db, {
      workspaceId,
      name: 'Buyers',
      rule: RULE,
      createdBy: null,
      actor: SYSTEM,
      now: NOW,
    });
    const newRule = { all: [{ field: 'orders_count', op: '>=', value: 2 }] };
    const before = new Set(referenceMembers(RULE, population));
    const after = new Set(referenceMembers(newRule, population));
    const later = NOW + 1000;
    const { segment: updated, recompute } = await updateSegment(db, {
      workspaceId,
      id: segment.id,
      rule: newRule,
      actor: SYSTEM,
      now: later,
    });
    const entered = [...after].filter((id) => !before.has(id));
    const exited = [...before].filter((id) => !after.has(id));
    expect(recompute).toMatchObject({ entered: entered.length, exited: exited.length, members: after.size });
    expect(updated).toMatchObject({ version: 2, computedVersion: 2, memberCount: after.size });
    const events = (await listSegmentEvents(db, workspaceId, { segmentId: segment.id })).filter(
      (event) => event.at === later,
    );
    expect(
      events
        .filter((event) => event.kind === 'entered')
        .map((event) => event.customerId)
        .sort(),
    ).toEqual(entered.sort());
    expect(
      events
        .filter((event) => event.kind === 'exited')
        .map((event) => event.customerId)
        .sort(),
    ).toEqual(exited.sort());

    // A recompute step compiled from version 1 changes nothing any more.
    const stale = await diffMembershipRange(db, {
      workspaceId,
      segmentId: segment.id,
      version: 1,
      range: { afterId: 0, throughId: null },
      predicate: () => sql<SqlBool>`1 = 1`,
      now: later + 1,
    });
    expect(stale).toEqual({ entered: 0, exited: 0, stale: true });
    expect((await getSegment(db, workspaceId, segment.id)).memberCount).toBe(after.size);
  });

  it('refuses bad names and rules with the path of each problem, and taken names', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db);
    await createSegment(db, {
      workspaceId,
      name: 'Taken',
      rule: { all: [] },
      createdBy: null,
      actor: SYSTEM,
      now: NOW,
    });
    const attempt = (name: string, rule: unknown) =>
      createSegment(db, { workspaceId, name, rule, createdBy: null, actor: SYSTEM, now: NOW }).catch(
        (error: unknown) => error,
      );
    const bad = (await attempt('New', {
      all: [
        { field: 'country', op: '=', value: 'FR' },
        { any: [{ field: 'orders_count', op: 'like', value: 1 }] },
      ],
    })) as RetainError;
    expect(bad).toBeInstanceOf(RetainError);
    expect(bad.code).toBe('invalid_input');
    expect(bad.issues).toEqual([
      expect.objectContaining({ path: ['json', 'rule', 'all', 1, 'any', 0, 'op'], code: 'invalid_operator' }),
    ]);
    expect(bad.issues[0]!.message).toMatch(
      /^rule\.all\[1\]\.any\[0\]\.op: `like` is not an operator of `orders_count`/,
    );
    expect(bad.message).toContain('rule.all[1].any[0].op');
    expect(((await attempt('Taken', { all: [] })) as RetainError).code).toBe('conflict');
    expect(((await attempt('  ', { all: [] })) as RetainError).code).toBe('invalid_input');
    expect(
      await db.selectFrom('segment').select('name').where('workspace_id', '=', workspaceId).execute(),
    ).toEqual([{ name: 'Taken' }]);
  });

  it('segments of segments: recomputed after what they read, cycles refused naming the path', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace(db);
    const population = await seedPopulation(db, workspaceId, { seed: 15, size: 60, now: NOW });
    const base = { all: [{ field: 'orders_count', op: '>=', value: 2 }] };
    const { segment: a } = await createSegment(db, {
      workspaceId,
      name: 'Repeat',
      rule: base,
      createdBy: null,
      actor: SYSTEM,
      now: NOW,
    });
    const derivedRule = {
      all: [
        { field: 'segment', op: 'in', value: [String(a.id)] },
        { field: 'consent_email_marketing', op: '=', value: true },
      ],
    };
    const { segment: b } = await createSegment(db, {
      workspaceId,
      name: 'Repeat, consented',
      rule: derivedRule,
      createdBy: null,
      actor: SYSTEM,
      now: NOW,
    });
    const { segment: c } = await createSegment(db, {
      workspaceId,
      name: 'Not repeat',
      rule: { all: [{ field: 'segment', op: 'not_in', value: a.id }] },
      createdBy: null,
      actor: SYSTEM,
      now: NOW,
    });
    const aMembers = new Set(referenceMembers(base, population));
    const members = (id: number) => (id === a.id ? aMembers : new Set<number>());
    expect(await memberIds(db, workspaceId, b.id)).toEqual(
      referenceMembers(derivedRule, population, members),
    );
    expect(await memberIds(db, workspaceId, c.id)).toEqual(
      population.customers
        .filter((person) => !person.erased && !aMembers.has(person.id))
        .map((person) => person.id),
    );

    // Ordered by dependency whatever the ids: B and C after A.
    const order = dependencyOrder([b, c, a].map((segment) => ({ id: segment.id, rule: segment.rule })));
    expect(order.map((segment) => segment.id)).toEqual([a.id, b.id, c.id]);

    // A changed rule for A flows into B and C through the workspace recompute.
    const newBase = { all: [{ field: 'orders_count', op: '>=', value: 3 }] };
    await updateSegment(db, { workspaceId, id: a.id, rule: newBase, actor: SYSTEM, now: NOW + 1 });
    await recomputeWorkspaceSegments(db, { workspaceId, now: NOW + 2 });
    const newA = new Set(referenceMembers(newBase, population));
    expect(await memberIds(db, workspaceId, b.id)).toEqual(
      referenceMembers(derivedRule, population, (id) => (id === a.id ? newA : new Set())),
    );

    // A → B → A, and A → A: refused, naming the segments on the path; nothing changes.
    const cycle = (await updateSegment(db, {
      workspaceId,
      id: a.id,
      rule: {
        any: [
          { field: 'orders_count', op: '>', value: 5 },
          { field: 'segment', op: 'in', value: [String(c.id), String(b.id)] },
        ],
      },
      actor: SYSTEM,
      now: NOW + 3,
    }).catch((error: unknown) => error)) as RetainError;
    expect(cycle.code).toBe('invalid_input');
    expect(cycle.issues.map((issue) => [issue.path, issue.code])).toEqual([
      [['json', 'rule', 'any', 1, 'value', 0], 'segment_cycle'],
      [['json', 'rule', 'any', 1, 'value', 1], 'segment_cycle'],
    ]);
    expect(cycle.issues[1]!.message).toContain(
      `"Repeat" (${a.id}) → "Repeat, consented" (${b.id}) → "Repeat" (${a.id})`,
    );
    const self = (await updateSegment(db, {
      workspaceId,
      id: a.id,
      rule: { not: { field: 'segment', op: 'in', value: String(a.id) } },
      actor: SYSTEM,
      now: NOW + 3,
    }).catch((error: unknown) => error)) as RetainError;
    expect(self.issues[0]).toMatchObject({
      path: ['json', 'rule', 'not', 'value', 0],
      code: 'segment_cycle',
    });
    expect((await getSegment(db, workspaceId, a.id)).rule).toEqual(newBase);

    // An unknown segment: refused; deleting a segment others read: refused, naming them.
    const unknown = (await createSegment(db, {
      workspaceId,
      name: 'Ghost',
      rule: { all: [{ field: 'segment', op: 'in', value: ['999999999'] }] },
      createdBy: null,
      actor: SYSTEM,
      now: NOW,
    }).catch((error: unknown) => error)) as RetainError;
    expect(unknown.issues[0]).toMatchObject({
      path: ['json', 'rule', 'all', 0, 'value', 0],
      code: 'unknown_segment',
    });
    const used = (await deleteSegment(db, { workspaceId, id: a.id, actor: SYSTEM, now: NOW }).catch(
      (error: unknown) => error,
    )) as RetainError;
    expect(used.code).toBe('conflict');
    expect(used.message).toContain('"Repeat, consented"');
    await deleteSegment(db, { workspaceId, id: b.id, actor: SYSTEM, now: NOW });
    await deleteSegment(db, { workspaceId, id: c.id, actor: SYSTEM, now: NOW });
    await deleteSegment(db, { workspaceId, id: a.id, actor: SYSTEM, now: NOW });
    expect(
      await db.selectFrom('segment_event').select('id').where('workspace_id', '=', workspaceId).execute(),
    ).toEqual([]);
  });

  it('keeps workspaces apart: customers, segments and references', async () => {
    const { db } = getDb();
    const [first, second] = [await newWorkspace(db), await newWorkspace(db)];
    const one = await seedPopulation(db, first, { seed: 16, size: 30, now: NOW });
    const two = await seedPopulation(db, second, { seed: 16, size: 30, now: NOW });
    const everyone = { all: [] };
    const { segment } = await createSegment(db, {
      workspaceId: first,
      name: 'All',
      rule: everyone,
      createdBy: null,
      actor: SYSTEM,
      now: NOW,
    });
    expect(await memberIds(db, first, segment.id)).toEqual(referenceMembers(everyone, one));
    expect(referenceMembers(everyone, two).some((id) => referenceMembers(everyone, one).includes(id))).toBe(
      false,
    );
    expect(
      ((await getSegment(db, second, segment.id).catch((error: unknown) => error)) as RetainError).code,
    ).toBe('not_found');
    expect(
      ((await listSegmentMembers(db, second, segment.id, {}).catch((error: unknown) => error)) as RetainError)
        .code,
    ).toBe('not_found');
    const borrowed = (await previewSegment(db, {
      workspaceId: second,
      rule: { all: [{ field: 'segment', op: 'in', value: String(segment.id) }] },
      now: NOW,
    }).catch((error: unknown) => error)) as RetainError;
    expect(borrowed.issues[0]?.code).toBe('unknown_segment');
    expect(await recomputeSegment(db, { workspaceId: second, now: NOW }, segment.id)).toBeUndefined();
    expect((await previewSegment(db, { workspaceId: second, rule: everyone, now: NOW })).total).toBe(
      referenceMembers(everyone, two).length,
    );
  });
});

describeOnDatabase('postgres', 'concurrent recomputes of one segment', (getDb) => {
  it('take turns: no customer gets two entered events', async () => {
    const { db, open } = getDb();
    const workspaceId = await newWorkspace(db);
    const population: Population = await seedPopulation(db, workspaceId, { seed: 17, size: 40, now: NOW });
    const { segment } = await createSegment(db, {
      workspaceId,
      name: 'Race',
      rule: { all: [] },
      createdBy: null,
      actor: SYSTEM,
      now: NOW,
    });
    await db.deleteFrom('segment_membership').where('workspace_id', '=', workspaceId).execute();
    await db.deleteFrom('segment_event').where('workspace_id', '=', workspaceId).execute();
    await db
      .updateTable('segment')
      .set({ member_count: 0 })
      .where('workspace_id', '=', workspaceId)
      .execute();
    const others = [open().db, open().db, open().db];
    await Promise.all(
      others.map((other) => recomputeSegment(other, { workspaceId, now: NOW + 1, rangeSize: 5 }, segment.id)),
    );
    const events = await listSegmentEvents(db, workspaceId, { segmentId: segment.id });
    const expected = referenceMembers({ all: [] }, population);
    expect(events.map((event) => event.customerId).sort((left, right) => left - right)).toEqual(expected);
    expect((await getSegment(db, workspaceId, segment.id)).memberCount).toBe(expected.length);
  });
});

describe('dependency order', () => {
  it('puts a segment after those it refers to, ties by id, cycles last', () => {
    const ref = (...ids: number[]) => ({
      all: ids.map((id) => ({ field: 'segment', op: 'in', value: String(id) })),
    });
    const order = dependencyOrder([
      { id: 1, rule: ref(3) },
      { id: 2, rule: ref() },
      { id: 3, rule: ref(2) },
      { id: 4, rule: ref(5) },
      { id: 5, rule: ref(4) },
    ]);
    expect(order.map((segment) => segment.id)).toEqual([2, 3, 1, 4, 5]);
  });
});
