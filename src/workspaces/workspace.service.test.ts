import { describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { listAudit } from '../audit/index.js';
import { createUser, listApiKeys } from '../auth/index.js';
import { findWorkspaceByWriteKey } from './workspace.repository.js';
import { createWorkspaceWithKeys, getWorkspace, listWorkspaces, slugify } from './workspace.service.js';

const NOW = Date.UTC(2026, 2, 1);

describe('slugify', () => {
  it('lower-cases, drops accents and joins words with single hyphens', () => {
    expect(slugify('Café Olé & Co')).toBe('cafe-ole-co');
    expect(slugify('  --Acme   Shop!! ')).toBe('acme-shop');
    expect(slugify('x'.repeat(70))).toHaveLength(63);
  });
});

describeEachDatabase('workspaces', (getDb) => {
  it('creates a workspace with its write key and an admin API key, audited', async () => {
    const { db } = getDb();
    const created = await createWorkspaceWithKeys(db, {
      name: 'Gift Shop',
      actor: { type: 'system' },
      now: NOW,
    });
    expect(created.workspace).toMatchObject({ name: 'Gift Shop', slug: 'gift-shop', createdAt: NOW });
    expect((await findWorkspaceByWriteKey(db, created.writeKey))?.id).toBe(created.workspace.id);
    const keys = await listApiKeys(db, created.workspace.id);
    expect(keys.map((key) => [key.id, key.role])).toEqual([[created.apiKeyId, 'admin']]);
    const audit = await listAudit(db, created.workspace.id);
    expect(audit.map((entry) => entry.action).sort()).toEqual(['api_key.created', 'workspace.created']);
    expect((await getWorkspace(db, created.workspace.id)).slug).toBe('gift-shop');
    expect((await listWorkspaces(db)).map((workspace) => workspace.id)).toContain(created.workspace.id);
  });

  it('refuses a taken slug (conflict) and leaves nothing half-made', async () => {
    const { db } = getDb();
    await createWorkspaceWithKeys(db, { name: 'Taken', slug: 'taken', actor: { type: 'system' }, now: NOW });
    const before = (await listWorkspaces(db)).length;
    await expect(
      createWorkspaceWithKeys(db, { name: 'Other', slug: 'taken', actor: { type: 'system' }, now: NOW }),
    ).rejects.toMatchObject({ code: 'conflict' });
    await expect(
      createWorkspaceWithKeys(db, { name: '!!!', actor: { type: 'system' }, now: NOW }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    expect((await listWorkspaces(db)).length).toBe(before);
    await expect(getWorkspace(db, 999_999_999)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('keeps e-mails unique per workspace, case-insensitively, but not across workspaces', async () => {
    const { db } = getDb();
    const first = await createWorkspaceWithKeys(db, {
      name: 'First',
      slug: 'first',
      actor: { type: 'system' },
      now: NOW,
    });
    const second = await createWorkspaceWithKeys(db, {
      name: 'Second',
      slug: 'second',
      actor: { type: 'system' },
      now: NOW,
    });
    const input = {
      email: 'Bo@Example.com',
      role: 'analyst' as const,
      password: null,
      actor: { type: 'system' as const },
      now: NOW,
    };
    await createUser(db, { ...input, workspaceId: first.workspace.id });
    await expect(
      createUser(db, { ...input, email: 'bo@example.COM', workspaceId: first.workspace.id }),
    ).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(createUser(db, { ...input, workspaceId: second.workspace.id })).resolves.toMatchObject({
      email: 'bo@example.com',
    });
    await expect(
      createUser(db, { ...input, email: 'not-an-email', workspaceId: first.workspace.id }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });
});
