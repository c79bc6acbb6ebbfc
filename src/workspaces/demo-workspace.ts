/**
 * The demo workspace `npm start` loads on first run: "Demo (CDNOW)", holding the bundled CDNOW
 * sample (`samples/cdnow-orders.csv`: 23,570 customers, 69,659 orders, 1997–1998) imported through
 * the ordinary import service, and a login for it.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import { createUser, listUsers } from '../auth/index.js';
import type { Database } from '../db/index.js';
import { fileFingerprint, findSucceededRun, type ImportRun, runImport } from '../imports/index.js';
import { createWorkspace, getWorkspaceBySlug, type Workspace } from './workspace.repository.js';

/** The demo's slug: how a second call finds the demo made by the first. */
export const DEMO_WORKSPACE_SLUG = 'demo-cdnow';
export const DEMO_WORKSPACE_NAME = 'Demo (CDNOW)';
export const DEMO_ADMIN_EMAIL = 'demo@retain.local';

/** The bundled sample, found from this file (works from `src/` under tsx and from `dist/`). */
export function demoSamplePath(): string {
  return fileURLToPath(new URL('../../samples/cdnow-orders.csv', import.meta.url));
}

export interface DemoWorkspace {
  readonly workspace: Workspace;
  /** False when the demo already existed (nothing was imported this time). */
  readonly created: boolean;
  /** The import of the sample (this call's, or the run that completed before). */
  readonly importRun: ImportRun | null;
  readonly adminEmail: string;
  /** The demo login's password: only when this call created the user (it is stored hashed). */
  readonly adminPassword?: string;
}

/**
 * Creates the demo workspace and imports the CDNOW sample into it, or finds the demo when it
 * exists: idempotent (a demo whose import was interrupted is finished by the next call, as any
 * import is). Creates the login `demo@retain.local` (role admin) with a random password, returned
 * once. The sample's dates have no time of day: they are read in the workspace zone (UTC).
 *
 * O(sample size) on the first call (~70k rows), two queries afterwards.
 * Example: `const demo = await loadDemoWorkspace(db, { now: Date.now() })` →
 * `{ workspace: { name: 'Demo (CDNOW)', … }, created: true, adminEmail: 'demo@retain.local', adminPassword: '…' }`.
 */
export async function loadDemoWorkspace(
  db: Kysely<Database>,
  options: { readonly now: number; readonly samplePath?: string },
): Promise<DemoWorkspace> {
  const samplePath = options.samplePath ?? demoSamplePath();
  let workspace = await getWorkspaceBySlug(db, DEMO_WORKSPACE_SLUG);
  const created = workspace === undefined;
  if (workspace === undefined) {
    workspace = (
      await createWorkspace(db, {
        name: DEMO_WORKSPACE_NAME,
        slug: DEMO_WORKSPACE_SLUG,
        settings: { timeZone: 'UTC', currency: 'USD' },
        now: options.now,
      })
    ).workspace;
  }

  // Running the import again is harmless (idempotent) but reads 70k rows: skip it once done.
  const fingerprint = await fileFingerprint(samplePath);
  let importRun = (await findSucceededRun(db, workspace.id, fingerprint)) ?? null;
  if (importRun === null) {
    importRun = (
      await runImport(db, {
        workspaceId: workspace.id,
        path: samplePath,
        type: 'orders',
        format: 'generic',
        fileName: 'cdnow-orders.csv',
        now: () => options.now,
      })
    ).run;
  }

  const users = await listUsers(db, workspace.id);
  if (users.some((user) => user.email === DEMO_ADMIN_EMAIL)) {
    return { workspace, created, importRun, adminEmail: DEMO_ADMIN_EMAIL };
  }
  const adminPassword = randomBytes(12).toString('base64url');
  await createUser(db, {
    workspaceId: workspace.id,
    email: DEMO_ADMIN_EMAIL,
    role: 'admin',
    name: 'Demo',
    password: adminPassword,
    actor: { type: 'system' },
    now: options.now,
  });
  return { workspace, created, importRun, adminEmail: DEMO_ADMIN_EMAIL, adminPassword };
}
