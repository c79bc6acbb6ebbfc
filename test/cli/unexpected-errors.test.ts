/** An unexpected failure is one readable line and exit code 1 — no stack trace unless asked for. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it, vi } from 'vitest';
import { runRetain } from '../support/cli.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-unexpected-'));

afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(directory, { recursive: true, force: true });
});

it('prints one line for an error the command did not expect, and the stack only with RETAIN_DEBUG', async () => {
  // A store whose migration history names a migration this version does not have: the migrator
  // refuses it, which no command anticipates.
  const path = join(directory, 'retain.db');
  const store = new Database(path);
  store.exec(
    'create table kysely_migration (name varchar(255) primary key, timestamp varchar(255) not null)',
  );
  store
    .prepare('insert into kysely_migration values (?, ?)')
    .run('999_from_the_future', new Date(0).toISOString());
  store.close();

  vi.stubEnv('DATABASE_URL', `sqlite:${path}`);
  vi.stubEnv('RETAIN_DEBUG', '');
  const plain = await runRetain('workspace', 'list');
  expect(plain.code).toBe(1);
  expect(plain.stderr).toMatch(/^retain: .*999_from_the_future/);
  expect(plain.stderr).not.toMatch(/\n\s+at /);

  vi.stubEnv('RETAIN_DEBUG', '1');
  const debug = await runRetain('workspace', 'list');
  expect(debug.code).toBe(1);
  expect(debug.stderr).toMatch(/\n\s+at /);
});
