/**
 * The administration commands (`retain workspace|user|key …`) as a user runs them: `main()` with
 * `DATABASE_URL` naming a real temporary SQLite file or PostgreSQL schema, output captured, and
 * what they print checked against the API (a printed key must open the API; a revoked one not).
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { runUserCreate } from '../../src/cli/commands/user.run.js';
import { buildApp } from '../../src/server/index.js';
import { findWorkspaceByWriteKey } from '../../src/workspaces/workspace.repository.js';
import { runRetain } from '../support/cli.js';
import { describeEachDatabase } from '../support/databases.js';

// What the runs of the current test printed, in order (tests reset them to look at one run).
let stdout = '';
let stderr = '';
beforeEach(() => {
  stdout = '';
  stderr = '';
});

async function retain(...args: string[]): Promise<number> {
  const result = await runRetain(...args);
  stdout += result.stdout;
  stderr += result.stderr;
  return result.code;
}

describeEachDatabase('retain workspace, user and key', (getDb) => {
  const previousUrl = process.env.DATABASE_URL;
  beforeAll(() => {
    process.env.DATABASE_URL = getDb().url;
  });
  afterAll(() => {
    if (previousUrl === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = previousUrl;
  });

  const app = () => {
    const { db, dialect } = getDb();
    return buildApp({ db, dialect, now: () => Date.now() }, { rateLimit: false });
  };
  const me = (key: string) =>
    app().request('/api/v1/auth/me', { headers: { Authorization: `Bearer ${key}` } });

  // Runs first in its block, while the database holds no workspace at all.
  it('workspace create --json prints exactly { id, writeKey, apiKey }, and the keys work', async () => {
    expect(await retain('key', 'create')).toBe(2);
    expect(stderr).toMatch(/no workspace yet/);

    stderr = '';
    expect(await retain('workspace', 'create', 'Acme Shop', '--json')).toBe(0);
    const printed = JSON.parse(stdout);
    expect(Object.keys(printed).sort()).toEqual(['apiKey', 'id', 'writeKey']);
    expect(printed.writeKey).toMatch(/^wk_/);
    expect(printed.apiKey).toMatch(/^rk_[0-9a-f]{8}_/);
    // Ids print as decimal strings.
    expect(String((await findWorkspaceByWriteKey(getDb().db, printed.writeKey))?.id)).toBe(printed.id);
    const response = await me(printed.apiKey);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      role: 'admin',
      workspace: { id: printed.id, slug: 'acme-shop' },
    });

    // The only workspace: --workspace may be left out.
    stdout = '';
    expect(await retain('key', 'create', '--role', 'agent', '--name', 'Helpdesk', '--json')).toBe(0);
    const key = JSON.parse(stdout);
    expect(key).toMatchObject({ role: 'agent', name: 'Helpdesk', workspaceId: printed.id });
    expect(await (await me(key.key)).json()).toMatchObject({ role: 'agent' });
  });

  it('refuses a taken slug and, with several workspaces, a missing --workspace (exit 2)', async () => {
    expect(await retain('workspace', 'create', 'Second', '--slug', 'second')).toBe(0);
    expect(stdout).toMatch(/write key {3}wk_/);
    expect(stdout).toMatch(/API key {5}rk_/);
    expect(await retain('workspace', 'create', 'Another', '--slug', 'second')).toBe(2);
    expect(stderr).toMatch(/slug "second" is taken/);
    stderr = '';
    expect(await retain('workspace', 'create', 'Bad', '--slug', 'Not A Slug')).toBe(2);
    stderr = '';
    expect(await retain('key', 'create')).toBe(2);
    expect(stderr).toMatch(/--workspace/);
  });

  it('workspace list shows every workspace', async () => {
    expect(await retain('workspace', 'list', '--json')).toBe(0);
    const slugs = JSON.parse(stdout).map((workspace: { slug: string }) => workspace.slug);
    expect(slugs).toEqual(expect.arrayContaining(['acme-shop', 'second']));
    stdout = '';
    expect(await retain('workspace', 'list')).toBe(0);
    expect(stdout).toMatch(/acme-shop/);
  });

  it('key create then key revoke: the key opens the API, then no longer', async () => {
    expect(await retain('key', 'create', '--workspace', 'second', '--json')).toBe(0);
    const key = JSON.parse(stdout);
    expect(key.role).toBe('analyst'); // the documented default
    expect((await me(key.key)).status).toBe(200);
    // Revoking it from another workspace finds nothing.
    expect(await retain('key', 'revoke', key.id, '--workspace', 'acme-shop')).toBe(2);
    expect((await me(key.key)).status).toBe(200);
    stdout = '';
    expect(await retain('key', 'revoke', key.id, '--workspace', 'second')).toBe(0);
    expect(stdout).toMatch(/Revoked API key/);
    expect((await me(key.key)).status).toBe(401);
    stdout = '';
    expect(await retain('key', 'list', '--workspace', 'second', '--json')).toBe(0);
    const listed = JSON.parse(stdout).find((entry: { id: string }) => entry.id === key.id);
    expect(listed.revokedAt).toEqual(expect.any(Number));
    expect(await retain('key', 'create', '--workspace', 'second', '--role', 'emperor')).toBe(2);
  });

  it('user create reads the password from stdin (or a hidden prompt) and the user can log in', async () => {
    const printed = await runUserCreate(
      { workspace: 'second', email: 'Ops@Example.com', role: 'admin', passwordStdin: true, json: true },
      { readStdin: async () => 'a long passphrase\n' },
    );
    expect(JSON.parse(printed)).toMatchObject({ email: 'ops@example.com', role: 'admin' });
    const login = await app().request('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ workspace: 'second', email: 'ops@example.com', password: 'a long passphrase' }),
    });
    expect(login.status).toBe(200);

    const answers = ['first try!', 'second try'];
    await expect(
      runUserCreate(
        { workspace: 'second', email: 'x@example.com', role: 'agent' },
        { readStdin: async () => '', promptHidden: async () => answers.shift() ?? '' },
      ),
    ).rejects.toThrow(/differ/);
    await expect(
      runUserCreate(
        { workspace: 'second', email: 'x@example.com', role: 'agent' },
        { readStdin: async () => '' },
      ),
    ).rejects.toThrow(/--password-stdin/);
    // The same e-mail, differently cased, is taken.
    await expect(
      runUserCreate(
        { workspace: 'second', email: 'OPS@example.com', role: 'agent', passwordStdin: true },
        { readStdin: async () => 'another passphrase' },
      ),
    ).rejects.toThrow(/already exists/);
    expect(
      await retain('user', 'create', '--workspace', 'second', '--email', 'y@example.com', '--role', 'chief'),
    ).toBe(2);
  });
});
