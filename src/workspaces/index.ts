/**
 * Workspaces: creation with their keys, listing, the demo workspace, and the
 * `GET /api/v1/workspace` route. The table's repository is also a light surface of its own,
 * `workspace.repository.ts`, for the capabilities below this one.
 */
export {
  DEMO_ADMIN_EMAIL,
  DEMO_WORKSPACE_NAME,
  DEMO_WORKSPACE_SLUG,
  type DemoWorkspace,
  demoSamplePath,
  loadDemoWorkspace,
} from './demo-workspace.js';
export { workspaceRoutes } from './workspace.routes.js';
export {
  type CreatedWorkspace,
  type CreateWorkspaceInput,
  createWorkspaceWithKeys,
  getWorkspace,
  listWorkspaces,
  slugify,
  type Workspace,
} from './workspace.service.js';
