/**
 * The storefront's survey API on SQLite and PostgreSQL (no browser: test/e2e/feedback-dashboard
 * has the widget on a shop's page): a customer named by the loyalty storefront token reads a survey
 * and answers it; the answer goes to their latest send (the e-mailed one when there is one, else a
 * send made for the storefront, once), a change replaces it with the earlier version in history —
 * the signed link's rules, through its code. Refusals: a bad token (401), another workspace's
 * survey (404), bad bodies (400 naming the field, 415), and a refused answer leaves no send behind.
 */
import { expect, it } from 'vitest';
import { type ApiWorkspace, apiWorkspace } from '../../test/customers/api.js';
import { call } from '../../test/feedback/support.js';
import { newCustomer } from '../../test/loyalty/ledger.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { signStorefrontToken } from '../loyalty/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { insertSurvey } from './feedback.repository.js';
import { recordAnswer, sendSurvey } from './feedback.service.js';

const NOW = Date.UTC(2026, 11, 7, 12);

/** The storefront secret, read as a shop's owner does (docs/operations.md). */
async function secretOf(api: ApiWorkspace): Promise<string> {
  const read = await call(api, 'GET', '/api/v1/loyalty/programme/storefront-secret', { role: 'owner' });
  expect(read.status).toBe(200);
  return read.body.secret as string;
}

