/**
 * The feedback API and the public survey page through the real app (`app.request()`, real API
 * keys per role) on both engines: surveys (validation naming the path, roles, names), sends with
 * signed links, one click on a rating recording an answer that the page then completes, a changed
 * answer replacing the earlier one (kept in history), links refused when tampered with or replayed
 * for another customer, the report checked against hand calculations (docs/metrics.md §10), the
 * comments listed and searched, and sending to a segment.
 */
import { expect, it } from 'vitest';
import { type ApiWorkspace, apiWorkspace } from '../../test/customers/api.js';
import { call, insertCustomers, pathOf, postForm } from '../../test/feedback/support.js';
import { seedPopulation } from '../../test/segments/population.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { listJobs } from '../jobs/index.js';
import { eraseCustomer } from '../privacy/index.js';
import { createSegment, recomputeSegment } from '../segments/index.js';
import { buildApp } from '../server/index.js';
import { runSegmentSend } from './feedback.jobs.js';
import { recordAnswer, sendSurvey } from './feedback.service.js';

const NOW = Date.UTC(2026, 10, 30, 12); // Monday 30 November 2026

async function newSurvey(api: ApiWorkspace, body: Record<string, unknown>): Promise<string> {
  const created = await call(api, 'POST', '/api/v1/feedback/surveys', { body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

async function responsesOf(api: ApiWorkspace, query = '') {
  const listed = await call(api, 'GET', `/api/v1/feedback/responses${query}`, { role: 'analyst' });
  expect(listed.status, JSON.stringify(listed.body)).toBe(200);
  return listed.body;
}

describeEachDatabase('the feedback API', (getDb) => {
  it('creates, lists and gets surveys; a bad definition is a 400 naming its path; roles and names hold', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const csat = await call(api, 'POST', '/api/v1/feedback/surveys', {
      body: { name: 'After delivery', kind: 'csat', reasons: ['Late', 'Damaged'] },
    });
    expect(csat.status).toBe(201);
    expect(csat.body).toMatchObject({
      name: 'After delivery',
      kind: 'csat',
      definition: { kind: 'csat', scale: 'five_point', reasons: ['Late', 'Damaged'], comment: true },
    });
    expect(csat.body.definition.name).toBeUndefined();

    const badForm = await call(api, 'POST', '/api/v1/feedback/surveys', {
      body: {
        name: 'Form',
        kind: 'form',
        questions: [
          { id: 'colour', type: 'single_choice', label: 'Colour' },
          { id: 'colour', type: 'text', label: 'Again' },
        ],
      },
    });
    expect(badForm.status).toBe(400);
    const paths = badForm.body.error.issues.map((issue: { path: unknown[] }) => issue.path.join('.'));
    expect(paths).toContain('json.questions.0.options');
    expect(paths).toContain('json.questions.1.id');
    const tooMany = await call(api, 'POST', '/api/v1/feedback/surveys', {
      body: {
        name: 'Long',
        kind: 'form',
        questions: Array.from({ length: 31 }, (_, index) => ({ id: `q${index}`, type: 'text', label: 'Q' })),
      },
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.issues[0].path).toEqual(['json', 'questions']);
    const badKind = await call(api, 'POST', '/api/v1/feedback/surveys', { body: { name: 'X', kind: 'ces' } });
    expect(badKind.status).toBe(400);

    expect(
      (
        await call(api, 'POST', '/api/v1/feedback/surveys', {
          role: 'analyst',
          body: { name: 'N', kind: 'nps' },
        })
      ).status,
    ).toBe(403);
    expect((await call(api, 'GET', '/api/v1/feedback/surveys', { role: 'agent' })).status).toBe(403);
    const again = await call(api, 'POST', '/api/v1/feedback/surveys', {
      body: { name: 'After delivery', kind: 'nps' },
    });
    expect(again.status).toBe(409);

    const nps = await newSurvey(api, { name: 'Quarterly NPS', kind: 'nps', followUp: 'Why?' });
    const list = await call(api, 'GET', '/api/v1/feedback/surveys', { role: 'analyst' });
    expect(list.body.items.map((survey: { id: string }) => survey.id)).toEqual([csat.body.id, nps]);
    expect(
      (await call(api, 'GET', `/api/v1/feedback/surveys/${nps}`, { role: 'analyst' })).body.definition,
    ).toEqual({
      kind: 'nps',
      followUp: 'Why?',
    });
    // Another workspace's survey does not exist for this one.
    const other = await apiWorkspace({ db, dialect }, NOW);
    expect((await call(other, 'GET', `/api/v1/feedback/surveys/${nps}`)).status).toBe(404);
    expect((await call(other, 'GET', `/api/v1/feedback/report?surveyId=${nps}`)).status).toBe(400);
  });

  it('records one click on a rating, lets the page add a comment, and keeps every change in history', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const [ann] = await insertCustomers(db, api.workspaceId, [{ email: 'ann@example.com' }], NOW);
    const survey = await newSurvey(api, { name: 'CSAT', kind: 'csat', reasons: ['Late', 'Damaged'] });
    const sent = await call(api, 'POST', `/api/v1/feedback/surveys/${survey}/sends`, {
      body: { customerId: String(ann) },
    });
    expect(sent.status).toBe(201);
    // A CSAT survey e-mail is transactional: queued (here to the built-in outbox, no SMTP_URL).
    expect(sent.body).toMatchObject({ customerId: String(ann), delivery: 'queued', created: true });
    const page = pathOf(sent.body.url);
    expect(page).toMatch(/^\/s\/\d+\.\d+\.\d+\.[A-Za-z0-9_-]{43}$/);

    // The e-mail's rating link: recorded on GET, the page says so and offers the comment box.
    const click = await api.app.request(`${page}?r=2`);
    expect(click.status).toBe(200);
    const html = await click.text();
    expect(html).toContain('Your rating is recorded');
    expect(html).toMatch(/id="rating-2" value="2" checked/);
    expect(html).toContain('<textarea id="comment"');
    expect(click.headers.get('Cache-Control')).toBe('no-store');
    let listed = await responsesOf(api);
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({
      rating: 2,
      negative: true,
      source: 'link',
      revision: 1,
      comment: null,
      history: [],
    });

    // The same link again (the customer, or a mail scanner) changes nothing; HEAD never records.
    await api.app.request(`${page}?r=2`);
    await api.app.request(`${page}?r=5`, { method: 'HEAD' });
    listed = await responsesOf(api);
    expect(listed.items[0]).toMatchObject({ rating: 2, revision: 1 });

    // The page adds a comment and a reason: a new version, the click kept in history.
    const posted = await postForm(api, page, [
      ['rating', '2'],
      ['reason', 'Late'],
      ['comment', 'The parcel came a week late.'],
    ]);
    expect(posted.status).toBe(303);
    expect(posted.headers.get('Location')).toBe(`${page}?saved=1`);
    expect(await (await api.app.request(`${page}?saved=1`)).text()).toContain('Your answer is saved');
    listed = await responsesOf(api);
    expect(listed.items[0]).toMatchObject({
      rating: 2,
      reason: 'Late',
      comment: 'The parcel came a week late.',
      source: 'page',
      revision: 2,
    });
    expect(listed.items[0].history).toMatchObject([
      { revision: 1, rating: 2, comment: null, source: 'link' },
    ]);

    // A later click on 4 replaces the rating, keeps the comment, drops the reason (now satisfied).
    await api.app.request(`${page}?r=4`);
    listed = await responsesOf(api);
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({
      rating: 4,
      negative: false,
      reason: null,
      comment: 'The parcel came a week late.',
      revision: 3,
    });
    expect(listed.items[0].history.map((version: { rating: number }) => version.rating)).toEqual([2, 2]);

    // Bad answers: the page again with its problem (400), nothing written.
    const bad = await api.app.request(`${page}?r=9`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('A whole number from 1 to 5.');
    // In the customer's language: the page and its problems in Chinese.
    const badChinese = await api.app.request(`${page}?r=9&lang=zh-CN`);
    const chineseHtml = await badChinese.text();
    expect(chineseHtml).toContain('<html lang="zh-CN">');
    expect(chineseHtml).toContain('请选择 1 到 5 之间的整数。');
    const badForm = await postForm(api, page, [
      ['rating', '3'],
      ['reason', 'Rude'],
    ]);
    expect(badForm.status).toBe(400);
    const badHtml = await badForm.text();
    expect(badHtml).toContain('role="alert"');
    expect(badHtml).toContain('aria-invalid="true"');
    expect((await responsesOf(api)).items[0]).toMatchObject({ rating: 4, revision: 3 });

    // JSON (an embed in the storefront) through the same token.
    const embedded = await api.app.request(page, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ rating: 5, comment: 'Sorted now, thanks' }),
    });
    expect(embedded.status).toBe(200);
    expect(await embedded.json()).toMatchObject({ rating: 5, revision: 4, changed: true });
    expect(
      (await api.app.request(page, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' }))
        .status,
    ).toBe(415);

    // A negative answer asked for the scores to be computed again (the at-risk list, same day).
    const jobs = await listJobs(db, api.workspaceId, { type: 'scores.refresh', limit: 5 });
    expect(jobs.length).toBeGreaterThan(0);
  });

  it('refuses a tampered link and a link replayed for another customer; one answer per send', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const [ann, bob] = await insertCustomers(
      db,
      api.workspaceId,
      [{ email: 'ann@example.com' }, { email: 'bob@example.com' }],
      NOW,
    );
    const survey = await newSurvey(api, { name: 'NPS', kind: 'nps' });
    const annSend = await call(api, 'POST', `/api/v1/feedback/surveys/${survey}/sends`, {
      body: { customerId: String(ann), channel: 'link' },
    });
    // No e-mail: the link is handed out.
    expect(annSend.body.delivery).toBe('link');
    const bobSend = await call(api, 'POST', `/api/v1/feedback/surveys/${survey}/sends`, {
      body: { customerId: String(bob) },
    });
    const annToken = pathOf(annSend.body.url).slice(3);
    const bobToken = pathOf(bobSend.body.url).slice(3);
    const [workspace, annSendId, annCustomer, signature] = annToken.split('.') as [
      string,
      string,
      string,
      string,
    ];
    const [, bobSendId] = bobToken.split('.') as [string, string];

    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    const attempts = {
      tamperedSignature: `${workspace}.${annSendId}.${annCustomer}.${flipped}`,
      anotherCustomer: `${workspace}.${annSendId}.${bob}.${signature}`,
      anotherSend: `${workspace}.${bobSendId}.${annCustomer}.${signature}`,
      anotherWorkspace: `${Number(workspace) + 1}.${annSendId}.${annCustomer}.${signature}`,
    };
    for (const [what, token] of Object.entries(attempts)) {
      const clicked = await api.app.request(`/s/${token}?r=0`);
      expect([403, 404], what).toContain(clicked.status);
      expect(await clicked.text(), what).toContain('This survey link is not valid');
      const posted = await postForm(api, `/s/${token}`, [['rating', '0']]);
      expect([403, 404], what).toContain(posted.status);
    }
    expect((await api.app.request(`/s/${attempts.tamperedSignature}?r=0`)).status).toBe(403);
    expect((await api.app.request('/s/not-a-token')).status).toBe(404);
    expect((await api.app.request(`/s/${'9'.repeat(400)}`)).status).toBe(404);
    const json = await api.app.request(`/s/${attempts.anotherCustomer}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ rating: 0 }),
    });
    expect(json.status).toBe(403);
    expect(((await json.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect((await responsesOf(api)).items).toEqual([]);

    // Each valid link answers for its own customer only, once per send.
    await api.app.request(`/s/${annToken}?r=10`);
    await api.app.request(`/s/${bobToken}?r=3`);
    await api.app.request(`/s/${bobToken}?r=6`);
    const listed = await responsesOf(api);
    expect(
      listed.items
        .map((item: { customerId: string; rating: number }) => [item.customerId, item.rating])
        .sort(),
    ).toEqual(
      [
        [String(ann), 10],
        [String(bob), 6],
      ].sort(),
    );
  });

  it('reports CSAT and NPS as calculated by hand, unrated and changed answers included', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const people = await insertCustomers(
      db,
      api.workspaceId,
      Array.from({ length: 6 }, (_, index) => ({ email: `c${index}@example.com` })),
      NOW,
    );
    const csat = Number(await newSurvey(api, { name: 'CSAT', kind: 'csat' }));
    const nps = Number(await newSurvey(api, { name: 'NPS', kind: 'nps' }));
    const answer = (token: string, rating: number | null, comment?: string) =>
      recordAnswer(db, { token, answer: { rating, comment }, source: 'page', now: NOW });
    // Sends every other day from Monday 16 November (16, 18, 20, 22 | 24, 26): the first four in
    // the week of 16–22, the last two in 23–29.
    const send = async (surveyId: number, index: number) =>
      (
        await sendSurvey(db, {
          workspaceId: api.workspaceId,
          surveyId,
          customerId: people[index]!,
          now: Date.UTC(2026, 10, 16 + index * 2, 9),
          // Links handed out (no e-mail): every send reaches its customer, whatever their consent.
          mailer: null,
        })
      ).links.token;

    // CSAT (1–5; 4–5 satisfied): 5, 4, 2 changed to 5, 1, a comment without a rating, no answer.
    const csatTokens = await Promise.all(people.map((_, index) => send(csat, index)));
    await answer(csatTokens[0]!, 5);
    await answer(csatTokens[1]!, 4);
    await answer(csatTokens[2]!, 2);
    await answer(csatTokens[2]!, 5); // changed: only the current answer counts
    await answer(csatTokens[3]!, 1);
    await answer(csatTokens[4]!, null, 'No rating, just a word');
    // NPS: 10, 9, 7, 6 changed to 9, 0, no answer.
    const npsTokens = await Promise.all(people.map((_, index) => send(nps, index)));
    await answer(npsTokens[0]!, 10);
    await answer(npsTokens[1]!, 9);
    await answer(npsTokens[2]!, 7);
    await answer(npsTokens[3]!, 6);
    await answer(npsTokens[3]!, 9);
    await answer(npsTokens[4]!, 0);

    const report = async (query: string) => {
      const answered = await call(api, 'GET', `/api/v1/feedback/report?${query}`, { role: 'analyst' });
      expect(answered.status, JSON.stringify(answered.body)).toBe(200);
      return answered.body;
    };
    const range = 'from=2026-11-16&to=2026-11-29';
    // CSAT: sent 6; answered 5 (the comment counts as a response); rated 4 — 5, 4, 5 satisfied, 1
    // not → 3 / 4 × 100 = 75; response rate 5 / 6. NPS does not apply to a CSAT survey.
    const csatReport = await report(`surveyId=${csat}&${range}`);
    expect(csatReport).toMatchObject({ csat: 75, nps: null, sent: 6, responses: 5 });
    expect(csatReport.responseRate).toBeCloseTo(5 / 6, 12);
    // Week 16–22 holds sends 0–3 (CSAT 5, 4, 5, 1: 3 / 4 = 75 %, all answered); week 23–29
    // holds sends 4–5 (unrated comment, no answer: CSAT null, 1 response of 2).
    expect(csatReport.series).toEqual([
      {
        period: '2026-11-16',
        start: '2026-11-16T00:00:00.000Z',
        csat: 75,
        nps: null,
        responses: 4,
        sent: 4,
        responseRate: 1,
      },
      {
        period: '2026-11-23',
        start: '2026-11-23T00:00:00.000Z',
        csat: null,
        nps: null,
        responses: 1,
        sent: 2,
        responseRate: 0.5,
      },
    ]);
    // NPS: 10, 9, 7, 9, 0 rated (5): promoters 3 (60 %), detractors 1 (20 %) → 40.
    const npsReport = await report(`surveyId=${nps}&${range}`);
    expect(npsReport).toMatchObject({ csat: null, nps: 40, sent: 6, responses: 5 });
    // Both surveys: each figure over its own kind's answers; sent 12, responses 10.
    const both = await report(range);
    expect(both).toMatchObject({ csat: 75, nps: 40, sent: 12, responses: 10 });
    // Monthly: one period, the same figures.
    const monthly = await report(`surveyId=${nps}&${range}&interval=month`);
    expect(monthly.series).toMatchObject([{ period: '2026-11', nps: 40, sent: 6 }]);
    // Nothing sent in a range: no figure, no rate.
    expect(await report(`surveyId=${csat}&from=2026-01-05&to=2026-01-11`)).toMatchObject({
      csat: null,
      nps: null,
      sent: 0,
      responses: 0,
      responseRate: null,
    });
    // Default range: the 90 days up to now, which hold every send.
    expect(await report(`surveyId=${csat}`)).toMatchObject({ csat: 75, sent: 6 });

    const backwards = await call(api, 'GET', `/api/v1/feedback/report?from=2026-11-20&to=2026-11-10`, {
      role: 'analyst',
    });
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.issues[0].path).toEqual(['query', 'to']);
    const badDate = await call(api, 'GET', `/api/v1/feedback/report?from=2026-02-30`, { role: 'analyst' });
    expect(badDate.body.error.issues[0].path).toEqual(['query', 'from']);
    const tooLong = await call(api, 'GET', `/api/v1/feedback/report?from=1990-01-01&to=2026-01-01`, {
      role: 'analyst',
    });
    expect(tooLong.status).toBe(400);
  });

  it('reports over the current members of a segment: their sends and answers, whenever they joined', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const people = await insertCustomers(
      db,
      api.workspaceId,
      Array.from({ length: 6 }, (_, index) => ({ email: `m${index}@example.com` })),
      NOW,
    );
    const countryOf = async (index: number, country: string) =>
      db.updateTable('customer').set({ country }).where('id', '=', people[index]!).execute();
    // At send time c0, c1, c2, c5 are in France, c3 and c4 in Germany.
    for (const [index, country] of ['FR', 'FR', 'FR', 'DE', 'DE', 'FR'].entries())
      await countryOf(index, country);
    const { segment } = await createSegment(db, {
      workspaceId: api.workspaceId,
      name: 'France',
      rule: { all: [{ field: 'country', op: '=', value: 'FR' }] },
      createdBy: null,
      actor: { type: 'system' },
      now: NOW,
    });
    expect(segment.memberCount).toBe(4);
    const csat = Number(await newSurvey(api, { name: 'CSAT', kind: 'csat' }));
    const nps = Number(await newSurvey(api, { name: 'NPS', kind: 'nps' }));
    const sendTo = async (surveyId: number, index: number) =>
      (
        await sendSurvey(db, {
          workspaceId: api.workspaceId,
          surveyId,
          customerId: people[index]!,
          now: Date.UTC(2026, 10, 17, 9),
          mailer: null,
        })
      ).links.token;
    const answer = (token: string, rating: number) =>
      recordAnswer(db, { token, answer: { rating }, source: 'page', now: NOW });
    // CSAT (1–5): c0 5, c1 2, c2 5, c3 1, c4 4, c5 no answer. NPS: c0 10, c1 6, c2 9, c3 0, c4 8, c5 9.
    const csatRatings = [5, 2, 5, 1, 4, null];
    const npsRatings = [10, 6, 9, 0, 8, 9];
    for (const [index, rating] of csatRatings.entries()) {
      const token = await sendTo(csat, index);
      if (rating !== null) await answer(token, rating);
    }
    for (const [index, rating] of npsRatings.entries()) await answer(await sendTo(nps, index), rating);
    // Then c2 moves to Germany and c4 to France: the members now are c0, c1, c4, c5.
    await countryOf(2, 'DE');
    await countryOf(4, 'FR');
    await recomputeSegment(db, { workspaceId: api.workspaceId, now: NOW }, segment.id);

    const report = async (query: string) => {
      const answered = await call(api, 'GET', `/api/v1/feedback/report?${query}`, { role: 'analyst' });
      expect(answered.status, JSON.stringify(answered.body)).toBe(200);
      return answered.body;
    };
    const range = 'from=2026-11-16&to=2026-11-29';
    // Hand-computed (metrics.md §8). Members c0, c1, c4, c5 — CSAT: sent 4, answered 3 (5, 2, 4),
    // satisfied (4–5) 2 of 3 rated → 66.67; response rate 3 / 4. NPS: 10, 6, 8, 9 → promoters
    // (9–10) 2 of 4 = 50 %, detractors (0–6) 1 of 4 = 25 % → 25.
    const members = await report(`surveyId=${csat}&segmentId=${segment.id}&${range}`);
    expect(members).toMatchObject({ nps: null, sent: 4, responses: 3, responseRate: 0.75 });
    expect(members.csat).toBeCloseTo((2 / 3) * 100, 10);
    expect(await report(`surveyId=${nps}&segmentId=${segment.id}&${range}`)).toMatchObject({
      csat: null,
      nps: 25,
      sent: 4,
      responses: 4,
    });
    // Both surveys over the members: 8 sent, 7 answered.
    expect(await report(`segmentId=${segment.id}&${range}`)).toMatchObject({
      nps: 25,
      sent: 8,
      responses: 7,
    });
    // Without the filter, everyone — CSAT 5, 2, 5, 1, 4: 3 of 5 → 60; NPS 10, 6, 9, 0, 8, 9:
    // promoters 3, detractors 2 of 6 → 16.67.
    const everyone = await report(`${range}`);
    expect(everyone).toMatchObject({ csat: 60, sent: 12, responses: 11 });
    expect(everyone.nps).toBeCloseTo(((3 - 2) / 6) * 100, 10);
    // None of these was a segment send: sent to the segment, nothing.
    expect(await report(`sentToSegmentId=${segment.id}&${range}`)).toMatchObject({ sent: 0, responses: 0 });

    // An unknown segment, or another workspace's, is a 404; a malformed id a 400 naming it.
    const unknown = await call(api, 'GET', '/api/v1/feedback/report?segmentId=999999', { role: 'analyst' });
    expect(unknown.status).toBe(404);
    const other = await apiWorkspace({ db, dialect }, NOW);
    expect(
      (await call(other, 'GET', `/api/v1/feedback/report?segmentId=${segment.id}`, { role: 'analyst' }))
        .status,
    ).toBe(404);
    const malformed = await call(api, 'GET', '/api/v1/feedback/report?segmentId=abc', { role: 'analyst' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.issues[0].path).toEqual(['query', 'segmentId']);
  });

  it('lists comments newest first, searchable, in bounded pages', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const people = await insertCustomers(
      db,
      api.workspaceId,
      Array.from({ length: 5 }, (_, index) => ({ email: `p${index}@example.com`, name: `Person ${index}` })),
      NOW,
    );
    const survey = Number(await newSurvey(api, { name: 'NPS', kind: 'nps' }));
    const comments = [
      'Great 100% service',
      'Delivery was slow',
      'slow support, great product',
      null,
      'ok_ish',
    ];
    for (const [index, customerId] of people.entries()) {
      const { links } = await sendSurvey(db, {
        workspaceId: api.workspaceId,
        surveyId: survey,
        customerId,
        now: NOW,
      });
      await recordAnswer(db, {
        token: links.token,
        answer: { rating: index * 2, comment: comments[index] },
        source: 'page',
        now: NOW + index * 1000,
      });
    }
    const slow = await responsesOf(api, '?q=SLOW');
    expect(slow.items.map((item: { comment: string }) => item.comment)).toEqual([
      'slow support, great product',
      'Delivery was slow',
    ]);
    // LIKE wildcards are taken literally.
    expect(
      (await responsesOf(api, '?q=100%25')).items.map((item: { comment: string }) => item.comment),
    ).toEqual(['Great 100% service']);
    expect((await responsesOf(api, '?q=k_i')).items.map((item: { comment: string }) => item.comment)).toEqual(
      ['ok_ish'],
    );
    expect((await responsesOf(api, '?q=%25')).items).toHaveLength(1);
    expect((await responsesOf(api, '?withComment=true')).items).toHaveLength(4);
    // Pages of 2, newest first, through the cursor.
    const seen: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page = await responsesOf(api, `?limit=2${cursor === '' ? '' : `&cursor=${cursor}`}`);
      seen.push(...page.items.map((item: { rating: number }) => item.rating));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([8, 6, 4, 2, 0]);
    // Analysts see no e-mail or name; marketers do.
    expect((await responsesOf(api, '?limit=1')).items[0]).toMatchObject({
      customerEmail: null,
      customerName: null,
    });
    const asMarketer = await call(api, 'GET', '/api/v1/feedback/responses?limit=1');
    expect(asMarketer.body.items[0]).toMatchObject({
      customerEmail: 'p4@example.com',
      customerName: 'Person 4',
    });
    expect((await call(api, 'GET', '/api/v1/feedback/responses?limit=500')).status).toBe(400);
    expect((await call(api, 'GET', '/api/v1/feedback/responses?cursor=x')).status).toBe(400);
  });

  it('sends to a segment by a job, each member once even when the job runs again', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const population = await seedPopulation(db, api.workspaceId, { seed: 5, size: 30, now: NOW });
    const { segment } = await createSegment(db, {
      workspaceId: api.workspaceId,
      name: 'Buyers',
      rule: { all: [{ field: 'orders_count', op: '>=', value: 1 }] },
      createdBy: null,
      actor: { type: 'system' },
      now: NOW,
    });
    expect(segment.memberCount).toBeGreaterThan(3);
    const survey = Number(await newSurvey(api, { name: 'NPS', kind: 'nps' }));
    const asked = await call(api, 'POST', `/api/v1/feedback/surveys/${survey}/sends`, {
      body: { segmentId: String(segment.id) },
    });
    expect(asked.status).toBe(202);
    const [job] = await listJobs(db, api.workspaceId, { type: 'feedback.segment-send', limit: 1 });
    expect(job).toBeDefined();
    const run = () =>
      runSegmentSend(
        db,
        { id: job!.id, workspaceId: api.workspaceId, payload: { surveyId: survey, segmentId: segment.id } },
        { now: () => NOW },
      );
    // The send lets the server's other work run between members: with SQLite's synchronous driver
    // a loop of awaited queries alone never reaches the event loop (timers and sockets wait).
    let ticks = 0;
    let sending = true;
    const tick = () => {
      if (!sending) return;
      ticks++;
      setImmediate(tick);
    };
    setImmediate(tick);
    expect(await run()).toEqual({ sent: segment.memberCount, alreadySent: 0, skippedErased: 0 });
    sending = false;
    expect(ticks).toBeGreaterThanOrEqual(segment.memberCount / 2);
    // A retried job (after a crash) sends to no one twice.
    expect(await run()).toEqual({ sent: 0, alreadySent: segment.memberCount, skippedErased: 0 });
    const report = await call(
      api,
      'GET',
      `/api/v1/feedback/report?surveyId=${survey}&segmentId=${segment.id}`,
      { role: 'analyst' },
    );
    // Members without marketing consent got no e-mail (NPS is marketing mail): not counted as sent.
    const delivered = await db
      .selectFrom('survey_send')
      .select('delivery')
      .where('workspace_id', '=', api.workspaceId)
      .where('survey_id', '=', survey)
      .execute();
    const reached = delivered.filter((send) => send.delivery !== 'skipped').length;
    expect(reached).toBeGreaterThan(0);
    expect(report.body).toMatchObject({ sent: reached, responses: 0, nps: null });
    expect(population.customers.length).toBe(30);

    const bad = await call(api, 'POST', `/api/v1/feedback/surveys/${survey}/sends`, { body: {} });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toEqual(['json', 'customerId']);
    expect(
      (
        await call(api, 'POST', `/api/v1/feedback/surveys/${survey}/sends`, {
          body: { customerId: '999999' },
        })
      ).status,
    ).toBe(404);
    expect(
      (await call(api, 'POST', `/api/v1/feedback/surveys/${survey}/sends`, { body: { segmentId: '999999' } }))
        .status,
    ).toBe(404);
    // A retried single send with the same dedupe key is the same send.
    const [carl] = await insertCustomers(db, api.workspaceId, [{ email: 'carl@example.com' }], NOW);
    const first = await call(api, 'POST', `/api/v1/feedback/surveys/${survey}/sends`, {
      body: { customerId: String(carl), dedupeKey: 'ticket-7' },
    });
    const second = await call(api, 'POST', `/api/v1/feedback/surveys/${survey}/sends`, {
      body: { customerId: String(carl), dedupeKey: 'ticket-7' },
    });
    expect(second.body).toMatchObject({ id: first.body.id, url: first.body.url, created: false });
    // An erased customer gets no survey.
    await db.updateTable('customer').set({ erased_at: NOW }).where('id', '=', carl!).execute();
    expect(
      (
        await call(api, 'POST', `/api/v1/feedback/surveys/${survey}/sends`, {
          body: { customerId: String(carl) },
        })
      ).status,
    ).toBe(409);
    expect((await api.app.request(pathOf(first.body.url))).status).toBe(404);
  });

  it('documents in the OpenAPI document the 404 and 409 statuses the routes answer', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const survey = await newSurvey(api, { name: 'CSAT', kind: 'csat' });
    const [erased] = await insertCustomers(db, api.workspaceId, [{ email: 'gone@example.com' }], NOW);
    await db.updateTable('customer').set({ erased_at: NOW }).where('id', '=', erased!).execute();
    const answered = {
      createSurvey: (
        await call(api, 'POST', '/api/v1/feedback/surveys', { body: { name: 'CSAT', kind: 'csat' } })
      ).status,
      getSurvey: (await call(api, 'GET', '/api/v1/feedback/surveys/999999', { role: 'analyst' })).status,
      sendSurveyErased: (
        await call(api, 'POST', `/api/v1/feedback/surveys/${survey}/sends`, {
          body: { customerId: String(erased) },
        })
      ).status,
      sendSurveyUnknown: (
        await call(api, 'POST', `/api/v1/feedback/surveys/${survey}/sends`, {
          body: { customerId: '999999' },
        })
      ).status,
    };
    expect(answered).toEqual({
      createSurvey: 409,
      getSurvey: 404,
      sendSurveyErased: 409,
      sendSurveyUnknown: 404,
    });
    const document = (await (await api.app.request('/api/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const responsesOf = (path: string, method: string) =>
      Object.keys(document.paths[path]?.[method]?.responses ?? {});
    expect(responsesOf('/api/v1/feedback/surveys', 'post')).toContain('409');
    expect(responsesOf('/api/v1/feedback/surveys/{id}', 'get')).toContain('404');
    expect(responsesOf('/api/v1/feedback/surveys/{id}/sends', 'post')).toEqual(
      expect.arrayContaining(['404', '409']),
    );
  });
});

describeEachDatabase('feedback and erasure', (getDb) => {
  it('an erased customer’s comments and form texts go, their ratings stay counted', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const [ann] = await insertCustomers(db, api.workspaceId, [{ email: 'ann@example.com' }], NOW);
    const survey = Number(await newSurvey(api, { name: 'NPS', kind: 'nps' }));
    const { links } = await sendSurvey(db, {
      workspaceId: api.workspaceId,
      surveyId: survey,
      customerId: ann!,
      now: NOW,
      mailer: null,
    });
    await recordAnswer(db, {
      token: links.token,
      answer: { rating: 2, comment: 'Call me on 555-0101' },
      source: 'page',
      now: NOW,
    });
    await recordAnswer(db, {
      token: links.token,
      answer: { rating: 3, comment: 'My address is 1 Main St' },
      source: 'page',
      now: NOW + 1,
    });
    await eraseCustomer(db, {
      workspaceId: api.workspaceId,
      customerId: ann!,
      actor: { type: 'system' },
      now: NOW + 2,
    });
    const listed = await responsesOf(api);
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({ rating: 3, comment: null });
    expect(listed.items[0].history).toMatchObject([{ rating: 2, comment: null }]);
    const report = await call(api, 'GET', `/api/v1/feedback/report?surveyId=${survey}`, { role: 'analyst' });
    // One detractor (3) of one answer: NPS −100, still counted.
    expect(report.body).toMatchObject({ nps: -100, responses: 1, sent: 1 });
  });
});

describeEachDatabase('the public survey routes’ rate limit', (getDb) => {
  it('refuses an address past its budget with 429 and Retry-After, before reading the link', async () => {
    const { db, dialect } = getDb();
    const app = buildApp(
      { db, dialect, now: () => NOW },
      { webRoot: false, surveyRateLimit: { requestsPerMinute: 2, burst: 2 } },
    );
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) statuses.push((await app.request('/s/1.1.1.guess')).status);
    // Two guesses answered (not a link: 404), the third refused.
    expect(statuses).toEqual([404, 404, 429]);
    const refused = await app.request('/s/1.1.1.guess', { headers: { 'Accept-Language': 'zh-CN' } });
    expect(refused.headers.get('Retry-After')).toMatch(/^\d+$/);
    // A browser is told in a page, in its language.
    expect(await refused.text()).toContain('尝试次数过多');
  });
});
