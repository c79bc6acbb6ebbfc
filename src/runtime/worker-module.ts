/**
 * Starts a worker thread on one of Retain's own modules, from the compiled package or from the
 * TypeScript sources alike.
 *
 * Why: the package runs `dist/…/x.js`, but tests and `tsx` run `src/…/x.ts`, and a worker thread
 * does not inherit the parent's tsx loader. From the sources, the worker first registers tsx's ESM
 * loader (its ESM entry: the CommonJS one cannot register) and then imports the module.
 */
import { Worker } from 'node:worker_threads';

/**
 * A worker running the module `name` (without extension) beside `callerUrl` — pass the caller's
 * `import.meta.url` — with `options.workerData` as its `workerData`.
 * Example: `startWorkerModule('./report-worker', import.meta.url)`.
 */
export function startWorkerModule(
  name: string,
  callerUrl: string,
  options: { readonly workerData?: unknown } = {},
): Worker {
  const fromSources = callerUrl.endsWith('.ts');
  const url = new URL(`${name}${fromSources ? '.ts' : '.js'}`, callerUrl);
  const data = options.workerData === undefined ? {} : { workerData: options.workerData };
  if (!fromSources) return new Worker(url, { execArgv: [], ...data });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { eval: true, ...data });
}
