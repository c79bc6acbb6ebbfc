/**
 * The members API through the real app (`app.request()`, no port) on SQLite and PostgreSQL: who
 * may list, add, change and remove members, the last-owner rule, the audit entries, and that a
 * removed member's session ends at once.
 */
import { expect, it } from 'vitest';
import { describeEachDatabase, describeOnDatabase } from '../../test/support/databases.js';
import { listAudit } from '../audit/index.js';
import { buildApp } from '../server/index.js';
import { createWorkspaceWithKeys } from '../workspaces/index.js';
import { createApiKey } from './api-key.service.js';
import type { Role } from './roles.js';
import { listUsers } from './user.repository.js';
import { createUser, removeUser } from './user.service.js';

const START = Date.UTC(2026, 0, 1);
const PASSWORD = 'correct horse battery';

// biome-ignore lint/suspicious/noExplicitAny: test bodies are checked by the assertions themselves.
const bodyOf = (response: Response): Promise<any> => response.json();

describeEachDatabase('workspace members', (getDb) => {
  function appOf() {
    const { db, dialect } = getDb();
    return buildApp({ db, dialect, now: () => START }, { rateLimit: false });
  }

  let counter = 0;
  /** A workspace with an owner, and a logged-in session of a member with `role`. */
  async function setup(role: Role = 'owner') {
    const { db } = getDb();
    counter += 1;
    const slug = `team-${counter}-${Math.random().toString(36).slice(2, 8)}`;
    const { workspace } = await createWorkspaceWithKeys(db, {
      name: 'Team',
      slug,
      actor: { type: 'system' },
      now: START,
    });
    const owner = await createUser(db, {
      workspaceId: workspace.id,
      email: `owner-${counter}@example.com`,
      role: 'owner',
      password: PASSWORD,
      actor: { type: 'system' },
      now: START,
    });
    const caller =
      role === 'owner'
        ? owner
        : await createUser(db, {
            workspaceId: workspace.id,
            email: `${role}-${counter}@example.com`,
            role,
            password: PASSWORD,
            actor: { type: 'system' },
            now: START,
          });
    const app = appOf();
    const session = await logIn(app, slug, caller.email);
    return { app, db, workspace, slug, owner, caller, ...session };
  }

  async function logIn(app: ReturnType<typeof appOf>, workspace: string, email: string, password = PASSWORD) {
    const response = await app.request('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ workspace, email, password }),
    });
    expect(response.status).toBe(200);
    const cookie = /retain_session=[^;]+/.exec(response.headers.get('set-cookie') ?? '')![0];
    const { csrfToken } = await bodyOf(response);
    return { cookie, csrfToken: csrfToken as string };
  }

  function call(
    context: { app: ReturnType<typeof appOf>; cookie: string; csrfToken: string },
    method: string,
    path: string,
    body?: unknown,
  ) {
    return context.app.request(path, {
      method,
      headers: {
        Cookie: context.cookie,
        'X-CSRF-Token': context.csrfToken,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  it('adds a member who can then log in, lists them, and records user.created', async () => {
    const context = await setup();
    const created = await call(context, 'POST', '/api/v1/users', {
      email: ' New.Analyst@Example.com ',
      name: 'Nina',
      role: 'analyst',
      password: 'a fresh password',
    });
    expect(created.status).toBe(201);
    const member = await bodyOf(created);
    expect(member).toMatchObject({
      email: 'new.analyst@example.com',
      name: 'Nina',
      role: 'analyst',
      disabledAt: null,
    });

    await logIn(context.app, context.slug, 'new.analyst@example.com', 'a fresh password');

    const list = await bodyOf(await call(context, 'GET', '/api/v1/users'));
    expect(list.users.map((user: { email: string }) => user.email)).toEqual([
      context.owner.email,
      'new.analyst@example.com',
    ]);
    const audit = await listAudit(context.db, context.workspace.id);
    expect(
      audit.find((entry) => entry.action === 'user.created' && entry.entityId === member.id),
    ).toMatchObject({
      actorType: 'user',
      actorId: String(context.owner.id),
      details: { email: 'new.analyst@example.com', role: 'analyst' },
    });

    // The same e-mail again: 409; a short password: 400 naming the field.
    const again = await call(context, 'POST', '/api/v1/users', {
      email: 'new.analyst@example.com',
      role: 'agent',
      password: 'another password',
    });
    expect(again.status).toBe(409);
    const short = await call(context, 'POST', '/api/v1/users', {
      email: 'x@example.com',
      role: 'agent',
      password: 'short',
    });
    expect(short.status).toBe(400);
    expect(JSON.stringify(await bodyOf(short))).toContain('password');
  });

  it('lets only owners and admins manage members; an admin cannot make or touch an owner', async () => {
    const analyst = await setup('analyst');
    expect((await call(analyst, 'GET', '/api/v1/users')).status).toBe(403);
    expect(
      (
        await call(analyst, 'POST', '/api/v1/users', {
          email: 'a@example.com',
          role: 'agent',
          password: PASSWORD,
        })
      ).status,
    ).toBe(403);

    const admin = await setup('admin');
    expect((await call(admin, 'GET', '/api/v1/users')).status).toBe(200);
    const makeOwner = await call(admin, 'POST', '/api/v1/users', {
      email: 'boss@example.com',
      role: 'owner',
      password: PASSWORD,
    });
    expect(makeOwner.status).toBe(403);
    expect((await call(admin, 'PATCH', `/api/v1/users/${admin.owner.id}`, { role: 'analyst' })).status).toBe(
      403,
    );
    expect((await call(admin, 'DELETE', `/api/v1/users/${admin.owner.id}`)).status).toBe(403);
    expect((await call(admin, 'PATCH', `/api/v1/users/${admin.caller.id}`, { role: 'owner' })).status).toBe(
      403,
    );
    // An admin manages the other roles.
    const agent = await bodyOf(
      await call(admin, 'POST', '/api/v1/users', {
        email: 'agent@example.com',
        role: 'agent',
        password: PASSWORD,
      }),
    );
    const changed = await call(admin, 'PATCH', `/api/v1/users/${agent.id}`, { role: 'marketer' });
    expect(changed.status).toBe(200);
    expect((await bodyOf(changed)).role).toBe('marketer');

    // An API key with the admin role is an admin too; a session of another workspace sees none of these.
    const other = await setup();
    expect((await call(other, 'PATCH', `/api/v1/users/${agent.id}`, { role: 'agent' })).status).toBe(404);
    expect((await call(other, 'DELETE', `/api/v1/users/${agent.id}`)).status).toBe(404);
    const { key } = await createApiKey(admin.db, {
      workspaceId: admin.workspace.id,
      name: 'ops',
      role: 'admin',
      grantedBy: null,
      actor: { type: 'system' },
      now: START,
    });
    const byKey = await admin.app.request('/api/v1/users', { headers: { Authorization: `Bearer ${key}` } });
    expect((await bodyOf(byKey)).users).toHaveLength(3);
  });

  it('keeps the last owner: cannot be demoted or removed until another owner exists', async () => {
    const context = await setup();
    const self = `/api/v1/users/${context.owner.id}`;
    const demote = await call(context, 'PATCH', self, { role: 'admin' });
    expect(demote.status).toBe(409);
    expect((await bodyOf(demote)).error.message).toMatch(/last owner/);
    expect((await call(context, 'DELETE', self)).status).toBe(409);
    expect((await call(context, 'PATCH', self, { disabled: true })).status).toBe(409);

    const second = await bodyOf(
      await call(context, 'POST', '/api/v1/users', {
        email: 'co-owner@example.com',
        role: 'owner',
        password: PASSWORD,
      }),
    );
    // The other owner is removed first; then the first owner is the last one again.
    expect((await call(context, 'DELETE', `/api/v1/users/${second.id}`)).status).toBe(204);
    expect((await call(context, 'PATCH', self, { role: 'admin' })).status).toBe(409);
    // Restored, the co-owner counts again, and the first owner may step down.
    expect((await call(context, 'PATCH', `/api/v1/users/${second.id}`, { disabled: false })).status).toBe(
      200,
    );
    const stepDown = await call(context, 'PATCH', self, { role: 'admin' });
    expect(stepDown.status).toBe(200);
    expect((await bodyOf(stepDown)).role).toBe('admin');
  });

  it('removes a member: their session ends at once, they cannot log in, and adding them again restores them', async () => {
    const context = await setup();
    const member = await bodyOf(
      await call(context, 'POST', '/api/v1/users', {
        email: 'leaver@example.com',
        role: 'analyst',
        password: PASSWORD,
      }),
    );
    const theirs = await logIn(context.app, context.slug, 'leaver@example.com');
    expect(
      (await context.app.request('/api/v1/auth/me', { headers: { Cookie: theirs.cookie } })).status,
    ).toBe(200);

    expect((await call(context, 'DELETE', `/api/v1/users/${member.id}`)).status).toBe(204);
    expect(
      (await context.app.request('/api/v1/auth/me', { headers: { Cookie: theirs.cookie } })).status,
    ).toBe(401);
    const login = await context.app.request('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ workspace: context.slug, email: 'leaver@example.com', password: PASSWORD }),
    });
    expect(login.status).toBe(401);
    // Still listed, as removed; a second DELETE changes nothing.
    const listed = (await bodyOf(await call(context, 'GET', '/api/v1/users'))).users.find(
      (user: { id: string }) => user.id === member.id,
    );
    expect(listed.disabledAt).toBe(START);
    expect((await call(context, 'DELETE', `/api/v1/users/${member.id}`)).status).toBe(204);

    const back = await call(context, 'POST', '/api/v1/users', {
      email: 'leaver@example.com',
      role: 'agent',
      password: 'a new password',
    });
    expect(back.status).toBe(201);
    expect(await bodyOf(back)).toMatchObject({ id: member.id, role: 'agent', disabledAt: null });
    await logIn(context.app, context.slug, 'leaver@example.com', 'a new password');

    const actions = (await listAudit(context.db, context.workspace.id))
      .filter((entry) => entry.entityId === member.id)
      .map((entry) => entry.action);
    expect(actions.sort()).toEqual(['user.created', 'user.removed', 'user.restored']);
  });

  it('sets a new password: the old one stops working and the member’s sessions end', async () => {
    const context = await setup();
    const member = await bodyOf(
      await call(context, 'POST', '/api/v1/users', {
        email: 'forgetful@example.com',
        role: 'agent',
        password: PASSWORD,
      }),
    );
    const theirs = await logIn(context.app, context.slug, 'forgetful@example.com');
    const reset = await call(context, 'PATCH', `/api/v1/users/${member.id}`, {
      password: 'brand new password',
    });
    expect(reset.status).toBe(200);
    expect(
      (await context.app.request('/api/v1/auth/me', { headers: { Cookie: theirs.cookie } })).status,
    ).toBe(401);
    await logIn(context.app, context.slug, 'forgetful@example.com', 'brand new password');
    const entry = (await listAudit(context.db, context.workspace.id)).find(
      (audit) => audit.action === 'user.updated' && audit.entityId === member.id,
    );
    expect(entry?.details).toEqual({ email: 'forgetful@example.com', passwordChanged: true });
    expect(JSON.stringify(entry)).not.toContain('brand new password');
  });
});

describeOnDatabase('postgres', 'the last owner under concurrency', (getDb) => {
  it('lets only one of two owners removing each other at the same time succeed', async () => {
    const { db } = getDb();
    const { workspace } = await createWorkspaceWithKeys(db, {
      name: 'Race',
      slug: `race-${Math.random().toString(36).slice(2, 8)}`,
      actor: { type: 'system' },
      now: START,
    });
    const owner = (email: string) =>
      createUser(db, {
        workspaceId: workspace.id,
        email,
        role: 'owner',
        password: PASSWORD,
        actor: { type: 'system' },
        now: START,
      });
    const [ann, bob] = [await owner('ann@example.com'), await owner('bob@example.com')];
    // Two connections, so the transactions really overlap; each removes the other owner.
    const [first, second] = [getDb().open().db, getDb().open().db];
    const outcomes = await Promise.allSettled([
      removeUser(first, {
        workspaceId: workspace.id,
        id: bob.id,
        grantedBy: 'owner',
        actor: { type: 'user', id: ann.id },
        now: START,
      }),
      removeUser(second, {
        workspaceId: workspace.id,
        id: ann.id,
        grantedBy: 'owner',
        actor: { type: 'user', id: bob.id },
        now: START,
      }),
    ]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    const owners = (await listUsers(db, workspace.id)).filter(
      (user) => user.role === 'owner' && user.disabledAt === null,
    );
    expect(owners).toHaveLength(1);
  });
});
