import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { listAudit, recordAudit } from './audit.repository.js';

describeEachDatabase('audit log', (getDb) => {
  it('appends entries, lists them newest first, and never shows another workspace’s', async () => {
    const { db } = getDb();
    const mine = await createWorkspace(db, { name: 'Mine', slug: `mine-${Date.now()}` });
    const theirs = await createWorkspace(db, { name: 'Theirs', slug: `theirs-${Date.now()}` });
    await recordAudit(db, {
      workspaceId: mine.workspace.id,
      actor: { type: 'system' },
      action: 'workspace.created',
      at: 1,
    });
    await recordAudit(db, {
      workspaceId: mine.workspace.id,
      actor: { type: 'user', id: 1 },
      action: 'customer.erased',
      entity: 'customer',
      entityId: 'c1',
      details: { fields: ['email', 'name'] },
      at: 2,
    });
    await recordAudit(db, {
      workspaceId: theirs.workspace.id,
      actor: { type: 'system' },
      action: 'customer.erased',
      entity: 'customer',
      entityId: 'c1',
      at: 3,
    });

    const entries = await listAudit(db, mine.workspace.id);
    expect(entries.map((entry) => entry.action)).toEqual(['customer.erased', 'workspace.created']);
    expect(entries[0]).toMatchObject({
      actorType: 'user',
      actorId: '1',
      entityId: 'c1',
      details: { fields: ['email', 'name'] },
      at: 2,
    });
    expect(await listAudit(db, mine.workspace.id, { entity: 'customer', entityId: 'c1' })).toHaveLength(1);
  });
});
