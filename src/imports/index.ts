/**
 * Imports into the store: record readers for customer, order, subscription and event exports
 * (generic, Shopify, Stripe), built on `csv/`, and the import service, routes and job that write
 * such files to a workspace — all-or-nothing, idempotent, crash-safe.
 */

export {
  DEFAULT_IMPORT_FILES_RETENTION_MS,
  eraseFromImportFiles,
  IMPORT_FILES_JOB_TYPE,
  importFilesDirectory,
} from './import.files.js';
export { IMPORT_JOB_TYPE, importJobHandlers, startImport } from './import.jobs.js';
export { findSucceededRun } from './import.repository.js';
export { DEFAULT_MAX_UPLOAD_BYTES, type ImportRoutesOptions, importRoutes } from './import.routes.js';
export {
  fileFingerprint,
  type ImportOutcome,
  type ImportProgress,
  type ImportRun,
  runImport,
} from './import.service.js';
export { IMPORT_FORMATS, IMPORT_TYPES, type ImportFormat, type ImportType } from './import.types.js';
export { importPreviewRoutes } from './import-preview.routes.js';
