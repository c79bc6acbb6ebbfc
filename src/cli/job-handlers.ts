/** The job handlers the server and the worker run. */
import { scoreJobHandlers } from '../analytics/index.js';
import { importJobHandlers } from '../imports/index.js';
import type { JobHandler } from '../jobs/index.js';

/**
 * The job handlers of every capability that has some. Loaded by name so that a capability still
 * being written does not stop the server from starting. `databaseUrl`: the store, which the score
 * refresh opens again in a thread of its own.
 */
export async function loadJobHandlers(
  options: { readonly databaseUrl?: string } = {},
): Promise<Record<string, JobHandler>> {
  return { ...importJobHandlers, ...scoreJobHandlers({ databaseUrl: options.databaseUrl }) };
}
