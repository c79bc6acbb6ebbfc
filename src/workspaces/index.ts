/** Workspaces: creation with their keys, listing, and the `GET /api/v1/workspace` route. */

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
