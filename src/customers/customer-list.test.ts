/**
 * The customer list over the stored scores, the at-risk list, the CSV export, Customer 360 and the
 * notes — over the real middleware chain (API keys, and session cookies for the notes), on both
 * databases. Scores are written as a score run would write them (`writeCustomerScores`), with
 * values chosen to make ties, nulls and every filter boundary occur; the expected lists are
 * computed here from those values.
 */
import { expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { listAudit } from '../audit/index.js';
import { createUser } from '../auth/index.js';
import type { AtRiskReason } from '../core/index.js';
import { updateWorkspaceSettings } from '../workspaces/workspace.repository.js';
import { csvCell, customersCsvStream } from './customer-export.js';
import {
  type CustomerScoreInput,
  findCustomerScore,
  finishScoreRun,
  startScoreRun,
  upsertCustomers,
  upsertOrders,
  upsertRefunds,
  writeCustomerScores,
} from './index.js';
import { deleteNotesOfCustomer } from './note.repository.js';

const NOW = Date.UTC(2024, 6, 1);
const DAY = 86_400_000;
const PASSWORD = 'correct horse battery staple';

/** The profiles: c00…c11; some with text a spreadsheet would run, one with `%` and `_`. */
const PROFILES = [
  { externalId: 'c00', email: 'ada_100%@example.com', name: 'Ada Lovelace', country: 'GB' },
  {
    externalId: 'c01',
    email: 'grace@example.com',
    name: '=HYPERLINK("http://evil.example","x")',
    country: 'US',
  },
  { externalId: 'c02', email: 'alan@example.com', name: '+1 555 0100', country: 'GB' },
  { externalId: 'c03', email: 'barbara@example.com', name: '-2+3', country: 'US' },
  { externalId: 'c04', email: 'edsger@example.com', name: '@SUM(A1)', country: 'NL' },
  { externalId: 'c05', email: 'donald@example.com', name: 'Donald "Knuth", TAOCP', country: 'US' },
  { externalId: 'c06', email: 'adam@example.com', name: 'Adam Smith', country: 'GB' },
  { externalId: 'c07', email: 'x_y@example.com', name: 'Xavier Young', country: 'FR' },
  { externalId: 'c08', email: 'dennis@example.com', name: 'Dennis Ritchie', country: 'US' },
  { externalId: 'c09', email: 'ken@example.com', name: 'Ken Thompson', country: 'US' },
  { externalId: 'c10', email: 'new1@example.com', name: 'Not Scored Yet', country: 'US' },
  { externalId: 'c11', email: 'new2@example.com', name: 'Also Not Scored', country: 'GB' },
];

const reason = (daysOverdue: number): AtRiskReason => ({
  code: 'overdue',
  points: 10,
  daysOverdue,
  usualGapDays: 30,
});

/**
 * Stored scores of c00…c09 (c10, c11 have no row: customers added after the last run). Ties:
 * risk 80 twice, 55 twice; orders 3 four times; spent 5000 twice; CLV null twice; c09 never
 * ordered (risk null).
 */
const SCORES: Record<string, Omit<CustomerScoreInput, 'customerId'>> = {};
const scoreRows: [string, number | null, string | null, number, number, number | null, number | null][] = [
  // external id, risk, segment, orders, spent, clv, last order (days after 2024-01-01)
  ['c00', 80, 'at_risk', 3, 5000, 12_000, 10],
  ['c01', 80, 'cant_lose_them', 5, 25_000, 40_000, 20],
  ['c02', 55, 'at_risk', 3, 1200, null, 30],
  ['c03', 55, 'hibernating', 1, 300, 100, 5],
  ['c04', 20, 'champions', 9, 90_000, 150_000, 170],
  ['c05', 70, 'need_attention', 3, 5000, 8_000, 60],
  ['c06', 39.99, 'promising', 2, 800, null, 150],
  ['c07', 40, 'about_to_sleep', 3, 2500, 3_000, 90],
  ['c08', 12.5, 'loyal_customers', 6, 30_000, 50_000, 175],
  ['c09', null, null, 0, 0, null, null],
];
for (const [externalId, risk, segment, orders, spent, clv, lastDay] of scoreRows) {
  SCORES[externalId] = {
    riskScore: risk,
    reasons: risk === null ? [] : [reason(Math.round(risk))],
    pAlive: risk === null ? null : 1 - risk / 100,
    expectedPurchases: risk === null ? null : 0.1,
    predictedClvCents: clv,
    rfmSegment: segment as CustomerScoreInput['rfmSegment'],
    rfmR: segment === null ? null : 2,
    rfmF: segment === null ? null : 3,
    rfmM: segment === null ? null : 4,
    ordersCount: orders,
    valueCents: spent,
    firstOrderAt: lastDay === null ? null : Date.UTC(2024, 0, 1),
    lastOrderAt: lastDay === null ? null : Date.UTC(2024, 0, 1) + lastDay * DAY,
  };
}

/** Minimal RFC 4180 reader for the export's text (quotes, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const character = text[index]!;
    if (quoted) {
      if (character === '"' && text[index + 1] === '"') {
        cell += '"';
        index++;
      } else if (character === '"') quoted = false;
      else cell += character;
    } else if (character === '"') quoted = true;
    else if (character === ',') {
      row.push(cell);
      cell = '';
    } else if (character === '\r' && text[index + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      index++;
    } else cell += character;
  }
  return rows;
}

describeEachDatabase('customer list, at-risk list, export, Customer 360 and notes', (getDb) => {
  const seeded = async () => {
    const { db } = getDb();
    const api = await apiWorkspace(getDb(), NOW);
    const ws = api.workspaceId;
    const { ids } = await upsertCustomers(db, ws, PROFILES, { now: NOW });
    const run = await startScoreRun(db, ws, { jobId: null, now: NOW });
    await writeCustomerScores(
      db,
      ws,
      run,
      Object.entries(SCORES).map(([externalId, score]) => ({ customerId: ids.get(externalId)!, ...score })),
      NOW,
    );
    await finishScoreRun(db, ws, run, {
      status: 'succeeded',
      asOf: '2024-06-30',
      customers: 10,
      scored: 9,
      now: NOW,
    });
    const idOf = (externalId: string) => String(ids.get(externalId)!);
    return { api, ids, idOf, db, ws };
  };

  type Api = Awaited<ReturnType<typeof seeded>>['api'];

  /** Follows `nextCursor` from `path` and returns the external ids in the order listed. */
  const walk = async (api: Api, path: string, role: 'analyst' | 'owner' = 'analyst') => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let first: { total: number | null } | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const url: string = cursor === null ? path : `${path}&cursor=${encodeURIComponent(cursor)}`;
      const { status, body } = await api.request(url, { role });
      expect(status, JSON.stringify(body)).toBe(200);
      first ??= body;
      if (cursor !== null) expect(body.total).toBeNull();
      seen.push(...body.data.map((item: { externalId: string }) => item.externalId));
      cursor = body.nextCursor;
      if (cursor === null) return { seen, total: first?.total ?? null };
    }
    throw new Error('pagination did not end');
  };

  /** The scored external ids in `sort` order (coalesced key, then id), as the list must give them. */
  const expectedOrder = (
    ids: Map<string, number>,
    key: (score: Omit<CustomerScoreInput, 'customerId'>) => number | null,
    direction: 'asc' | 'desc',
  ) => {
    const sign = direction === 'asc' ? 1 : -1;
    return Object.entries(SCORES)
      .map(([externalId, score]) => ({ externalId, key: key(score) ?? -1, id: ids.get(externalId)! }))
      .sort((left, right) => sign * (left.key - right.key || left.id - right.id))
      .map((row) => row.externalId);
  };

  it('sorts by every stored key in both directions, ties broken by id, each customer once on any page size', async () => {
    const { api, ids } = await seeded();
    const keys = {
      risk: (score: Omit<CustomerScoreInput, 'customerId'>) => score.riskScore,
      orders: (score: Omit<CustomerScoreInput, 'customerId'>) => score.ordersCount,
      spent: (score: Omit<CustomerScoreInput, 'customerId'>) => score.valueCents,
      clv: (score: Omit<CustomerScoreInput, 'customerId'>) => score.predictedClvCents,
      lastOrder: (score: Omit<CustomerScoreInput, 'customerId'>) => score.lastOrderAt,
    };
    for (const [sort, key] of Object.entries(keys)) {
      for (const direction of ['desc', 'asc'] as const) {
        const expected = expectedOrder(ids, key, direction);
        for (const limit of [1, 3, 200]) {
          const { seen, total } = await walk(
            api,
            `/api/v1/customers?sort=${sort}&direction=${direction}&limit=${limit}`,
          );
          expect(seen, `${sort} ${direction} ${limit}`).toEqual(expected);
          expect(total).toBe(10); // the scored customers; c10 and c11 have no row yet
        }
      }
    }
    // Newest first (the default) lists every customer, scored or not; oldest first the reverse.
    const newest = await walk(api, '/api/v1/customers?limit=4');
    expect(newest.seen).toEqual(PROFILES.map((profile) => profile.externalId).reverse());
    expect(newest.total).toBe(12);
    const oldest = await walk(api, '/api/v1/customers?limit=5&direction=asc');
    expect(oldest.seen).toEqual(PROFILES.map((profile) => profile.externalId));
    // Each row carries its stored scores; unscored customers carry null.
    const { body } = await api.request('/api/v1/customers?limit=200');
    const byExternalId = new Map(
      body.data.map((customer: { externalId: string }) => [customer.externalId, customer]),
    );
    expect(byExternalId.get('c10')).toMatchObject({ score: null });
    expect(byExternalId.get('c01')).toMatchObject({
      score: {
        riskScore: 80,
        riskBand: 'high',
        rfm: { segment: 'cant_lose_them', r: 2, f: 3, m: 4 },
        ordersCount: 5,
        valueCents: 25_000,
        predictedClvCents: 40_000,
        reasons: [{ code: 'overdue', daysOverdue: 80, usualGapDays: 30 }],
        lastOrderAt: new Date(Date.UTC(2024, 0, 21)).toISOString(),
      },
    });
    expect(body).toMatchObject({ currency: 'USD', scores: { asOf: '2024-06-30' } });
  });

  it('keeps a page’s place when rows are added before it, and refuses a cursor of another order', async () => {
    const { api, db, ws, ids } = await seeded();
    const first = await api.request('/api/v1/customers?sort=risk&limit=4');
    const seen = first.body.data.map((customer: { externalId: string }) => customer.externalId);
    // A new customer ranked first must not shift the next page (keyset, not offset).
    const late = await upsertCustomers(db, ws, [{ externalId: 'c99', email: 'late@example.com' }], {
      now: NOW,
    });
    const run = await startScoreRun(db, ws, { jobId: null, now: NOW });
    await writeCustomerScores(
      db,
      ws,
      run,
      [{ customerId: late.ids.get('c99')!, ...SCORES.c00!, riskScore: 99 }],
      NOW,
    );
    const next = await api.request(`/api/v1/customers?sort=risk&limit=4&cursor=${first.body.nextCursor}`);
    const rest = next.body.data.map((customer: { externalId: string }) => customer.externalId);
    expect([...seen, ...rest]).toEqual(expectedOrder(ids, (score) => score.riskScore, 'desc').slice(0, 8));
    expect(rest).not.toContain('c99');
    const wrong = await api.request(`/api/v1/customers?sort=spent&limit=4&cursor=${first.body.nextCursor}`);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.issues[0].message).toMatch(/sort=risk/);
    expect((await api.request('/api/v1/customers?sort=popularity')).status).toBe(400);
  });

  it('filters by RFM segment, risk band or least score, value (spent or predicted) and country', async () => {
    const { api } = await seeded();
    const list = async (query: string) => {
      const { status, body } = await api.request(`/api/v1/customers?limit=200&${query}`);
      expect(status, `${query}: ${JSON.stringify(body)}`).toBe(200);
      const externalIds = body.data.map((customer: { externalId: string }) => customer.externalId).sort();
      expect(body.total, query).toBe(externalIds.length);
      return externalIds;
    };
    expect(await list('segment=at_risk')).toEqual(['c00', 'c02']);
    expect(await list('segment=at_risk,champions')).toEqual(['c00', 'c02', 'c04']);
    // Bands: high ≥ 70, medium [40, 70), low [0, 40) — the boundaries 70, 40 and 39.99 fall where they should.
    expect(await list('risk=high')).toEqual(['c00', 'c01', 'c05']);
    expect(await list('risk=medium')).toEqual(['c02', 'c03', 'c07']);
    expect(await list('risk=low')).toEqual(['c04', 'c06', 'c08']);
    expect(await list('risk=55')).toEqual(['c00', 'c01', 'c02', 'c03', 'c05']);
    // Value to date in currency units, both bounds inclusive: 12.00 … 50.00.
    expect(await list('minValue=12&maxValue=50')).toEqual(['c00', 'c02', 'c05', 'c07']);
    expect(await list('minValue=250.00')).toEqual(['c01', 'c04', 'c08']);
    // Predicted CLV: customers without a prediction never match a bound.
    expect(await list('valueBy=clv&maxValue=1')).toEqual(['c03']);
    expect(await list('valueBy=clv&maxValue=80')).toEqual(['c03', 'c05', 'c07']);
    expect(await list('valueBy=clv&minValue=0')).toHaveLength(7);
    expect(await list('country=us&risk=high')).toEqual(['c01', 'c05']);
    expect(await list('country=gb&segment=at_risk&sort=spent')).toEqual(['c00', 'c02']);
    for (const bad of ['segment=vip', 'risk=101', 'risk=extreme', 'minValue=ten', 'valueBy=margin']) {
      const { status, body } = await api.request(`/api/v1/customers?${bad}`);
      expect(status, bad).toBe(400);
      expect(body.error.issues[0].path[0]).toBe('query');
    }
  });

  it('ranks the at-risk list by score with the reasons as data, scored customers only', async () => {
    const { api } = await seeded();
    const { seen } = await walk(api, '/api/v1/customers/at-risk?limit=2');
    expect(seen).toEqual(['c01', 'c00', 'c05', 'c03', 'c02', 'c07', 'c06', 'c04', 'c08']);
    const { body } = await api.request('/api/v1/customers/at-risk?limit=1&risk=high&country=US', {
      role: 'agent',
    });
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({
      externalId: 'c01',
      score: { riskScore: 80, reasons: [{ code: 'overdue', points: 10, daysOverdue: 80 }] },
    });
    expect(body.total).toBe(2);
  });

  it('lists only customers still active at the scores’ as-of day, unless lapsed=include', async () => {
    const { api } = await seeded();
    // Window 150 days before 2024-06-30 (inclusive): the last order on 2024-02-02 or later — day 32
    // after 2024-01-01 — keeps a customer active (c04, c05, c06, c07, c08).
    await updateWorkspaceSettings(getDb().db, api.workspaceId, { activityWindowDays: 150 }, NOW);
    const active = await walk(api, '/api/v1/customers/at-risk?limit=2');
    expect(active.seen).toEqual(['c05', 'c07', 'c06', 'c04', 'c08']);
    const all = await walk(api, '/api/v1/customers/at-risk?limit=2&lapsed=include');
    expect(all.seen).toEqual(['c01', 'c00', 'c05', 'c03', 'c02', 'c07', 'c06', 'c04', 'c08']);
  });

  it('searches by substring with % and _ taken literally, and by prefix through the index', async () => {
    const { api } = await seeded();
    const found = async (query: string) =>
      (await api.request(`/api/v1/customers?limit=200&${query}`)).body.data
        .map((customer: { externalId: string }) => customer.externalId)
        .sort();
    expect(await found(`q=${encodeURIComponent('100%')}`)).toEqual(['c00']);
    expect(await found(`q=${encodeURIComponent('%')}`)).toEqual(['c00']);
    // "_" is literal too: only the e-mails with an underscore, not every character.
    expect(await found(`q=${encodeURIComponent('_')}`)).toEqual(['c00', 'c07']);
    expect(await found('q=SMITH')).toEqual(['c06']);
    // Prefix: the start of the e-mail, name or external id, case-insensitively.
    expect(await found('q=AD&match=prefix')).toEqual(['c00', 'c06']);
    expect(await found('q=smith&match=prefix')).toEqual([]);
    expect(await found(`q=${encodeURIComponent('ada_1')}&match=prefix`)).toEqual(['c00']);
    expect(await found(`q=${encodeURIComponent('ada%')}&match=prefix`)).toEqual([]);
    expect(await found('q=c1&match=prefix')).toEqual(['c10', 'c11']);
    // A substring search is not counted when it runs over more than one page (the page scanned);
    // a prefix search is, and a one-page answer counts itself.
    expect((await api.request('/api/v1/customers?q=example&limit=2')).body).toMatchObject({ total: null });
    expect((await api.request('/api/v1/customers?q=example&limit=200')).body).toMatchObject({ total: 12 });
    expect((await api.request('/api/v1/customers?q=c&match=prefix&limit=2')).body).toMatchObject({
      total: 12,
    });
    // Search with a sort and a filter.
    expect(await found('q=example.com&sort=risk&risk=high')).toEqual(['c00', 'c01', 'c05']);
  });

  it('exports the filtered list as CSV, streamed, formula-safe, with the columns each role may see', async () => {
    const { api, ws, db } = await seeded();
    const query = 'segment=at_risk,cant_lose_them,need_attention,hibernating&sort=risk';
    const response = await api.app.request(`/api/v1/customers/export.csv?${query}`, {
      headers: { Authorization: `Bearer ${api.keys.marketer}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(
      /^attachment; filename="customers-2024-07-01\.csv"$/,
    );
    const text = await response.text();
    const [header, ...rows] = parseCsv(text);
    const total = (await api.request(`/api/v1/customers?${query}`)).body.total;
    expect(rows).toHaveLength(total);
    expect(rows).toHaveLength(5);
    expect(header).toContain('email');
    expect(header).toContain('value_to_date_usd');
    const column = (name: string) => header!.indexOf(name);
    expect(rows.map((row) => row[column('external_id')])).toEqual(['c01', 'c00', 'c05', 'c03', 'c02']);
    const grace = rows[0]!;
    // The formula is kept as text: quoted, with a leading apostrophe.
    expect(grace[column('name')]).toBe(`'=HYPERLINK("http://evil.example","x")`);
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(rows[2]![column('name')]).toBe('Donald "Knuth", TAOCP');
    const names = new Map(rows.map((row) => [row[column('external_id')], row[column('name')]]));
    expect(names.get('c02')).toBe("'+1 555 0100");
    expect(names.get('c03')).toBe("'-2+3");
    expect(grace[column('value_to_date_usd')]).toBe('250');
    expect(grace[column('risk_score')]).toBe('80');
    expect(grace[column('rfm_segment')]).toBe('cant_lose_them');
    expect(grace[column('risk_reasons')]).toBe('overdue');

    // Analysts get the same rows without personal data; agents cannot export lists.
    const pseudonymous = parseCsv(
      await (
        await api.app.request(`/api/v1/customers/export.csv?${query}`, {
          headers: { Authorization: `Bearer ${api.keys.analyst}` },
        })
      ).text(),
    );
    expect(pseudonymous[0]).not.toContain('email');
    expect(pseudonymous[0]).not.toContain('name');
    expect(pseudonymous).toHaveLength(6);
    expect((await api.request('/api/v1/customers/export.csv', { role: 'agent' })).status).toBe(403);
    const audit = await listAudit(db, ws, {});
    expect(audit.filter((entry) => entry.action === 'customers.exported')).toHaveLength(2);

    // The stream reads one keyset page per pull, and a cancelled stream reads no more.
    const stream = customersCsvStream(
      db,
      ws,
      {},
      {
        access: 'personal',
        currency: 'USD',
        sort: 'newest',
        direction: 'desc',
        pageRows: 5,
      },
    );
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    const chunks: string[] = [];
    for (let read = await reader.read(); !read.done; read = await reader.read())
      chunks.push(decoder.decode(read.value));
    // The header, then pages of 5, 5 and 2 customers.
    expect(chunks.map((chunk) => parseCsv(chunk).length)).toEqual([1, 5, 5, 2]);
    const cancelled = customersCsvStream(
      db,
      ws,
      {},
      {
        access: 'personal',
        currency: 'USD',
        sort: 'newest',
        direction: 'desc',
        pageRows: 5,
      },
    ).getReader();
    await cancelled.read();
    await cancelled.cancel();
    expect((await cancelled.read()).done).toBe(true);
  });

  it('quotes and defuses every cell a spreadsheet would run', () => {
    expect(csvCell('=1+1')).toBe(`"'=1+1"`);
    expect(csvCell('+SUM(A1)')).toBe(`"'+SUM(A1)"`);
    expect(csvCell('-5')).toBe(`"'-5"`);
    expect(csvCell('@cmd')).toBe(`"'@cmd"`);
    expect(csvCell('\t=1')).toBe(`"'\t=1"`);
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');
  });

  it('serves Customer 360: profile, totals now, stored predictions, latest orders with refunds, notes', async () => {
    const { api, idOf, db, ws } = await seeded();
    await upsertOrders(
      db,
      ws,
      [
        {
          externalId: 'o1',
          customerExternalId: 'c01',
          orderedAt: Date.UTC(2024, 0, 5),
          currency: 'USD',
          amountCents: 10_000,
        },
        {
          externalId: 'o2',
          customerExternalId: 'c01',
          orderedAt: Date.UTC(2024, 0, 21),
          currency: 'USD',
          amountCents: 15_000,
        },
        {
          externalId: 'o3',
          customerExternalId: 'c01',
          orderedAt: Date.UTC(2024, 1, 2),
          currency: 'USD',
          amountCents: 999,
          status: 'cancelled',
        },
      ],
      { now: NOW },
    );
    await upsertRefunds(
      db,
      ws,
      [
        {
          externalId: 'r1',
          orderExternalId: 'o2',
          refundedAt: Date.UTC(2024, 0, 25),
          currency: 'USD',
          amountCents: 2_500,
        },
      ],
      { now: NOW },
    );
    const { status, body } = await api.request(`/api/v1/customers/${idOf('c01')}/overview`, {
      role: 'agent',
    });
    expect(status).toBe(200);
    expect(body.customer).toMatchObject({ externalId: 'c01', email: 'grace@example.com' });
    expect(body.currency).toBe('USD');
    // Completed orders 100.00 + 150.00, less the 25.00 refund; the cancelled one does not count.
    expect(body.totals).toEqual({
      orders: 2,
      valueCents: 22_500,
      refundedCents: 2_500,
      firstOrderAt: new Date(Date.UTC(2024, 0, 5)).toISOString(),
      lastOrderAt: new Date(Date.UTC(2024, 0, 21)).toISOString(),
    });
    expect(body.score).toMatchObject({ riskScore: 80, predictedClvCents: 40_000 });
    expect(body.score.pAlive).toBeCloseTo(0.2, 12);
    expect(body.scores).toMatchObject({ asOf: '2024-06-30' });
    expect(body.orders.map((order: { externalId: string }) => order.externalId)).toEqual(['o3', 'o2', 'o1']);
    expect(body.orders[1].refunds).toMatchObject([{ amountCents: 2_500 }]);
    expect(body.ordersTotal).toBe(3);
    expect(body.notes).toEqual([]);
    const other = await apiWorkspace(getDb(), NOW);
    expect((await other.request(`/api/v1/customers/${idOf('c01')}/overview`)).status).toBe(404);
    expect((await api.request('/api/v1/customers/not-an-id/overview')).status).toBe(404);
  });

  it('lets logged-in people add notes, their author or an admin delete them, audited; never API keys', async () => {
    const { api, idOf, db, ws } = await seeded();
    const people: Record<string, { cookie: string; csrf: string; id: number }> = {};
    const workspace = await db
      .selectFrom('workspace')
      .select('slug')
      .where('id', '=', ws)
      .executeTakeFirstOrThrow();
    for (const [name, role] of [
      ['ann', 'agent'],
      ['bob', 'agent'],
      ['ada', 'admin'],
    ] as const) {
      const user = await createUser(db, {
        workspaceId: ws,
        email: `${name}@shop.example`,
        name: name.toUpperCase(),
        role,
        password: PASSWORD,
        actor: { type: 'system' },
        now: NOW,
      });
      const login = await api.app.request('/api/v1/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          workspace: workspace.slug,
          email: `${name}@shop.example`,
          password: PASSWORD,
        }),
      });
      const token = /retain_session=([^;]*)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
      people[name] = {
        cookie: `retain_session=${token}`,
        csrf: ((await login.json()) as { csrfToken: string }).csrfToken,
        id: user.id,
      };
    }
    const as = async (name: string, method: string, path: string, body?: unknown) => {
      const person = people[name]!;
      const response = await api.app.request(path, {
        method,
        headers: {
          Cookie: person.cookie,
          'X-CSRF-Token': person.csrf,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? null : JSON.parse(text) };
    };
    const notes = `/api/v1/customers/${idOf('c00')}/notes`;
    const added = await as('ann', 'POST', notes, { text: '  Called about the late parcel; offered 10 %.  ' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      text: 'Called about the late parcel; offered 10 %.',
      author: { id: String(people.ann!.id), name: 'ANN', email: 'ann@shop.example' },
      deletable: true,
    });
    const second = await as('bob', 'POST', notes, { text: 'Second note' });
    expect(second.status).toBe(201);
    // Bob sees both, newest first, and may delete only his own.
    const listed = await as('bob', 'GET', notes);
    expect(
      listed.body.data.map((note: { text: string; deletable: boolean }) => [note.text, note.deletable]),
    ).toEqual([
      ['Second note', true],
      ['Called about the late parcel; offered 10 %.', false],
    ]);
    expect((await as('bob', 'DELETE', `${notes}/${added.body.id}`)).status).toBe(403);
    expect((await as('ada', 'DELETE', `${notes}/${added.body.id}`)).status).toBe(204);
    expect((await as('bob', 'DELETE', `${notes}/${second.body.id}`)).status).toBe(204);
    expect((await as('bob', 'DELETE', `${notes}/${second.body.id}`)).status).toBe(404);
    // Bounded text; API keys write no notes.
    expect((await as('ann', 'POST', notes, { text: '   ' })).status).toBe(400);
    expect((await as('ann', 'POST', notes, { text: 'x'.repeat(4_001) })).status).toBe(400);
    expect((await as('ann', 'POST', notes, { text: 'x'.repeat(4_000) })).status).toBe(201);
    const byKey = await api.app.request(notes, {
      method: 'POST',
      headers: { Authorization: `Bearer ${api.keys.owner}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'from a script' }),
    });
    expect(byKey.status).toBe(403);
    const actions = (await listAudit(db, ws, { entity: 'customer', entityId: idOf('c00') })).map(
      (entry) => entry.action,
    );
    expect(actions.filter((action) => action === 'customer.note_added')).toHaveLength(3);
    expect(actions.filter((action) => action === 'customer.note_deleted')).toHaveLength(2);
    // The overview shows the notes too.
    const overview = await as('ann', 'GET', `/api/v1/customers/${idOf('c00')}/overview`);
    expect(overview.body.notes).toHaveLength(1);

    // Erasure deletes the notes and the stored scores; the erased customer takes no new note.
    expect(await findCustomerScore(db, ws, Number(idOf('c00')))).toBeDefined();
    const erased = await api.request(`/api/v1/customers/${idOf('c00')}/erase`, {
      role: 'owner',
      method: 'POST',
    });
    expect(erased.status).toBe(200);
    expect((await as('ann', 'GET', notes)).body.data).toEqual([]);
    expect(await deleteNotesOfCustomer(db, ws, Number(idOf('c00')))).toBe(0);
    expect(await findCustomerScore(db, ws, Number(idOf('c00')))).toBeUndefined();
    expect((await as('ann', 'POST', notes, { text: 'after erasure' })).status).toBe(400);
  });
});
