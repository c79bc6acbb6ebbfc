/**
 * Knowing, without a query, whether another connection may have changed something: what lets a
 * process cache a few hot rows (verified API keys) and still see another process's change at once.
 *
 * - SQLite: `PRAGMA data_version`, which changes whenever another connection (this process's or
 *   another's) commits to the file. Reading it costs no I/O. This connection's own writes do not
 *   change it: code that changes a cached row in-process also drops it from its cache.
 * - PostgreSQL: `LISTEN` on one dedicated connection per store (outside the pool); a writer calls
 *   `announceChange` in its transaction (`pg_notify`, delivered when it commits), and every
 *   listening process counts it. Until the listener is connected, or after it fails (it reconnects
 *   a few seconds later), the version is `undefined`: callers must then read the database.
 */
import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import pg from 'pg';
import { dialectOf } from './dialect.js';
import type { Database } from './schema.js';

/** What a store reports: a number that differs after another connection's change, or `undefined`. */
export type ChangeVersion = () => number | undefined;

interface Watcher {
  readonly version: ChangeVersion;
  readonly close: () => Promise<void>;
}

const watchers = new WeakMap<Kysely<Database>, Watcher>();
const RECONNECT_MS = 5_000;

/** The PostgreSQL channel every cache-relevant change is announced on. */
const CHANNEL = 'retain_cached_rows';

/** Registers the SQLite store's watcher (called by `openDatabase`). */
export function watchSqlite(db: Kysely<Database>, readDataVersion: () => number): void {
  watchers.set(db, {
    version: () => {
      try {
        return readDataVersion();
      } catch {
        return undefined; // closed
      }
    },
    close: async () => undefined,
  });
}

/**
 * Registers the PostgreSQL store's watcher (called by `openDatabase`): a listener connection is
 * opened on the first `changeVersion` call (lazily, so stores that never cache open nothing).
 */
export function watchPostgres(db: Kysely<Database>, config: pg.ClientConfig): void {
  let counter = 0;
  let listening = false;
  let client: pg.Client | undefined;
  let retryAt = 0;
  let closed = false;
  const connect = (): void => {
    if (closed || client !== undefined || Date.now() < retryAt) return;
    const current = new pg.Client(config);
    client = current;
    const fail = () => {
      if (client !== current) return;
      listening = false;
      client = undefined;
      retryAt = Date.now() + RECONNECT_MS;
      current.removeAllListeners('notification');
      void current.end().catch(() => undefined);
    };
    current.on('error', fail);
    current.on('end', fail);
    current.on('notification', () => {
      counter++;
    });
    current
      .connect()
      .then(async () => {
        // The listener must not keep a process alive that has nothing else to do.
        (
          current as unknown as { connection?: { stream?: { unref?: () => void } } }
        ).connection?.stream?.unref?.();
        await current.query(`listen ${CHANNEL}`);
        if (client === current) {
          counter++; // anything may have changed while nobody listened
          listening = true;
        }
      })
      .catch(fail);
  };
  watchers.set(db, {
    version: () => {
      if (!listening) {
        connect();
        return undefined;
      }
      return counter;
    },
    close: async () => {
      closed = true;
      listening = false;
      const current = client;
      client = undefined;
      if (current !== undefined) await current.end().catch(() => undefined);
    },
  });
}

/**
 * The store's change version (see the file comment), `undefined` when it cannot tell — then a
 * cache must not be trusted. Cheap: no query.
 */
export function changeVersion(db: Kysely<Database>): number | undefined {
  return watchers.get(db)?.version();
}

/**
 * Tells the other processes listening on a PostgreSQL store that cached rows changed, when the
 * caller's transaction commits (a no-op on SQLite, whose data version moves by itself).
 */
export async function announceChange(trx: Kysely<Database> | Transaction<Database>): Promise<void> {
  if (dialectOf(trx) !== 'postgres') return;
  await sql`select pg_notify(${CHANNEL}, '')`.execute(trx);
}

/** Stops the store's watcher (called when the store closes). */
export async function closeWatcher(db: Kysely<Database>): Promise<void> {
  await watchers.get(db)?.close();
  watchers.delete(db);
}
