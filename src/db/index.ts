/** The storage layer: connection, schema types, migrations, dialect helpers, workspaces. */
export {
  type DatabaseConnection,
  type DatabaseLocation,
  DEFAULT_DATABASE_URL,
  type OpenDatabaseOptions,
  openDatabase,
  parseDatabaseUrl,
} from './database.js';
export {
  type DialectName,
  dialectOf,
  fromFlag,
  fromJson,
  isForeignKeyViolation,
  isUniqueViolation,
  type JsonText,
  type JsonValue,
  jsonColumnType,
  ownTables,
  toFlag,
  toJson,
} from './dialect.js';
export { newId } from './ids.js';
export { migrateToLatest } from './migrate.js';
export { migrationProvider, migrations, TABLES_IN_DEPENDENCY_ORDER } from './migrations/index.js';
export type * from './schema.js';
export {
  type CreateWorkspaceInput,
  createWorkspace,
  DEFAULT_WORKSPACE_SETTINGS,
  findWorkspaceByWriteKey,
  getWorkspace,
  getWorkspaceBySlug,
  hashSecret,
  listWorkspaces,
  type Workspace,
} from './workspace.repository.js';
