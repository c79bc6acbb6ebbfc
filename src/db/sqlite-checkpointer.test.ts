/**
 * WAL checkpoints run on their own thread (sqlite-checkpointer.ts): the writing connection never
 * checkpoints, yet the WAL stays small, and the thread's checkpoints do not look like another
 * connection's change to `PRAGMA data_version` (which the API-key cache relies on).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-checkpointer-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const MB = 1024 * 1024;

/**
 * Runs `script` as a module file in a Node process of its own (through tsx); killed after 15 s.
 * A file, not `-e`: a `-e` module script's process ended even with a referenced thread alive.
 */
function runScript(name: string, script: string) {
  const path = join(directory, name);
  writeFileSync(path, script);
  return spawnSync(process.execPath, ['--import', 'tsx', path], { encoding: 'utf8', timeout: 15_000 });
}

describe('SQLite WAL checkpoints on their own thread', () => {
  it('keeps the WAL small while the writing connection never checkpoints', async () => {
    const path = join(directory, 'wal.db');
    const connection = openDatabase(`sqlite:${path}`);
    try {
      const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(
        connection.db,
      );
      expect(rows[0]!.wal_autocheckpoint).toBe(0);
      await sql`create table filler (id integer primary key, text text not null)`.execute(connection.db);
      // 40 MB committed in 400 transactions, a pause now and then as a server has between requests.
      // With no checkpoint at all the WAL would hold all of it (the writer has automatic ones off).
      const row = 'x'.repeat(1_000);
      let largestWal = 0;
      for (let transaction = 0; transaction < 400; transaction++) {
        await connection.db.transaction().execute(async (trx) => {
          for (let index = 0; index < 100; index++) {
            await sql`insert into filler (text) values (${row})`.execute(trx);
          }
        });
        if (transaction % 20 === 19) await sleep(150);
        largestWal = Math.max(largestWal, statSync(`${path}-wal`).size);
      }
      const written = 400 * 100 * row.length;
      expect(written).toBeGreaterThan(38 * MB);
      // Bounded by what is written between two checkpoints (the pauses let the thread run), not
      // by what was written in all.
      expect(largestWal).toBeLessThan(written / 3);
    } finally {
      await connection.close();
    }
  });

  it("does not change data_version: the thread's checkpoints are not another connection's change", async () => {
    const path = join(directory, 'version.db');
    const connection = openDatabase(`sqlite:${path}`);
    try {
      await sql`create table t (id integer primary key, text text)`.execute(connection.db);
      const version = async () =>
        (await sql<{ data_version: number }>`pragma data_version`.execute(connection.db)).rows[0]!
          .data_version;
      const before = await version();
      for (let index = 0; index < 50; index++) {
        await sql`insert into t (text) values (${'y'.repeat(4_000)})`.execute(connection.db);
      }
      await sleep(400); // several checkpoint ticks
      expect(await version()).toBe(before);
      // Another connection's commit still changes it (the check above can fail).
      const other = openDatabase(`sqlite:${path}`);
      await sql`insert into t (text) values ('other')`.execute(other.db);
      await other.close();
      expect(await version()).not.toBe(before);
    } finally {
      await connection.close();
    }
  });

  it('lets a process whose only work left is closing the store finish closing (the thread is unreferenced)', () => {
    // A process awaiting close() has nothing else alive: were the thread not referenced while it
    // closes, Node would exit before close() resolved, skipping what follows the await.
    const module = fileURLToPath(new URL('./database.ts', import.meta.url));
    const script = `const { openDatabase } = await import(${JSON.stringify(module)});
      const connection = openDatabase(${JSON.stringify(`sqlite:${join(directory, 'exit.db')}`)});
      await connection.close();
      console.log('closed');`;
    const child = runScript('close.mts', script);
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('closed');
    expect(child.status).toBe(0);
  });

  it('never keeps a process alive: one that opens the store and ends without closing it exits', () => {
    const module = fileURLToPath(new URL('./database.ts', import.meta.url));
    const script = `const { openDatabase } = await import(${JSON.stringify(module)});
      openDatabase(${JSON.stringify(`sqlite:${join(directory, 'open.db')}`)});
      console.log('opened');`;
    const child = runScript('open.mts', script);
    expect(child.signal).toBeNull(); // not killed by the timeout
    expect(child.stdout.trim()).toBe('opened');
    expect(child.status).toBe(0);
  });

  it("leaves a worker thread's connection (checkpointThread: false) to SQLite's automatic checkpoints", async () => {
    const connection = openDatabase(`sqlite:${join(directory, 'worker.db')}`, { checkpointThread: false });
    try {
      const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(
        connection.db,
      );
      expect(rows[0]!.wal_autocheckpoint).toBe(1000);
    } finally {
      await connection.close();
    }
  });
});
