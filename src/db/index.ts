/** The storage layer: connection, schema types, migrations, dialect helpers, ids and secret hashes. */
export { announceChange, changeVersion } from './change-watch.js';
export { DATA_DIRECTORY_VARIABLE, dataDirectoryFor } from './data-directory.js';
export {
  type DatabaseConnection,
  type DatabaseLocation,
  DEFAULT_DATABASE_URL,
  eachPostgresRow,
  type OpenDatabaseOptions,
  openDatabase,
  type PostgresSession,
  parseDatabaseUrl,
  sqliteRows,
  withPostgresSession,
} from './database.js';
export {
  type DialectName,
  dialectOf,
  fromFlag,
  fromJson,
  inWriteTransaction,
  isForeignKeyViolation,
  isUniqueViolation,
  type JsonText,
  type JsonValue,
  jsonColumnType,
  ownTables,
  storageUnavailableReason,
  toFlag,
  toJson,
} from './dialect.js';
export { newId, newIds, parseRowId } from './ids.js';
export { migrateToLatest } from './migrate.js';
export { migrationProvider, migrations, TABLES_IN_DEPENDENCY_ORDER } from './migrations/index.js';
export type * from './schema.js';
export { hashSecret } from './secret-hash.js';
