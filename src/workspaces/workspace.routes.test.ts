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
});
