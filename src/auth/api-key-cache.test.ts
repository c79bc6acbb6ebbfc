/**
 * The verified-key cache (api-key-cache.ts) through the real app, on SQLite and PostgreSQL (which
 * keeps no cache): a key revoked while cached stops working at once — revoked by this app, and revoked through another
 * connection (as the CLI or a second server would, from another process).
 */
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { buildApp } from '../server/index.js';
import { createWorkspaceWithKeys } from '../workspaces/index.js';
import { createApiKey, revokeApiKey } from './api-key.service.js';
import { API_KEY_CACHE_SIZE, lookupApiKey } from './api-key-cache.js';
import { hashSecret } from './secrets.js';

const START = Date.UTC(2026, 0, 1);

describeEachDatabase('API key cache', (getDb) => {
  let counter = 0;
  async function setup() {
    const { db, dialect } = getDb();
    counter += 1;
    const { workspace, apiKey } = await createWorkspaceWithKeys(db, {
      name: 'Shop',
      slug: `cache-${counter}-${Math.random().toString(36).slice(2, 8)}`,
      actor: { type: 'system' },
      now: START,
    });
    const app = buildApp({ db, dialect, now: () => START }, { rateLimit: false });
    const me = async (key: string) =>
      app.request('/api/v1/auth/me', { headers: { Authorization: `Bearer ${key}` } });
    return { app, db, workspace, ownerKey: apiKey, me };
  }

  /** Asks until the cache is trusted (PostgreSQL's listener connects on first use). */
  async function warm(me: (key: string) => Promise<Response>, key: string, hash: string) {
    const { db, dialect } = getDb();
    if (dialect === 'postgres') {
      // PostgreSQL keeps no cache (api-key-cache.ts): every request reads the key.
      expect((await me(key)).status).toBe(200);
      expect(lookupApiKey(db, hash).key).toBeUndefined();
      return;
    }
    for (let attempt = 0; attempt < 100; attempt++) {
      expect((await me(key)).status).toBe(200);
      if (lookupApiKey(db, hash).key !== undefined) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('The key was never cached');
  }

  it('serves a used key from the cache, and refuses it on the very next request once revoked here', async () => {
    const { app, db, workspace, ownerKey, me } = await setup();
    const { key, apiKey } = await createApiKey(db, {
      workspaceId: workspace.id,
      name: 'shop',
      role: 'marketer',
      grantedBy: null,
      actor: { type: 'system' },
      now: START,
    });
    await warm(me, key, hashSecret(key));
    const revoke = await app.request(`/api/v1/api-keys/${apiKey.id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${ownerKey}` },
    });
    expect(revoke.status).toBe(204);
    expect((await me(key)).status).toBe(401);
    expect(lookupApiKey(db, hashSecret(key)).key).toBeUndefined();
    // The revoking key itself still works (only the revoked key is refused).
    expect((await me(ownerKey)).status).toBe(200);
  });

  it('refuses a cached key revoked through another connection (another process) as soon as it committed', async () => {
    const { db, open } = getDb();
    const { workspace, me } = await setup();
    const { key, apiKey } = await createApiKey(db, {
      workspaceId: workspace.id,
      name: 'shop',
      role: 'marketer',
      grantedBy: null,
      actor: { type: 'system' },
      now: START,
    });
    await warm(me, key, hashSecret(key));
    const other = open();
    await revokeApiKey(other.db, {
      workspaceId: workspace.id,
      id: apiKey.id,
      actor: { type: 'system' },
      now: START,
    });
    // The other connection's commit moved SQLite's data version (PostgreSQL keeps no cache): the
    // very next request reads the key again.
    expect((await me(key)).status).toBe(401);
    expect((await me(key)).status).toBe(401);
  });

  it('keeps at most API_KEY_CACHE_SIZE keys and never caches an unknown or revoked one', async () => {
    const { db, dialect } = getDb();
    const { me, workspace } = await setup();
    expect((await me('rk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(401);
    expect(
      lookupApiKey(db, hashSecret('rk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).key,
    ).toBeUndefined();
    const { key, apiKey } = await createApiKey(db, {
      workspaceId: workspace.id,
      name: 'gone',
      role: 'agent',
      grantedBy: null,
      actor: { type: 'system' },
      now: START,
    });
    await revokeApiKey(db, {
      workspaceId: workspace.id,
      id: apiKey.id,
      actor: { type: 'system' },
      now: START,
    });
    expect((await me(key)).status).toBe(401);
    expect(lookupApiKey(db, hashSecret(key)).key).toBeUndefined();
    // The bound: storing one key more than the size drops the least recently used (SQLite only:
    // PostgreSQL keeps no cache, as warm() checks).
    const { ownerKey } = await setup();
    await warm(me, ownerKey, hashSecret(ownerKey));
    if (dialect === 'postgres') return;
    const template = { ...apiKey, revokedAt: null };
    for (let index = 0; index <= API_KEY_CACHE_SIZE; index++) {
      lookupApiKey(db, `fake-${index}`).store({ ...template, id: index });
    }
    expect(lookupApiKey(db, `fake-${API_KEY_CACHE_SIZE}`).key?.id).toBe(API_KEY_CACHE_SIZE);
    expect(lookupApiKey(db, 'fake-1').key?.id).toBe(1);
    expect(lookupApiKey(db, 'fake-0').key).toBeUndefined();
  });
});
