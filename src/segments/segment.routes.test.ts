/**
 * `/api/v1/segments` through the real app (`app.request()`, real API keys per role) on both
 * engines: the contract (create → 201 `{ id, … }`, get, members pages with cursors, preview, list,
 * update, delete, fields), roles (agents refused; analysts pseudonymous), the 400 that names the
 * JSON path of a bad condition, limits, the streamed CSV, and injection strings in every operand
 * matching literally.
 */
import { type Kysely, sql } from 'kysely';
import { expect, it } from 'vitest';
import { type ApiWorkspace, apiWorkspace } from '../../test/customers/api.js';
import { referenceMembers, seedPopulation } from '../../test/segments/population.js';
import { describeEachDatabase, describeOnDatabase } from '../../test/support/databases.js';
import type { Role } from '../auth/roles.js';
import { type Database, toJson } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { previewSegment } from './segment.service.js';
import { csvCell, membersCsvStream } from './segment-export.js';

const NOW = Date.UTC(2025, 5, 15, 12);

/** Calls the app as `role` with a JSON body; parses JSON answers. */
async function call(
  api: ApiWorkspace,
  method: string,
  path: string,
  options: { readonly role?: Role; readonly body?: unknown } = {},
  // biome-ignore lint/suspicious/noExplicitAny: answers are asserted shape by shape.
): Promise<{ status: number; body: any; text: string; headers: Headers }> {
  const response = await api.app.request(path, {
    method,
    headers: {
      Authorization: `Bearer ${api.keys[options.role ?? 'marketer']}`,
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: response.status, body, text, headers: response.headers };
}

const RULE = {
  all: [
    { field: 'orders_count', op: '>=', value: 1 },
    { field: 'email', op: 'is_set' },
  ],
};

describeEachDatabase('the segments API', (getDb) => {
  it('creates, reads, pages members, previews, lists, updates and deletes (the contract)', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const population = await seedPopulation(db, api.workspaceId, { seed: 21, size: 40, now: NOW });
    const expected = referenceMembers(RULE, population);

    const created = await call(api, 'POST', '/api/v1/segments', {
      body: { name: 'Buyers with e-mail', rule: RULE },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^[1-9][0-9]*$/),
      name: 'Buyers with e-mail',
      rule: RULE,
      memberCount: expected.length,
      status: 'ready',
      computedAt: new Date(NOW).toISOString(),
      recompute: { entered: expected.length, exited: 0 },
    });
    const id = created.body.id as string;

    const fetched = await call(api, 'GET', `/api/v1/segments/${id}`, { role: 'analyst' });
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({ id, memberCount: expected.length, rule: RULE });
    expect(fetched.body.recompute).toBeUndefined();

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '?limit=3' : `?limit=3&cursor=${cursor}`;
      const page = await call(api, 'GET', `/api/v1/segments/${id}/members${query}`);
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(expected.length);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      for (const item of page.body.items) {
        expect(item).toEqual({
          customerId: expect.any(String),
          externalId: expect.any(String),
          email: expect.any(String),
          name: null,
          country: item.country,
          enteredAt: new Date(NOW).toISOString(),
        });
      }
      seen.push(...page.body.items.map((item: { customerId: string }) => item.customerId));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(expected.map(String));

    const preview = await call(api, 'POST', '/api/v1/segments/preview', { body: { rule: RULE } });
    expect(preview.status).toBe(200);
    expect(preview.body.total).toBe(expected.length);
    expect(preview.body.sample.map((customer: { customerId: string }) => customer.customerId)).toEqual(
      expected.slice(0, 10).map(String),
    );
    const small = await call(api, 'POST', '/api/v1/segments/preview', {
      body: { rule: RULE, sampleSize: 2 },
    });
    expect(small.body.sample).toHaveLength(2);

    const list = await call(api, 'GET', '/api/v1/segments', { role: 'analyst' });
    expect(list.body.items.map((segment: { id: string }) => segment.id)).toEqual([id]);

    const narrower = { all: [...RULE.all, { field: 'orders_count', op: '>=', value: 3 }] };
    const updated = await call(api, 'PATCH', `/api/v1/segments/${id}`, {
      body: { name: 'Repeat buyers', rule: narrower },
    });
    expect(updated.status).toBe(200);
    const narrowed = referenceMembers(narrower, population);
    expect(updated.body).toMatchObject({
      name: 'Repeat buyers',
      memberCount: narrowed.length,
      recompute: { entered: 0, exited: expected.length - narrowed.length },
    });
    expect((await call(api, 'PATCH', `/api/v1/segments/${id}`, { body: {} })).body.name).toBe(
      'Repeat buyers',
    );

    const fields = await call(api, 'GET', '/api/v1/segments/fields');
    expect(fields.body.fields.map((field: { name: string }) => field.name)).toContain('last_order_at');
    expect(fields.body.fields.find((field: { name: string }) => field.name === 'orders_count')).toMatchObject(
      {
        family: 'purchases',
        window: true,
        operators: ['=', '!=', '<', '<=', '>', '>=', 'between'],
      },
    );
    // The units and patterns an editor shows values in (amounts in currency units, P(alive) in %).
    const byName = new Map(
      fields.body.fields.map((field: { name: string }) => [field.name, field] as const),
    ) as Map<string, { unit?: string; pattern?: string; minimum?: number; maximum?: number }>;
    expect(byName.get('predicted_clv_cents')?.unit).toBe('cents');
    expect(byName.get('total_spent_cents')?.unit).toBe('cents');
    expect(byName.get('p_alive')).toMatchObject({ unit: 'probability', minimum: 0, maximum: 1 });
    expect(byName.get('at_risk_score')?.unit).toBeUndefined();
    expect(new RegExp(byName.get('country')!.pattern!).test('FR')).toBe(true);
    expect(new RegExp(byName.get('country')!.pattern!).test('FRA')).toBe(false);

    expect((await call(api, 'DELETE', `/api/v1/segments/${id}`)).status).toBe(204);
    expect((await call(api, 'GET', `/api/v1/segments/${id}`)).status).toBe(404);
    expect((await call(api, 'GET', `/api/v1/segments/${id}/members`)).status).toBe(404);
    const audit = await db
      .selectFrom('audit_log')
      .select('action')
      .where('workspace_id', '=', api.workspaceId)
      .where('entity', '=', 'segment')
      .orderBy('id')
      .execute();
    // The empty PATCH changed nothing, so it recorded nothing.
    expect(audit.map((entry) => entry.action)).toEqual([
      'segment.created',
      'segment.updated',
      'segment.deleted',
    ]);
  });

  it('lets owners, admins, marketers and analysts in, not agents; analysts get no e-mail or name', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    await seedPopulation(db, api.workspaceId, { seed: 22, size: 10, now: NOW });
    const id = (
      await call(api, 'POST', '/api/v1/segments', { body: { name: 'Everyone', rule: { all: [] } } })
    ).body.id;
    for (const [method, path, body] of [
      ['GET', '/api/v1/segments', undefined],
      ['GET', '/api/v1/segments/fields', undefined],
      ['GET', `/api/v1/segments/${id}`, undefined],
      ['GET', `/api/v1/segments/${id}/members`, undefined],
      ['GET', `/api/v1/segments/${id}/members.csv`, undefined],
      ['POST', '/api/v1/segments/preview', { rule: { all: [] } }],
      ['POST', '/api/v1/segments', { name: 'Agent’s', rule: { all: [] } }],
      ['PATCH', `/api/v1/segments/${id}`, { name: 'Renamed' }],
      ['DELETE', `/api/v1/segments/${id}`, undefined],
    ] as const) {
      expect((await call(api, method, path, { role: 'agent', body })).status, `${method} ${path}`).toBe(403);
    }
    for (const role of ['owner', 'admin', 'marketer', 'analyst'] as const) {
      const members = await call(api, 'GET', `/api/v1/segments/${id}/members?limit=1`, { role });
      expect(members.status).toBe(200);
      const personal = role !== 'analyst';
      expect('email' in members.body.items[0], role).toBe(personal);
      expect('name' in members.body.items[0], role).toBe(personal);
      const preview = await call(api, 'POST', '/api/v1/segments/preview', {
        role,
        body: { rule: { all: [] }, sampleSize: 1 },
      });
      expect('email' in preview.body.sample[0], role).toBe(personal);
      const csv = await call(api, 'GET', `/api/v1/segments/${id}/members.csv`, { role });
      expect(csv.text.split('\r\n')[0], role).toBe(
        personal
          ? 'customer_id,external_id,email,name,country,entered_at'
          : 'customer_id,external_id,country,entered_at',
      );
    }
  });

  it('answers 400 naming the JSON path of the bad condition, and bounds what a request asks for', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const bad = async (rule: unknown) => {
      const answer = await call(api, 'POST', '/api/v1/segments', { body: { name: 'Bad', rule } });
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect(answer.body.error.code).toBe('invalid_input');
      return answer.body.error.issues as { path: (string | number)[]; message: string; code: string }[];
    };
    const operator = await bad({
      all: [
        { field: 'country', op: '=', value: 'FR' },
        { field: 'email', op: 'is_set' },
        { any: [{ field: 'orders_count', op: 'like', value: 2 }] },
      ],
    });
    expect(operator).toEqual([
      {
        path: ['json', 'rule', 'all', 2, 'any', 0, 'op'],
        message: expect.stringMatching(/^rule\.all\[2\]\.any\[0\]\.op: /),
        code: 'invalid_operator',
      },
    ]);
    expect((await bad({ any: [{ field: 'contry', op: '=', value: 'FR' }] }))[0]!.path).toEqual([
      'json',
      'rule',
      'any',
      0,
      'field',
    ]);
    expect((await bad({ any: [{ field: '__proto__', op: '=', value: 'FR' }] }))[0]!.code).toBe(
      'unknown_field',
    );
    expect((await bad({ any: [{ field: 'toString', op: 'is_set' }] }))[0]!.code).toBe('unknown_field');
    expect((await bad({ all: [{ field: 'orders_count', op: '>=', value: 'two' }] }))[0]!.path).toEqual([
      'json',
      'rule',
      'all',
      0,
      'value',
    ]);
    expect((await bad({ all: [{ field: 'country', op: 'in', value: ['FR', 'France'] }] }))[0]!.path).toEqual([
      'json',
      'rule',
      'all',
      0,
      'value',
      1,
    ]);
    expect(
      (
        await bad({ all: [{ field: 'orders_count', op: '>=', value: 1, window: { last: { months: 3 } } }] })
      )[0]!.path,
    ).toEqual(['json', 'rule', 'all', 0, 'window', 'last']);
    expect(
      (await bad({ all: [{ field: 'country', op: '=', value: 'FR', window: { last: { days: 3 } } }] }))[0]!
        .path,
    ).toEqual(['json', 'rule', 'all', 0, 'window']);
    expect((await bad({ all: [{ field: 'email', op: 'is_set', value: true }] }))[0]!.path).toEqual([
      'json',
      'rule',
      'all',
      0,
      'value',
    ]);
    expect((await bad({ all: [{ field: 'event_count', op: '>', value: 1 }] }))[0]!.path).toEqual([
      'json',
      'rule',
      'all',
      0,
      'event',
    ]);
    expect((await bad({ all: [{ field: 'email', op: 'is_set', extra: 1 }] }))[0]!.path).toEqual([
      'json',
      'rule',
      'all',
      0,
    ]);
    expect((await bad({ all: [{ field: 'attributes.a"b', op: 'is_set' }] }))[0]!.path).toEqual([
      'json',
      'rule',
      'all',
      0,
      'field',
    ]);
    expect((await bad({ all: [], any: [] }))[0]!.path).toEqual(['json', 'rule']);
    expect(
      (await bad({ all: [{ field: 'signed_up_at', op: 'before', value: '2024-02-30' }] }))[0]!.path,
    ).toEqual(['json', 'rule', 'all', 0, 'value']);

    // Nine nested groups (eight allowed) and 201 conditions (200 allowed).
    let deep: unknown = { field: 'email', op: 'is_set' };
    for (let level = 0; level < 9; level++) deep = { all: [deep] };
    const tooDeep = await bad(deep);
    expect(tooDeep[0]).toMatchObject({
      path: ['json', 'rule', 'all', 0, 'all', 0, 'all', 0, 'all', 0, 'all', 0, 'all', 0, 'all', 0, 'all', 0],
      code: 'rule_too_deep',
    });
    const many = Array.from({ length: 201 }, () => ({ field: 'email', op: 'is_set' }));
    expect((await bad({ any: many }))[0]).toMatchObject({
      path: ['json', 'rule', 'any', 200],
      code: 'rule_too_large',
    });
    const fine = Array.from({ length: 200 }, () => ({ field: 'email', op: 'is_set' }));
    expect(
      (await call(api, 'POST', '/api/v1/segments/preview', { body: { rule: { any: fine } } })).status,
    ).toBe(200);
    expect(
      await db.selectFrom('segment').select('id').where('workspace_id', '=', api.workspaceId).execute(),
    ).toEqual([]);

    // Bounds of the reads.
    const id = (await call(api, 'POST', '/api/v1/segments', { body: { name: 'All', rule: { all: [] } } }))
      .body.id;
    expect((await call(api, 'GET', `/api/v1/segments/${id}/members?limit=1001`)).status).toBe(400);
    expect((await call(api, 'GET', `/api/v1/segments/${id}/members?cursor=abc`)).status).toBe(400);
    expect(
      (await call(api, 'POST', '/api/v1/segments/preview', { body: { rule: { all: [] }, sampleSize: 51 } }))
        .status,
    ).toBe(400);
    expect((await call(api, 'GET', '/api/v1/segments/007')).status).toBe(404);
    expect((await call(api, 'GET', '/api/v1/segments/1e3')).status).toBe(404);
    // A NUL never reaches the rule: the hostile-input guard refuses it first.
    const nul = await call(api, 'POST', '/api/v1/segments/preview', {
      body: { rule: { all: [{ field: 'email', op: '=', value: 'a\u0000b' }] } },
    });
    expect(nul.status).toBe(400);
    expect(nul.body.error.issues[0].code).toBe('unstorable_text');
  });

  it('streams the members as formula-safe CSV, one line per member', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const population = await seedPopulation(db, api.workspaceId, { seed: 23, size: 25, now: NOW });
    const tricky = await db
      .insertInto('customer')
      .values({
        workspace_id: api.workspaceId,
        external_id: '=HYPERLINK("http://x","y")',
        email: 'a,b@example.com',
        name: '@SUM(1)',
        created_at: NOW,
        updated_at: NOW,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const id = (await call(api, 'POST', '/api/v1/segments', { body: { name: 'All', rule: { all: [] } } }))
      .body.id;
    const csv = await call(api, 'GET', `/api/v1/segments/${id}/members.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="segment-${id}-members.csv"`);
    const lines = csv.text.split('\r\n');
    expect(lines.at(-1)).toBe('');
    const expected = [...referenceMembers({ all: [] }, population), tricky.id];
    expect(lines.slice(1, -1).map((line) => line.split(',')[0])).toEqual(expected.map(String));
    expect(lines).toContain(
      `${tricky.id},"'=HYPERLINK(""http://x"",""y"")","a,b@example.com","'@SUM(1)",,${new Date(NOW).toISOString()}`,
    );
    const audit = await db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('workspace_id', '=', api.workspaceId)
      .where('action', '=', 'segment.exported')
      .execute();
    expect(audit).toHaveLength(1);

    // Page by page, reading only what the client takes; a cancel stops it.
    const stream = membersCsvStream(db as Kysely<Database>, api.workspaceId, Number(id), {
      personalData: false,
      pageRows: 4,
    });
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    const header = decoder.decode((await reader.read()).value);
    expect(header).toBe('customer_id,external_id,country,entered_at\r\n');
    const first = decoder.decode((await reader.read()).value);
    expect(first.split('\r\n').filter(Boolean)).toHaveLength(4);
    await reader.cancel();
    expect(csvCell('-1')).toBe(`"'-1"`);
    expect(csvCell('plain')).toBe('plain');
  });

  it('matches injection strings literally in every operand, and keeps every table', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const HOSTILE = [
      "'; DROP TABLE customer; --",
      '%',
      '_',
      '\\',
      '"',
      "' OR '1'='1",
      '$1',
      '?',
      '*/ SELECT 1; /*',
      '%_\\%',
      // As attribute keys: looked up as the key itself, never through Object.prototype.
      '__proto__',
      'constructor',
    ] as const;
    // One customer per string, holding it in every place a rule can read; one plain customer.
    const ids: number[] = [];
    for (const [index, text] of HOSTILE.entries()) {
      const customer = await db
        .insertInto('customer')
        .values({
          workspace_id: api.workspaceId,
          external_id: `hostile-${index}`,
          email: text,
          language: text,
          time_zone: text,
          attributes: toJson(
            Object.fromEntries([
              [text, text],
              ['note', text],
            ]),
          ),
          created_at: NOW,
          updated_at: NOW,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.push(customer.id);
      const order = await db
        .insertInto('customer_order')
        .values({
          workspace_id: api.workspaceId,
          customer_id: customer.id,
          ordered_at: NOW - 1000,
          currency: 'EUR',
          amount_cents: 100,
          created_at: NOW,
          updated_at: NOW,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('order_item')
        .values({
          workspace_id: api.workspaceId,
          order_id: order.id,
          line: 1,
          product_id: text,
          product_name: text,
          category: text,
          unit_price_cents: 100,
        })
        .execute();
      await db
        .insertInto('event')
        .values({
          workspace_id: api.workspaceId,
          customer_id: customer.id,
          name: text,
          occurred_at: NOW - 1000,
          received_at: NOW,
        })
        .execute();
    }
    const plain = await db
      .insertInto('customer')
      .values({
        workspace_id: api.workspaceId,
        external_id: 'plain',
        email: 'abc',
        language: 'abc',
        time_zone: 'abc',
        attributes: toJson({ note: 'abc' }),
        created_at: NOW,
        updated_at: NOW,
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    const customersBefore = await db
      .selectFrom('customer')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    const matched = async (rule: unknown): Promise<string[]> => {
      const answer = await call(api, 'POST', '/api/v1/segments/preview', { body: { rule, sampleSize: 50 } });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.total).toBe(answer.body.sample.length);
      return answer.body.sample.map((customer: { customerId: string }) => customer.customerId);
    };
    const mismatches: string[] = [];
    for (const [index, text] of HOSTILE.entries()) {
      const only = [String(ids[index])];
      // Which customers hold `text` as a substring / prefix / suffix, computed here.
      const holders = (test: (value: string) => boolean) =>
        HOSTILE.flatMap((value, at) => (test(value) ? [String(ids[at])] : []));
      const rules: [unknown, string[]][] = [
        [{ field: 'email', op: '=', value: text }, only],
        [{ field: 'email', op: 'in', value: [text, 'nobody'] }, only],
        [{ field: 'language', op: 'contains', value: text }, holders((value) => value.includes(text))],
        [{ field: 'language', op: 'starts_with', value: text }, holders((value) => value.startsWith(text))],
        [{ field: 'email', op: 'ends_with', value: text }, holders((value) => value.endsWith(text))],
        [{ field: 'time_zone', op: '=', value: text }, only],
        [{ field: 'attributes.note', op: 'contains', value: text }, holders((value) => value.includes(text))],
        [{ field: 'bought_product', op: '=', value: text }, only],
        [
          { field: 'bought_product_name', op: 'contains', value: text },
          holders((value) => value.includes(text)),
        ],
        [{ field: 'bought_category', op: 'in', value: [text] }, only],
        [{ field: 'event', op: 'done', value: text }, only],
        [{ field: 'event_count', event: text, op: '>=', value: 1, window: { last: { days: 1 } } }, only],
      ];
      for (const [condition, expected] of rules) {
        const actual = await matched({ all: [condition] });
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          mismatches.push(
            `${JSON.stringify(condition)} → ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`,
          );
        }
      }
      // An attribute key is the key itself, bound as a parameter; `"` and `\` are refused in keys.
      for (const condition of [
        { field: `attributes.${text}`, op: '=', value: text },
        { field: `attributes.${text}`, op: 'is_set' },
      ]) {
        if (text.includes('"') || text.includes('\\')) {
          const refused = await call(api, 'POST', '/api/v1/segments/preview', {
            body: { rule: { all: [condition] } },
          });
          expect(refused.status).toBe(400);
          expect(refused.body.error.issues[0].path).toEqual(['json', 'rule', 'all', 0, 'field']);
        } else {
          const actual = await matched({ all: [condition] });
          if (JSON.stringify(actual) !== JSON.stringify(only))
            mismatches.push(`${JSON.stringify(condition)} → ${JSON.stringify(actual)}`);
        }
      }
      // The complement keeps the plain customer and drops the one holding the string.
      const complement = await matched({ all: [{ field: 'email', op: '!=', value: text }] });
      if (!complement.includes(String(plain.id)) || complement.includes(String(ids[index])))
        mismatches.push(`!= ${text}`);
      // A saved segment with the string in its rule, and its name.
      const saved = await call(api, 'POST', '/api/v1/segments', {
        body: { name: text, rule: { all: [{ field: 'email', op: '=', value: text }] } },
      });
      expect(saved.status).toBe(201);
      expect(saved.body).toMatchObject({ name: text, memberCount: 1 });
    }
    expect(mismatches).toEqual([]);
    // Where the language refuses such text (codes, dates, ids), it is a 400 naming the value.
    for (const condition of [
      { field: 'country', op: '=', value: HOSTILE[0] },
      { field: 'signed_up_at', op: 'before', value: HOSTILE[0] },
      { field: 'segment', op: 'in', value: [HOSTILE[0]] },
      { field: 'rfm_segment', op: '=', value: HOSTILE[0] },
      { field: 'orders_count', op: '>', value: HOSTILE[0] },
    ]) {
      const answer = await call(api, 'POST', '/api/v1/segments/preview', {
        body: { rule: { all: [condition] } },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error.issues[0].path.slice(0, 6)).toEqual(
        ['json', 'rule', 'all', 0, 'value', ...(Array.isArray(condition.value) ? [0] : [])].slice(0, 6),
      );
    }
    const customersAfter = await db
      .selectFrom('customer')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    expect(Number(customersAfter.count)).toBe(Number(customersBefore.count));
    expect((await call(api, 'GET', '/api/v1/segments')).body.items).toHaveLength(HOSTILE.length);
  });
});

describeOnDatabase('postgres', 'the preview’s statement timeout', (getDb) => {
  it('stops a preview past its timeout with `unavailable`, and leaves the connection usable', async () => {
    const { db } = getDb();
    const api = await apiWorkspace({ db, dialect: 'postgres' }, NOW);
    await seedPopulation(db, api.workspaceId, { seed: 24, size: 60, now: NOW });
    // Enough work that one millisecond cannot finish it: 20,000 customers each testing 20 event counts.
    await sql`insert into customer (workspace_id, created_at, updated_at)
      select ${api.workspaceId}::bigint, ${NOW}::bigint, ${NOW}::bigint from generate_series(1, 20000)`.execute(
      db,
    );
    const heavy = {
      any: Array.from({ length: 20 }, (_, index) => ({
        field: 'event_count',
        event: `E${index}`,
        op: '>',
        value: index,
      })),
    };
    const error = await previewSegment(db, {
      workspaceId: api.workspaceId,
      rule: heavy,
      now: NOW,
      timeoutMs: 1,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RetainError);
    expect((error as RetainError).code).toBe('unavailable');
    expect((error as RetainError).message).toContain('narrow the rule');
    // The timeout was local to the preview's transaction.
    const later = await previewSegment(db, { workspaceId: api.workspaceId, rule: heavy, now: NOW });
    expect(later.total).toBe(0);
  });
});

describeOnDatabase('sqlite', 'the preview’s time bound on SQLite', (getDb) => {
  it('counts a range at a time (same answer at any range size), and stops past its time', async () => {
    const { db } = getDb();
    const api = await apiWorkspace({ db, dialect: 'sqlite' }, NOW);
    const population = await seedPopulation(db, api.workspaceId, { seed: 25, size: 40, now: NOW });
    const expected = referenceMembers(RULE, population);
    for (const rangeSize of [1, 4, 1000]) {
      const preview = await previewSegment(db, {
        workspaceId: api.workspaceId,
        rule: RULE,
        sampleSize: 5,
        now: NOW,
        rangeSize,
      });
      expect(preview.total, `range size ${rangeSize}`).toBe(expected.length);
      expect(preview.sample.map((customer) => customer.customerId)).toEqual(expected.slice(0, 5));
    }
    const error = await previewSegment(db, {
      workspaceId: api.workspaceId,
      rule: RULE,
      now: NOW,
      rangeSize: 4,
      timeoutMs: 0,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RetainError);
    expect((error as RetainError).code).toBe('unavailable');
  });
});
