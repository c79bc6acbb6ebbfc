/**
 * Throw-away PostgreSQL schemas for tests: each test file (each `describeEachDatabase` block)
 * gets its own, so parallel files and concurrent runs never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the tests use; PostgreSQL is a required part of `npm test`. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Prefix of every test schema, so leftovers from a killed run are easy to find and drop. */
export const TEST_SCHEMA_PREFIX = 'retain_test_';

/** Runs `run` on a fresh client of the test server's admin database, then closes it. */
export async function withAdminClient<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    // Loud on purpose: a storage suite that silently skips PostgreSQL proves nothing about it.
    throw new Error(
      `PostgreSQL is required by the test suite but is unreachable at ${TEST_DATABASE_URL} ` +
        `(${error instanceof Error ? error.message : String(error)}). Start it, or set TEST_DATABASE_URL.`,
      { cause: error },
    );
  }
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty schema with a unique name and returns the name. */
export async function createTestSchema(): Promise<string> {
  const name = `${TEST_SCHEMA_PREFIX}${process.pid}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withAdminClient((client) => client.query(`create schema "${name}"`));
  return name;
}

/** Drops a schema made by `createTestSchema`, with everything in it. */
export async function dropTestSchema(name: string): Promise<void> {
  if (!name.startsWith(TEST_SCHEMA_PREFIX)) throw new Error(`Refusing to drop non-test schema "${name}"`);
  await withAdminClient((client) => client.query(`drop schema if exists "${name}" cascade`));
}

/** `TEST_DATABASE_URL` with `?schema=` added: opens the given schema through `openDatabase`. */
export function postgresUrlForSchema(schema: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}
