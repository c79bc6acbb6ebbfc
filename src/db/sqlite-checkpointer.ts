/**
 * Moves SQLite's WAL checkpoints off the connection that writes.
 *
 * Why: with the default `wal_autocheckpoint` (1,000 pages), the connection whose commit pushes the
 * WAL past that size copies the WAL's pages back into the database file — and fsyncs it — inside
 * that commit, on the thread that runs it. In Retain that is the server's event loop (better-sqlite3
 * is synchronous): every few hundred tracked events or every import batch, one request pays for a
 * checkpoint, and a large import spends about a sixth of its writing time in them (measured on a
 * filled store: 12.8–14.0 s of CPU per million single-row inserts without, 15.5–15.8 s with).
 *
 * Instead the writing connection runs with `wal_autocheckpoint = 0` and a worker thread with a
 * connection of its own runs `PRAGMA wal_checkpoint(PASSIVE)` every `CHECKPOINT_INTERVAL_MS`.
 * PASSIVE never blocks the writer or the readers: it copies the committed frames no reader still
 * needs, and once the whole WAL is copied the next write transaction starts it again from its
 * beginning, so the WAL stays as small as before. Nothing changes for durability: the WAL is the
 * same; a crash before a checkpoint leaves committed transactions in the WAL, which SQLite reads
 * (and checkpoints) on the next open, as always.
 *
 * If the thread cannot start or stops, the writing connection gets SQLite's automatic checkpoints
 * back (`wal_autocheckpoint = 1000`), so the WAL can never grow without bound.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';

/** How often the thread checkpoints: the WAL grows by at most what is committed in this time. */
export const CHECKPOINT_INTERVAL_MS = 100;

/** SQLite's default, restored when the thread is not there to checkpoint. */
const AUTOMATIC_CHECKPOINT_PAGES = 1_000;

/**
 * The thread's code, evaluated as a CommonJS script (an `eval` worker), so it runs the same from
 * the TypeScript sources and the built package without a loader. It opens its own connection (the
 * driver's path is passed in), never waits for a lock (a busy checkpoint is simply tried again on
 * the next tick) and stops on `close`.
 */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const connection = new Database(workerData.path, { fileMustExist: true });
connection.pragma('busy_timeout = 0');
const checkpoint = connection.prepare('pragma wal_checkpoint(PASSIVE)');
const tick = () => { try { checkpoint.get(); } catch {} };
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'checkpoint') { tick(); parentPort.postMessage('checkpointed'); return; }
  if (message !== 'close') return;
  clearInterval(timer);
  tick();
  connection.close();
  parentPort.close();
});
`;

export interface SqliteCheckpointer {
  /** Runs one checkpoint now on the thread (tests; a backup). Resolves when it has run. */
  checkpointNow(): Promise<void>;
  /** Stops the thread after a last checkpoint; the writing connection gets automatic checkpoints back. */
  close(): Promise<void>;
}

/**
 * Starts checkpointing the WAL of `path` (a file database in WAL mode, opened as `sqlite`) on a
 * thread of its own; returns null when no thread could be started (automatic checkpoints stay).
 * The thread never keeps the process alive.
 */
export function startSqliteCheckpointer(
  sqlite: SqliteDatabase.Database,
  path: string,
): SqliteCheckpointer | null {
  let worker: Worker;
  try {
    worker = new Worker(THREAD, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        path: resolve(path),
        intervalMs: CHECKPOINT_INTERVAL_MS,
      },
      // A few MB: the thread holds one connection and one statement.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
  } catch {
    return null;
  }
  sqlite.pragma('wal_autocheckpoint = 0');
  let running = true;
  const automatic = (): void => {
    if (!running) return;
    running = false;
    try {
      sqlite.pragma(`wal_autocheckpoint = ${AUTOMATIC_CHECKPOINT_PAGES}`);
    } catch {
      // The connection is closed already.
    }
  };
  worker.on('error', automatic);
  worker.on('exit', automatic);
  const waiters: (() => void)[] = [];
  worker.on('message', (message) => {
    if (message !== 'checkpointed') return;
    waiters.shift()?.();
    if (waiters.length === 0) worker.unref();
  });
  // After the listeners: adding a 'message' listener references the thread again.
  worker.unref();
  let closing: Promise<void> | undefined;
  return {
    checkpointNow: () =>
      running
        ? new Promise<void>((done) => {
            // Referenced while awaited: an unreferenced thread would let the process exit first.
            worker.ref();
            waiters.push(done);
            worker.postMessage('checkpoint');
          })
        : Promise.resolve(),
    close: () => {
      closing ??= new Promise<void>((done) => {
        if (!running) return done();
        worker.ref();
        worker.once('exit', () => done());
        worker.postMessage('close');
      });
      return closing;
    },
  };
}
