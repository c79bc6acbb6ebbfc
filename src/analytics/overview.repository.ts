/**
 * The version of what an analytics answer depends on, so that a computed answer can be kept until
 * it no longer holds (analytics-runner.ts): the workspace's settings and its data version, a
 * counter every writer of its customers, orders, refunds and subscriptions bumps in its own
 * transaction (customers/data-version.repository.ts). Two primary-key reads: O(1) whatever the
 * workspace's size, so it is read on the server's thread before anything is queued.
 */
import type { Kysely } from 'kysely';
import { dataVersion } from '../customers/index.js';
import type { Database } from '../db/index.js';
import { getWorkspace } from '../workspaces/workspace.repository.js';

/**
 * The version of everything an analytics answer depends on: the workspace's settings (time zone,
 * week start, activity window…) and its data version. A missing workspace has version `''`.
 * Example: `await analyticsVersion(db, ws)` → `{"timeZone":"UTC"}|42`.
 */
export async function analyticsVersion(db: Kysely<Database>, workspaceId: number): Promise<string> {
  const workspace = await getWorkspace(db, workspaceId);
  if (!workspace) return '';
  return `${JSON.stringify(workspace.settings)}|${await dataVersion(db, workspaceId)}`;
}
