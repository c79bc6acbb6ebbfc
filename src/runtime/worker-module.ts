/**
 * Starts a worker thread on one of Retain's own modules, from the compiled package or from the
 * TypeScript sources alike.
 *
 * Why: the package runs `dist/…/x.js`, but tests and `tsx` run `src/…/x.ts`, and a worker thread
 * does not inherit the parent's tsx loader. From the sources, the worker first registers tsx's ESM
 * loader (its ESM entry: the CommonJS one cannot register) and then imports the module.
 */
import { type ResourceLimits, Worker } from 'node:worker_threads';

/**
 * A worker running the module `name` (without extension) beside `callerUrl` — pass the caller's
 * `import.meta.url` — with `options.workerData` as its `workerData`; `background`: at the lowest
 * CPU priority (for jobs no request waits for); `resourceLimits`: the thread's heap bounds (a thread
 * that passes them stops with `ERR_WORKER_OUT_OF_MEMORY`, its process lives on).
 * Example: `startWorkerModule('./report-worker', import.meta.url)`.
 */
export function startWorkerModule(
  name: string,
  callerUrl: string,
  options: {
    readonly workerData?: unknown;
    readonly background?: boolean;
    readonly resourceLimits?: ResourceLimits;
  } = {},
): Worker {
  const fromSources = callerUrl.endsWith('.ts');
  const url = new URL(`${name}${fromSources ? '.ts' : '.js'}`, callerUrl);
  const data = {
    ...(options.workerData === undefined ? {} : { workerData: options.workerData }),
    ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
  };
  if (!fromSources && !options.background) return new Worker(url, { execArgv: [], ...data });
  // Background work yields the cores to the server and its analytics: on Linux the nice value
  // is per thread, and setPriority(19) called in the thread lowers that thread only (a no-op
  // where it cannot be set). It is set before the module is loaded, so the compilation of the
  // sources (tsx) runs at that priority too.
  const nice = options.background
    ? `await import('node:os').then((os) => { try { os.setPriority(19); } catch {} });`
    : '';
  const load = fromSources
    ? `const api = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}); api.register();`
    : '';
  const code = `(async () => { ${nice} ${load} await import(${JSON.stringify(url.href)}); })();`;
  return new Worker(code, { eval: true, ...(fromSources ? {} : { execArgv: [] }), ...data });
}
