import type { Migration, MigrationProvider } from 'kysely';
import { initialMigration } from './001-initial.js';
import { importsMigration } from './002-imports.js';

/**
 * Every migration, by name, in code (not read from disk), so that the compiled `dist/` runs them
 * without the source tree. Names sort in the order they must run; never rename or edit a shipped
 * migration: add the next one.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '001_initial': initialMigration,
  '002_imports': importsMigration,
};

/** A Kysely `MigrationProvider` over `migrations`. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...migrations }),
};
