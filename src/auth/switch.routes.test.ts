/**
 * Switching workspaces (`POST /auth/switch`) through the real app on SQLite and PostgreSQL: a
 * login opens every workspace where the same e-mail and password open an enabled account, and
 * only those; the switch replaces the session (new cookie and CSRF token), keeps the login's limit,
 * and is refused for another person's account, a disabled one, an API key, or without CSRF.
 */
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { buildApp } from '../server/index.js';
import { createWorkspaceWithKeys } from '../workspaces/index.js';
import { SESSION_IDLE_MS, SESSION_MAX_AGE_MS } from './auth.service.js';
import type { Role } from './roles.js';
import { hashSecret } from './secrets.js';
import { createUser, updateUser } from './user.service.js';

const START = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;
const PASSWORD = 'correct horse battery';

// biome-ignore lint/suspicious/noExplicitAny: test bodies are checked by the assertions themselves.
const bodyOf = (response: Response): Promise<any> => response.json();

describeEachDatabase('switching workspaces', (getDb) => {
  function setup() {
    const { db, dialect } = getDb();
    const clock = { now: START };
    const app = buildApp({ db, dialect, now: () => clock.now }, { rateLimit: false });
    return { app, clock, db };
  }

  let counter = 0;
  async function workspace(name: string) {
    counter += 1;
    const slug = `${name.toLowerCase()}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
    const created = await createWorkspaceWithKeys(getDb().db, {
      name,
      slug,
      actor: { type: 'system' },
      now: START,
    });
    return { ...created.workspace, apiKey: created.apiKey };
  }

  async function member(workspaceId: number, email: string, role: Role, password = PASSWORD) {
    return createUser(getDb().db, {
      workspaceId,
      email,
      role,
      password,
      actor: { type: 'system' },
      now: START,
    });
  }

  async function logIn(
    app: ReturnType<typeof setup>['app'],
    workspace: string,
    email: string,
    password = PASSWORD,
  ) {
    const response = await app.request('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ workspace, email, password }),
    });
    expect(response.status).toBe(200);
    return { cookie: cookieOf(response), csrfToken: (await bodyOf(response)).csrfToken as string };
  }

  function cookieOf(response: Response): string {
    const token = /retain_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
    if (!token) throw new Error('no session cookie');
    return `retain_session=${token}`;
  }

  function sessionIdOf(cookie: string): string {
    return hashSecret(cookie.slice('retain_session='.length));
  }

  function me(app: ReturnType<typeof setup>['app'], cookie: string) {
    return app.request('/api/v1/auth/me', { headers: { Cookie: cookie } });
  }

  function switchTo(
    app: ReturnType<typeof setup>['app'],
    session: { cookie: string; csrfToken: string },
    workspace: string,
  ) {
    return app.request('/api/v1/auth/switch', {
      method: 'POST',
      headers: {
        Cookie: session.cookie,
        'X-CSRF-Token': session.csrfToken,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ workspace }),
    });
  }

  it('lists the workspaces the password opened and switches into one without asking again', async () => {
    const { app, db } = setup();
    const [shop, agency, stranger] = [
      await workspace('Shop'),
      await workspace('Agency'),
      await workspace('Stranger'),
    ];
    await member(shop.id, 'ann@example.com', 'owner');
    const inAgency = await member(agency.id, 'Ann@Example.com', 'analyst');
    // The same e-mail with another password: someone else's account, or one Ann never proved.
    await member(stranger.id, 'ann@example.com', 'owner', 'a different password');

    const session = await logIn(app, shop.slug, 'ann@example.com');
    const before = await bodyOf(await me(app, session.cookie));
    expect(before.workspaces).toEqual([
      { id: String(shop.id), name: 'Shop', slug: shop.slug, role: 'owner', current: true },
      { id: String(agency.id), name: 'Agency', slug: agency.slug, role: 'analyst', current: false },
    ]);

    const switched = await switchTo(app, session, agency.slug);
    expect(switched.status).toBe(200);
    const answer = await bodyOf(switched);
    expect(answer.workspace).toEqual({ id: String(agency.id), name: 'Agency', slug: agency.slug });
    expect(answer.user).toMatchObject({ id: String(inAgency.id), role: 'analyst' });
    // The same cookie (a request on its way is not refused), a new CSRF token: a page still
    // holding the old one cannot write into Agency.
    const next = { cookie: cookieOf(switched), csrfToken: answer.csrfToken as string };
    expect(next.cookie).toBe(session.cookie);
    expect(next.csrfToken).not.toBe(session.csrfToken);
    const staleWrite = await app.request('/api/v1/api-keys', {
      method: 'POST',
      headers: {
        Cookie: session.cookie,
        'X-CSRF-Token': session.csrfToken,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ name: 'stale tab' }),
    });
    expect(staleWrite.status).toBe(403);
    const after = await bodyOf(await me(app, next.cookie));
    expect(after).toMatchObject({
      role: 'analyst',
      workspace: { id: String(agency.id) },
      csrfToken: next.csrfToken,
    });
    expect(after.workspaces.map((entry: { current: boolean }) => entry.current)).toEqual([false, true]);
    // The analyst of Agency sees Agency's data only; and back to Shop, still without a password.
    const current = await app.request('/api/v1/workspace', { headers: { Cookie: next.cookie } });
    expect((await bodyOf(current)).id).toBe(String(agency.id));
    const back = await switchTo(app, next, String(shop.id));
    expect(back.status).toBe(200);
    const backBody = await bodyOf(back);
    expect(backBody.user.role).toBe('owner');
    // The answer sets one cookie: the new session's.
    expect(back.headers.getSetCookie().filter((line) => line.startsWith('retain_session='))).toHaveLength(1);

    // Never into the workspace whose account the password did not open, nor an unknown one.
    const home = { cookie: cookieOf(back), csrfToken: backBody.csrfToken as string };
    expect((await switchTo(app, home, stranger.slug)).status).toBe(403);
    expect((await switchTo(app, home, 'no-such-workspace')).status).toBe(403);
    // One session row at a time, in the workspace the session is in.
    const rows = await db
      .selectFrom('session')
      .select('workspace_id')
      .where('id', '=', sessionIdOf(home.cookie))
      .execute();
    expect(rows).toEqual([{ workspace_id: shop.id }]);
  });

  it('refuses a switch without the CSRF token, by an API key, or into a disabled account', async () => {
    const { app, db } = setup();
    const [shop, agency] = [await workspace('Shop'), await workspace('Agency')];
    await member(shop.id, 'bea@example.com', 'owner');
    const inAgency = await member(agency.id, 'bea@example.com', 'agent');
    await member(agency.id, 'boss@example.com', 'owner');
    const session = await logIn(app, shop.slug, 'bea@example.com');

    const noCsrf = await app.request('/api/v1/auth/switch', {
      method: 'POST',
      headers: { Cookie: session.cookie, 'Content-Type': 'application/json' },
      body: JSON.stringify({ workspace: agency.slug }),
    });
    expect(noCsrf.status).toBe(403);
    const byKey = await app.request('/api/v1/auth/switch', {
      method: 'POST',
      headers: { Authorization: `Bearer ${shop.apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ workspace: agency.slug }),
    });
    expect(byKey.status).toBe(403);
    expect(
      (
        await bodyOf(
          await app.request('/api/v1/auth/me', { headers: { Authorization: `Bearer ${shop.apiKey}` } }),
        )
      ).workspaces,
    ).toEqual([]);

    // Agency's owner removes Bea there: she can no longer switch in, and it leaves her list.
    await updateUser(db, {
      workspaceId: agency.id,
      id: inAgency.id,
      disabled: true,
      grantedBy: 'owner',
      actor: { type: 'system' },
      now: START,
    });
    expect((await switchTo(app, session, agency.slug)).status).toBe(403);
    expect((await bodyOf(await me(app, session.cookie))).workspaces).toHaveLength(1);
    // Restoring the account does not bring the grant back: the password must be proven again.
    await updateUser(db, {
      workspaceId: agency.id,
      id: inAgency.id,
      disabled: false,
      grantedBy: 'owner',
      actor: { type: 'system' },
      now: START,
    });
    expect((await switchTo(app, session, agency.slug)).status).toBe(403);
    const again = await logIn(app, shop.slug, 'bea@example.com');
    expect((await switchTo(app, again, agency.slug)).status).toBe(200);
  });

  it('keeps the login’s 90-day limit across switches, and logging out ends every workspace', async () => {
    const { app, clock } = setup();
    const [shop, agency] = [await workspace('Shop'), await workspace('Agency')];
    await member(shop.id, 'cy@example.com', 'owner');
    await member(agency.id, 'cy@example.com', 'owner');
    let session = await logIn(app, shop.slug, 'cy@example.com');
    // Switch back and forth every 10 days: each switch is activity, but not a new login.
    for (let day = 10; day < 90; day += 10) {
      clock.now = START + day * DAY_MS;
      const switched = await switchTo(app, session, day % 20 === 10 ? agency.slug : shop.slug);
      expect(switched.status).toBe(200);
      session = { cookie: cookieOf(switched), csrfToken: (await bodyOf(switched)).csrfToken };
    }
    clock.now = START + SESSION_MAX_AGE_MS; // 90 days after the login: over, however active
    expect((await me(app, session.cookie)).status).toBe(401);
    expect(SESSION_IDLE_MS).toBeLessThan(SESSION_MAX_AGE_MS);

    // Log out in one workspace: the grants go too, so the old cookie switches nowhere.
    clock.now = START;
    const fresh = await logIn(app, shop.slug, 'cy@example.com');
    const logout = await app.request('/api/v1/auth/logout', {
      method: 'POST',
      headers: { Cookie: fresh.cookie, 'X-CSRF-Token': fresh.csrfToken },
    });
    expect(logout.status).toBe(204);
    expect((await switchTo(app, fresh, agency.slug)).status).toBe(401);
    const { db } = getDb();
    const grants = await db
      .selectFrom('session_grant')
      .select('id')
      .where('workspace_id', 'in', [shop.id, agency.id])
      .execute();
    // Only the first session's grants remain (it was never logged out; it expired).
    expect(grants.length).toBe(2);
  });
});
