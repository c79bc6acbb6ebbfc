/**
 * The e-mail API and the public recipient routes through the real app (`app.request()`, real API
 * keys per role) on both engines: the outbox list and a message's content (clearly not sent
 * without SMTP), template check, preview as a customer, test send, settings, suppressions,
 * consent records; the unsubscribe page (GET confirms, POST unsubscribes), the RFC 8058 one-click
 * POST, the open pixel, the click redirect (only to the signed URL), tampered tokens refused, and
 * another workspace's messages invisible.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { type ApiWorkspace, apiWorkspace } from '../../test/customers/api.js';
import { addCustomer, PUBLIC_URL, testEnvironment } from '../../test/email/support.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import type { Role } from '../auth/roles.js';
import { startScoreRun, writeCustomerScores } from '../customers/index.js';
import { Worker } from '../jobs/index.js';
import { findMessage } from './email.repository.js';
import { emailJobHandlers, queueEmail } from './index.js';

const NOW = Date.UTC(2026, 2, 10, 12);

beforeEach(() => {
  vi.stubEnv('SMTP_URL', '');
  vi.stubEnv('RETAIN_PUBLIC_URL', PUBLIC_URL);
  vi.stubEnv('RETAIN_SECRET_KEY', '');
});
afterEach(() => {
  vi.unstubAllEnvs();
});

async function call(
  api: ApiWorkspace,
  method: string,
  path: string,
  options: { readonly role?: Role; readonly body?: unknown } = {},
  // biome-ignore lint/suspicious/noExplicitAny: answers are asserted shape by shape.
): Promise<{ status: number; body: any }> {
  const response = await api.app.request(path, {
    method,
    headers: {
      Authorization: `Bearer ${api.keys[options.role ?? 'marketer']}`,
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text) };
}

/** Queues and delivers (to the outbox) one marketing message; returns its id and stored row. */
async function outboxMessage(
  api: ApiWorkspace,
  db: Parameters<typeof queueEmail>[0],
  html: string,
  email = 'ada@example.com',
) {
  const customerId = await addCustomer(db, api.workspaceId, {
    name: 'Ada',
    email,
    now: NOW,
  });
  const outcome = await queueEmail(
    db,
    {
      workspaceId: api.workspaceId,
      customerId,
      dedupeKey: `k-${customerId}`,
      category: 'marketing',
      subject: 'Hi {{ customer.name }}',
      html,
      origin: { kind: 'flow', flowId: '5', runId: 'r', stepId: 's' },
    },
    { now: NOW, environment: testEnvironment(null) },
  );
  await new Worker({ db, handlers: emailJobHandlers(testEnvironment(null)), now: () => NOW }).drain();
  const row = await findMessage(db, api.workspaceId, Number(outcome.messageId));
  return { customerId, messageId: outcome.messageId, row: row! };
}

const tokenOf = (html: string, kind: 'u' | 'o' | 'c') =>
  new RegExp(`${PUBLIC_URL.replaceAll('.', '\\.')}/e/${kind}/([A-Za-z0-9_.-]+)`).exec(html)?.[1] ?? '';

