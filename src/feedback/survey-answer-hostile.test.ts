/**
 * Hostile answers to a survey link (`POST /s/:token`, JSON and the page's form): text no store can
 * keep (a NUL character, a lone UTF-16 surrogate), fields of the wrong type, a body that is not an
 * object. Each answers 400 naming the field, the same on both engines, and the answer already
 * recorded stays as it was. Before: PostgreSQL answered 500 to a NUL, SQLite stored it; a number
 * as the comment was a 500 (`trim` of a number); `[1,2]` as the body cleared the answer.
 */
import { expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { call, insertCustomers, pathOf, postForm } from '../../test/feedback/support.js';
import { describeEachDatabase } from '../../test/support/databases.js';

const NOW = Date.UTC(2026, 10, 30, 12);
const NUL = '\u0000';
const LONE_HIGH = '\uD83D';
const LONE_LOW = '\uDE00';

describeEachDatabase('hostile survey answers', (getDb) => {
  it('answers 400 naming the field to unstorable text, wrong types and a non-object body; the answer stays', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const [ann] = await insertCustomers(db, api.workspaceId, [{ email: 'ann@example.com' }], NOW);
    const csat = await call(api, 'POST', '/api/v1/feedback/surveys', {
      body: { name: 'CSAT', kind: 'csat' },
    });
    const form = await call(api, 'POST', '/api/v1/feedback/surveys', {
      body: { name: 'Form', kind: 'form', questions: [{ id: 'q1', type: 'text', label: 'Anything else?' }] },
    });
    const linkOf = async (surveyId: string) =>
      pathOf(
        (
          await call(api, 'POST', `/api/v1/feedback/surveys/${surveyId}/sends`, {
            body: { customerId: String(ann) },
          })
        ).body.url,
      );
    const csatPage = await linkOf(csat.body.id);
    const formPage = await linkOf(form.body.id);
    const postJson = (page: string, body: string) =>
      api.app.request(page, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });

    const first = await postJson(csatPage, JSON.stringify({ rating: 4, comment: 'Fine' }));
    expect(first.status).toBe(200);

    const refused: [string, string, unknown[]][] = [
      [csatPage, JSON.stringify({ rating: 3, comment: `a${NUL}b` }), ['comment']],
      [csatPage, JSON.stringify({ rating: 3, comment: `a${LONE_HIGH}b` }), ['comment']],
      [csatPage, JSON.stringify({ rating: 3, comment: `${LONE_LOW}` }), ['comment']],
      [csatPage, JSON.stringify({ rating: 3, comment: 5 }), ['comment']],
      [csatPage, JSON.stringify({ rating: 3, reason: ['Late'] }), ['reason']],
      [csatPage, JSON.stringify({ rating: '3' }), ['rating']],
      [csatPage, JSON.stringify([1, 2]), []],
      [csatPage, 'null', []],
      [formPage, JSON.stringify({ answers: { q1: `x${NUL}` } }), ['answers', 'q1']],
      [formPage, JSON.stringify({ answers: { q1: `x${LONE_HIGH}` } }), ['answers', 'q1']],
      [formPage, JSON.stringify({ answers: { q1: { nested: true } } }), ['answers', 'q1']],
    ];
    for (const [page, body, path] of refused) {
      const answered = await postJson(page, body);
      const text = await answered.text();
      expect(answered.status, `${body} → ${text}`).toBe(400);
      const error = JSON.parse(text).error;
      expect(error.code, text).toBe('invalid_input');
      if (path.length > 0)
        expect(error.issues.map((issue: { path: unknown[] }) => issue.path)).toContainEqual(path);
    }

    // The page's form: the same check, shown on the page (400), not a 500.
    const posted = await postForm(api, csatPage, [
      ['rating', '2'],
      ['comment', `a${NUL}b`],
    ]);
    expect(posted.status).toBe(400);
    expect(await posted.text()).toContain('NUL');

    // A form body that does not parse (a multipart body cut short) is a 400, not a 500.
    const unreadable = await api.app.request(csatPage, {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data; boundary=x' },
      body: '--x\r\nContent-Disposition: form-data; name="rating"\r\n',
    });
    expect(unreadable.status).toBe(400);
    expect(await unreadable.json()).toMatchObject({ error: { code: 'invalid_input' } });

    // Nothing of the refused answers was written.
    const listed = await call(api, 'GET', '/api/v1/feedback/responses', { role: 'analyst' });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]).toMatchObject({ rating: 4, comment: 'Fine', revision: 1 });
  });
});
