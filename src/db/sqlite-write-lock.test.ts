/**
 * A transaction on the store's SQLite connection waits for another connection's write (the score
 * refresh's thread, another process) instead of failing: it takes the write lock when it begins.
 * A deferred transaction that read first got SQLITE_BUSY at its first write, at once, whatever the
 * busy timeout (found as a 500 in the dashboard while the demo's scores were being written).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';

/** Another connection, on a thread of its own, holds the write lock for `holdMs`, then commits a row. */
function holdWriteLock(path: string, holdMs: number): { locked: Promise<void>; done: Promise<void> } {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const Database = require(workerData.driver);
     const other = new Database(workerData.path);
     other.exec('begin immediate');
     other.prepare('insert into tally (source) values (?)').run('other');
     parentPort.postMessage('locked');
     setTimeout(() => { other.exec('commit'); other.close(); parentPort.postMessage('committed'); }, workerData.holdMs);`,
    {
      eval: true,
      workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path, holdMs },
    },
  );
  const message = (expected: string) =>
    new Promise<void>((resolve, reject) => {
      worker.on('message', (received) => received === expected && resolve());
      worker.once('error', reject);
    });
  return {
    locked: message('locked'),
    done: message('committed').then(() => worker.terminate().then(() => undefined)),
  };
}

describe('SQLite transactions and other writing connections', () => {
  const directory = mkdtempSync(join(tmpdir(), 'retain-write-lock-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('a transaction that reads, then writes, waits for another connection’s write lock and both rows land', async () => {
    const path = join(directory, 'store.db');
    const connection = openDatabase(`sqlite:${path}`, { checkpointThread: false });
    try {
      await sql`create table tally (id integer primary key, source text not null)`.execute(connection.db);
      // This connection's snapshot is open before the other one writes: the case a deferred
      // transaction could not survive.
      const held = holdWriteLock(path, 300);
      await held.locked;
      await connection.db.transaction().execute(async (trx) => {
        const before = await sql<{ n: number }>`select count(*) as n from tally`.execute(trx);
        await sql`insert into tally (source) values (${`this after ${before.rows[0]!.n}`})`.execute(trx);
      });
      await held.done;
      const rows = await sql<{ source: string }>`select source from tally order by id`.execute(connection.db);
      // It began once the other had committed, so it counted the other's row.
      expect(rows.rows.map((row) => row.source)).toEqual(['other', 'this after 1']);
    } finally {
      await connection.close();
    }
  });
});
