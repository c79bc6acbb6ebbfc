/** The workspace table's repository on both databases: creation, lookups, the write key kept as a hash. */
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { hashSecret, newId } from '../db/index.js';
import {
  createWorkspace,
  DEFAULT_WORKSPACE_SETTINGS,
  findWorkspaceByWriteKey,
  getWorkspace,
  getWorkspaceBySlug,
  listWorkspaces,
} from './workspace.repository.js';

const T0 = 1_700_000_000_000;

describeEachDatabase('workspace repository', (getDb) => {
  it('creates a workspace with default settings and a write key kept only as a hash', async () => {
    const { db } = getDb();
    const slug = `acme-${newId()}`;
    const { workspace, writeKey } = await createWorkspace(db, {
      name: 'Acme',
      slug,
      settings: { timeZone: 'Europe/Paris' },
      now: T0,
    });
    expect(workspace).toMatchObject({
      name: 'Acme',
      slug,
      settings: { ...DEFAULT_WORKSPACE_SETTINGS, timeZone: 'Europe/Paris' },
      writeKeyPrefix: writeKey.slice(0, 12),
      createdAt: T0,
    });
    expect(writeKey).toMatch(/^wk_[A-Za-z0-9_-]{32}$/);
    const stored = await db
      .selectFrom('workspace')
      .selectAll()
      .where('id', '=', workspace.id)
      .executeTakeFirstOrThrow();
    expect(stored.write_key_hash).toBe(hashSecret(writeKey));
    expect(JSON.stringify(stored)).not.toContain(writeKey);
    expect(await getWorkspace(db, workspace.id)).toEqual(workspace);
    expect(await getWorkspaceBySlug(db, slug)).toEqual(workspace);
    expect(await findWorkspaceByWriteKey(db, writeKey)).toEqual(workspace);
    expect(await findWorkspaceByWriteKey(db, `${writeKey}x`)).toBeUndefined();
  });

  it('gets only the workspace asked for and lists them oldest first', async () => {
    const { db } = getDb();
    const first = await createWorkspace(db, { name: 'First', slug: `first-${newId()}`, now: T0 - 2 });
    const second = await createWorkspace(db, { name: 'Second', slug: `second-${newId()}`, now: T0 - 1 });
    expect((await getWorkspace(db, first.workspace.id))?.name).toBe('First');
    expect((await getWorkspace(db, second.workspace.id))?.name).toBe('Second');
    expect(await getWorkspace(db, 999_999_999)).toBeUndefined();
    const listed = (await listWorkspaces(db)).map((workspace) => workspace.id);
    expect(listed.indexOf(first.workspace.id)).toBeLessThan(listed.indexOf(second.workspace.id));
  });
});
