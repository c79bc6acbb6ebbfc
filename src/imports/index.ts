/**
 * CSV imports: streaming readers that turn order and subscription exports (generic, Shopify,
 * Stripe) into the core's columnar tables, with located, structured issues instead of exceptions;
 * and the import service, routes and job that write such files to the store. The readers have a
 * second surface without the database and HTTP code, `readers.ts`, which this file re-exports.
 */

export {
  DEMO_ADMIN_EMAIL,
  DEMO_WORKSPACE_NAME,
  DEMO_WORKSPACE_SLUG,
  type DemoWorkspace,
  demoSamplePath,
  loadDemoWorkspace,
} from './demo-workspace.js';
export { IMPORT_JOB_TYPE, importJobHandlers, startImport } from './import.jobs.js';
export { importRoutes } from './import.routes.js';
export { type ImportOutcome, type ImportProgress, runImport } from './import.service.js';
export { IMPORT_FORMATS, IMPORT_TYPES, type ImportFormat, type ImportType } from './import.types.js';
export * from './readers.js';
