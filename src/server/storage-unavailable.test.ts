/**
 * A store that cannot take writes (issue 9 §4: the probe filled the disk and got 500s) answers 503
 * with a sentence saying what is wrong, and `Retry-After`: a full SQLite file (made real with
 * `PRAGMA max_page_count`, which makes SQLite fail with SQLITE_FULL exactly as on a full disk),
 * and a PostgreSQL server that cannot be reached.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { type Database, migrateToLatest, openDatabase, storageUnavailableReason } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { buildApp } from './app.js';

const NOW = Date.UTC(2026, 0, 1);

/** How many events a workspace holds. */
async function eventsStored(db: Kysely<Database>, workspaceId: number): Promise<number> {
  const stored = await db
    .selectFrom('event')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return Number(stored.count);
}

describe('a store that cannot take the request', () => {
  const directory = mkdtempSync(join(tmpdir(), 'retain-full-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('answers 503 "disk is full" when SQLite runs out of pages, and stores nothing half-way', async () => {
    const connection = openDatabase(`sqlite:${join(directory, 'full.db')}`);
    try {
      await migrateToLatest(connection.db);
      const { workspace, writeKey } = await createWorkspace(connection.db, { name: 'Full', slug: 'full' });
      const pages = (await sql<{ page_count: number }>`pragma page_count`.execute(connection.db)).rows[0]!;
      await sql.raw(`pragma max_page_count = ${pages.page_count}`).execute(connection.db);
      const app = buildApp({ db: connection.db, dialect: 'sqlite', now: () => NOW }, { rateLimit: false });
      // A batch of 200 events of ~2 KB each needs new pages the file may not grow to.
      const batch = Array.from({ length: 200 }, (_, index) => ({
        type: 'track',
        userId: `u${index}`,
        event: 'Viewed',
        messageId: `m${index}`,
        properties: { note: 'x'.repeat(2_000) },
      }));
      const response = await app.request('/v1/batch', {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
        },
        body: JSON.stringify({ batch }),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('30');
      expect(await response.json()).toEqual({
        error: {
          code: 'unavailable',
          message: 'The server’s disk is full: nothing was written. Free some space and retry.',
        },
      });
      expect(await eventsStored(connection.db, workspace.id)).toBe(0);
    } finally {
      await connection.close();
    }
  });

  it('answers 503 "cannot be reached" when PostgreSQL is down', async () => {
    // Port 1 on the loopback: nothing listens, the driver gets ECONNREFUSED.
    const connection = openDatabase('postgres://postgres@127.0.0.1:1/test');
    try {
      const app = buildApp({ db: connection.db, dialect: 'postgres', now: () => NOW }, { rateLimit: false });
      const response = await app.request('/api/v1/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ workspace: 'shop', email: 'a@b.c', password: 'secret' }),
      });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({
        error: { code: 'unavailable', message: 'The database cannot be reached right now; retry shortly.' },
      });
    } finally {
      await connection.close();
    }
  });

  it('answers 503 "busy" when another process holds SQLite’s write lock past the busy timeout', async () => {
    const path = join(directory, 'busy.db');
    const connection = openDatabase(`sqlite:${path}`);
    const other = new Sqlite(path);
    try {
      await migrateToLatest(connection.db);
      const { workspace, writeKey } = await createWorkspace(connection.db, { name: 'Busy', slug: 'busy' });
      const app = buildApp({ db: connection.db, dialect: 'sqlite', now: () => NOW }, { rateLimit: false });
      // Another process's write transaction (a `retain import` from the command line, say).
      other.exec('begin immediate');
      const response = await app.request('/v1/track', {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
        },
        body: JSON.stringify({ userId: 'u1', event: 'Viewed', messageId: 'm1' }),
      });
      other.exec('rollback');
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('30');
      expect(await response.json()).toEqual({
        error: {
          code: 'unavailable',
          message: 'The store is busy with another write: nothing was written. Retry shortly.',
        },
      });
      expect(await eventsStored(connection.db, workspace.id)).toBe(0);
    } finally {
      other.close();
      await connection.close();
    }
  }, 30_000);

  it('tells nothing for errors that are not the store’s state', () => {
    expect(storageUnavailableReason(new Error('boom'))).toBeNull();
    expect(storageUnavailableReason({ code: 'SQLITE_CONSTRAINT_UNIQUE' })).toBeNull();
    expect(storageUnavailableReason({ code: '23505' })).toBeNull();
    expect(storageUnavailableReason({ code: '53100' })).toContain('disk is full');
    expect(storageUnavailableReason({ code: 'SQLITE_READONLY_DBMOVED' })).toContain('read-only');
    expect(storageUnavailableReason({ code: 'SQLITE_BUSY_SNAPSHOT' })).toContain('busy');
    expect(storageUnavailableReason({ code: '55P03' })).toContain('busy');
  });
});
