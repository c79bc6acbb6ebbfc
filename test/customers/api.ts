/**
 * Route-test support for the customer data API: a fresh workspace with one real API key per role
 * (issued by `createApiKey`, so requests pass through the real `authenticate()` middleware) and
 * a `request` helper over `app.request()` (no port).
 */
import type { Kysely } from 'kysely';
import { createApiKey, ROLES, type Role } from '../../src/auth/index.js';
import { type Database, type DialectName, newId } from '../../src/db/index.js';
import { buildApp } from '../../src/server/index.js';
import { createWorkspace } from '../../src/workspaces/workspace.repository.js';

/** A workspace, its keys by role, and a request helper authenticated as one of them. */
export interface ApiWorkspace {
  readonly workspaceId: number;
  /** The workspace's tracking write key (for `/v1/*`). */
  readonly writeKey: string;
  /** The app itself, for requests the helper does not cover (bodies, other headers). */
  readonly app: ReturnType<typeof buildApp>;
  readonly keys: Readonly<Record<Role, string>>;
  /** Calls the app as `role` (default `analyst`); parses JSON bodies. */
  request(
    path: string,
    options?: { readonly role?: Role; readonly method?: string },
    // biome-ignore lint/suspicious/noExplicitAny: test bodies are asserted shape by shape.
  ): Promise<{ status: number; body: any }>;
}

/**
 * Makes a workspace with one API key per role, and an app whose clock reads `now` — with the
 * database's URL, when given, as `retain start` builds it (its analytics computed in workers).
 */
export async function apiWorkspace(
  database: { readonly db: Kysely<Database>; readonly dialect: DialectName; readonly url?: string },
  now: number,
): Promise<ApiWorkspace> {
  const { db, dialect } = database;
  const { workspace, writeKey } = await createWorkspace(db, { name: 'Shop', slug: `shop-${newId()}`, now });
  const keys = {} as Record<Role, string>;
  for (const role of ROLES) {
    const issued = await createApiKey(db, {
      workspaceId: workspace.id,
      name: `${role} key`,
      role,
      grantedBy: null,
      actor: { type: 'system' },
      now,
    });
    keys[role] = issued.key;
  }
  const app = buildApp({ db, dialect, now: () => now, databaseUrl: database.url });
  return {
    workspaceId: workspace.id,
    writeKey,
    app,
    keys,
    async request(path, options = {}) {
      const response = await app.request(path, {
        method: options.method ?? 'GET',
        headers: { Authorization: `Bearer ${keys[options.role ?? 'analyst']}` },
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? null : JSON.parse(text) };
    },
  };
}
