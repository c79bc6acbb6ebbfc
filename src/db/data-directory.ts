/**
 * The data directory: where the installation keeps files beside its tables (import uploads and
 * their rejects files, imports/import.files.ts). A SQLite store already lives in one (`./data/` by
 * default); a PostgreSQL-backed server needs one too, on a disk only its user can read.
 */
import { dirname, resolve } from 'node:path';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl } from './database.js';

/** The variable that names the data directory. */
export const DATA_DIRECTORY_VARIABLE = 'RETAIN_DATA_DIR';

/**
 * The data directory, absolute: `RETAIN_DATA_DIR` when set; else the directory of the SQLite file
 * the database URL names (`DATABASE_URL`, default `sqlite:./data/retain.db`); else (PostgreSQL, an
 * in-memory SQLite) `./data`. Paths are resolved against the working directory. O(1).
 * Example: `dataDirectoryFor({ DATABASE_URL: 'sqlite:/var/lib/retain/retain.db' })` → `/var/lib/retain`.
 */
export function dataDirectoryFor(env: NodeJS.ProcessEnv, databaseUrl?: string): string {
  const named = env[DATA_DIRECTORY_VARIABLE]?.trim();
  if (named !== undefined && named !== '') return resolve(named);
  const url = databaseUrl ?? env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  try {
    const location = parseDatabaseUrl(url);
    if (location.dialect === 'sqlite' && location.path !== ':memory:') return dirname(resolve(location.path));
  } catch {
    // An unreadable URL is reported where the store is opened; the default directory stands here.
  }
  return resolve('data');
}
