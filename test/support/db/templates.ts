/**
 * Migrated databases for tests, made by copying a template instead of running every migration again.
 *
 * Running the ~20 migrations costs about a second on SQLite and several on PostgreSQL, and the
 * suite opens a fresh database for every `describeEachDatabase` block (~90 of them per engine).
 * The template is migrated once per set of migration files (its name holds their hash, so a
 * changed or added migration makes a new one) and then copied: a file copy on SQLite,
 * `CREATE DATABASE … TEMPLATE` on PostgreSQL. Callers still run `migrateToLatest` on the copy (a
 * no-op on a current template), so a copy is never behind the code.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { migrateToLatest, openDatabase } from '../../../src/db/index.js';
import { TEST_DATABASE_URL, TEST_SCHEMA_PREFIX, withAdminClient } from './postgres-schema.js';

const MIGRATIONS_DIRECTORY = join(dirname(fileURLToPath(import.meta.url)), '../../../src/db/migrations');

/** Templates not used for this long are dropped by the next run that makes one. */
const TEMPLATE_KEPT_HOURS = 24;

let migrationsHash: string | undefined;

/** A hash of the migration files (names and contents), which names the template. */
function hashOfMigrations(): string {
  if (migrationsHash !== undefined) return migrationsHash;
  const hash = createHash('sha256');
  const directory = MIGRATIONS_DIRECTORY;
  for (const name of readdirSync(directory).sort()) {
    if (name.endsWith('.test.ts')) continue;
    hash
      .update(name)
      .update('\0')
      .update(readFileSync(join(directory, name)))
      .update('\0');
  }
  migrationsHash = hash.digest('hex').slice(0, 16);
  return migrationsHash;
}

/**
 * Copies a migrated SQLite template to `path` (which must not exist). The template lives in the
 * system's temporary directory; it is written under a unique name and renamed into place, so
 * concurrent test files never read a half-written one.
 */
export async function copyMigratedSqlite(path: string): Promise<void> {
  const template = join(tmpdir(), `retain-test-template-${hashOfMigrations()}.db`);
  if (!existsSync(template)) {
    const building = `${template}.${process.pid}.${randomBytes(4).toString('hex')}`;
    const connection = openDatabase(`sqlite:${building}`);
    try {
      await migrateToLatest(connection.db);
    } finally {
      // Closing the last connection checkpoints the WAL into the file and removes it.
      await connection.close();
    }
    renameSync(building, template);
    rmSync(`${building}-wal`, { force: true });
    rmSync(`${building}-shm`, { force: true });
  }
  copyFileSync(template, path);
}

function databaseUrl(name: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Serialises template creation across test files and concurrent runs on the same server. */
const TEMPLATE_LOCK = 0x7265_7461; // "reta"

const TEMPLATE_PREFIX = 'retain_test_template_';

/** The migrated template database for the current migrations, made when missing. */
async function ensurePostgresTemplate(client: pg.Client): Promise<string> {
  const hours = Math.floor(Date.now() / 3_600_000);
  const prefix = `${TEMPLATE_PREFIX}${hashOfMigrations()}_`;
  const existing = await client.query<{ datname: string }>(
    'select datname from pg_database where datname like $1',
    [`${prefix}%`],
  );
  const found = existing.rows.find((row) => !row.datname.endsWith('_building'));
  if (found !== undefined) return found.datname;
  await client.query('select pg_advisory_lock($1)', [TEMPLATE_LOCK]);
  try {
    const again = await client.query<{ datname: string }>(
      "select datname from pg_database where datname like $1 and datname not like '%\\_building'",
      [`${prefix}%`],
    );
    if (again.rows[0] !== undefined) return again.rows[0].datname;
    const name = `${prefix}${hours}`;
    const building = `${name}_building`;
    await client.query(`drop database if exists "${building}"`);
    await client.query(`create database "${building}"`);
    const connection = openDatabase(databaseUrl(building));
    try {
      await migrateToLatest(connection.db);
    } finally {
      await connection.close();
    }
    await client.query(`alter database "${building}" rename to "${name}"`);
    await dropOldTemplates(client, hours);
    return name;
  } finally {
    await client.query('select pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
  }
}

/** Drops templates of other migration sets made more than a day ago (a run may still copy newer ones). */
async function dropOldTemplates(client: pg.Client, hours: number): Promise<void> {
  const all = await client.query<{ datname: string }>(
    'select datname from pg_database where datname like $1',
    [`${TEMPLATE_PREFIX}%`],
  );
  for (const { datname } of all.rows) {
    const made = Number(/_(\d+)(?:_building)?$/.exec(datname)?.[1]);
    if (Number.isFinite(made) && hours - made > TEMPLATE_KEPT_HOURS) {
      await client.query(`drop database if exists "${datname}"`).catch(() => {});
    }
  }
}

/** PostgreSQL's "object in use" error: a database with connections cannot be dropped. */
const OBJECT_IN_USE = '55006';

/** Copies left more than two hours ago (their drop was refused) are dropped when no one uses them. */
async function dropLeftoverCopies(client: pg.Client): Promise<void> {
  const copies = await client.query<{ datname: string }>(
    "select datname from pg_database where datname like $1 and datname not like 'retain_test_template_%'",
    [`${TEST_SCHEMA_PREFIX}%`],
  );
  for (const { datname } of copies.rows) {
    const made = Number.parseInt(datname.slice(TEST_SCHEMA_PREFIX.length).split('_')[1] ?? '', 36);
    if (Number.isFinite(made) && Date.now() - made > 2 * 3_600_000) {
      await client.query(`drop database if exists "${datname}"`).catch(() => {});
    }
  }
}

/** A fresh PostgreSQL database copied from the migrated template; `drop` removes it. */
export async function createMigratedPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${TEST_SCHEMA_PREFIX}${process.pid}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withAdminClient(async (client) => {
    const template = await ensurePostgresTemplate(client);
    if (Math.random() < 0.05) await dropLeftoverCopies(client);
    await client.query(`create database "${name}" template "${template}"`);
  });
  return {
    url: databaseUrl(name),
    drop: () =>
      withAdminClient(async (client) => {
        // A test may leave a connection behind (a server's pool, a worker thread): then the drop
        // is refused, and the copy is left to the sweep of a later run (`dropLeftoverCopies`)
        // rather than forced (forcing ends those connections under the test, which then fails).
        await client.query(`drop database if exists "${name}"`).catch((error: { code?: string }) => {
          if (error.code !== OBJECT_IN_USE) throw error;
        });
      }),
  };
}
