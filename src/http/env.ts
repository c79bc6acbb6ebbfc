/**
 * What every HTTP handler can rely on: the services of the running app and, on authenticated
 * routes, who is calling. Capability routes import these types from here (never from server/).
 */
import type { Kysely } from 'kysely';
import type { Role } from '../auth/roles.js';
import type { Database, DialectName } from '../db/index.js';

/** The authenticated caller. Every query a handler makes is scoped to `workspaceId`. */
export interface AuthContext {
  readonly workspaceId: number;
  readonly role: Role;
  /** A person logged in with a session cookie, or a machine with an API key. */
  readonly via: 'session' | 'api_key';
  readonly userId: number | null;
  readonly apiKeyId: number | null;
  /** Session only: the CSRF token the caller must echo on unsafe methods. */
  readonly csrfToken?: string;
}

/** Long-lived services the app is built with (one per process). */
export interface AppServices {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** The current instant (epoch ms); tests pass a fixed clock. */
  now(): number;
  /**
   * The store's URL, which the analytics workers open for their own connections (docs/architecture.md,
   * "Where analytics run"). Absent, or an in-memory SQLite: analytics are computed on the main thread.
   */
  readonly databaseUrl?: string | undefined;
  /**
   * The data directory, where import uploads and rejects files are kept (imports/import.files.ts,
   * docs/operations.md "Import files"). `buildApp` fills it when absent: `RETAIN_DATA_DIR`, else
   * the SQLite file's directory, else `./data` (db/data-directory.ts).
   */
  readonly dataDirectory?: string | undefined;
}

export type AppEnv = {
  Variables: {
    services: AppServices;
    auth: AuthContext;
  };
};