describeEachDatabase('the e-mail API', (getDb) => {
  it('lists the outbox (labelled not sent), shows a message, and hides it from other workspaces and roles', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const other = await apiWorkspace({ db, dialect }, NOW);
    const { messageId, customerId } = await outboxMessage(api, db, '<p>Hello</p>');

    const list = await call(api, 'GET', '/api/v1/email/messages?status=outbox');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({
      delivery: 'outbox',
      nextCursor: null,
      items: [
        {
          id: messageId,
          customerId: String(customerId),
          to: 'ada@example.com',
          subject: 'Hi Ada',
          status: 'outbox',
          notSent: true,
          origin: { kind: 'flow', flowId: '5' },
        },
      ],
    });
    expect((await call(api, 'GET', '/api/v1/email/messages?status=sent')).body.items).toEqual([]);
    expect((await call(api, 'GET', '/api/v1/email/messages?flowId=5')).body.items).toHaveLength(1);
    const detail = await call(api, 'GET', `/api/v1/email/messages/${messageId}`);
    expect(detail.body).toMatchObject({
      id: messageId,
      status: 'outbox',
      from: 'shop@example.com',
      text: expect.stringContaining('Hello'),
    });
    expect(detail.body.html).toContain('<p>Hello</p>');
    expect((await call(api, 'GET', '/api/v1/email/stats')).body).toMatchObject({
      delivery: 'outbox',
      byStatus: { outbox: 1 },
    });

    expect((await call(other, 'GET', `/api/v1/email/messages/${messageId}`)).status).toBe(404);
    expect((await call(other, 'GET', '/api/v1/email/messages')).body.items).toEqual([]);
    expect((await call(api, 'GET', '/api/v1/email/messages', { role: 'analyst' })).status).toBe(403);
    expect((await call(api, 'GET', '/api/v1/email/messages?status=nope')).status).toBe(400);
    expect((await call(api, 'GET', '/api/v1/email/messages?limit=100000')).status).toBe(400);

    // Pages: two more messages, pages of one.
    await outboxMessage(api, db, '<p>Two</p>');
    await outboxMessage(api, db, '<p>Three</p>');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const pageResponse = await call(
        api,
        'GET',
        `/api/v1/email/messages?limit=1${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      seen.push(...pageResponse.body.items.map((item: { id: string }) => item.id));
      cursor = pageResponse.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toHaveLength(3);
    expect(seen.map(Number)).toEqual([...seen.map(Number)].sort((a, b) => b - a));
  });

  it('checks templates with line and column, previews as a customer (escaped), and test-sends once', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const customerId = await addCustomer(db, api.workspaceId, { name: 'Bob & <Co>', now: NOW });

    const check = await call(api, 'POST', '/api/v1/email/templates/check', {
      body: { subject: 'Hi {{ customer.name', html: '<p>\n  {{ customer.name | shout }}</p>' },
    });
    expect(check.status).toBe(200);
    expect(check.body.ok).toBe(false);
    expect(check.body.problems).toEqual([
      expect.objectContaining({ field: 'subject', line: 1 }),
      { field: 'html', message: 'undefined filter: shout', line: 2, column: 3 },
    ]);
    expect(
      (await call(api, 'POST', '/api/v1/email/templates/check', { body: { html: '<p>{{ x }}</p>' } })).body,
    ).toEqual({ ok: true, problems: [] });

    const preview = await call(api, 'POST', '/api/v1/email/preview', {
      body: {
        customerId: String(customerId),
        subject: 'For {{ customer.first_name }}',
        html: '<p>{{ customer.name }} {{ note }}</p>',
        variables: { note: '<b>' },
      },
    });
    expect(preview.status).toBe(200);
    expect(preview.body.subject).toBe('For Bob');
    expect(preview.body.html).toContain('<p>Bob &amp; &lt;Co&gt; &lt;b&gt;</p>');
    expect(preview.body.text).toContain('Bob & <Co> <b>');
    // The stored scores, as the score job writes them.
    const runId = await startScoreRun(db, api.workspaceId, { jobId: null, now: NOW });
    await writeCustomerScores(
      db,
      api.workspaceId,
      runId,
      [
        {
          customerId,
          riskScore: 81,
          reasons: [],
          pAlive: 0.42,
          expectedPurchases: 1.5,
          predictedClvCents: 23_450,
          rfmSegment: 'at_risk',
          rfmR: 1,
          rfmF: 4,
          rfmM: 5,
          ordersCount: 7,
          valueCents: 51_000,
          firstOrderAt: NOW - 400 * 86_400_000,
          lastOrderAt: NOW - 90 * 86_400_000,
        },
      ],
      NOW,
    );
    const scored = await call(api, 'POST', '/api/v1/email/preview', {
      body: {
        customerId: String(customerId),
        subject: 's',
        html: '{{ customer.predicted_clv }}|{{ customer.at_risk_score }}|{{ customer.rfm_segment }}|{{ customer.orders_count }}|{{ customer.total_spent }}|{{ customer.p_alive }}',
      },
    });
    expect(scored.body.html).toContain('234.5|81|at_risk|7|510|0.42');
    const bad = await call(api, 'POST', '/api/v1/email/preview', {
      body: { customerId: String(customerId), subject: 's', html: '{% if %}' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toEqual(['html']);
    const unknown = await call(api, 'POST', '/api/v1/email/preview', {
      body: { customerId: '999999', subject: 's', html: 'h' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.issues[0].path).toEqual(['json', 'customerId']);
    const looping = await call(api, 'POST', '/api/v1/email/preview', {
      body: {
        customerId: String(customerId),
        subject: 's',
        html: '{% for i in (1..100000000) %}{% for j in (1..100000000) %}x{% endfor %}{% endfor %}',
      },
    });
    expect(looping.status).toBe(400);
    // HTML nested thousands deep (written out, or made by a loop) overflowed the stack of the
    // plain-text conversion: a 500 here, and a send that could never render.
    for (const html of ['<div>'.repeat(39_000), '{% for i in (1..50000) %}<blockquote>{% endfor %}x']) {
      const deep = await call(api, 'POST', '/api/v1/email/preview', {
        body: { customerId: String(customerId), subject: 's', html },
      });
      expect(deep.status, JSON.stringify(deep.body)).toBe(400);
      expect(deep.body.error.issues[0]).toMatchObject({
        path: ['html'],
        message: expect.stringMatching(/nest/),
      });
    }

    const sent = await call(api, 'POST', '/api/v1/email/test', {
      body: {
        customerId: String(customerId),
        to: 'me@example.com',
        subject: 'Test {{ customer.first_name }}',
        html: '<p>x</p>',
      },
    });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ status: 'queued' });
    const stored = await findMessage(db, api.workspaceId, Number(sent.body.messageId));
    expect(stored).toMatchObject({
      to_address: 'me@example.com',
      subject: 'Test Bob',
      category: 'transactional',
      origin_kind: 'test',
    });
  });

  it('keeps settings (SMTP URL only with the install key, never shown), suppressions and consent records', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const settings = await call(api, 'GET', '/api/v1/email/settings');
    expect(settings.body).toEqual({
      fromAddress: null,
      fromName: null,
      replyTo: null,
      smtp: { source: 'none' },
      maxPerDay: 1,
      maxPerWeek: 3,
      quietHours: { start: '21:00', end: '08:00' },
      trackOpens: true,
      trackClicks: true,
    });
    expect((await call(api, 'PATCH', '/api/v1/email/settings', { body: { maxPerDay: 2 } })).status).toBe(403); // marketer
    const refused = await call(api, 'PATCH', '/api/v1/email/settings', {
      role: 'admin',
      body: { smtpUrl: 'smtp://u:p@mail.example.com:587' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.issues[0].path).toEqual(['json', 'smtpUrl']);
    vi.stubEnv('RETAIN_SECRET_KEY', 'an install key of enough length');
    const changed = await call(api, 'PATCH', '/api/v1/email/settings', {
      role: 'admin',
      body: {
        smtpUrl: 'smtp://u:secret-pass@mail.example.com:587',
        maxPerDay: 2,
        quietHours: null,
        trackOpens: false,
        fromName: 'Tea Shop',
        fromAddress: 'hello@tea.example',
      },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      smtp: { source: 'workspace' },
      maxPerDay: 2,
      quietHours: null,
      trackOpens: false,
      fromName: 'Tea Shop',
    });
    expect(JSON.stringify(changed.body)).not.toContain('secret-pass');
    const row = await db
      .selectFrom('email_settings')
      .selectAll()
      .where('workspace_id', '=', api.workspaceId)
      .executeTakeFirstOrThrow();
    expect(row.smtp_url_encrypted).toMatch(/^v1\./);
    expect(row.smtp_url_encrypted).not.toContain('secret-pass');
    expect(
      (
        await call(api, 'PATCH', '/api/v1/email/settings', {
          role: 'admin',
          body: { quietHours: { start: '25:00', end: '08:00' } },
        })
      ).status,
    ).toBe(400);

    const added = await call(api, 'POST', '/api/v1/email/suppressions', {
      body: { address: 'Spam.Reporter@Example.com', reason: 'complaint' },
    });
    expect(added.body).toEqual({ addressHash: expect.stringMatching(/^[0-9a-f]{64}$/), created: true });
    const list = await call(api, 'GET', '/api/v1/email/suppressions?address=spam.reporter@example.com');
    expect(list.body.items).toMatchObject([
      { addressHash: added.body.addressHash, reason: 'complaint', source: 'api' },
    ]);
    expect(
      (
        await call(
          api,
          'DELETE',
          `/api/v1/email/suppressions/${encodeURIComponent('spam.reporter@example.com')}`,
        )
      ).status,
    ).toBe(204);
    expect((await call(api, 'DELETE', `/api/v1/email/suppressions/${added.body.addressHash}`)).status).toBe(
      404,
    );

    const customerId = await addCustomer(db, api.workspaceId, { consent: false, now: NOW });
    const given = await call(api, 'POST', '/api/v1/email/consent', {
      body: { customerId: String(customerId), granted: true, source: 'checkout_checkbox' },
    });
    expect(given.status).toBe(200);
    expect(given.body).toMatchObject({
      granted: true,
      records: [{ granted: true, source: 'checkout_checkbox', at: new Date(NOW).toISOString() }],
    });
    expect((await call(api, 'GET', `/api/v1/email/consent/${customerId}`)).body.granted).toBe(true);
    expect((await call(api, 'GET', '/api/v1/email/consent/999999')).status).toBe(404);
  });

  it('unsubscribes: the page confirms on GET and acts on POST; a mail client’s one-click POST works alone', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const { row, customerId } = await outboxMessage(api, db, '<p>Sale</p>');
    const token = tokenOf(row.html ?? '', 'u');
    expect(token).not.toBe('');

    const confirm = await api.app.request(`/e/u/${token}`);
    expect(confirm.status).toBe(200);
    const pageHtml = await confirm.text();
    expect(pageHtml).toContain('<form method="post">');
    expect(
      await db
        .selectFrom('email_suppression')
        .select('id')
        .where('workspace_id', '=', api.workspaceId)
        .execute(),
    ).toEqual([]);

    const posted = await api.app.request(`/e/u/${token}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'confirm=1',
    });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toContain('You are unsubscribed');
    expect((await call(api, 'GET', `/api/v1/email/consent/${customerId}`)).body).toMatchObject({
      granted: false,
      records: [{ granted: false, source: 'unsubscribe_page', messageId: String(row.id) }],
    });
    expect(await findMessage(db, api.workspaceId, row.id)).toMatchObject({ unsubscribed_at: NOW });
    const again = await queueEmail(
      db,
      {
        workspaceId: api.workspaceId,
        customerId,
        dedupeKey: 'after',
        category: 'transactional',
        subject: 's',
        html: 'h',
      },
      { now: NOW, environment: testEnvironment(null) },
    );
    expect(again).toMatchObject({ status: 'skipped', reason: 'suppressed' });

    // One-click, as RFC 8058 §3.2 has a mail client send it: no cookie, no page.
    const second = await outboxMessage(api, db, '<p>Sale 2</p>', 'bea@example.com');
    const oneClick = await api.app.request(`/e/u/${tokenOf(second.row.html ?? '', 'u')}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);
    expect(
      (await call(api, 'GET', `/api/v1/email/consent/${second.customerId}`)).body.records[0],
    ).toMatchObject({ granted: false, source: 'one_click' });

    // A token changed by one character is refused, and changes nothing.
    const forged = `${token.slice(0, -3)}${token.at(-3) === 'A' ? 'B' : 'A'}${token.slice(-2)}`;
    expect(
      (
        await api.app.request(`/e/u/${forged}`, {
          method: 'POST',
          body: 'List-Unsubscribe=One-Click',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        })
      ).status,
    ).toBe(404);
    expect((await api.app.request('/e/u/garbage')).status).toBe(404);
  });

  it('counts opens through the pixel and clicks through redirects that go only where they were signed to', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const { row } = await outboxMessage(
      api,
      db,
      '<p><a href="https://shop.example.com/sale?x=1&amp;y=2">Sale</a></p>',
    );
    const open = await api.app.request(`/e/o/${tokenOf(row.html ?? '', 'o')}`);
    expect(open.status).toBe(200);
    expect(open.headers.get('content-type')).toBe('image/gif');
    expect(open.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect((await api.app.request('/e/o/forged.token')).status).toBe(200); // same answer, nothing counted

    const clickToken = tokenOf(row.html ?? '', 'c');
    const click = await api.app.request(`/e/c/${clickToken}`);
    expect(click.status).toBe(302);
    expect(click.headers.get('location')).toBe('https://shop.example.com/sale?x=1&y=2');
    expect(await findMessage(db, api.workspaceId, row.id)).toMatchObject({ opened_at: NOW, clicked_at: NOW });

    // Another target in the same token's payload, signature kept: refused (no open redirect).
    const [payload, signature] = clickToken.split('.');
    const parts = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
    parts[3] = 'https://evil.example.net/';
    const tampered = `${Buffer.from(JSON.stringify(parts)).toString('base64url')}.${signature}`;
    const refused = await api.app.request(`/e/c/${tampered}`);
    expect(refused.status).toBe(404);
    expect(refused.headers.get('location')).toBeNull();
    const stats = await call(api, 'GET', '/api/v1/email/stats');
    expect(stats.body).toMatchObject({ opened: 1, clicked: 1 });
  });
});
