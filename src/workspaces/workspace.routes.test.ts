import { expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { listAudit } from '../audit/index.js';

const NOW = Date.UTC(2024, 4, 1);

describeEachDatabase('workspace settings over the API', (getDb) => {
  it('owners and admins change settings (audited); others get 403; each bad setting is named', async () => {
    const api = await apiWorkspace(getDb(), NOW);
    const patch = (body: unknown, role: 'owner' | 'admin' | 'analyst' = 'owner') =>
      api.app.request('/api/v1/workspace', {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${api.keys[role]}` },
        body: JSON.stringify(body),
      });
    const before = await api.request('/api/v1/workspace');
    expect(before.body.settings).toEqual({
      timeZone: 'UTC',
      activityWindowDays: 365,
      weekStart: 'monday',
      currency: 'USD',
      erasedIdentities: 'new_customer',
    });

    const changed = await patch(
      { settings: { erasedIdentities: 'refuse', timeZone: 'Europe/Paris' } },
      'admin',
    );
    expect(changed.status).toBe(200);
    expect((await api.request('/api/v1/workspace')).body.settings).toMatchObject({
      erasedIdentities: 'refuse',
      timeZone: 'Europe/Paris',
      currency: 'USD',
    });
    const [entry] = (await listAudit(getDb().db, api.workspaceId)).filter(
      (e) => e.action === 'workspace.updated',
    );
    expect(entry).toMatchObject({
      actorType: 'api_key',
      details: { settings: { erasedIdentities: 'refuse', timeZone: 'Europe/Paris' } },
    });

    expect((await patch({ settings: { erasedIdentities: 'new_customer' } }, 'analyst')).status).toBe(403);
    const bad = await patch({
      settings: { timeZone: 'Mars/Olympus', erasedIdentities: 'maybe', colour: 'red' },
    });
    expect(bad.status).toBe(400);
    const paths = ((await bad.json()) as { error: { issues: { path: unknown[] }[] } }).error.issues.map(
      (issue) => issue.path.join('.'),
    );
    expect(paths.sort()).toEqual([
      'json.settings',
      'json.settings.erasedIdentities',
      'json.settings.timeZone',
    ]);
  });

  it('replaces the write key (owner/admin, audited): the new key tracks, the old one is refused', async () => {
    const api = await apiWorkspace(getDb(), NOW);
    const replace = (role: 'admin' | 'analyst') =>
      api.app.request('/api/v1/workspace/write-key', {
        method: 'POST',
        headers: { Authorization: `Bearer ${api.keys[role]}` },
      });
    expect((await replace('analyst')).status).toBe(403);
    const replaced = await replace('admin');
    expect(replaced.status).toBe(201);
    const { writeKey, workspace } = (await replaced.json()) as {
      writeKey: string;
      workspace: { writeKeyPrefix: string };
    };
    expect(writeKey).toMatch(/^wk_[A-Za-z0-9_-]{32}$/);
    expect(writeKey).not.toBe(api.writeKey);
    expect(writeKey.startsWith(workspace.writeKeyPrefix)).toBe(true);
    expect((await api.request('/api/v1/workspace')).body.writeKeyPrefix).toBe(workspace.writeKeyPrefix);

    const track = (key: string) =>
      api.app.request('/v1/track', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
        body: JSON.stringify({ userId: 'cust-1', event: 'Signed Up' }),
      });
    expect((await track(api.writeKey)).status).toBe(401);
    expect((await track(writeKey)).status).toBe(200);

    const [entry] = (await listAudit(getDb().db, api.workspaceId)).filter(
      (e) => e.action === 'workspace.write_key_replaced',
    );
    expect(entry).toMatchObject({ actorType: 'api_key', details: { to: workspace.writeKeyPrefix } });
    expect(JSON.stringify(entry)).not.toContain(writeKey);
  });
});
