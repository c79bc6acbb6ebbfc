/**
 * Authentication through the real app (`app.request()`, no port) on SQLite and PostgreSQL:
 * sessions with their cookie and CSRF token, API keys, roles, workspace isolation, rate limits.
 */
import { describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { listAudit } from '../audit/index.js';
import type { AppOptions } from '../server/index.js';
import { buildApp } from '../server/index.js';
import { createWorkspaceWithKeys } from '../workspaces/index.js';
import { createApiKey } from './api-key.service.js';
import { SESSION_IDLE_MS } from './auth.service.js';
import { hashSecret } from './secrets.js';
import { createUser } from './user.service.js';

const START = Date.UTC(2026, 0, 1);

/** A response body as the test reads it (the shapes are asserted, not assumed). */
// biome-ignore lint/suspicious/noExplicitAny: test bodies are checked by the assertions themselves.
const bodyOf = (response: Response): Promise<any> => response.json();
const HOUR_MS = 3_600_000;
const PASSWORD = 'correct horse battery';

describeEachDatabase('authentication', (getDb) => {
  /** An app with a clock the test moves. */
  function setup(options: AppOptions = { rateLimit: false }) {
    const { db, dialect } = getDb();
    const clock = { now: START };
    const app = buildApp({ db, dialect, now: () => clock.now }, options);
    return { app, clock, db };
  }

  let slugCounter = 0;
  async function newWorkspace(role: 'owner' | 'agent' = 'owner') {
    const { db } = getDb();
    slugCounter += 1;
    const slug = `shop-${slugCounter}-${Math.random().toString(36).slice(2, 8)}`;
    const created = await createWorkspaceWithKeys(db, {
      name: 'Shop',
      slug,
      actor: { type: 'system' },
      now: START,
    });
    const email = `Ann.${slugCounter}@Example.com`;
    const user = await createUser(db, {
      workspaceId: created.workspace.id,
      email,
      role,
      password: PASSWORD,
      actor: { type: 'system' },
      now: START,
    });
    return { ...created, slug, email, user };
  }

  async function logIn(
    app: ReturnType<typeof setup>['app'],
    body: Record<string, string>,
    url = 'http://localhost',
  ) {
    return app.request(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  function cookieOf(response: Response): string {
    const header = response.headers.get('set-cookie') ?? '';
    const token = /retain_session=([^;]*)/.exec(header)?.[1];
    if (!token) throw new Error(`no session cookie in "${header}"`);
    return `retain_session=${token}`;
  }

  it('logs in with a session cookie (HttpOnly, SameSite=Lax), and `me` answers with it', async () => {
    const { app, db } = setup();
    const { slug, email, user, workspace } = await newWorkspace();
    // The e-mail is matched case-insensitively: it was created as Ann.N@Example.com.
    const response = await logIn(app, { workspace: slug, email: email.toUpperCase(), password: PASSWORD });
    expect(response.status).toBe(200);
    const body = await bodyOf(response);
    // Ids travel as decimal strings.
    expect(body.user).toEqual({ id: String(user.id), email: email.toLowerCase(), name: null, role: 'owner' });
    expect(body.workspace).toEqual({ id: String(workspace.id), name: 'Shop', slug });
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/); // plain http here
    // 14 days in seconds: 14 × 86 400 = 1 209 600.
    expect(setCookie).toMatch(/Max-Age=1209600/);

    const cookie = cookieOf(response);
    const me = await app.request('/api/v1/auth/me', { headers: { Cookie: cookie } });
    expect(me.status).toBe(200);
    expect(await bodyOf(me)).toMatchObject({
      via: 'session',
      role: 'owner',
      workspace: { id: String(workspace.id) },
      user: { id: String(user.id) },
      apiKey: null,
      csrfToken: body.csrfToken,
    });

    // The table holds SHA-256 of the token, never the token.
    const token = cookie.slice('retain_session='.length);
    const sessions = await db
      .selectFrom('session')
      .selectAll()
      .where('workspace_id', '=', workspace.id)
      .execute();
    expect(sessions.map((session) => session.id)).toEqual([hashSecret(token)]);
    expect(token.length).toBeGreaterThanOrEqual(43); // 32 bytes in base64url
  });

  it('also accepts the workspace id, and marks the cookie Secure over https', async () => {
    const { app } = setup();
    const { email, workspace } = await newWorkspace();
    const response = await logIn(
      app,
      { workspace: String(workspace.id), email, password: PASSWORD },
      'https://retain.example',
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toMatch(/Secure/);
  });

  it('answers a wrong password, an unknown e-mail and an unknown workspace with the same 401', async () => {
    const { app } = setup();
    const { slug, email } = await newWorkspace();
    const wrongPassword = await logIn(app, { workspace: slug, email, password: 'not the password' });
    const unknownEmail = await logIn(app, {
      workspace: slug,
      email: 'nobody@example.com',
      password: PASSWORD,
    });
    const unknownWorkspace = await logIn(app, { workspace: 'no-such-shop', email, password: PASSWORD });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(unknownWorkspace.status).toBe(401);
    const body = await wrongPassword.text();
    expect(await unknownEmail.text()).toBe(body);
    expect(await unknownWorkspace.text()).toBe(body);
    expect(wrongPassword.headers.get('set-cookie')).toBeNull();
  });

  it('refuses a cookie POST without the CSRF header (403) and accepts it with the token', async () => {
    const { app } = setup();
    const { slug, email } = await newWorkspace();
    const login = await logIn(app, { workspace: slug, email, password: PASSWORD });
    const cookie = cookieOf(login);
    const { csrfToken } = await bodyOf(login);
    const post = (headers: Record<string, string>) =>
      app.request('/api/v1/api-keys', {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify({ name: 'ETL' }),
      });
    const missing = await post({});
    expect(missing.status).toBe(403);
    expect(await bodyOf(missing)).toMatchObject({ error: { code: 'forbidden' } });
    expect((await post({ 'X-CSRF-Token': `${csrfToken.slice(0, -1)}x` })).status).toBe(403);
    const accepted = await post({ 'X-CSRF-Token': csrfToken });
    expect(accepted.status).toBe(201);
    expect((await bodyOf(accepted)).apiKey.role).toBe('analyst'); // the documented default role

    // Logging out (itself a POST, so CSRF-checked) ends the session.
    expect(
      (await app.request('/api/v1/auth/logout', { method: 'POST', headers: { Cookie: cookie } })).status,
    ).toBe(403);
    const logout = await app.request('/api/v1/auth/logout', {
      method: 'POST',
      headers: { Cookie: cookie, 'X-CSRF-Token': csrfToken },
    });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(/retain_session=;/);
    expect((await app.request('/api/v1/auth/me', { headers: { Cookie: cookie } })).status).toBe(401);
  });

  it('expires an idle session after 14 days and slides the expiry of an active one', async () => {
    const { app, clock } = setup();
    const { slug, email } = await newWorkspace();
    const cookie = cookieOf(await logIn(app, { workspace: slug, email, password: PASSWORD }));
    // Active every 13 days: each request (more than an hour after the last renewal) slides it on.
    for (let step = 1; step <= 3; step += 1) {
      clock.now = START + step * 13 * 24 * HOUR_MS;
      const me = await app.request('/api/v1/auth/me', { headers: { Cookie: cookie } });
      expect(me.status).toBe(200);
      expect(me.headers.get('set-cookie')).toMatch(/Max-Age=1209600/);
    }
    clock.now += SESSION_IDLE_MS; // idle for 14 days exactly: expired (expiry is exclusive)
    const expired = await app.request('/api/v1/auth/me', { headers: { Cookie: cookie } });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toMatch(/Bearer/);
  });

  it('accepts a Bearer API key, records its use, and refuses it once revoked', async () => {
    const { app, clock, db } = setup();
    const { apiKey, apiKeyId, workspace } = await newWorkspace();
    expect(apiKey).toMatch(/^rk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    clock.now = START + HOUR_MS;
    const me = await app.request('/api/v1/auth/me', { headers: { Authorization: `Bearer ${apiKey}` } });
    expect(me.status).toBe(200);
    expect(await bodyOf(me)).toMatchObject({
      via: 'api_key',
      role: 'admin',
      apiKey: { id: String(apiKeyId) },
      user: null,
    });
    const row = await db
      .selectFrom('api_key')
      .selectAll()
      .where('workspace_id', '=', workspace.id)
      .executeTakeFirst();
    expect(row?.last_used_at).toBe(START + HOUR_MS);
    expect(row?.key_hash).toBe(hashSecret(apiKey));
    expect(JSON.stringify(row)).not.toContain(apiKey.slice(12));

    // An API key needs no CSRF token for a POST.
    const created = await app.request('/api/v1/api-keys', {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Support tool', role: 'agent' }),
    });
    expect(created.status).toBe(201);
    const { key: supportKey, apiKey: supportListing } = await bodyOf(created);

    const revoke = await app.request(`/api/v1/api-keys/${supportListing.id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${apiKey}` },
    });
    expect(revoke.status).toBe(204);
    const refused = await app.request('/api/v1/auth/me', {
      headers: { Authorization: `Bearer ${supportKey}` },
    });
    expect(refused.status).toBe(401);
    expect(
      (await app.request('/api/v1/auth/me', { headers: { Authorization: 'Bearer rk_nonsense' } })).status,
    ).toBe(401);

    const audit = await listAudit(db, workspace.id, { entity: 'api_key', entityId: supportListing.id });
    expect(audit.map((entry) => [entry.action, entry.actorType, entry.actorId])).toEqual([
      ['api_key.revoked', 'api_key', String(apiKeyId)],
      ['api_key.created', 'api_key', String(apiKeyId)],
    ]);
  });

  it('never shows one workspace the keys of another (list, revoke → 404)', async () => {
    const { app, db } = setup();
    const first = await newWorkspace();
    const second = await newWorkspace();
    const other = await createApiKey(db, {
      workspaceId: second.workspace.id,
      name: 'B only',
      role: 'analyst',
      grantedBy: null,
      actor: { type: 'system' },
      now: START,
    });
    const list = await app.request('/api/v1/api-keys', {
      headers: { Authorization: `Bearer ${first.apiKey}` },
    });
    const ids = (await bodyOf(list)).apiKeys.map((key: { id: string }) => key.id);
    expect(ids).toEqual([String(first.apiKeyId)]);
    const revoke = await app.request(`/api/v1/api-keys/${other.apiKey.id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${first.apiKey}` },
    });
    expect(revoke.status).toBe(404);
    const workspace = await app.request('/api/v1/workspace', {
      headers: { Authorization: `Bearer ${first.apiKey}` },
    });
    expect(await bodyOf(workspace)).toMatchObject({ id: String(first.workspace.id), slug: first.slug });
    // B's key still works: A's attempt changed nothing.
    const me = await app.request('/api/v1/auth/me', { headers: { Authorization: `Bearer ${other.key}` } });
    expect(me.status).toBe(200);
  });

  it('checks roles: an agent cannot manage keys, an admin cannot mint an owner key', async () => {
    const { app, db } = setup();
    const { apiKey, workspace } = await newWorkspace();
    const agent = await createApiKey(db, {
      workspaceId: workspace.id,
      name: 'Support',
      role: 'agent',
      grantedBy: null,
      actor: { type: 'system' },
      now: START,
    });
    const asAgent = { Authorization: `Bearer ${agent.key}`, 'Content-Type': 'application/json' };
    const create = await app.request('/api/v1/api-keys', {
      method: 'POST',
      headers: asAgent,
      body: JSON.stringify({ name: 'Escalate' }),
    });
    expect(create.status).toBe(403);
    expect((await app.request('/api/v1/api-keys', { headers: asAgent })).status).toBe(403);
    // The agent may still read its own workspace.
    expect((await app.request('/api/v1/workspace', { headers: asAgent })).status).toBe(200);
    const ownerKey = await app.request('/api/v1/api-keys', {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Owner', role: 'owner' }),
    });
    expect(ownerKey.status).toBe(403); // the workspace's key is an admin key
    const invalid = await app.request('/api/v1/api-keys', {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: '', role: 'emperor' }),
    });
    expect(invalid.status).toBe(400);
  });

  it('answers unauthenticated requests with 401 and lets only login through', async () => {
    const { app } = setup();
    expect((await app.request('/api/v1/workspace')).status).toBe(401);
    expect(
      (await app.request('/api/v1/auth/me', { headers: { Cookie: 'retain_session=forged' } })).status,
    ).toBe(401);
    expect((await app.request('/api/v1/api-keys', { headers: { Authorization: 'Basic abc' } })).status).toBe(
      401,
    );
    const badLogin = await logIn(app, { workspace: 'x' });
    expect(badLogin.status).toBe(400);
  });

  it('limits the rate per caller with 429 and Retry-After', async () => {
    // 2 requests a minute, bursts of 2: the third at the same instant waits 1 token / (2/60 s) = 30 s.
    const { app, clock } = setup({ rateLimit: { requestsPerMinute: 2 } });
    const { apiKey } = await newWorkspace();
    const headers = { Authorization: `Bearer ${apiKey}` };
    expect((await app.request('/api/v1/workspace', { headers })).status).toBe(200);
    expect((await app.request('/api/v1/workspace', { headers })).status).toBe(200);
    const limited = await app.request('/api/v1/workspace', { headers });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(await bodyOf(limited)).toMatchObject({ error: { code: 'rate_limited' } });
    // Another caller (no credentials → counted by address) has its own bucket.
    expect((await app.request('/api/v1/workspace')).status).toBe(401);
    clock.now += 30_000;
    expect((await app.request('/api/v1/workspace', { headers })).status).toBe(200);
  });
  it('holds an account after 5 wrong passwords without checking the next guess, and not its neighbours', async () => {
    // Default throttle: 5 free failures, then 1 s, 2 s, 4 s… (auth/login-throttle.ts).
    const { app, clock } = setup({ rateLimit: false });
    const { slug, email } = await newWorkspace();
    const other = await newWorkspace();
    for (let attempt = 1; attempt <= 5; attempt++) {
      expect((await logIn(app, { workspace: slug, email, password: 'wrong' })).status).toBe(401);
    }
    // The 6th wrong password is still a 401 (it is checked), and now the account waits 1 s.
    expect((await logIn(app, { workspace: slug, email, password: 'wrong' })).status).toBe(401);
    const held = await logIn(app, { workspace: slug, email, password: PASSWORD });
    expect(held.status).toBe(429);
    expect(held.headers.get('retry-after')).toBe('1');
    expect(await bodyOf(held)).toMatchObject({ error: { code: 'rate_limited' } });
    // Another account behind the same address logs in at once.
    expect((await logIn(app, { workspace: other.slug, email: other.email, password: PASSWORD })).status).toBe(
      200,
    );
    clock.now += 1_000;
    expect((await logIn(app, { workspace: slug, email, password: PASSWORD })).status).toBe(200);
    // The success cleared the count: one more wrong password is checked at once.
    expect((await logIn(app, { workspace: slug, email, password: 'wrong' })).status).toBe(401);
    expect((await logIn(app, { workspace: slug, email, password: PASSWORD })).status).toBe(200);
  });

  it('limits wrong passwords per address, except for an account that logged in from there before', async () => {
    const { app } = setup({ rateLimit: false, loginThrottle: { addressFailuresPerHour: 3 } });
    const known = await newWorkspace();
    const stranger = await newWorkspace();
    expect((await logIn(app, { workspace: known.slug, email: known.email, password: PASSWORD })).status).toBe(
      200,
    );
    for (let index = 0; index < 3; index++) {
      const response = await logIn(app, {
        workspace: 'nowhere',
        email: `guess${index}@x.com`,
        password: 'x',
      });
      expect(response.status).toBe(401);
    }
    // 3 failures an hour from this address: a 4th account waits 20 minutes (3/h → one per 1,200 s)…
    const sprayed = await logIn(app, { workspace: stranger.slug, email: stranger.email, password: PASSWORD });
    expect(sprayed.status).toBe(429);
    expect(sprayed.headers.get('retry-after')).toBe('1200');
    // …while the account that logged in from here before still gets in.
    expect((await logIn(app, { workspace: known.slug, email: known.email, password: PASSWORD })).status).toBe(
      200,
    );
  });
});

describe('rate limits are on by default', () => {
  it('refuses the 601st request of a minute from one caller', async () => {
    const app = buildApp({ db: null as never, dialect: 'sqlite', now: () => START });
    let lastStatus = 0;
    // Without credentials every request is a 401 until the bucket of 600 is empty.
    for (let request = 1; request <= 601; request += 1) {
      lastStatus = (await app.request('/api/v1/workspace')).status;
      if (request === 600) expect(lastStatus).toBe(401);
    }
    expect(lastStatus).toBe(429);
  });
});