describeEachDatabase('the storefront’s surveys', (getDb) => {
  it('reads and answers a survey as the signed-in customer, through their latest send, with history', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const workspaceId = api.workspaceId;
    const storefrontSecret = await secretOf(api);
    const ann = await newCustomer(db, workspaceId, { externalId: 'ann' });
    const bob = await newCustomer(db, workspaceId, { externalId: 'bob' });
    const created = await call(api, 'POST', '/api/v1/feedback/surveys', {
      body: {
        name: 'Checkout',
        kind: 'form',
        questions: [
          { id: 'easy', type: 'rating', label: 'How easy was checkout?', required: true, min: 1, max: 5 },
          { id: 'pay', type: 'single_choice', label: 'Payment', options: ['Card', 'Wallet'] },
          { id: 'more', type: 'text', label: 'Anything else?' },
        ],
      },
    });
    expect(created.status).toBe(201);
    const surveyId = created.body.id as string;
    const tokenOf = (externalId: string, secret = storefrontSecret) =>
      signStorefrontToken(secret, { workspaceId, externalId, expiresAt: Math.floor(NOW / 1000) + 600 });
    const request = async (
      path: string,
      options: { method?: string; body?: string; token?: string; type?: string; lang?: string } = {},
    ) => {
      const response = await api.app.request(path, {
        method: options.method ?? 'GET',
        headers: {
          Authorization: `Bearer ${options.token ?? tokenOf('ann')}`,
          ...(options.body === undefined ? {} : { 'Content-Type': options.type ?? 'application/json' }),
          ...(options.lang === undefined ? {} : { 'Accept-Language': options.lang }),
        },
        ...(options.body === undefined ? {} : { body: options.body }),
      });
      const text = await response.text();
      return {
        status: response.status,
        headers: response.headers,
        // biome-ignore lint/suspicious/noExplicitAny: asserted field by field.
        body: (text === '' ? null : JSON.parse(text)) as any,
      };
    };
    const answer = (body: unknown, token?: string) =>
      request(`/storefront/v1/surveys/${surveyId}/answer`, {
        method: 'POST',
        body: JSON.stringify(body),
        ...(token === undefined ? {} : { token }),
      });
    const sendsOf = (customerId: number) =>
      db
        .selectFrom('survey_send')
        .select(['id', 'origin', 'delivery'])
        .where('workspace_id', '=', workspaceId)
        .where('customer_id', '=', customerId)
        .execute();

    const view = await request(`/storefront/v1/surveys/${surveyId}`);
    expect(view.status).toBe(200);
    expect(view.headers.get('Cache-Control')).toBe('no-store');
    expect(view.body).toMatchObject({
      survey: { id: surveyId, name: 'Checkout', kind: 'form' },
      answer: null,
      locale: 'en',
      messages: { submit: 'Send my answer' },
    });
    expect(view.body.survey.definition.questions.map((question: { id: string }) => question.id)).toEqual([
      'easy',
      'pay',
      'more',
    ]);
    // Reading made no send.
    expect(await sendsOf(ann)).toEqual([]);

    // A refused answer: the required rating is missing, the option is not one offered — named
    // by field, and still no send.
    const refused = await answer({ answers: { pay: 'Cash' } });
    expect(refused.status).toBe(400);
    expect(
      refused.body.error.issues.map((issue: { path: unknown[] }) => issue.path.join('.')).sort(),
    ).toEqual(['json.answers.easy', 'json.answers.pay']);
    expect(await sendsOf(ann)).toEqual([]);

    // Ann had no send: her first answer makes one for the storefront; a change replaces it.
    const first = await answer({ answers: { easy: 4, pay: 'Card', more: null } });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ answers: { easy: 4, pay: 'Card' }, revision: 1, changed: true });
    const same = await answer({ answers: { easy: 4, pay: 'Card', more: null } });
    expect(same.body).toMatchObject({ revision: 1, changed: false });
    const changed = await answer({ answers: { easy: 2, pay: 'Wallet', more: 'The code field was hidden' } });
    expect(changed.body).toMatchObject({ answers: { easy: 2, pay: 'Wallet' }, revision: 2, changed: true });
    const annSends = await sendsOf(ann);
    expect(annSends).toHaveLength(1);
    expect(annSends[0]).toMatchObject({ delivery: 'link' });
    expect(JSON.parse(String(annSends[0]!.origin))).toEqual({ kind: 'storefront' });
    const listed = await call(api, 'GET', `/api/v1/feedback/responses?surveyId=${surveyId}`, {
      role: 'analyst',
    });
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]).toMatchObject({
      customerId: String(ann),
      revision: 2,
      source: 'api',
      answers: { easy: 2, pay: 'Wallet', more: 'The code field was hidden' },
    });
    expect(listed.body.items[0].history).toMatchObject([{ revision: 1, answers: { easy: 4, pay: 'Card' } }]);
    // The widget shows her current answer next time.
    expect((await request(`/storefront/v1/surveys/${surveyId}`)).body.answer).toMatchObject({
      answers: { easy: 2 },
      revision: 2,
    });

    // Bob was e-mailed the survey: the storefront answers that send, the one his link answers.
    const mailed = await sendSurvey(db, {
      workspaceId,
      surveyId: Number(surveyId),
      customerId: bob,
      mailer: null,
      now: NOW,
    });
    const bobs = await answer({ answers: { easy: 5 } }, tokenOf('bob'));
    expect(bobs.body).toMatchObject({ revision: 1 });
    const byLink = await recordAnswer(db, {
      token: mailed.links.token,
      answer: { answers: { easy: 3 } },
      source: 'page',
      now: NOW,
    });
    expect(byLink.response.revision).toBe(2);
    expect((await sendsOf(bob)).map((send) => send.id)).toEqual([mailed.send.id]);
    // Bob's token sees Bob's answer, Ann's sees Ann's.
    expect(
      (await request(`/storefront/v1/surveys/${surveyId}`, { token: tokenOf('bob') })).body.answer,
    ).toMatchObject({ answers: { easy: 3 } });
    expect((await request(`/storefront/v1/surveys/${surveyId}`)).body.answer).toMatchObject({
      answers: { easy: 2 },
    });
  });

  it('refuses bad tokens, other workspaces’ surveys and bad bodies with clear errors; answers CORS', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const workspaceId = api.workspaceId;
    const storefrontSecret = await secretOf(api);
    await newCustomer(db, workspaceId, { externalId: 'ann' });
    const created = await call(api, 'POST', '/api/v1/feedback/surveys', {
      body: { name: 'NPS', kind: 'nps' },
    });
    const surveyId = created.body.id as string;
    const other = await createWorkspace(db, { name: 'Other', slug: `other-${workspaceId}`, now: NOW });
    const theirs = await insertSurvey(db, {
      workspaceId: other.workspace.id,
      name: 'Theirs',
      definition: { kind: 'nps' },
      createdBy: null,
      now: NOW,
    });
    const token = (secret = storefrontSecret) =>
      signStorefrontToken(secret, {
        workspaceId,
        externalId: 'ann',
        expiresAt: Math.floor(NOW / 1000) + 600,
      });
    const post = async (path: string, body: string, type = 'application/json', headers = {}) => {
      const response = await api.app.request(path, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token()}`, 'Content-Type': type, ...headers },
        body,
      });
      // biome-ignore lint/suspicious/noExplicitAny: asserted field by field.
      return { status: response.status, body: (await response.json()) as any };
    };
    const path = `/storefront/v1/surveys/${surveyId}/answer`;

    const forged = await api.app.request(`/storefront/v1/surveys/${surveyId}`, {
      headers: { Authorization: `Bearer ${token('not-the-secret')}` },
    });
    expect(forged.status).toBe(401);
    expect((await post(`/storefront/v1/surveys/${theirs.id}/answer`, '{"rating":9}')).status).toBe(404);
    expect(
      (
        await api.app.request(`/storefront/v1/surveys/${theirs.id}`, {
          headers: { Authorization: `Bearer ${token()}` },
        })
      ).status,
    ).toBe(404);
    expect((await post('/storefront/v1/surveys/abc/answer', '{}')).status).toBe(404);

    expect((await post(path, 'rating=9', 'application/x-www-form-urlencoded')).status).toBe(415);
    const notJson = await post(path, '{rating');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.issues[0].path).toEqual(['json']);
    expect((await post(path, '[1]')).body.error.issues[0].path).toEqual(['json']);
    expect((await post(path, '{"rating":"9"}')).body.error.issues[0].path).toEqual(['json', 'rating']);
    expect((await post(path, '{"score":9}')).body.error.issues[0].path).toEqual(['json', 'score']);
    expect((await post(path, '{"comment":{"a":1}}')).body.error.issues[0].path).toEqual(['json', 'comment']);
    const outOfRange = await post(path, '{"rating":11}');
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.body.error.issues[0]).toMatchObject({
      path: ['json', 'rating'],
      message: 'A whole number from 0 to 10.',
    });
    // In the widget's language.
    const chinese = await post(`${path}?lang=zh-CN`, '{"rating":11}');
    expect(chinese.body.error.issues[0].message).toBe('请选择 0 到 10 之间的整数。');
    const huge = await post(path, JSON.stringify({ rating: 9, comment: 'x'.repeat(70_000) }));
    expect(huge.status).toBe(400);
    expect(huge.body.error.issues[0].path).toEqual(['json']);
    // Nothing of the refused answers was written.
    const sends = await db
      .selectFrom('survey_send')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .execute();
    expect(sends).toEqual([]);
    expect((await post(path, '{"rating":9,"comment":"Great"}')).status).toBe(200);

    const preflight = await api.app.request(path, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://shop.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(preflight.headers.get('Access-Control-Allow-Headers')).toMatch(/Authorization/);
    const script = await api.app.request('/storefront/survey.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('Content-Type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain('/storefront/v1/surveys/');
  });
});
